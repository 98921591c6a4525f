"""`/openapi/v2` as protocol buffers: the Swagger 2.0 document encoded as gnostic's `openapi.v2.Document`.

client-go asks for the v2 document only in this form (`Accept: application/com.github.proto-openapi.spec.v2@v1.0+
protobuf`), e.g. when kubectl validates on the client side (a kind whose PATCH has no `fieldValidation`, such as a
kind the server does not serve) or explains with `--output=plaintext-openapiv2`. The message and field numbers
are those of gnostic's `openapiv2/OpenAPIv2.proto` (package `openapi.v2`); vendor extensions and other free-form
values are carried as YAML text in `Any.yaml`, as gnostic does (JSON is YAML). Only what the served document uses
is encoded: info, paths with their operations, parameters and responses, definitions, security.

Owns: the protobuf wire format of that document. Must not: decide what the document says (`openapi.py` does).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Iterable
from typing import Any

Doc = dict[str, Any]
MEDIA_TYPES = ("application/com.github.proto-openapi.spec.v2@v1.0+protobuf",
               "application/com.github.proto-openapi.spec.v2.v1.0+protobuf")


# --- the wire format ----------------------------------------------------------------------------------------------


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        bits = n & 0x7F
        n >>= 7
        if n:
            out.append(bits | 0x80)
        else:
            out.append(bits)
            return bytes(out)


def _key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _bytes(field: int, data: bytes) -> bytes:
    return _key(field, 2) + _varint(len(data)) + data


def _str(field: int, text: Any) -> bytes:
    return _bytes(field, str(text).encode()) if text not in (None, "") else b""


def _bool(field: int, value: Any) -> bytes:
    return _key(field, 0) + b"\x01" if value else b""


def _int(field: int, value: Any) -> bytes:
    return _key(field, 0) + _varint(int(value)) if value is not None else b""


def _double(field: int, value: Any) -> bytes:
    return _key(field, 1) + struct.pack("<d", float(value)) if value is not None else b""


def _strings(field: int, values: Iterable[Any]) -> bytes:
    return b"".join(_bytes(field, str(v).encode()) for v in values)


def _any(field: int, value: Any) -> bytes:
    """An `Any` (field 2: the value as YAML text)."""
    return _bytes(field, _str(2, json.dumps(value, separators=(",", ":"))))


def _named(field: int, items: dict[str, Any], encode: Callable[[Any], bytes]) -> bytes:
    """A gnostic map: repeated Named<X> { string name = 1; X value = 2; }."""
    return b"".join(_bytes(field, _str(1, k) + _bytes(2, encode(v))) for k, v in items.items())


def _extensions(field: int, obj: Doc) -> bytes:
    return b"".join(_bytes(field, _str(1, k) + _any(2, v)) for k, v in obj.items() if k.startswith("x-"))


# --- the messages -------------------------------------------------------------------------------------------------


def encode_document(doc: Doc) -> bytes:
    """openapi.v2.Document."""
    info = doc.get("info") or {}
    out = _str(1, doc.get("swagger", "2.0")) + _bytes(2, _str(1, info.get("title")) + _str(2, info.get("version")))
    out += _bytes(8, _named(2, doc.get("paths") or {}, _path_item))
    out += _bytes(9, _named(1, doc.get("definitions") or {}, _schema))
    out += b"".join(_bytes(12, _named(1, req, lambda v: _strings(1, v))) for req in doc.get("security") or ())
    security = doc.get("securityDefinitions") or {}
    out += _bytes(13, _named(1, security, lambda s: _bytes(2, _api_key(s))))
    return out


def _api_key(s: Doc) -> bytes:
    return _str(1, s.get("type")) + _str(2, s.get("name")) + _str(3, s.get("in")) + _str(4, s.get("description"))


_METHODS = {"get": 2, "put": 3, "post": 4, "delete": 5, "options": 6, "head": 7, "patch": 8}


def _path_item(item: Doc) -> bytes:
    out = b"".join(_bytes(n, _operation(item[m])) for m, n in _METHODS.items() if m in item)
    out += b"".join(_bytes(9, _parameters_item(p)) for p in item.get("parameters") or ())
    return out + _extensions(10, item)


def _operation(op: Doc) -> bytes:
    out = _strings(1, op.get("tags") or ()) + _str(3, op.get("description")) + _str(5, op.get("operationId"))
    out += _strings(6, op.get("produces") or ()) + _strings(7, op.get("consumes") or ())
    out += b"".join(_bytes(8, _parameters_item(p)) for p in op.get("parameters") or ())
    out += _bytes(9, _named(1, op.get("responses") or {}, _response_value))
    out += _strings(10, op.get("schemes") or ())
    return out + _extensions(13, op)


def _parameters_item(p: Doc) -> bytes:
    """ParametersItem { Parameter parameter = 1; } with Parameter { BodyParameter = 1; NonBodyParameter = 2; }."""
    if p.get("in") == "body":
        body = _str(1, p.get("description")) + _str(2, p.get("name")) + _str(3, "body") + \
            _bool(4, p.get("required")) + _bytes(5, _schema(p.get("schema") or {}))
        return _bytes(1, _bytes(1, body))
    common = _bool(1, p.get("required")) + _str(2, p.get("in")) + _str(3, p.get("description")) + _str(4, p.get("name"))
    if p.get("in") == "path":  # PathParameterSubSchema: type = 5, unique_items = 19
        sub = _bytes(4, common + _str(5, p.get("type")) + _bool(19, p.get("uniqueItems")))
    else:  # QueryParameterSubSchema: type = 6, unique_items = 20
        sub = _bytes(3, common + _str(6, p.get("type")) + _bool(20, p.get("uniqueItems")))
    return _bytes(1, _bytes(2, sub))


def _response_value(r: Doc) -> bytes:
    """ResponseValue { Response response = 1; }, Response { description = 1; SchemaItem schema = 2; }."""
    response = _str(1, r.get("description"))
    if "schema" in r:
        response += _bytes(2, _bytes(1, _schema(r["schema"])))
    return _bytes(1, response)


def _schema(s: Doc) -> bytes:
    out = _str(1, s.get("$ref")) + _str(2, s.get("format")) + _str(3, s.get("title")) + _str(4, s.get("description"))
    if "default" in s:
        out += _any(5, s["default"])
    out += _double(7, s.get("maximum")) + _double(9, s.get("minimum"))
    out += _int(11, s.get("maxLength")) + _int(12, s.get("minLength")) + _str(13, s.get("pattern"))
    out += _int(14, s.get("maxItems")) + _int(15, s.get("minItems")) + _bool(16, s.get("uniqueItems"))
    out += _strings(19, s.get("required") or ())
    out += b"".join(_any(20, v) for v in s.get("enum") or ())
    extra = s.get("additionalProperties")
    if isinstance(extra, dict):
        out += _bytes(21, _bytes(1, _schema(extra)))
    elif isinstance(extra, bool):
        out += _bytes(21, _key(2, 0) + (b"\x01" if extra else b"\x00"))
    if s.get("type"):
        types = s["type"] if isinstance(s["type"], list) else [s["type"]]
        out += _bytes(22, _strings(1, types))
    if isinstance(s.get("items"), dict):
        out += _bytes(23, _bytes(1, _schema(s["items"])))
    out += b"".join(_bytes(24, _schema(x)) for x in s.get("allOf") or ())
    if s.get("properties"):
        out += _bytes(25, _named(1, s["properties"], _schema))
    out += _bool(27, s.get("readOnly"))
    return out + _extensions(31, s)
