"""Label and field selectors: `-l app=nginx,tier!=db,env in (a,b),!legacy` and `metav1.LabelSelector` dicts.

A selector compiles once to a `Selector` that matches a labels dict; the same object serves `kubectl get -l`, a
Deployment's `spec.selector`, a Service's `spec.selector` and the API's `labelSelector` query parameter.

Imports nothing of kube_magics but errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kube_magics.errors import KubeMagicsError

Labels = Mapping[str, str]


class SelectorError(KubeMagicsError):
    """A selector that does not parse."""


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"
    values: tuple[str, ...] = ()

    def matches(self, labels: Labels) -> bool:
        op = self.op
        if op == "In":
            return labels.get(self.key) in self.values if self.key in labels else False
        if op == "NotIn":
            return self.key not in labels or labels[self.key] not in self.values
        if op == "Exists":
            return self.key in labels
        if op == "DoesNotExist":
            return self.key not in labels
        if op in ("Gt", "Lt"):
            if self.key not in labels:
                return False
            try:
                have, want = int(labels[self.key]), int(self.values[0])
            except ValueError:
                return False
            return have > want if op == "Gt" else have < want
        raise SelectorError(f"{op!r} is not a valid label selector operator")

    def text(self) -> str:
        if self.op == "In" and len(self.values) == 1:
            return f"{self.key}={self.values[0]}"
        if self.op == "NotIn" and len(self.values) == 1:
            return f"{self.key}!={self.values[0]}"
        if self.op in ("In", "NotIn"):
            return f"{self.key} {self.op.lower()} ({','.join(sorted(self.values))})"
        if self.op == "Exists":
            return self.key
        if self.op == "DoesNotExist":
            return f"!{self.key}"
        return f"{self.key} {'>' if self.op == 'Gt' else '<'} {self.values[0]}"


class Selector:
    """A conjunction of requirements. The empty selector matches everything; `Selector.nothing()` matches none."""

    __slots__ = ("_match", "equality", "requirements")

    def __init__(self, requirements: tuple[Requirement, ...] = (), *, match_none: bool = False) -> None:
        self.requirements = requirements
        # Pure equality selectors (the common case: matchLabels) get a fast path.
        eq: dict[str, str] | None = {}
        for r in requirements:
            if r.op == "In" and len(r.values) == 1 and eq is not None:
                eq[r.key] = r.values[0]
            else:
                eq = None
        self.equality = eq
        self._match: Callable[[Labels], bool]
        if match_none:
            self._match = _never
        elif eq is not None:
            items = tuple(eq.items())
            self._match = lambda labels: all(labels.get(k) == v for k, v in items)
        else:
            self._match = lambda labels: all(r.matches(labels) for r in requirements)

    @classmethod
    def nothing(cls) -> Selector:
        return cls(match_none=True)

    def matches(self, labels: Labels | None) -> bool:
        return self._match(labels or {})

    def is_empty(self) -> bool:
        return not self.requirements and self._match is not _never

    def __str__(self) -> str:
        return ",".join(r.text() for r in self.requirements)

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})"


def _never(labels: Labels) -> bool:
    return False


def from_label_selector(sel: Mapping[str, Any] | None) -> Selector:
    """Compile a `metav1.LabelSelector` (matchLabels and matchExpressions).

    A nil selector matches nothing and an empty one everything, as in `metav1.LabelSelectorAsSelector`.
    """
    if sel is None:
        return Selector.nothing()
    reqs: list[Requirement] = []
    for k, v in sorted((sel.get("matchLabels") or {}).items()):
        reqs.append(Requirement(k, "In", (str(v),)))
    for expr in sel.get("matchExpressions") or []:
        op = expr.get("operator")
        if op not in ("In", "NotIn", "Exists", "DoesNotExist"):
            raise SelectorError(f'"{op}" is not a valid label selector operator')
        reqs.append(Requirement(expr["key"], op, tuple(str(x) for x in expr.get("values") or ())))
    return Selector(tuple(reqs))


def from_map(labels: Mapping[str, str] | None) -> Selector:
    """A Service's or ReplicationController's plain map selector; an empty map selects nothing for Services."""
    return Selector(tuple(Requirement(k, "In", (str(v),)) for k, v in sorted((labels or {}).items())))


_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|<|>|notin\b|in\b|[A-Za-z0-9_./-]+)")


def parse(text: str | None) -> Selector:
    """Parse kubectl's `-l` syntax: `a=b,c!=d,e in (x,y),f notin (z),g,!h`."""
    if not text or not text.strip():
        return Selector()
    tokens = _tokenize(text)
    reqs: list[Requirement] = []
    i = 0

    def expect_value(j: int) -> tuple[str, int]:
        if j < len(tokens) and tokens[j] not in ("!=", "==", "=", "!", "(", ")", ","):
            return tokens[j], j + 1
        if j < len(tokens) and tokens[j] == ",":
            return "", j
        if j >= len(tokens):
            return "", j
        raise SelectorError(f"unable to parse requirement: found '{tokens[j]}', expected: identifier")

    while i < len(tokens):
        tok = tokens[i]
        if tok == "!":
            key = tokens[i + 1] if i + 1 < len(tokens) else ""
            if not key or key in ("!=", "==", "=", "(", ")", ","):
                raise SelectorError(f"unable to parse requirement: {text!r}")
            reqs.append(Requirement(key, "DoesNotExist"))
            i += 2
        else:
            key = tok
            i += 1
            op = tokens[i] if i < len(tokens) else ","
            if op == ",":
                reqs.append(Requirement(key, "Exists"))
            elif op in ("=", "=="):
                value, i = expect_value(i + 1)
                reqs.append(Requirement(key, "In", (value,)))
            elif op == "!=":
                value, i = expect_value(i + 1)
                reqs.append(Requirement(key, "NotIn", (value,)))
            elif op in ("in", "notin"):
                if i + 1 >= len(tokens) or tokens[i + 1] != "(":
                    raise SelectorError(f"unable to parse requirement: found '{op}', expected: '('")
                j = i + 2
                values: list[str] = []
                while j < len(tokens) and tokens[j] != ")":
                    if tokens[j] != ",":
                        values.append(tokens[j])
                    j += 1
                if j >= len(tokens):
                    raise SelectorError("unable to parse requirement: found end of string, expected: ')'")
                reqs.append(Requirement(key, "In" if op == "in" else "NotIn", tuple(values)))
                i = j + 1
            elif op in ("<", ">"):
                value, i = expect_value(i + 1)
                reqs.append(Requirement(key, "Gt" if op == ">" else "Lt", (value,)))
            else:
                raise SelectorError(
                    f"unable to parse requirement: found '{op}', expected: in, notin, =, ==, !=, gt, lt")
        if i < len(tokens):
            if tokens[i] != ",":
                raise SelectorError(f"found '{tokens[i]}', expected: ',' or 'end of string'")
            i += 1
    return Selector(tuple(reqs))


def _tokenize(text: str) -> list[str]:
    out = []
    pos = 0
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        m = _TOKEN.match(text, pos)
        if not m:
            raise SelectorError(f"unable to parse requirement: unexpected character {text[pos]!r} in {text!r}")
        out.append(m.group(1))
        pos = m.end()
    return out


def parse_field_selector(text: str | None) -> list[tuple[str, str, str]]:
    """`--field-selector status.phase=Running,spec.nodeName!=x` as (path, op, value) triples."""
    out: list[tuple[str, str, str]] = []
    if not text:
        return out
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        for op in ("!=", "==", "="):
            if op in part:
                path, value = part.split(op, 1)
                out.append((path.strip(), "!=" if op == "!=" else "=", value.strip()))
                break
        else:
            raise SelectorError(f"invalid selector: '{part}'; can't understand '{part}'")
    return out


def field_value(obj: Mapping[str, Any], path: str) -> str:
    """The string value of a dotted field path, as the API's field selectors compare it."""
    cur: Any = obj
    for part in path.split("."):
        if not isinstance(cur, Mapping):
            return ""
        cur = cur.get(part)
    if cur is None:
        return ""
    if isinstance(cur, bool):
        return "true" if cur else "false"
    return str(cur)


def matches_fields(obj: Mapping[str, Any], reqs: list[tuple[str, str, str]]) -> bool:
    for path, op, value in reqs:
        have = field_value(obj, path)
        if (have == value) != (op == "="):
            return False
    return True
