"""The Kubernetes 1.35 API schema, offline: type definitions as the API server publishes them.

Source: the definitions that `kubernetes-validate` bundles for Kubernetes 1.35 (`v1.35.0-local-strict`), which are
the API server's OpenAPI v2 definitions (`io.k8s.api.core.v1.PodSpec`, ...) converted to JSON Schema, with the
Kubernetes extensions kept: `x-kubernetes-group-version-kind`, `x-kubernetes-list-type`,
`x-kubernetes-list-map-keys`, `x-kubernetes-patch-merge-key`, `x-kubernetes-patch-strategy`, `format`
(`int32`, `int64`), `required`, and the field descriptions.

Used by schema validation (strict decoding), apply and patch (list merge keys), and `explain`. Loaded on first
use (about 10 ms), never at import.

Imports nothing of kube_magics.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

SCHEMA_SET = "v1.35.0-local-strict"

Schema = dict[str, Any]


@lru_cache(maxsize=1)
def definitions() -> dict[str, Schema]:
    # Locate the package's data without importing the package: importing kubernetes_validate pulls in
    # jsonschema and its dependencies (over a second), and only the data file is needed here.
    from importlib.util import find_spec
    from pathlib import Path

    spec = find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("kubernetes_validate (pip install kubernetes-validate) has the API schemas")
    base = Path(next(iter(spec.submodule_search_locations)))
    root = base / "kubernetes-json-schema" / SCHEMA_SET / "_definitions.json"
    with root.open("r", encoding="utf-8") as f:
        return json.load(f)["$defs"]


@lru_cache(maxsize=1)
def _gvk_index() -> dict[tuple[str, str], str]:
    index: dict[tuple[str, str], str] = {}
    for name, schema in definitions().items():
        for gvk in schema.get("x-kubernetes-group-version-kind") or ():
            group, version = gvk.get("group", ""), gvk["version"]
            api_version = f"{group}/{version}" if group else version
            # The first definition wins: io.k8s.api.* precede the meta types that list every group.
            index.setdefault((api_version, gvk["kind"]), name)
    return index


def definition_name(api_version: str, kind: str) -> str | None:
    """`io.k8s.api.apps.v1.Deployment` for ("apps/v1", "Deployment"), or None if the API has no such kind."""
    return _gvk_index().get((api_version, kind))


def kinds() -> list[tuple[str, str]]:
    """Every (apiVersion, kind) the schema defines."""
    return sorted(_gvk_index())


def resolve(schema: Schema) -> Schema:
    """Follow a `$ref` (`#/$defs/<name>`) to its definition; other schemas are returned as they are."""
    ref = schema.get("$ref")
    if ref:
        return definitions()[ref.rsplit("/", 1)[-1]]
    return schema


def ref_name(schema: Schema) -> str | None:
    ref = schema.get("$ref")
    return ref.rsplit("/", 1)[-1] if ref else None


def short_type_name(definition: str) -> str:
    """`io.k8s.api.apps.v1.DeploymentSpec` -> `DeploymentSpec` (the Go struct's name)."""
    return definition.rsplit(".", 1)[-1]


def types_of(schema: Schema) -> set[str]:
    """The JSON types a schema admits (without "null"); a oneOf (IntOrString, Quantity) gives the union."""
    schema = resolve(schema)
    if "oneOf" in schema:
        out: set[str] = set()
        for alt in schema["oneOf"]:
            out |= types_of(alt)
        return out
    t = schema.get("type")
    if t is None:
        return {"object"} if "properties" in schema else set()
    if isinstance(t, str):
        return {t} - {"null"}
    return set(t) - {"null"}


def field_schema(schema: Schema, name: str) -> Schema | None:
    """The schema of property `name` of an object schema (resolving refs), or None if it has none."""
    schema = resolve(schema)
    props = schema.get("properties")
    if props and name in props:
        return props[name]
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        return extra
    return None


def at_path(api_version: str, kind: str, path: list[str]) -> Schema | None:
    """The schema at a dotted field path of a kind (list items are entered through their element schema)."""
    name = definition_name(api_version, kind)
    if name is None:
        return None
    schema: Schema | None = definitions()[name]
    for part in path:
        if schema is None:
            return None
        schema = resolve(schema)
        if "array" in types_of(schema) and "items" in schema:
            schema = resolve(schema["items"])
        schema = field_schema(schema, part)
    return resolve(schema) if schema is not None else None


def list_merge_keys(schema: Schema) -> list[str] | None:
    """For a list schema: its map keys (`x-kubernetes-list-map-keys`, else the patch merge key), or None when
    the list is atomic or a set."""
    keys = schema.get("x-kubernetes-list-map-keys")
    if keys:
        return list(keys)
    if schema.get("x-kubernetes-patch-strategy", "").startswith("merge") and schema.get("x-kubernetes-patch-merge-key"):
        return [schema["x-kubernetes-patch-merge-key"]]
    return None
