"""How the API server sees the shape of an object: which maps are granular, which lists merge and by which keys.

Compiled lazily from the OpenAPI definitions in `openapi.py`, one `TypeNode` per definition or property, for the
two consumers that need the same facts in different words:

- server-side apply (structured-merge-diff): a list is `atomic`, a `set`, or a `map` keyed by
  `x-kubernetes-list-map-keys`; without `x-kubernetes-list-type`, a list with patch strategy `merge` is a map keyed
  by its patch merge key (or a set without one), anything else is atomic; a map with `x-kubernetes-map-type:
  atomic` is owned as one value (label selectors, a Service's selector).
- strategic merge patch: the `x-kubernetes-patch-strategy` (`merge`, `replace`, `retainKeys`, or two of them) and
  `x-kubernetes-patch-merge-key` of a field.

Kinds without a definition (custom resources) get the "deduced" type structured-merge-diff uses for them: maps are
granular, lists atomic.

Imports only `openapi`.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from kube_magics import openapi

Schema = dict[str, Any]

# List-map keys with a default value in the API (`+default="TCP"`): an item that omits the key is keyed by the
# default, so `- containerPort: 80` is `k:{"containerPort":80,"protocol":"TCP"}`.
KEY_DEFAULTS: dict[tuple[str, str], Any] = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


# What an empty Go object of a type carries when the API server turns it into a value: non-pointer struct fields
# are present (as {}), some fields are present as null (`containers`, `selector`); everything else is absent. A
# create is compared against this zero value, so `f:spec` and `f:template` are not members themselves while
# `f:labels` (absent in the zero value) is.
_ZERO_FIELDS: dict[str, dict[str, Any]] = {
    "io.k8s.api.apps.v1.DeploymentSpec": {"template": {}, "strategy": {}, "selector": None},
    "io.k8s.api.apps.v1.ReplicaSetSpec": {"template": {}, "selector": None},
    "io.k8s.api.apps.v1.DaemonSetSpec": {"template": {}, "updateStrategy": {}, "selector": None},
    "io.k8s.api.apps.v1.StatefulSetSpec": {"template": {}, "updateStrategy": {}, "selector": None},
    "io.k8s.api.batch.v1.JobSpec": {"template": {}},
    "io.k8s.api.batch.v1.CronJobSpec": {"jobTemplate": {}},
    "io.k8s.api.batch.v1.JobTemplateSpec": {"metadata": {}, "spec": {}},
    "io.k8s.api.core.v1.PodTemplateSpec": {"metadata": {}, "spec": {}},
    "io.k8s.api.core.v1.PodTemplate": {"template": {}},
    "io.k8s.api.core.v1.PodSpec": {"containers": None},
}


def zero_value(t: TypeNode, *, top: bool = True) -> Any:
    """The value of an empty object of type `t` (see `_ZERO_FIELDS`); top-level objects carry metadata, spec and
    status."""
    out: dict[str, Any] = {}
    fields = dict(_ZERO_FIELDS.get(t.name, {}))
    if top:
        fields.update({f: {} for f in ("metadata", "spec", "status") if t.has_field(f)})
    for name, value in fields.items():
        out[name] = zero_value(t.field(name), top=False) if value == {} else value
    return out


class TypeNode:
    """One type. `kind` is "map" (structs and string maps), "list", "scalar" or "untyped" (shape from the value)."""

    __slots__ = ("_fields", "_props", "atomic", "elem", "key_defaults", "keys", "kind", "list_type", "merge_key",
                 "name", "strategy")

    def __init__(self, kind: str, *, name: str = "", atomic: bool = False) -> None:
        self.kind = kind
        self.name = name
        self.atomic = atomic
        self._props: dict[str, Schema] = {}
        self._fields: dict[str, TypeNode] = {}
        self.elem: TypeNode | None = None
        self.list_type = "atomic"
        self.keys: tuple[str, ...] = ()
        self.key_defaults: dict[str, Any] = {}
        self.strategy = ""  # the patch strategy of the field this type was reached through
        self.merge_key = ""

    def has_field(self, name: str) -> bool:
        """Whether `name` is a declared field (struct member), as opposed to a key of a string map."""
        return name in self._props

    def field(self, name: str) -> TypeNode:
        """The type of field `name` (a declared field, or the element type of a map, or untyped)."""
        node = self._fields.get(name)
        if node is None:
            prop = self._props.get(name)
            if prop is not None:
                node = compile_schema(prop)
            else:
                node = self.elem if self.elem is not None else UNTYPED
            self._fields[name] = node
        return node

    def element(self) -> TypeNode:
        return self.elem if self.elem is not None else UNTYPED

    def __repr__(self) -> str:
        return f"<TypeNode {self.kind} {self.name or ''}>"


UNTYPED = TypeNode("untyped")
SCALAR = TypeNode("scalar")


def type_for(api_version: str, kind: str) -> TypeNode:
    """The type of a whole object of this kind; the deduced type when the schema has no definition for it."""
    name = openapi.definition_name(api_version, kind)
    return _definition(name) if name else UNTYPED


def deduced(value: Any, t: TypeNode) -> TypeNode:
    """The type to use for `value` under `t`: untyped values (and values whose shape contradicts the schema) take
    the deduced shape: dicts are granular maps, lists atomic, anything else a scalar."""
    if t.kind == "untyped":
        if isinstance(value, dict):
            return _DEDUCED_MAP
        if isinstance(value, list):
            return _DEDUCED_LIST
        return SCALAR
    if isinstance(value, dict) and t.kind != "map":
        return _DEDUCED_MAP
    if isinstance(value, list) and t.kind != "list":
        return _DEDUCED_LIST
    return t


@cache
def _definition(name: str) -> TypeNode:
    return compile_schema({"$ref": f"#/$defs/{name}"})


def compile_schema(schema: Schema) -> TypeNode:
    """The TypeNode of a property schema (a `$ref` with the property's own patch strategy, or an inline type)."""
    ref = openapi.ref_name(schema)
    if ref is not None:
        base = _compile_definition(ref)
        strategy = schema.get("x-kubernetes-patch-strategy", "")
        if strategy and base.kind == "map":
            return _with_strategy(ref, strategy, schema.get("x-kubernetes-patch-merge-key", ""))
        return base
    return _compile_inline(schema, "")


@cache
def _compile_definition(name: str) -> TypeNode:
    return _compile_inline(openapi.definitions()[name], name)


@cache
def _with_strategy(ref: str, strategy: str, merge_key: str) -> TypeNode:
    base = _compile_definition(ref)
    node = TypeNode("map", name=base.name, atomic=base.atomic)
    node._props, node.elem, node.strategy, node.merge_key = base._props, base.elem, strategy, merge_key
    return node


def _compile_inline(schema: Schema, name: str) -> TypeNode:
    if "x-kubernetes-preserve-unknown-fields" in schema and "properties" not in schema:
        return UNTYPED
    types = openapi.types_of(schema)
    if "array" in types:
        return _compile_list(schema, name)
    if "object" in types:
        return _compile_map(schema, name)
    if types:
        return SCALAR
    return UNTYPED


def _compile_map(schema: Schema, name: str) -> TypeNode:
    node = TypeNode("map", name=name, atomic=schema.get("x-kubernetes-map-type") == "atomic")
    node._props = dict(schema.get("properties") or {})
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        node.elem = compile_schema(extra)
    elif not node._props:
        node.elem = UNTYPED
    node.strategy = schema.get("x-kubernetes-patch-strategy", "")
    return node


def _compile_list(schema: Schema, name: str) -> TypeNode:
    node = TypeNode("list", name=name)
    items = schema.get("items")
    node.elem = compile_schema(items) if isinstance(items, dict) else UNTYPED
    node.strategy = schema.get("x-kubernetes-patch-strategy", "")
    node.merge_key = schema.get("x-kubernetes-patch-merge-key", "")
    list_type = schema.get("x-kubernetes-list-type")
    if list_type in ("atomic", "set", "map"):
        node.list_type = list_type
        node.keys = tuple(schema.get("x-kubernetes-list-map-keys") or ()) if list_type == "map" else ()
    elif "merge" in node.strategy.split(","):
        node.list_type = "map" if node.merge_key else "set"
        node.keys = (node.merge_key,) if node.merge_key else ()
    node.atomic = node.list_type == "atomic"
    if node.keys and items is not None:
        elem_ref = openapi.ref_name(items) or ""
        node.key_defaults = {k: KEY_DEFAULTS[(elem_ref, k)] for k in node.keys if (elem_ref, k) in KEY_DEFAULTS}
    return node


_DEDUCED_MAP = TypeNode("map", name="__untyped_deduced_")
_DEDUCED_MAP.elem = UNTYPED
_DEDUCED_LIST = TypeNode("list", name="__untyped_atomic_", atomic=True)
_DEDUCED_LIST.elem = UNTYPED
