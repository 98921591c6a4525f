"""The definitions of the served OpenAPI documents, converted back from the JSON Schemas the project bundles.

Source: `kube_magics.openapi` loads the Kubernetes 1.35 definitions that the `kubernetes-validate` package ships
(`kubernetes-json-schema/v1.35.0-local-strict/_definitions.json`). Those were made from the API server's OpenAPI
v2 document (`api/openapi-spec/swagger.json` of Kubernetes 1.35) by converting each definition to JSON Schema and
making it strict. This module undoes those changes, so that what is served reads as the API server's own
definitions:

- `#/$defs/<name>` references point at `#/definitions/<name>` (v2) or `#/components/schemas/<name>` (v3);
- `type: [x, "null"]` (nullable) becomes `type: x`;
- `additionalProperties: false` (added to make the schemas strict) is dropped;
- the `enum` pinned on every kind's `apiVersion` and `kind` is dropped;
- `IntOrString` and `Quantity`, written as a `oneOf`, become the API server's `type: string` (with
  `format: int-or-string` for the former);
- in v3, a reference with siblings (a field's description) is wrapped as `allOf: [{$ref}]`, as the API server
  publishes v3 (OpenAPI 3.0 ignores siblings of `$ref`; `kubectl explain` reads both).

Everything else is kept as it is: descriptions, `format`, `required`, and the Kubernetes extensions
(`x-kubernetes-group-version-kind`, `-list-type`, `-list-map-keys`, `-map-type`, `-patch-strategy`,
`-patch-merge-key`, `-unions`).

Owns: the conversion. Must not: change the bundled definitions (they are shared with schema checks and patches).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics import openapi

Schema = dict[str, Any]

V2_PREFIX = "#/definitions/"
V3_PREFIX = "#/components/schemas/"
INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity"
_SOURCE_PREFIX = "#/$defs/"
_REPLACED: dict[str, Schema] = {
    INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string.  When used in JSON or YAML "
                       "marshalling and unmarshalling, it produces or consumes the inner type.  This allows you to "
                       "have, for example, a JSON field that can accept a name or number.",
        "format": "int-or-string", "type": "string"},
    QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number. It provides convenient "
                       "marshaling/unmarshaling in JSON and YAML, in addition to String() and AsInt64() accessors."
                       "\n\nThe serialization format is:\n\n``` <quantity>        ::= <signedNumber><suffix>\n```"
                       "\n\n(Note that <suffix> may be empty, from the \"\" case in <decimalSI>.)",
        "type": "string"},
}


def converted(name: str, *, v3: bool) -> Schema:
    """The definition `name` as the API server publishes it in OpenAPI v2 (`v3=False`) or v3."""
    if name in _REPLACED:
        return dict(_REPLACED[name])
    source = openapi.definitions()[name]
    return _schema(source, V3_PREFIX if v3 else V2_PREFIX, v3, top=True)


def _schema(s: Schema, prefix: str, v3: bool, *, top: bool = False) -> Schema:
    out: Schema = {}
    for key, value in s.items():
        if key == "$ref":
            out[key] = prefix + value[len(_SOURCE_PREFIX):] if value.startswith(_SOURCE_PREFIX) else value
        elif key == "type":
            kept = _type(value)
            if kept is not None:
                out[key] = kept
        elif key == "additionalProperties":
            if isinstance(value, dict):
                out[key] = _schema(value, prefix, v3)
            elif value is not False:
                out[key] = value
        elif key == "properties":
            out[key] = {p: _property(p, v, prefix, v3, top) for p, v in value.items()}
        elif key == "items" and isinstance(value, dict):
            out[key] = _schema(value, prefix, v3)
        elif key in ("oneOf", "anyOf", "allOf") and isinstance(value, list):
            out[key] = [_schema(v, prefix, v3) for v in value]
        else:
            out[key] = value
    if v3 and "$ref" in out and len(out) > 1:
        ref = out.pop("$ref")
        out = {"allOf": [{"$ref": ref}], **out}
    return out


def _property(name: str, s: Schema, prefix: str, v3: bool, top: bool) -> Schema:
    out = _schema(s, prefix, v3)
    if top and name in ("apiVersion", "kind"):
        out.pop("enum", None)
    return out


def _type(value: Any) -> str | None:
    if isinstance(value, list):
        kept = [t for t in value if t != "null"]
        return kept[0] if kept else None
    return value if isinstance(value, str) else None


def references(s: Any) -> Iterable[str]:
    """The definition names a (source) schema refers to."""
    if isinstance(s, dict):
        ref = s.get("$ref")
        if isinstance(ref, str) and ref.startswith(_SOURCE_PREFIX):
            yield ref[len(_SOURCE_PREFIX):]
        for v in s.values():
            yield from references(v)
    elif isinstance(s, list):
        for v in s:
            yield from references(v)


def closure(roots: Iterable[str]) -> list[str]:
    """`roots` and every definition they reach, sorted by name (as the API server lists them)."""
    defs = openapi.definitions()
    seen: set[str] = set()
    todo = [r for r in roots if r in defs]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(r for r in references(defs[name]) if r not in seen and r in defs)
    return sorted(seen)
