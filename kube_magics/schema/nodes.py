"""The schema compiled into checker nodes: one per Go type, built once from the OpenAPI definitions.

A Node knows what JSON a Go type takes (a struct's fields, a list's or a map's element, a scalar's kind) and the
Go type's name as the decoder's messages print it (`int32`, `[]v1.Container`, `v1.ResourceList`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from kube_magics import openapi
from kube_magics.schema.go import GO_TYPES

# Node codes of a compiled schema.
STRUCT, MAP, LIST, STR, INT, FLOAT, BOOL, BYTES, INTSTR, QUANTITY, TIME, ANY = range(12)
_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": (INTSTR, "intstr.IntOrString"),
    "io.k8s.apimachinery.pkg.api.resource.Quantity": (QUANTITY, "resource.Quantity"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.Time": (TIME, "v1.Time"),
    "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime": (TIME, "v1.MicroTime"),
}
_INT_RANGE = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}


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


