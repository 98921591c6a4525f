"""YAML text -> plain dicts, remembering the line and column of every field.

Owns the YAML side of reading a manifest: composing nodes with PyYAML's C parser (the pure-Python one when
libyaml is missing), resolving scalars as kubectl does (its YAML reader follows YAML 1.1 as go-yaml v2 reads it:
`yes`, `on`, `y` are booleans, `1_000` is an int, timestamps stay strings), rejecting what kubectl rejects
(duplicate keys) and turning PyYAML's errors into plain words with a line and a column.

Must not: know Kubernetes kinds, template, or validate anything beyond YAML itself.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

Path = tuple[str | int, ...]
Positions = dict[Path, tuple[int, int]]  # field path -> (line, column), both 0-based in the parsed text

_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"

_TRUE = frozenset(["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
_FALSE = frozenset(["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
_NULLS = frozenset(["", "~", "null", "Null", "NULL"])
_INT_RE = re.compile(r"^[-+]?(0[bB][01]+|0[oO][0-7]+|0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$")
_FLOAT_RE = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")
_SPECIAL_FLOATS = {".nan": math.nan, ".NaN": math.nan, ".NAN": math.nan, ".inf": math.inf, ".Inf": math.inf,
                   ".INF": math.inf, "+.inf": math.inf, "+.Inf": math.inf, "+.INF": math.inf, "-.inf": -math.inf,
                   "-.Inf": -math.inf, "-.INF": -math.inf}


class GoYamlResolver(BaseResolver):
    """Plain scalars resolved the way go-yaml v2 resolves them when kubectl turns YAML into JSON."""

    def resolve(self, kind: type[Node], value: str, implicit: tuple[bool, bool]) -> str:
        if kind is not ScalarNode or not implicit[0]:
            return super().resolve(kind, value, implicit)
        if value in _TRUE or value in _FALSE:
            return _BOOL
        if value in _NULLS:
            return _NULL
        if value == "<<":
            return _MERGE
        if value in _SPECIAL_FLOATS:
            return _FLOAT
        first = value[:1]
        if first.isdigit() or first in "+-.":
            plain = value.replace("_", "")
            if _INT_RE.match(plain):
                return _INT
            if _FLOAT_RE.match(plain):
                return _FLOAT
        return _STR


try:
    from yaml._yaml import CParser as _Parser  # libyaml: about ten times faster

    LIBYAML = True
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)

    LIBYAML = False


class _Composer(_Parser, GoYamlResolver):
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        GoYamlResolver.__init__(self)


@dataclass
class RawDocument:
    """One YAML document: its value, where its fields are, and its first line (0-based)."""

    value: Any
    positions: Positions
    line: int


class YamlProblem(Exception):
    """A YAML error in plain words, with a 0-based line and column in the parsed text."""

    def __init__(self, message: str, line: int | None, column: int | None, hint: str | None = None,
                 other_line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint  # may name "{other_line}": the caller fills in that line in the cell's numbering
        self.other_line = other_line


def compose(text: str) -> Iterator[RawDocument]:
    """Every non-empty document of `text`, in order. Raises YamlProblem."""
    composer = _Composer(text)
    try:
        while composer.check_node():
            node = composer.get_node()
            if node is None:
                continue
            builder = _Builder()
            value = builder.value(node, ())
            if value is None:
                continue
            yield RawDocument(value, builder.positions, node.start_mark.line)
    except yaml.MarkedYAMLError as exc:
        raise _plain(exc, text) from None
    finally:
        dispose = getattr(composer, "dispose", None)
        if dispose is not None:
            dispose()


class _Builder:
    """Turns composed nodes into plain values, recording the position of every key and list item."""

    def __init__(self) -> None:
        self.positions: Positions = {}

    def value(self, node: Node, path: Path) -> Any:
        if isinstance(node, ScalarNode):
            return scalar(node)
        if isinstance(node, SequenceNode):
            out = []
            for i, item in enumerate(node.value):
                here = (*path, i)
                self.positions[here] = (item.start_mark.line, item.start_mark.column)
                out.append(self.value(item, here))
            return out
        if isinstance(node, MappingNode):
            return self.mapping(node, path)
        raise YamlProblem(f"unsupported YAML node {node.tag}", node.start_mark.line, node.start_mark.column)

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        merged: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE:
                merged.update(self._merge(value_node, path))
                continue
            key = self._key(key_node)
            if key in first_seen:
                raise YamlProblem(
                    f'duplicate key "{key}"', key_node.start_mark.line, key_node.start_mark.column,
                    hint=f'"{key}" is already set at line {{other_line}} of this mapping; keep one of them',
                    other_line=first_seen[key],
                )
            first_seen[key] = key_node.start_mark.line
            here = (*path, key)
            self.positions[here] = (key_node.start_mark.line, key_node.start_mark.column)
            out[key] = self.value(value_node, here)
        if merged:
            return {**merged, **out}
        return out

    def _merge(self, node: Node, path: Path) -> dict[str, Any]:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        result: dict[str, Any] = {}
        for src in reversed(sources):
            if not isinstance(src, MappingNode):
                raise YamlProblem("a merge key (<<) must name a mapping or a list of mappings",
                                  src.start_mark.line, src.start_mark.column)
            result.update(self.mapping(src, path))
        return result

    def _key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise YamlProblem("a mapping key must be a plain value, not a list or a mapping",
                              node.start_mark.line, node.start_mark.column)
        key = scalar(node)
        # kubectl turns YAML into JSON, whose keys are strings: 1 -> "1", true -> "true", null -> "null".
        if isinstance(key, str):
            return key
        if isinstance(key, bool):
            return "true" if key else "false"
        if key is None:
            return "null"
        return str(key)


def scalar(node: ScalarNode) -> Any:
    value: str = node.value
    tag = node.tag
    if tag == _STR or node.style:
        if tag in (_INT, _FLOAT, _BOOL, _NULL):  # an explicit !!int "3"
            return _typed(tag, value, node)
        return value
    return _typed(tag, value, node)


def _typed(tag: str, value: str, node: ScalarNode) -> Any:
    if tag == _BOOL:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    elif tag == _NULL:
        return None
    elif tag == _INT:
        plain = value.replace("_", "")
        try:
            return _go_int(plain)
        except ValueError:
            pass
    elif tag == _FLOAT:
        if value in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[value]
        number = float(value.replace("_", ""))
        # kubectl sends JSON, where an integral float (1.0, 1e3) is written as an integer.
        if number.is_integer() and abs(number) < 2**63:
            return int(number)
        return number
    elif tag.startswith("tag:yaml.org,2002:"):
        return value
    else:
        raise YamlProblem(f"unknown YAML tag {tag}", node.start_mark.line, node.start_mark.column,
                          hint="Kubernetes manifests use no tags; remove it or quote the value")
    return value


def _go_int(text: str) -> int:
    """An integer as Go's strconv.ParseInt(s, 0, 64) reads it: 0x1F, 0o17, 017 (octal), 0b101."""
    sign = -1 if text.startswith("-") else 1
    body = text.lstrip("+-")
    lower = body.lower()
    if lower.startswith("0x"):
        return sign * int(body[2:], 16)
    if lower.startswith("0o"):
        return sign * int(body[2:], 8)
    if lower.startswith("0b"):
        return sign * int(body[2:], 2)
    if len(body) > 1 and body.startswith("0"):
        return sign * int(body, 8)
    return sign * int(body, 10)


# --- errors in plain words ------------------------------------------------------------------------------------


def _plain(exc: yaml.MarkedYAMLError, text: str) -> YamlProblem:
    """PyYAML's error (libyaml's words or the pure-Python parser's) in plain words, at the most useful mark."""
    problem = (exc.problem or "").strip()
    context = (exc.context or "").strip()
    mark = exc.problem_mark or exc.context_mark
    line = mark.line if mark is not None else None
    column = mark.column if mark is not None else None
    start = exc.context_mark
    if _is_tab(text, mark) or "'\\t'" in problem:
        return YamlProblem("a tab character: YAML forbids tabs for indentation", line, column,
                           hint="indent with spaces (two per level is usual)")
    if "quoted scalar" in context:
        return YamlProblem("unclosed quote: the string that starts here is never closed",
                           start.line if start else line, start.column if start else column,
                           hint="close the string with the same quote it opens with")
    if "flow sequence" in context or "flow mapping" in context:
        opener = "[" if "sequence" in context else "{"
        closer = "]" if opener == "[" else "}"
        return YamlProblem(f"unclosed bracket: the {opener} that opens here is not closed with {closer}",
                           start.line if start else line, start.column if start else column,
                           hint=f"close it with {closer}, and separate its items with commas")
    if problem.startswith("mapping values are not allowed"):
        return YamlProblem("a key: value is not allowed here (check this line's indentation, or quote a value "
                           "that contains ': ')", line, column)
    if "did not find expected key" in problem or problem.startswith("expected <block end>"):
        return YamlProblem("bad indentation: this line does not line up with the lines above", line, column,
                           hint="keys of one mapping start in the same column; list items too")
    if "could not find expected ':'" in problem:
        return YamlProblem("a line that is neither `key: value` nor a list item (missing ':' after a key?)",
                           start.line if start else line, start.column if start else column)
    if "found undefined alias" in problem:
        return YamlProblem(f"undefined YAML alias ({problem})", line, column)
    words = "; ".join(p for p in (context, problem) if p)
    return YamlProblem(f"invalid YAML: {words}", line, column)


def _is_tab(text: str, mark: Any) -> bool:
    """Whether the error is at a tab in a line's indentation (libyaml only says it cannot start a token)."""
    if mark is None:
        return False
    lines = text.split("\n")
    if not 0 <= mark.line < len(lines):
        return False
    row = lines[mark.line]
    indent = row[: len(row) - len(row.lstrip(" \t"))]
    return "\t" in indent and mark.column <= len(indent)
