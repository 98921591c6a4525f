"""`kubectl explain`: the documentation of a resource and its fields, from the Kubernetes 1.35 API schema.

    %k8s explain pods                    %k8s explain deployment.spec.strategy
    %k8s explain pod.spec.containers --recursive

Laid out as kubectl 1.35 lays it out (its plaintext template): GROUP, KIND, VERSION; `FIELD: name <type>` for a
field path; DESCRIPTION wrapped at 76 columns; FIELDS with `name<TAB><type>` and ` -required-`, each description
wrapped under it; `--recursive` lists the field tree without descriptions. The schema is the bundled one
(`kube_magics.openapi`), so it works without a cluster; its descriptions do not carry the enum lists that a live
server's OpenAPI v3 adds (`ENUM:` lines), and that is the one difference.
"""

from __future__ import annotations

from typing import Any

from kube_magics import openapi
from kube_magics.errors import UnknownResourceError, UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import preformatted
from kube_magics.kubectl.flags import Command, Flag, parse
from kube_magics.kubectl.resources import resolve
from kube_magics.results import TextResult
from kube_magics.session import Session

Schema = dict[str, Any]

EXPLAIN = Command("explain", "kubectl explain TYPE [--recursive=FALSE|TRUE] [--api-version=api-version] "
                             "[--output=plaintext|plaintext-openapiv2]", (
    Flag("recursive"), Flag("api-version", kind="str", default=""), Flag("output", "o", "str", default="plaintext"),
))
NBSP = "\u00a0"


@verb("explain")
def explain(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(EXPLAIN, argv)
    if len(args) != 1:
        raise EXPLAIN.usage_error("We accept only this format: explain RESOURCE")
    if o.output not in ("plaintext", "plaintext-openapiv2"):
        raise EXPLAIN.error(f"unsupported output format: {o.output}")
    name, *path = args[0].split(".")
    rk = resolve(session.backend.catalogue, name)
    api_version = o.api_version or rk.api_version
    kind = rk.kind
    definition = openapi.definition_name(api_version, kind)
    if definition is None:
        raise UnknownResourceError(f'error: GVR ({_gvr(api_version, rk.plural)}) not found in OpenAPI schema')
    group, _, version = api_version.rpartition("/")
    head = (f"GROUP:      {group}\n" if group else "") + f"KIND:       {kind}\nVERSION:    {version}\n\n"
    body = _output({"$ref": f"#/$defs/{definition}"}, path, set(), o.recursive)
    if not body:
        raise UsageError(f'error: field "{path[-1]}" does not exist')
    return preformatted(head + body + "\n")


def _gvr(api_version: str, plural: str) -> str:
    group, _, version = api_version.rpartition("/")
    return f"{group}/{version}, Resource={plural}" if group else f"/{version}, Resource={plural}"


# --- the template, step by step -----------------------------------------------------------------------------------


def _ref(schema: Schema) -> str:
    return str(schema.get("$ref") or "")


def _resolve(schema: Schema) -> Schema:
    ref = _ref(schema)
    return openapi.definitions()[ref.rsplit("/", 1)[-1]] if ref else schema


def _is_map(schema: Schema) -> bool:
    return isinstance(schema.get("additionalProperties"), dict)


def _output(schema: Schema, path: list[str], history: set[str], recursive: bool) -> str:
    """kubectl's "output": follow the field path, then describe what it ends at."""
    ref = _ref(schema)
    resolved = _resolve(schema)
    if not path:
        text = "DESCRIPTION:\n" + _indent(_wrap(_description(schema) or "<empty>", 76), 4) + "\n"
        fields = _field_list(resolved, 1, set(), recursive)
        return text + ("FIELDS:\n" + fields if fields else "")
    if ref and ref in history:
        return ""
    seen = history | ({ref} if ref else set())
    props = resolved.get("properties") or {}
    if path[0] in props:
        sub = props[path[0]]
        head = f"FIELD: {path[0]} <{_type(sub)}>\n\n\n" if len(path) == 1 else ""
        return head + _output(sub, path[1:], set(), recursive)
    if "items" in resolved:
        return _output(resolved["items"], path, seen, recursive)
    if _is_map(resolved):
        return _output(resolved["additionalProperties"], path, seen, recursive)
    return ""


def _description(schema: Schema) -> str:
    """The description of a schema and of the schema it refers to (a field's own words, then its type's)."""
    own = str(schema["description"]) + "\n" if schema.get("description") and _ref(schema) else ""
    resolved = _resolve(schema)
    text = own + (str(resolved["description"]) + "\n" if resolved.get("description") else "")
    if "items" in resolved:
        text += _description(resolved["items"])
    if _is_map(resolved):
        text += _description(resolved["additionalProperties"])
    return text


def _field_list(schema: Schema, level: int, history: set[str], recursive: bool) -> str:
    ref = _ref(schema)
    if ref and ref in history:
        return ""
    seen = history | {ref}
    resolved = _resolve(schema)
    out = []
    props = resolved.get("properties") or {}
    required = set(resolved.get("required") or ())
    for name in sorted(props):
        out.append(_field_detail(name, props[name], name in required, level, recursive))
        if recursive:
            out.append(_field_list(props[name], level + 1, seen, recursive))
    if "items" in resolved:
        out.append(_field_list(resolved["items"], level, seen, recursive))
    if _is_map(resolved):
        out.append(_field_list(resolved["additionalProperties"], level, seen, recursive))
    return "".join(out)


def _field_detail(name: str, schema: Schema, required: bool, level: int, short: bool) -> str:
    pad = level * 2
    line = " " * pad + f"{name}\t<{_type(schema)}>" + (" -required-" if required else "") + "\n"
    if short:
        return line
    description = str(schema.get("description") or "<no description>")
    return line + _indent(_wrap(description, 78 - pad), pad + 2) + "\n\n"


def _type(schema: Schema) -> str:
    """kubectl's typeGuess: `string`, `integer`, `Object`, `[]Container`, `map[string]string`, `PodSpec`."""
    if "items" in schema:
        return "[]" + _type(schema["items"])
    if _is_map(schema):
        return "map[string]" + _type(schema["additionalProperties"])
    ref = _ref(schema)
    if ref:
        target = _resolve(schema)
        kind = _json_type(target)
        if not kind or kind == "object":
            return ref.rsplit("/", 1)[-1].rsplit(".", 1)[-1] or "Object"
        return kind
    kind = _json_type(schema)
    return "Object" if kind in ("object", "") else kind


def _json_type(schema: Schema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "")
    return str(kind or "")


# --- text ---------------------------------------------------------------------------------------------------------


def _indent(text: str, amount: int) -> str:
    pad = " " * amount
    return pad + text.replace("\n", "\n" + pad)


def _wrap(text: str, limit: int) -> str:
    """go-wordwrap's WrapString: break at white space so lines stay within `limit` columns where they can (a word
    longer than the limit stays whole); existing line breaks are kept."""
    out: list[str] = []
    current = 0
    word: list[str] = []
    space: list[str] = []
    for char in text:
        if char == "\n":
            if not word:
                if current + len(space) > limit:
                    current = 0
                else:
                    out.extend(space)
            else:
                out.extend(space)
                out.extend(word)
            space, word = [], []
            out.append(char)
            current = 0
        elif char.isspace() and char != NBSP:
            if not space or word:
                current += len(space) + len(word)
                out.extend(space)
                out.extend(word)
                space, word = [], []
            space.append(char)
        else:
            word.append(char)
            if current + len(word) + len(space) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = []
    if not word:
        if current + len(space) <= limit:
            out.extend(space)
    else:
        out.extend(space)
        out.extend(word)
    return "".join(out)
