"""Strict decoding of an object against the Kubernetes 1.35 schema, reported as the API server reports it.

The API server decodes a request body (JSON, which kubectl makes from the YAML with sorted keys) into its Go
types with a strict decoder, and refuses it as a 400 BadRequest:

    Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].portz"
    Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct
        field DeploymentSpec.spec.replicas of type int32
    Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 3

The version in the first words is the API version without its group (`apps/v1` gives "v1"): the handler names
the kind and `gvk.Version`. The decoder walks keys in sorted order; a wrong type is remembered and decoding goes
on (the first one is reported), a value a type decodes itself (a quantity, an int-or-string, a time) stops it at
once, and unknown fields are reported, all of them, only when nothing else went wrong.

Per-type checkers are compiled once from the schema (`openapi.py`) and reused for every object; an unknown kind
or version is reported in kubectl's words with a hint. Imports only the bottom of kube_magics.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from kube_magics import openapi
from kube_magics.errors import BadRequestError, UnknownResourceError
from kube_magics.kinds import CATALOGUE, ResourceCatalogue
from kube_magics.schema_go import GO_TYPES, base64_error, go_float, quantity_error, time_error

Path = tuple[str | int, ...]

# Node codes of a compiled schema.
STRUCT, MAP, LIST, STR, INT, FLOAT, BOOL, BYTES, INTSTR, QUANTITY, TIME, ANY = range(12)
_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": (INTSTR, "intstr.IntOrString"),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": (QUANTITY, "resource.Quantity"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": (TIME, "v1.Time"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": (TIME, "v1.MicroTime"),
}
_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


class DecodeError(BadRequestError):
    """A body the API server cannot decode. `paths` are the exact field paths involved (with list indexes),
    for pointing into the manifest; `suggestions` maps an unknown field's path to a close known name."""

    def __init__(self, message: str, *, kind: str, name: str | None, group: str, paths: list[Path],
                 suggestions: dict[Path, str] | None = None, hint: str | None = None) -> None:
        super().__init__(message, kind=kind, name=name, group=group, hint=hint)
        self.paths = paths
        self.suggestions = dict(suggestions or {})

    @property
    def fields(self) -> list[str]:
        """The paths in Kubernetes' field notation (`data[tls.crt]`, `spec.containers[0].image`)."""
        return [field_path(p) for p in self.paths]


class UnknownKindError(UnknownResourceError):
    """A kind the API does not serve in that version, in kubectl's words (`no matches for kind ...`)."""

    def __init__(self, message: str, *, api_version: str, kind: str, name: str | None,
                 hint: str | None = None, field: str = "kind") -> None:
        super().__init__(message, hint=hint)
        self.api_version = api_version
        self.kind = kind
        self.name = name
        self.field = field  # "apiVersion" when the kind exists in another version, else "kind"


class MapKey(str):
    """A path segment that is a key of a map (labels, data), not a field: shown as `data[key]`."""

    __slots__ = ()


def format_path(path: Iterable[str | int]) -> str:
    """`spec.containers[0].image` from ("spec", "containers", 0, "image")."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


# --- compiled schema ------------------------------------------------------------------------------------------


@dataclass(eq=False)
class Node:
    code: int
    go: str  # the Go type, as the decoder's messages name it
    struct: str = ""  # for STRUCT: the Go struct's name
    fields: dict[str, Node] = field(default_factory=dict)
    elem: Node | None = None
    bits: str = ""  # for INT: int32 or int64


def compiled(definition: str) -> Node:
    """The checker for a schema definition, compiled once per process and shared by every check."""
    return _compiler().node(definition)


@lru_cache(maxsize=1)
def _compiler() -> _Compiler:
    return _Compiler()


class _Compiler:
    """Compiles schema definitions into Nodes, lazily. A struct's node is registered before its fields are
    compiled, so types that reach themselves (JSONSchemaProps) are tied up."""

    def __init__(self) -> None:
        self.nodes: dict[str, Node] = {}

    def node(self, definition: str) -> Node:
        known = self.nodes.get(definition)
        if known is not None:
            return known
        if definition in _SPECIAL:
            code, go = _SPECIAL[definition]
            made = self.nodes[definition] = Node(code, go)
            return made
        schema = openapi.definitions()[definition]
        short = openapi.short_type_name(definition)
        if "properties" not in schema:
            types = openapi.types_of(schema)
            free = not types or (types == {"object"} and "additionalProperties" not in schema)
            made = Node(ANY, _go_name(definition)) if free else self.field(schema, short, "")
            self.nodes[definition] = made
            return made
        made = self.nodes[definition] = Node(STRUCT, _go_name(definition), struct=short)
        for name, prop in schema["properties"].items():
            made.fields[name] = self.field(prop, short, name)
        return made

    def field(self, schema: openapi.Schema, struct: str, name: str) -> Node:
        override = GO_TYPES.get((struct, name))
        ref = openapi.ref_name(schema)
        if ref is not None:
            return self.node(ref)
        types = openapi.types_of(schema)
        if "object" in types:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                elem = self.field(extra, struct, "")
                return Node(MAP, override or f"map[string]{elem.go}", elem=elem)
            if "properties" in schema:
                inner = Node(STRUCT, override or struct, struct=struct)
                inner.fields = {k: self.field(v, struct, k) for k, v in schema["properties"].items()}
                return inner
            return Node(ANY, override or "interface {}")
        if "array" in types:
            elem = self.field(schema.get("items") or {}, struct, "")
            return Node(LIST, override or f"[]{elem.go}", elem=elem)
        if "string" in types:
            if schema.get("format") == "byte":
                return Node(BYTES, override or "[]uint8")
            return Node(STR, override or "string")
        if "integer" in types:
            bits = schema.get("format") or "int64"
            return Node(INT, override or bits, bits=bits if bits in _INT_RANGE else "int64")
        if "number" in types:
            return Node(FLOAT, override or "float64")
        if "boolean" in types:
            return Node(BOOL, override or "bool")
        return Node(ANY, override or "interface {}")


def _go_name(definition: str) -> str:
    """`v1.PodSpec` for io.k8s.api.core.v1.PodSpec: the Go package's name and the type's."""
    parts = definition.split(".")
    return f"{parts[-2]}.{parts[-1]}"


# --- the walk -------------------------------------------------------------------------------------------------


class _State:
    __slots__ = ("fatal", "saved", "suggest", "unknown")

    def __init__(self) -> None:
        self.fatal: tuple[str, Path] | None = None
        self.saved: tuple[str, Path] | None = None
        self.unknown: list[Path] = []
        self.suggest: dict[Path, str] = {}

    def type_error(self, value: Any, node: Node, fs: tuple[str, ...], owner: str, path: Path, *,
                   fatal: bool = False, described: str | None = None) -> None:
        what = described or _json_kind(value)
        where = f"Go struct field {owner}.{'.'.join(fs)}" if owner or fs else "Go value"
        message = f"json: cannot unmarshal {what} into {where} of type {node.go}"
        if fatal:
            self.fatal = (message, path)
        elif self.saved is None:
            self.saved = (message, path)


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _walk(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: _State) -> None:
    if value is None or st.fatal is not None:
        return
    code = node.code
    if code == STRUCT:
        if not isinstance(value, dict):
            st.type_error(value, node, fs, owner, path)
            return
        fields = node.fields
        for key in sorted(value):
            sub = fields.get(key)
            if sub is None:
                _unknown(st, (*path, key), fields)
                continue
            _walk(value[key], sub, (*path, key), (*fs, key), node.struct, st)
            if st.fatal is not None:
                return
    elif code == LIST:
        if not isinstance(value, list):
            st.type_error(value, node, fs, owner, path)
            return
        elem = node.elem
        assert elem is not None
        for i, item in enumerate(value):
            _walk(item, elem, (*path, i), fs, owner, st)
    elif code == MAP:
        if not isinstance(value, dict):
            st.type_error(value, node, fs, owner, path)
            return
        elem = node.elem
        assert elem is not None
        for key in sorted(value):
            _walk(value[key], elem, (*path, MapKey(key)), fs, owner, st)
    elif code == STR:
        if not isinstance(value, str):
            st.type_error(value, node, fs, owner, path)
    else:
        _scalar(value, node, path, fs, owner, st)


def _scalar(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: _State) -> None:
    code = node.code
    if code == INT:
        _integer(value, node, path, fs, owner, st, fatal=False)
    elif code == BOOL:
        if not isinstance(value, bool):
            st.type_error(value, node, fs, owner, path)
    elif code == FLOAT:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            st.type_error(value, node, fs, owner, path)
    elif code == BYTES:
        if isinstance(value, str):
            problem = base64_error(value)
            if problem and st.saved is None:
                st.saved = (problem, path)
        elif not isinstance(value, list):
            st.type_error(value, node, fs, owner, path)
    elif code == INTSTR:
        # IntOrString decodes itself: a string, or else json.Unmarshal into its int32 (errors stop decoding).
        if not isinstance(value, str):
            _integer(value, Node(INT, "int32", bits="int32"), path, fs, owner, st, fatal=True)
    elif code == QUANTITY:
        problem = quantity_error(value)
        if problem:
            st.fatal = (problem, path)
    elif code == TIME:
        if not isinstance(value, str):
            st.type_error(value, Node(STR, "string"), fs, owner, path, fatal=True)
        else:
            problem = time_error(value)
            if problem:
                st.fatal = (problem, path)


def _integer(value: Any, node: Node, path: Path, fs: tuple[str, ...], owner: str, st: _State, *,
             fatal: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        st.type_error(value, node, fs, owner, path, fatal=fatal)
        return
    if isinstance(value, float) and not value.is_integer():
        st.type_error(value, node, fs, owner, path, fatal=fatal, described=f"number {go_float(value)}")
        return
    low, high = _INT_RANGE[node.bits or "int64"]
    if not low <= value <= high:
        text = str(int(value)) if isinstance(value, int) else go_float(value)
        st.type_error(value, node, fs, owner, path, fatal=fatal, described=f"number {text}")


def _unknown(st: _State, path: Path, fields: dict[str, Node]) -> None:
    if len(st.unknown) >= 100 or path in st.unknown:
        return
    st.unknown.append(path)
    close = difflib.get_close_matches(str(path[-1]), list(fields), n=1, cutoff=0.6)
    if not close:
        lower = str(path[-1]).lower()
        close = [name for name in fields if name.lower() == lower]
    if close:
        st.suggest[path] = close[0]


# --- the checks -----------------------------------------------------------------------------------------------


def check_kind(obj: dict[str, Any], *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
    """Raise UnknownKindError unless the API serves `obj`'s kind in its apiVersion."""
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not kind or not isinstance(api_version, str) or not api_version:
        return
    try:
        catalogue.for_kind(api_version, kind)
    except UnknownResourceError:
        name = (obj.get("metadata") or {}).get("name") if isinstance(obj.get("metadata"), dict) else None
        raise UnknownKindError(
            f'no matches for kind "{kind}" in version "{api_version}"\nensure CRDs are installed first',
            api_version=api_version, kind=kind, name=name if isinstance(name, str) else None,
            hint=_kind_hint(api_version, kind, catalogue),
            field="apiVersion" if any(rk.kind == kind for rk in catalogue) else "kind",
        ) from None


def _kind_hint(api_version: str, kind: str, catalogue: ResourceCatalogue) -> str | None:
    served = {rk.kind: rk for rk in catalogue}
    if kind in served:
        right = served[kind].api_version
        return f"{kind} is in {right}: use apiVersion: {right}"
    close = difflib.get_close_matches(kind, list(served), n=1, cutoff=0.6) or \
        [k for k in served if k.lower() == kind.lower()]
    if close:
        return f"did you mean kind: {close[0]} (apiVersion: {served[close[0]].api_version})?"
    return None


def check(obj: dict[str, Any], *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
    """Decode `obj` strictly, as the API server does with `fieldValidation=Strict` (kubectl's default).

    Raises UnknownKindError for a kind the API does not serve in that version, DecodeError (BadRequest) for what
    the decoder refuses. Kinds served without a published schema (metrics) pass.
    """
    check_kind(obj, catalogue=catalogue)
    kind, api_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return
    definition = openapi.definition_name(api_version, kind)
    if definition is None:
        return
    st = _State()
    _walk(obj, compiled(definition), (), (), "", st)
    if st.fatal is None and st.saved is None and not st.unknown:
        return
    if st.fatal is not None or st.saved is not None:
        detail, where = st.fatal or st.saved  # type: ignore[misc]
        paths = [where]
    else:
        detail = "strict decoding error: " + ", ".join(f'unknown field "{format_path(p)}"' for p in st.unknown)
        paths = list(st.unknown)
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata")
    name = meta.get("name") if isinstance(meta, dict) and isinstance(meta.get("name"), str) else None
    raise DecodeError(f'{kind} in version "{version}" cannot be handled as a {kind}: {detail}',
                      kind=kind, name=name, group=group, paths=paths, suggestions=st.suggest)


def field_names(api_version: str, kind: str, path: Iterable[str | int]) -> list[str]:
    """The field names the schema knows at `path` of a kind (for suggestions and `explain`)."""
    definition = openapi.definition_name(api_version, kind)
    if definition is None:
        return []
    node: Node | None = compiled(definition)
    for part in path:
        while node is not None and node.code in (LIST, MAP):
            node = node.elem
        if node is None or node.code != STRUCT or isinstance(part, int):
            continue
        node = node.fields.get(part)
    while node is not None and node.code in (LIST, MAP):
        node = node.elem
    return sorted(node.fields) if node is not None and node.code == STRUCT else []


_PLAIN_KEY = re.compile(r"^[A-Za-z0-9_$-]+$")


def field_path(path: Iterable[str | int]) -> str:
    """Kubernetes' field notation: keys that are not plain names in brackets (`metadata.labels[app.k8s.io/x]`)."""
    out = ""
    for part in path:
        if isinstance(part, (int, MapKey)) or not _PLAIN_KEY.match(part):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


_PATH_TOKEN = re.compile(r"([^.\[\]]+)|\[([^\]]*)\]")


def parse_path(text: str) -> Path:
    """("spec", "containers", 0, "image") from `spec.containers[0].image`; `data[tls.crt]` keeps its key whole."""
    out: list[str | int] = []
    for m in _PATH_TOKEN.finditer(text):
        if m.group(1) is not None:
            out.append(m.group(1))
        else:
            key = m.group(2)
            out.append(int(key) if key.isdigit() else key)
    return tuple(out)
