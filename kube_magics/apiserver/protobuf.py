"""Request bodies in Kubernetes' protobuf encoding, for the kinds kubectl's typed clients send that way.

client-go's typed clients send built-in kinds as `application/vnd.kubernetes.protobuf` (since client-go 1.31):
`kubectl create configmap|secret|namespace|serviceaccount` and `kubectl auth can-i|whoami` do. A body is the
magic `k8s\\x00` and a `runtime.Unknown` envelope (`typeMeta`, `raw`) whose `raw` is the object's message. This
module reads the messages of those kinds into the API's JSON shape; the field numbers are those of the Kubernetes
API's protobuf definitions (k8s.io/api and k8s.io/apimachinery, `generated.proto`). Go's encoder writes every
non-pointer field, empty or not, so empty strings, zero numbers, zero times and empty messages are left out, as
JSON's `omitempty` leaves them. A field this module does not know is an error if it carries anything (nothing is
dropped silently); a kind it does not know is a 415, as for any other unreadable body.

Owns: the protobuf wire format of those kinds. Must not: touch the simulator.
"""

from __future__ import annotations

import base64
import struct
from typing import Any

from kube_magics.errors import BadRequestError, UnsupportedMediaTypeError
from kube_magics.timefmt import rfc3339

MAGIC = b"k8s\x00"
# (JSON name, type): "string", "bytes", "bool", "int", "time", "map:string", "map:bytes", a message name, any of these
# prefixed with "[]" for repeated fields, or "ignored" for what the server sets itself (a review's status)
Field = tuple[str, str]
META = {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
        4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
        7: ("generation", "int"), 8: ("creationTimestamp", "time"), 9: ("deletionTimestamp", "time"),
        10: ("deletionGracePeriodSeconds", "int"), 11: ("labels", "map:string"), 12: ("annotations", "map:string"),
        13: ("ownerReferences", "[]OwnerReference"), 14: ("finalizers", "[]string")}
MESSAGES: dict[str, dict[int, Field]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "raw"), 3: ("contentEncoding", "string"),
                4: ("contentType", "string")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": META,
    "OwnerReference": {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"), 5: ("apiVersion", "string"),
                       6: ("controller", "bool"), 7: ("blockOwnerDeletion", "bool")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map:string"), 3: ("binaryData", "map:bytes"),
                  4: ("immutable", "bool")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "map:bytes"), 3: ("type", "string"),
               4: ("stringData", "map:string"), 5: ("immutable", "bool")},
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "NamespaceStatus")},
    "NamespaceSpec": {1: ("finalizers", "[]string")},
    "NamespaceStatus": {1: ("phase", "string")},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 2: ("secrets", "[]ObjectReference"),
                       3: ("imagePullSecrets", "[]LocalObjectReference"), 4: ("automountServiceAccountToken", "bool")},
    "ObjectReference": {1: ("kind", "string"), 2: ("namespace", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                        5: ("apiVersion", "string"), 6: ("resourceVersion", "string"), 7: ("fieldPath", "string")},
    "LocalObjectReference": {1: ("name", "string")},
    "SelfSubjectAccessReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectAccessReviewSpec"),
                                3: ("status", "ignored")},
    "SelfSubjectAccessReviewSpec": {1: ("resourceAttributes", "ResourceAttributes"),
                                    2: ("nonResourceAttributes", "NonResourceAttributes")},
    "ResourceAttributes": {1: ("namespace", "string"), 2: ("verb", "string"), 3: ("group", "string"),
                           4: ("version", "string"), 5: ("resource", "string"), 6: ("subresource", "string"),
                           7: ("name", "string")},
    "NonResourceAttributes": {1: ("path", "string"), 2: ("verb", "string")},
    "SelfSubjectRulesReview": {1: ("metadata", "ObjectMeta"), 2: ("spec", "SelfSubjectRulesReviewSpec"),
                               3: ("status", "ignored")},
    "SelfSubjectRulesReviewSpec": {1: ("namespace", "string")},
    "SelfSubjectReview": {1: ("metadata", "ObjectMeta"), 2: ("status", "ignored")},
}
KINDS = {("v1", "ConfigMap"), ("v1", "Secret"), ("v1", "Namespace"), ("v1", "ServiceAccount"),
         ("authorization.k8s.io/v1", "SelfSubjectAccessReview"), ("authorization.k8s.io/v1", "SelfSubjectRulesReview"),
         ("authentication.k8s.io/v1", "SelfSubjectReview")}


def decode(body: bytes) -> dict[str, Any]:
    """The object a protobuf request body carries, as JSON-shaped data (415 for a kind this module cannot read)."""
    if not body.startswith(MAGIC):
        raise BadRequestError("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
    envelope = _message(body[len(MAGIC):], "Unknown")
    type_meta = envelope.get("typeMeta") or {}
    api_version, kind = type_meta.get("apiVersion", ""), type_meta.get("kind", "")
    if (api_version, kind) not in KINDS or envelope.get("contentEncoding"):
        raise UnsupportedMediaTypeError(f"the simulated cluster's API cannot read {kind or 'this kind'} in protobuf")
    obj = _message(envelope.get("raw", b""), kind)
    return {"apiVersion": api_version, "kind": kind, **obj}


def _fields(data: bytes) -> list[tuple[int, int, Any]]:
    """(field number, wire type, value) of each field of a message."""
    out: list[tuple[int, int, Any]] = []
    i = 0
    while i < len(data):
        key, i = _varint(data, i)
        number, wire = key >> 3, key & 7
        value: Any
        if wire == 0:
            value, i = _varint(data, i)
        elif wire == 2:
            size, i = _varint(data, i)
            value, i = data[i:i + size], i + size
        elif wire == 1:
            value, i = struct.unpack_from("<q", data, i)[0], i + 8
        elif wire == 5:
            value, i = struct.unpack_from("<i", data, i)[0], i + 4
        else:
            raise BadRequestError(f"protobuf: unsupported wire type {wire}")
        out.append((number, wire, value))
    return out


def _varint(data: bytes, i: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        if i >= len(data):
            raise BadRequestError("protobuf: unexpected end of data")
        byte = data[i]
        i += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, i
        shift += 7


def _message(data: bytes, name: str) -> dict[str, Any]:
    schema = MESSAGES[name]
    out: dict[str, Any] = {}
    for number, wire, raw in _fields(data):
        field = schema.get(number)
        if field is None:
            if raw not in (b"", 0):
                raise UnsupportedMediaTypeError(f"the simulated cluster's API cannot read field {number} of {name} "
                                                "in protobuf")
            continue
        key, kind = field
        if kind == "ignored":
            continue
        repeated = kind.startswith("[]")
        value = _value(kind.removeprefix("[]"), wire, raw)
        if kind.startswith("map:"):
            out.setdefault(key, {}).update(value)
        elif repeated:
            out.setdefault(key, []).append(value)
        elif value not in ("", 0, None, {}) or kind == "bool":
            out[key] = value
    return out


def _value(kind: str, wire: int, raw: Any) -> Any:
    if kind == "bool":
        return bool(raw)
    if kind == "int":
        return int(raw)
    if kind in ("string", "raw"):
        return raw.decode() if kind == "string" else bytes(raw)
    if kind == "bytes":
        return base64.b64encode(raw).decode()
    if kind == "time":
        parts = {n: v for n, _, v in _fields(raw)}
        return rfc3339(parts[1]) if parts.get(1) else None
    if kind.startswith("map:"):
        entry = {n: v for n, _, v in _fields(raw)}
        value = entry.get(2, b"")
        return {entry.get(1, b"").decode(): base64.b64encode(value).decode() if kind == "map:bytes" else value.decode()}
    return _message(raw, kind)
