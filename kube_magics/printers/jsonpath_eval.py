"""Evaluation of parsed JSONPath templates, step for step as client-go's `JSONPath.FindResults` walks them.

`find_results` returns one list of values per top-level node (a text or an action); `range ... end` repeats the
nodes between them for each value of the range expression, which is what makes
`{range .items[*]}{.metadata.name}{"\\n"}{end}` print one line per item.

Imports only the JSONPath parser of the printers, and `gojson` for Go's names of JSON types.
"""

from __future__ import annotations

import re
from typing import Any

from kube_magics.gojson import go_type
from kube_magics.printers.jsonpath import JSONPathError, Node

_MISSING = object()
_REFLECT_NAMES = {"map": "map[string]interface {}", "string": "string", "bool": "bool", "int64": "int64",
                  "float64": "float64"}


def find_results(root: Node, data: Any, *, allow_missing_keys: bool = True) -> list[list[Any]]:
    return _Evaluator(allow_missing_keys).find(root.nodes, data)


def _go_type(value: Any) -> str:
    """The type reflect names for a value client-go's JSONPath cannot index (`interface {}` for lists and nil)."""
    return _REFLECT_NAMES.get(go_type(value), "interface {}")


class _Evaluator:
    def __init__(self, allow_missing: bool) -> None:
        self.allow_missing = allow_missing
        self.begin_range = self.in_range = self.end_range = 0
        self.last_end: Node | None = None

    def find(self, nodes: list[Node], data: Any) -> list[list[Any]]:
        full: list[list[Any]] = []
        i = 0
        while i < len(nodes):
            node = nodes[i]
            results = self.walk([data], node)
            if 0 < self.end_range <= self.in_range:
                self.end_range -= 1
                self.last_end = node
                break
            if self.begin_range > 0:
                self.begin_range -= 1
                self.in_range += 1
                for value in results or [None]:
                    found = self.find(nodes[i + 1:], value)
                    if results:
                        full.extend(found)
                self.in_range -= 1
                for k in range(i + 1, len(nodes)):
                    if nodes[k] is self.last_end:
                        i = k
                        break
                i += 1
                continue
            full.append(results)
            i += 1
        return full

    def walk(self, values: list[Any], node: Node) -> list[Any]:
        kind = node.kind
        if kind == "list":
            for child in node.nodes:
                values = self.walk(values, child)
            return values
        if kind == "text":
            return [node.value]
        if kind in ("int", "float", "bool"):
            return [node.value for _ in values]
        handler = getattr(self, "_" + kind, None)
        if handler is None:
            raise JSONPathError(f"unexpected Node {kind}")
        result: list[Any] = handler(values, node)
        return result

    def _field(self, values: list[Any], node: Node) -> list[Any]:
        results = []
        for value in values:
            if isinstance(value, dict) and node.value in value:
                results.append(value[node.value])
        if not results and values and not self.allow_missing:
            raise JSONPathError(f"{node.value} is not found")
        return results

    def _array(self, values: list[Any], node: Node) -> list[Any]:
        result: list[Any] = []
        for value in values:
            if value is None:
                continue
            if not isinstance(value, list):
                raise JSONPathError(f"{_go_type(value)} is not array or slice")
            (k0, start, _), (k1, end, derived), (k2, step, _) = node.value
            n = len(value)
            start = start if k0 else 0
            start = start + n if start < 0 else start
            end = end if k1 else n
            if end < 0 or (end == 0 and derived):
                end += n
            if end == start:
                return result
            if start >= n or start < 0:
                raise JSONPathError(f"array index out of bounds: index {start}, length {n}")
            if end > n or end < 0:
                raise JSONPathError(f"array index out of bounds: index {end - 1}, length {n}")
            if start > end:
                raise JSONPathError(f"starting index {start} is greater than ending index {end}")
            if k2 and step <= 0:
                raise JSONPathError("step must be > 0")
            result.extend(value[start:end:step if k2 else 1])
        return result

    def _filter(self, values: list[Any], node: Node) -> list[Any]:
        left_node, right_node = node.nodes
        results = []
        for value in values:
            if not isinstance(value, list):
                raise JSONPathError(f"{value} is not array or slice and cannot be filtered")
            for item in value:
                lefts = self.walk([item], left_node)
                if node.value == "exists":
                    if lefts:
                        results.append(item)
                    continue
                if len(lefts) != 1:
                    if lefts:
                        raise JSONPathError("can only compare one element at a time")
                    continue
                rights = self.walk([item], right_node)
                if len(rights) != 1:
                    if rights:
                        raise JSONPathError("can only compare one element at a time")
                    continue
                if compare(node.value, lefts[0], rights[0]):
                    results.append(item)
        return results

    def _wildcard(self, values: list[Any], node: Node) -> list[Any]:
        results: list[Any] = []
        for value in values:
            results.extend(_children(value))
        return results

    def _recursive(self, values: list[Any], node: Node) -> list[Any]:
        result: list[Any] = []
        for value in values:
            children = _children(value)
            if children:
                result.append(value)
                result.extend(self._recursive(children, node))
        return result

    def _union(self, values: list[Any], node: Node) -> list[Any]:
        result: list[Any] = []
        for child in node.nodes:
            result.extend(self.walk(values, child))
        return result

    def _identifier(self, values: list[Any], node: Node) -> list[Any]:
        if node.value == "range":
            self.begin_range += 1
            return values
        if node.value == "end":
            if self.in_range > 0:
                self.end_range += 1
                return []
            raise JSONPathError("not in range, nothing to end")
        raise JSONPathError(f"unrecognized identifier {node.value}")


def _children(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value[k] for k in sorted(value)]
    if isinstance(value, list):
        return list(value)
    if isinstance(value, str):
        return list(value.encode())
    return []


def _basic(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    raise JSONPathError("invalid type for comparison")


def compare(op: str, left: Any, right: Any) -> bool:
    """Go text/template's eq/ne/lt/le/gt/ge (and `=~` for regular expressions) on two decoded values."""
    if op == "=~":
        if not isinstance(left, str) or not isinstance(right, str):
            raise JSONPathError(f"regexp search only support string now but getting pattern: {right!r}, "
                                f"data: {left!r}")
        return re.search(right, left) is not None
    kl, kr = _basic(left), _basic(right)
    if kl != kr:
        raise JSONPathError("incompatible types for comparison")
    if op in ("==", "!="):
        return (left == right) == (op == "==")
    if kl == "bool":
        raise JSONPathError("invalid type for comparison")
    ops = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}
    if op not in ops:
        raise JSONPathError(f"unrecognized filter operator {op}")
    return ops[op]
