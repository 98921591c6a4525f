"""Go templates as the docker CLI's `--format` evaluates them: the subset people write in practice.

Supported: text and actions with `{{-`/`-}}` trimming; field chains (`.Names`, `.Config.Env`, `.`); string and
number literals; pipelines (`.Names | upper`); `range`, `if`/`else`, `with`, `end`; docker's functions (`json`,
`join`, `split`, `lower`, `upper`, `title`, `truncate`, `pad`, `println`) and Go's (`index`, `len`, `print`,
`printf`, `eq`, `ne`, `not`, `and`, `or`). Values print as Go's `fmt` prints them (`[a b]`, `map[k:v]`, `true`).

Data is dicts (the Engine API's JSON) or objects whose attributes are the template's fields (the CLI's
formatting contexts, see format.py). Pure: no I/O. Must not know about containers or images.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kube_magics.errors import UsageError

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(r'\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||\(|\)|[^\s|()]+)')
NO_VALUE = "<no value>"


class TemplateError(UsageError):
    """A template that does not parse or cannot be executed (the CLI's `template: ...` errors)."""


@dataclass
class _Node:
    kind: str  # text | action | range | if | with
    text: str = ""
    body: list[_Node] = field(default_factory=list)
    orelse: list[_Node] = field(default_factory=list)


def go_string(value: Any) -> str:
    """How Go's fmt prints a value with %v (what `{{.X}}` shows)."""
    if value is None:
        return NO_VALUE
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(_inner(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_inner(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _inner(value: Any) -> str:
    return "<nil>" if value is None else go_string(value)


def go_json(value: Any) -> str:
    """docker's `json` function: encoding/json with HTML escaping off, compact."""
    if hasattr(value, "to_json"):
        value = value.to_json()
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _truncate(s: Any, n: int) -> str:
    text = go_string(s)
    return text[:n] if len(text) > n else text


def _printf(fmt: str, *args: Any) -> str:
    values = iter(args)

    def sub(m: re.Match[str]) -> str:
        if m.group(0) == "%%":
            return "%"
        verb = m.group(2)
        v = next(values, None)
        if verb == "q":
            return json.dumps(go_string(v))
        if verb in "dfegx" and isinstance(v, (int, float)):
            return ("%" + m.group(1) + verb) % v
        return ("%" + m.group(1) + "s") % go_string(v)

    return re.sub(r"%%|%([-+ 0#]*\d*(?:\.\d+)?)([vsdqfegxt])", sub, fmt)


def _index(value: Any, *keys: Any) -> Any:
    for key in keys:
        if isinstance(value, Mapping):
            value = value.get(key)
        elif isinstance(value, (list, tuple)):
            value = value[int(key)]
        else:
            raise TemplateError(f"template: error calling index: cannot index {go_string(value)}")
    return value


FUNCS: dict[str, Callable[..., Any]] = {
    "json": go_json,
    "join": lambda items, sep: sep.join(go_string(i) for i in (items or [])),
    "split": lambda s, sep: go_string(s).split(sep),
    "lower": lambda s: go_string(s).lower(),
    "upper": lambda s: go_string(s).upper(),
    "title": lambda s: go_string(s).title(),
    "truncate": _truncate,
    "pad": lambda s, before, after: " " * int(before) + go_string(s) + " " * int(after),
    "println": lambda *a: " ".join(go_string(x) for x in a) + "\n",
    "print": lambda *a: "".join(go_string(x) for x in a),
    "printf": _printf,
    "index": _index,
    "len": lambda v: len(v or []),
    "eq": lambda a, *b: any(a == x for x in b),
    "ne": lambda a, b: a != b,
    "not": lambda a: not _truthy(a),
    "and": lambda *a: next((x for x in a if not _truthy(x)), a[-1]),
    "or": lambda *a: next((x for x in a if _truthy(x)), a[-1]),
}


def _truthy(value: Any) -> bool:
    return bool(value) if value is not None else False


def parse(template: str) -> list[_Node]:
    """The template as nodes; TemplateError for unbalanced range/if/end."""
    root: list[_Node] = []
    stack: list[tuple[_Node, list[_Node]]] = []  # open blocks, with the list to return to at their end
    target = root
    pos = 0
    pending_trim = False
    for m in _ACTION.finditer(template):
        text = template[pos:m.start()]
        if pending_trim:
            text = text.lstrip()
        if m.group(1):
            text = text.rstrip()
        if text:
            target.append(_Node("text", text))
        pending_trim = bool(m.group(3))
        pos = m.end()
        body = m.group(2).strip()
        word, _, rest = body.partition(" ")
        if word in ("range", "if", "with"):
            node = _Node(word, rest.strip())
            target.append(node)
            stack.append((node, target))
            target = node.body
        elif word == "else":
            if not stack:
                raise TemplateError(f"template: unexpected {{{{else}}}} in {template!r}")
            target = stack[-1][0].orelse
        elif word == "end":
            if not stack:
                raise TemplateError(f"template: unexpected {{{{end}}}} in {template!r}")
            target = stack.pop()[1]
        elif body.startswith("/*"):
            continue
        else:
            target.append(_Node("action", body))
    tail = template[pos:]
    if pending_trim:
        tail = tail.lstrip()
    if tail:
        target.append(_Node("text", tail))
    if stack:
        raise TemplateError(f"template: unexpected EOF: {{{{{stack[-1][0].kind}}}}} without {{{{end}}}}")
    return root


def render(template: str, data: Any, *, funcs: Mapping[str, Callable[..., Any]] | None = None) -> str:
    """Execute `template` on `data`, as text/template does."""
    table: dict[str, Any] = dict(FUNCS)
    table.update(funcs or {})
    table["$"] = data
    out: list[str] = []
    _exec(parse(template), data, table, out)
    return "".join(out)


def _exec(nodes: list[_Node], dot: Any, funcs: Mapping[str, Callable[..., Any]], out: list[str]) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append(node.text)
        elif node.kind == "action":
            value = _pipeline(node.text, dot, funcs)
            out.append(value if isinstance(value, str) else go_string(value))
        elif node.kind == "range":
            names, pipe = _declarations(node.text)
            items = _pipeline(pipe, dot, funcs)
            pairs = ([(k, items[k]) for k in sorted(items)] if isinstance(items, Mapping)
                     else list(enumerate(items or [])))
            for key, item in pairs:
                env: dict[str, Any] = dict(funcs)
                if len(names) == 1:
                    env[names[0]] = item
                elif len(names) == 2:
                    env[names[0]], env[names[1]] = key, item
                _exec(node.body, item, env, out)
            seq = pairs
            if not seq:
                _exec(node.orelse, dot, funcs, out)
        else:
            value = _pipeline(node.text, dot, funcs)
            if _truthy(value):
                _exec(node.body, value if node.kind == "with" else dot, funcs, out)
            else:
                _exec(node.orelse, dot, funcs, out)


def _declarations(text: str) -> tuple[list[str], str]:
    """`$k, $v := .X` -> (["$k", "$v"], ".X")."""
    m = re.match(r"^(\$\w+)(?:\s*,\s*(\$\w+))?\s*:=\s*(.*)$", text, re.S)
    if not m:
        return [], text
    return [n for n in (m.group(1), m.group(2)) if n], m.group(3)


def _tokens(text: str) -> list[str]:
    tokens = [t for t in _TOKEN.findall(text) if t]
    if "".join(tokens).replace(" ", "") != text.replace(" ", "").replace("\t", "").replace("\n", ""):
        raise TemplateError(f"template: cannot parse {text!r}")
    return tokens


def _pipeline(text: str, dot: Any, funcs: Mapping[str, Callable[..., Any]]) -> Any:
    tokens = _tokens(text)
    value: Any = _MISSING
    while tokens:
        if "|" in tokens:
            cut = tokens.index("|")
            command, tokens = tokens[:cut], tokens[cut + 1:]
        else:
            command, tokens = tokens, []
        value = _command(command, dot, funcs, value)
    return None if value is _MISSING else value


_MISSING = object()


def _command(words: list[str], dot: Any, funcs: Mapping[str, Callable[..., Any]], piped: Any) -> Any:
    if not words:
        raise TemplateError("template: missing value for command")
    head = words[0]
    if head in funcs and not head.startswith("$"):
        args = _arguments(words[1:], dot, funcs)
        if piped is not _MISSING:
            args.append(piped)
        try:
            return funcs[head](*args)
        except TemplateError:
            raise
        except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
            raise TemplateError(f"template: error calling {head}: {exc}") from None
    if head.startswith(".") and (len(words) > 1 or piped is not _MISSING):
        owner, _, method = head.rpartition(".")
        target = getattr(field_chain(dot, owner) if owner else dot, method, None)
        if callable(target):
            args = _arguments(words[1:], dot, funcs) + ([] if piped is _MISSING else [piped])
            return target(*args)
    if len(words) > 1 or piped is not _MISSING:
        raise TemplateError(f'template: can\'t give argument to non-function {head}')
    return _term(head, dot, funcs)


def _arguments(words: list[str], dot: Any, funcs: Mapping[str, Callable[..., Any]]) -> list[Any]:
    args: list[Any] = []
    i = 0
    while i < len(words):
        if words[i] == "(":
            depth, j = 1, i + 1
            while j < len(words) and depth:
                depth += {"(": 1, ")": -1}.get(words[j], 0)
                j += 1
            args.append(_pipeline(" ".join(words[i + 1:j - 1]), dot, funcs))
            i = j
        else:
            args.append(_term(words[i], dot, funcs))
            i += 1
    return args


def _term(word: str, dot: Any, funcs: Mapping[str, Callable[..., Any]]) -> Any:
    if word[0] == '"':
        return json.loads(word)
    if word[0] == "`":
        return word[1:-1]
    if word in ("true", "false"):
        return word == "true"
    if word == "nil":
        return None
    if re.fullmatch(r"-?\d+", word):
        return int(word)
    if re.fullmatch(r"-?\d*\.\d+", word):
        return float(word)
    if word.startswith("."):
        return field_chain(dot, word)
    if word.startswith("$"):
        name, dotpart, rest = word.partition(".")
        if name not in funcs:
            raise TemplateError(f'template: undefined variable "{name}"')
        return field_chain(funcs[name], rest) if dotpart else funcs[name]
    if word in funcs:
        return funcs[word]()
    raise TemplateError(f'template: function "{word}" not defined')


def field_chain(dot: Any, chain: str) -> Any:
    """`.Config.Env` on dicts and formatting contexts."""
    value = dot
    for name in [p for p in chain.split(".") if p]:
        if value is None:
            return None
        if isinstance(value, Mapping):
            value = value.get(name)
        elif hasattr(value, name) and not name.startswith("_"):
            value = getattr(value, name)
            if callable(value):
                try:
                    value = value()
                except TypeError:
                    raise TemplateError(f"template: wrong number of args for {name}") from None
        else:
            raise TemplateError(f'template: executing "" at <{chain}>: can\'t evaluate field {name} in type '
                                f"{type(value).__name__}")
    return value
