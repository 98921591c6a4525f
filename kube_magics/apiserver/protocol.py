"""Requests and responses of the served API, independent of the HTTP server that carries them.

- `Request`: method, path, query parameters, headers and body, with the API's parameter rules (booleans as
  `true`/`1`, integers that must parse) and body decoding (JSON or YAML, and Kubernetes' protobuf for the kinds
  `protobuf.py` reads; other protobuf bodies are refused with a 415 that says how to send JSON instead).
- `Response`: a status, headers and either bytes or a stream of chunks (watches, followed logs).
- Content negotiation from the `Accept` header: plain JSON or YAML, the `meta.k8s.io` Table and
  PartialObjectMetadata forms, and aggregated discovery (`apidiscovery.k8s.io`); 406 Not Acceptable for a request
  that accepts none of them.
- Errors as `Status` objects (`kube_magics.errors.ApiError.status()`), success Statuses, and `Warning` headers.

Owns: the wire format. Must not: touch the simulator.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from kube_magics.apiserver import protobuf
from kube_magics.errors import ApiError, BadRequestError, UnsupportedMediaTypeError

JSON = "application/json"
YAML = "application/yaml"
PROTOBUF = "application/vnd.kubernetes.protobuf"
TABLE = "table"
PARTIAL = "partial"
DISCOVERY_V2 = "discovery-v2"
DISCOVERY_V2BETA1 = "discovery-v2beta1"
_DISCOVERY_TYPES = {"v2": DISCOVERY_V2, "v2beta1": DISCOVERY_V2BETA1}


class NotAcceptableError(ApiError):
    reason = "NotAcceptable"
    code = 406


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes = b""

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[-1] if values else default

    def flag(self, name: str) -> bool:
        """A boolean query parameter, as Go's strconv.ParseBool reads it (`true`, `1`, `True`, ...)."""
        value = self.param(name)
        if value is None or value == "":
            return False
        if value.lower() in ("true", "1", "t"):
            return True
        if value.lower() in ("false", "0", "f"):
            return False
        raise BadRequestError(f'strconv.ParseBool: parsing "{value}": invalid syntax')

    def integer(self, name: str) -> int | None:
        value = self.param(name)
        if value is None or value == "":
            return None
        try:
            return int(value)
        except ValueError:
            raise BadRequestError(f'strconv.ParseInt: parsing "{value}": invalid syntax') from None

    @property
    def content_type(self) -> str:
        return (self.headers.get("Content-Type") or JSON).split(";", 1)[0].strip().lower()

    @property
    def user_agent(self) -> str:
        return self.headers.get("User-Agent") or ""

    def field_manager(self) -> str | None:
        """`fieldManager`, or the API server's default: the user agent's first word (`kubectl`, `OpenAPI-Generator`)."""
        given = self.param("fieldManager")
        if given:
            return given
        agent = self.user_agent.split("/", 1)[0].strip()
        return agent[:128] or None

    def decoded_body(self) -> Any:
        """The body as data: JSON, or YAML (`application/yaml`); 415 for other formats, 400 if it does not parse."""
        ctype = self.content_type
        if not self.body.strip():
            raise BadRequestError("the body of the request was empty")
        try:
            if ctype in ("application/yaml", "application/x-yaml", "text/yaml"):
                return yaml.safe_load(self.body)
            if ctype in (JSON, "*/*", "") or ctype.endswith("+json"):
                return json.loads(self.body)
        except (ValueError, yaml.YAMLError) as exc:
            raise BadRequestError(f"couldn't get version/kind; json parse error: {exc}") from None
        message = "the body of the request was in an unknown format - accepted media types include: " \
                  "application/json, application/yaml"
        if ctype == PROTOBUF:
            try:
                return protobuf.decode(self.body)
            except UnsupportedMediaTypeError as exc:
                message += (f" ({exc.message}, which kubectl's `create <kind>` commands send; `kubectl create ... "
                            "--dry-run=client -o yaml | kubectl apply -f -` sends JSON)")
        raise UnsupportedMediaTypeError(message)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = JSON
    headers: list[tuple[str, str]] = field(default_factory=list)
    stream: Iterator[bytes] | None = None  # sent chunked, each item flushed as it comes


def encode(data: Any, media: str = JSON) -> bytes:
    if media == YAML:
        return yaml.safe_dump(data, sort_keys=False, default_flow_style=False).encode()
    return json.dumps(data, separators=(",", ":")).encode()


def respond(data: Any, *, status: int = 200, media: str = JSON, warnings: list[str] | None = None) -> Response:
    headers = [("Warning", warning_header(w)) for w in warnings or ()]
    ctype = "application/yaml" if media == YAML else JSON
    return Response(status, encode(data, YAML if media == YAML else JSON), ctype, headers)


def respond_as(data: Any, content_type: str) -> Response:
    return Response(200, encode(data), content_type)


def error_response(err: ApiError) -> Response:
    return Response(err.code, encode(err.status()))


def warning_header(text: str) -> str:
    """An RFC 7234 warning as the API server sends it: `299 - "text"`."""
    return '299 - "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def success_status(*, name: str, group: str, kind: str, uid: str | None) -> dict[str, Any]:
    details: dict[str, Any] = {"name": name, "group": group, "kind": kind}
    if uid:
        details["uid"] = uid
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "details": details}


# --- content negotiation ------------------------------------------------------------------------------------------


def _media_ranges(accept: str) -> list[tuple[str, dict[str, str]]]:
    out = []
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        if not pieces[0]:
            continue
        params = {}
        for p in pieces[1:]:
            key, _, value = p.partition("=")
            params[key.strip().lower()] = value.strip()
        out.append((pieces[0].lower(), params))
    return out


def negotiate(accept: str | None, *, table: bool = False, discovery: bool = False) -> str:
    """The form to answer in: JSON, YAML, TABLE, PARTIAL or a DISCOVERY_* form, by the first media range of the
    Accept header that the endpoint can give (`table`: a list or get of a resource; `discovery`: `/api`, `/apis`).
    """
    if not accept:
        return JSON
    for media, params in _media_ranges(accept):
        as_ = params.get("as")
        if media not in (JSON, "application/*", "*/*", YAML):
            continue
        if as_ is None:
            return YAML if media == YAML else JSON
        if media != JSON:
            continue
        if table and as_ == "Table" and params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return TABLE
        if table and as_ in ("PartialObjectMetadata", "PartialObjectMetadataList") and \
                params.get("g") == "meta.k8s.io" and params.get("v") in ("v1", "v1beta1"):
            return PARTIAL
        if discovery and as_ == "APIGroupDiscoveryList" and params.get("g") == "apidiscovery.k8s.io" and \
                params.get("v") in _DISCOVERY_TYPES:
            return _DISCOVERY_TYPES[params["v"]]
    raise NotAcceptableError("only the following media types are accepted: application/json, application/yaml, "
                             "application/vnd.kubernetes.protobuf")


def discovery_content_type(form: str) -> str:
    version = "v2beta1" if form == DISCOVERY_V2BETA1 else "v2"
    return f"application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList"
