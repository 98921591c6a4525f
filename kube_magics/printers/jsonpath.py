"""kubectl's JSONPath dialect (client-go's util/jsonpath): parse a template once, run it on a decoded object.

Templates mix text and `{...}` actions: `{.status.podIP}`, `{.items[*].metadata.name}`, `{.items[0:2]}`,
`{.items[-1:]}`, `{..image}`, `{.items[?(@.status.phase=="Running")].metadata.name}`, unions `[a,b]`,
`{range .items[*]}{.metadata.name}{"\\n"}{end}`, escaped dots in keys (`{.metadata.labels.app\\.kubernetes\\.io/name}`).
Results print as kubectl prints them: several values of one action separated by spaces, maps and lists as compact
JSON (Go's encoder, so `<` becomes `\\u003c`), null as `<nil>`. A missing key prints nothing (kubectl's
`--allow-missing-template-keys` is on by default).

Map wildcards iterate in sorted key order (Go's is random; sorted keeps outputs deterministic).

Imports only kube_magics.errors and the printers' helpers.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.gojson import go_format

_SLICE = re.compile(r"^(-?\d*)(:-?\d*)?(:-?\d*)?$")
_DICT_KEY = re.compile(r"^'([^']*)'$")
_FILTER = re.compile(r"^([^!<>=]+)([!<>=~]+)(.+?)$")
_TERMINATORS = set(" \t\r\n.,[]$@{}")


class JSONPathError(UsageError):
    """A template that does not parse or cannot be evaluated, in client-go's words."""


@dataclass
class Node:
    kind: str  # list text field array filter int float bool wildcard recursive union identifier
    value: Any = None
    nodes: list[Node] = field(default_factory=list)


# --- parsing ------------------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str) -> None:
        self.text, self.pos, self.start = text, 0, 0
        self.root = Node("list")

    def consume(self) -> str:
        value = self.text[self.start:self.pos]
        self.start = self.pos
        return value

    def next(self) -> str:
        if self.pos >= len(self.text):
            return ""
        ch = self.text[self.pos]
        self.pos += 1
        return ch

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def parse_text(self) -> None:
        while True:
            if self.text.startswith("{", self.pos):
                if self.pos > self.start:
                    self.root.nodes.append(Node("text", self.consume()))
                self.pos += 1
                self.consume()
                action = Node("list")
                self.root.nodes.append(action)
                self.parse_action(action)
                return
            if not self.next():
                break
        if self.pos > self.start:
            self.root.nodes.append(Node("text", self.consume()))

    def parse_action(self, cur: Node) -> None:
        while True:
            rest = self.text[self.pos:]
            if rest.startswith("}"):
                self.pos += 1
                self.consume()
                self.parse_text()
                return
            if rest.startswith("[?("):
                self.parse_filter(cur)
                continue
            if rest.startswith(".."):
                self.parse_recursive(cur)
                continue
            ch = self.next()
            if ch == "" or ch in "\r\n":
                raise JSONPathError("unclosed action")
            if ch == " " or ch in "@$":
                self.consume()
            elif ch == "[":
                self.parse_array(cur)
            elif ch in "\"'":
                self.parse_quote(cur, ch)
            elif ch == ".":
                self.parse_field(cur)
            elif ch in "+-" or ch.isdigit():
                self.pos -= 1
                self.parse_number(cur)
            elif ch == "_" or ch.isalnum():
                self.pos -= 1
                self.parse_identifier(cur)
            else:
                raise JSONPathError(f"unrecognized character in action: U+{ord(ch):04X} '{ch}'")

    def parse_identifier(self, cur: Node) -> None:
        while self.peek() and self.peek() not in _TERMINATORS:
            self.pos += 1
        value = self.consume()
        cur.nodes.append(Node("bool", value == "true") if value in ("true", "false") else Node("identifier", value))

    def parse_recursive(self, cur: Node) -> None:
        if cur.nodes and cur.nodes[-1].kind == "recursive":
            raise JSONPathError("invalid multiple recursive descent")
        self.pos += 2
        self.consume()
        cur.nodes.append(Node("recursive"))
        if self.peek() == "_" or self.peek().isalnum():
            self.parse_field(cur)

    def parse_number(self, cur: Node) -> None:
        if self.peek() in ("+", "-"):
            self.pos += 1
        while self.peek() == "." or self.peek().isdigit():
            self.pos += 1
        value = self.consume()
        try:
            cur.nodes.append(Node("int", int(value)))
        except ValueError:
            try:
                cur.nodes.append(Node("float", float(value)))
            except ValueError:
                raise JSONPathError(f"cannot parse number {value}") from None

    def parse_array(self, cur: Node) -> None:
        while True:
            ch = self.next()
            if ch in ("", "\n"):
                raise JSONPathError("unterminated array")
            if ch == "]":
                break
        text = self.consume()[1:-1]
        text = ":" if text == "*" else text
        parts = text.split(",")
        if len(parts) > 1:
            cur.nodes.append(Node("union", nodes=[_parse_action(f"[{p.strip()}]") for p in parts]))
            return
        key = _DICT_KEY.match(text)
        if key:
            cur.nodes.extend(_parse_action(f".{key.group(1)}").nodes)
            return
        m = _SLICE.match(text)
        if not m:
            raise JSONPathError(f"invalid array index {text}")
        cur.nodes.append(Node("array", _slice_params(m.groups())))

    def parse_filter(self, cur: Node) -> None:
        self.pos += 3
        self.consume()
        begin = end = False
        pair = ""
        while True:
            ch = self.next()
            if ch in ("", "\n"):
                raise JSONPathError("unterminated filter")
            if ch in "\"'":
                if not begin:
                    begin, pair = True, ch
                    continue
                if self.text[self.pos - 2] != "\\" and ch == pair:
                    end = True
            elif ch == ")" and begin == end:
                break
        if self.next() != "]":
            raise JSONPathError("unclosed array expect ]")
        text = self.consume()[:-2]
        m = _FILTER.match(text)
        if m is None:
            cur.nodes.append(Node("filter", "exists", [_parse_action(text), Node("list")]))
        else:
            cur.nodes.append(Node("filter", m.group(2), [_parse_action(m.group(1)), _parse_action(m.group(3))]))

    def parse_quote(self, cur: Node, quote: str) -> None:
        while True:
            ch = self.next()
            if ch in ("", "\n"):
                raise JSONPathError("unterminated quoted string")
            if ch == quote and self.text[self.pos - 2] != "\\":
                break
        raw = self.consume()
        cur.nodes.append(Node("text", _unquote(raw)))
        return

    def parse_field(self, cur: Node) -> None:
        self.consume()
        while True:
            ch = self.peek()
            if ch == "\\":
                self.pos += 2
                continue
            if ch == "" or ch in _TERMINATORS:
                break
            self.pos += 1
        value = self.consume()
        cur.nodes.append(Node("wildcard") if value == "*" else Node("field", value.replace("\\", "")))


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v", "\\": "\\",
            "'": "'", '"': '"'}


def _unquote(raw: str) -> str:
    """client-go's UnquoteExtend: Go's strconv.Unquote, for single quotes too."""
    body, out, i = raw[1:-1], [], 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        esc = body[i + 1] if i + 1 < len(body) else ""
        if esc in _ESCAPES:
            out.append(_ESCAPES[esc])
            i += 2
        elif esc in "xuU":
            size = {"x": 2, "u": 4, "U": 8}[esc]
            digits = body[i + 2:i + 2 + size]
            if len(digits) != size or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise JSONPathError(f"unquote string {raw} error invalid syntax")
            out.append(chr(int(digits, 16)))
            i += 2 + size
        elif esc in "01234567" and len(body) >= i + 4:
            out.append(chr(int(body[i + 1:i + 4], 8)))
            i += 4
        else:
            raise JSONPathError(f"unquote string {raw} error invalid syntax")
    return "".join(out)


def _slice_params(groups: tuple[str | None, ...]) -> list[tuple[bool, int, bool]]:
    """(known, value, derived) for start, end, step, as client-go's ParamsEntry."""
    params: list[tuple[bool, int, bool]] = []
    for i, raw in enumerate(groups):
        text = raw or ""
        if text:
            text = text[1:] if i > 0 else text
            if i > 0 and text == "":
                params.append((False, 0, False))
            else:
                try:
                    params.append((True, int(text), False))
                except ValueError:
                    raise JSONPathError(f"array index {text} is not a number") from None
        elif i == 1:
            params.append((True, params[0][1] + 1, True))
        else:
            params.append((False, 0, False))
    return params


def _parse_action(text: str) -> Node:
    p = _Parser("{" + text + "}")
    p.parse_text()
    return p.root.nodes[0]


def parse(template: str) -> Node:
    """Parse a template; errors as kubectl reports them (`unclosed action`, ...)."""
    p = _Parser(template)
    p.parse_text()
    return p.root


def relaxed(expression: str) -> str:
    """kubectl's RelaxedJSONPathExpression: `.a.b`, `a.b`, `{a.b}` all become `{.a.b}` (sort-by, custom columns)."""
    if not expression:
        return expression
    m = re.match(r"^\{\.?([^{}]+)\}$|^\.?([^{}]+)$", expression)
    if not m:
        raise JSONPathError("unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' "
                            "or '{.name1.name2}'")
    return "{." + (m.group(1) or m.group(2)) + "}"


# --- printing -------------------------------------------------------------------------------------------------------


def go_json(value: Any, *, indent: int | None = None) -> str:
    """Go's encoding/json: sorted keys, HTML characters escaped, integral floats as integers."""
    text = json.dumps(_normalise(value), sort_keys=True, ensure_ascii=False, indent=indent,
                      separators=(",", ": ") if indent is not None else (",", ":"))
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                    ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return text


def _normalise(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    return value


def text_of(value: Any) -> str:
    """One result as kubectl prints it: JSON for maps and lists, `<nil>` for null, Go's formatting otherwise."""
    if isinstance(value, (dict, list, tuple)):
        return go_json(value)
    return go_format(value)


def execute(template: str | Node, data: Any, *, allow_missing_keys: bool = True) -> str:
    """Run a JSONPath template on `data` and return the text kubectl would print."""
    from kube_magics.printers.jsonpath_eval import find_results

    root = parse(template) if isinstance(template, str) else template
    out = []
    for results in find_results(root, data, allow_missing_keys=allow_missing_keys):
        out.append(" ".join(text_of(v) for v in results))
    return "".join(out)
