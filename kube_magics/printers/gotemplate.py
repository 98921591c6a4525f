"""The common forms of Go templates for `-o go-template=...` (and docker's `--format`).

Supported: text; `{{.a.b}}` and `{{.}}`; `{{range .items}}...{{end}}` (also `{{range $i, $e := .items}}` and
`$e.field`); `{{if X}}...{{else}}...{{end}}`; string literals `{{"\\n"}}`; `index`, `len`, `printf` (%s %d %v %q),
`not`, `eq`/`ne`; pipelines `{{.x | printf "%s"}}`; trim markers `{{-` and `-}}`. Values print as Go's fmt prints
them (`map[app:nginx]`), a missing key as `<no value>` (kubectl allows missing keys by default). Anything else is a
clear error, not a guess.

Imports only kube_magics.errors and the printers' helpers.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.gojson import go_format

_ACTION = re.compile(r"\{\{(-?)\s*(.*?)\s*(-?)\}\}", re.S)
_NO_VALUE = object()


class TemplateError(UsageError):
    """A template this subset of Go templates cannot run."""


def _tokens(template: str) -> list[tuple[str, str]]:
    """("text", ...) and ("action", ...) pieces, with trim markers applied."""
    out: list[tuple[str, str]] = []
    pos = 0
    for m in _ACTION.finditer(template):
        text = template[pos:m.start()]
        if m.group(1):
            text = text.rstrip()
        out.append(("text", text))
        out.append(("action", m.group(2)))
        pos = m.end()
        if m.group(3):
            rest = template[pos:]
            pos += len(rest) - len(rest.lstrip())
    out.append(("text", template[pos:]))
    return [t for t in out if t != ("text", "")]


def _parse(tokens: list[tuple[str, str]], i: int, stop: tuple[str, ...]) -> tuple[list[Any], int, str]:
    """A tree of nodes up to one of the `stop` keywords; returns (nodes, next index, the keyword met)."""
    nodes: list[Any] = []
    while i < len(tokens):
        kind, text = tokens[i]
        word = text.split(" ", 1)[0] if kind == "action" else ""
        if kind == "action" and word in stop:
            return nodes, i + 1, word
        if kind == "action" and word in ("range", "if"):
            body, i, met = _parse(tokens, i + 1, ("else", "end"))
            other: list[Any] = []
            if met == "else":
                other, i, met = _parse(tokens, i, ("end",))
            if met != "end":
                raise TemplateError(f'template: output: unexpected EOF in {word}')
            nodes.append((word, text[len(word):].strip(), body, other))
            continue
        nodes.append((kind, text))
        i += 1
    if stop:
        raise TemplateError("template: output: unexpected EOF")
    return nodes, i, ""


def render_template(template: str, data: Any) -> str:
    """Run a Go template on decoded data."""
    if len(template) >= 2 and template[0] == template[-1] and template[0] in "'\"":
        template = template[1:-1]
    nodes, _, _ = _parse(_tokens(template), 0, ())
    out: list[str] = []
    _run(nodes, data, {"$": data}, out)
    return "".join(out)


def _run(nodes: list[Any], dot: Any, env: dict[str, Any], out: list[str]) -> None:
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "action":
            if node[1].startswith("/*"):
                continue
            value = _pipeline(node[1], dot, env)
            out.append("<no value>" if value is _NO_VALUE else go_format(value))
        elif node[0] == "if":
            _run(node[2] if _truth(_pipeline(node[1], dot, env)) else node[3], dot, env, out)
        else:
            _range(node, dot, env, out)


def _range(node: Any, dot: Any, env: dict[str, Any], out: list[str]) -> None:
    expr, names = node[1], []
    if ":=" in expr:
        decl, expr = (s.strip() for s in expr.split(":=", 1))
        names = [n.strip() for n in decl.split(",")]
    value = _pipeline(expr, dot, env)
    items = list(value.items()) if isinstance(value, Mapping) else list(enumerate(value or []))
    if isinstance(value, Mapping):
        items.sort(key=lambda kv: kv[0])
    if not items:
        _run(node[3], dot, env, out)
    for key, item in items:
        scope = dict(env)
        if len(names) == 2:
            scope[names[0]], scope[names[1]] = key, item
        elif names:
            scope[names[0]] = item
        _run(node[2], item, scope, out)


def _truth(value: Any) -> bool:
    return value is not _NO_VALUE and bool(value)


def _pipeline(text: str, dot: Any, env: dict[str, Any]) -> Any:
    value: Any = _NO_VALUE
    for i, stage in enumerate(s.strip() for s in text.split("|")):
        args = shlex.split(stage, posix=False)
        if not args:
            raise TemplateError(f"template: output: missing value in {text!r}")
        extra = [] if i == 0 else [value]
        value = _call(args, dot, env, extra)
    return value


def _call(args: list[str], dot: Any, env: dict[str, Any], extra: list[Any]) -> Any:
    head, rest = args[0], [_operand(a, dot, env) for a in args[1:]] + extra
    if head == "index":
        value = rest[0]
        for key in rest[1:]:
            value = value.get(key, _NO_VALUE) if isinstance(value, Mapping) else value[int(key)]
        return value
    if head == "len":
        return len(rest[0])
    if head == "printf":
        return _printf(rest[0], rest[1:])
    if head == "not":
        return not _truth(rest[0])
    if head in ("eq", "ne"):
        return (rest[0] == rest[1]) == (head == "eq")
    if rest:
        raise TemplateError(f"template: output: can't give argument to non-function {head}")
    return _operand(head, dot, env)


def _operand(token: str, dot: Any, env: dict[str, Any]) -> Any:
    if token[:1] in "\"`":
        return token[1:-1].encode().decode("unicode_escape") if token[0] == '"' else token[1:-1]
    if re.fullmatch(r"-?\d+", token):
        return int(token)
    if token.startswith("$"):
        name, _, path = token.partition(".")
        if name not in env:
            raise TemplateError(f'template: output: undefined variable "{name}"')
        return _field(env[name], path)
    if token == ".":
        return dot
    if token.startswith("."):
        return _field(dot, token[1:])
    raise TemplateError(f'template: output: function "{token}" not defined')


def _field(value: Any, path: str) -> Any:
    for part in [p for p in path.split(".") if p]:
        if not isinstance(value, Mapping):
            return _NO_VALUE
        value = value.get(part, _NO_VALUE)
    return value


def _printf(fmt: Any, args: list[Any]) -> str:
    values = iter(args)

    def sub(m: re.Match[str]) -> str:
        verb = m.group(0)
        if verb == "%%":
            return "%"
        value = next(values, None)
        if verb == "%q":
            return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
        return go_format(value)

    return re.sub(r"%[sdvq%]", sub, str(fmt))
