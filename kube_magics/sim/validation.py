"""API-server validation: what a Kubernetes API server rejects as Invalid (422), in its words.

`validate(obj, old)` returns the causes (field path and message, e.g. `metadata.name: Invalid value:
"Nginx_Pod": a lowercase RFC 1123 subdomain must consist of ...`); the API layer raises them as one
InvalidError. Runs after defaulting, as the real API server does. Shape errors (unknown fields, wrong types) are
found earlier by the schema check (`kube_magics.schema`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from kube_magics.errors import Cause

Obj = dict[str, Any]
Validator = Callable[[Obj, "Obj | None"], list[Cause]]

DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must "
    "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and "
    "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)

# Kinds whose names must be DNS-1123 labels (at most 63 characters) rather than subdomains.
LABEL_NAMED = frozenset({"Namespace", "Service"})


def quote(value: Any) -> str:
    """A value as Kubernetes' field errors print it: strings quoted, numbers bare, maps as JSON."""
    import json

    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"), sort_keys=True)
    return str(value)


def invalid_value(field: str, value: Any, detail: str) -> Cause:
    return Cause(field, f"Invalid value: {quote(value)}: {detail}", "FieldValueInvalid")


def required(field: str) -> Cause:
    return Cause(field, "Required value", "FieldValueRequired")


def duplicate(field: str, value: Any) -> Cause:
    return Cause(field, f"Duplicate value: {quote(value)}", "FieldValueDuplicate")


def validate_name(obj: Obj) -> list[Cause]:
    name = obj.get("metadata", {}).get("name")
    if not name:
        return [required("metadata.name")]
    if obj["kind"] in LABEL_NAMED:
        if len(name) > 63:
            return [invalid_value("metadata.name", name, "must be no more than 63 characters")]
        if not DNS1123_LABEL.match(name):
            return [invalid_value("metadata.name", name, LABEL_MSG)]
        return []
    if len(name) > 253:
        return [invalid_value("metadata.name", name, "must be no more than 253 characters")]
    if not DNS1123_SUBDOMAIN.match(name):
        return [invalid_value("metadata.name", name, SUBDOMAIN_MSG)]
    return []


# Per-kind validators, run after the name check. More are registered by the modules that own each kind.
VALIDATORS: dict[str, list[Validator]] = {}


def register(kind: str) -> Callable[[Validator], Validator]:
    def deco(fn: Validator) -> Validator:
        VALIDATORS.setdefault(kind, []).append(fn)
        return fn

    return deco


def validate(obj: Obj, old: Obj | None = None) -> list[Cause]:
    causes = validate_name(obj) if old is None else []
    for fn in VALIDATORS.get(obj.get("kind", ""), ()):
        causes.extend(fn(obj, old))
    return causes
