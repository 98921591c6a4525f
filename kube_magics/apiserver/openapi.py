"""The served OpenAPI documents: `/openapi/v2` (Swagger 2.0) and `/openapi/v3` (an index of OpenAPI 3.0 documents,
one per group version: `/openapi/v3/api/v1`, `/openapi/v3/apis/apps/v1`, ...).

kubectl reads them for `kubectl explain` (v3, falling back to v2), to learn whether the server validates fields
itself (it looks for the `fieldValidation` parameter of a kind's PATCH operation, found by the operation's
`x-kubernetes-group-version-kind`; kubectl 1.35 then sends `fieldValidation=Strict`), and for the patch strategies
of client-side apply. So the documents have what a 1.35 API server publishes for each served resource: its
paths and operations (list, create, deletecollection, read, replace, patch, delete, the status, scale, log,
binding and eviction subresources) with their query parameters and the `x-kubernetes-action` and
`x-kubernetes-group-version-kind` extensions, and the definitions of the types they use.

Source of the definitions: the Kubernetes 1.35 definitions bundled by `kubernetes-validate` (see
`openapi_schemas.py` for how they are converted back from JSON Schema into OpenAPI). Documents are built once per
catalogue and served as bytes; the v3 index names each document by the SHA-512 of its bytes, as the API server
does, so clients may cache them.

Owns: the documents' paths, operations and parameters. Must not: serve definitions of kinds the API does not serve
(other group versions of the bundle are left out, as are the metrics API, which publishes none).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from kube_magics import openapi
from kube_magics.apiserver import discovery
from kube_magics.apiserver.openapi_proto import encode_document
from kube_magics.apiserver.openapi_schemas import V2_PREFIX, V3_PREFIX, closure, converted
from kube_magics.kinds import ResourceCatalogue, ResourceKind

Doc = dict[str, Any]
META = "io.k8s.apimachinery.pkg.apis.meta.v1."
_COMMON = [META + n for n in ("Status", "DeleteOptions", "Patch", "WatchEvent", "APIResourceList")]
_SUBRESOURCE_TYPES = {"Scale": "io.k8s.api.autoscaling.v1.Scale", "Eviction": "io.k8s.api.policy.v1.Eviction",
                      "Binding": "io.k8s.api.core.v1.Binding"}
_PARAMS: dict[str, tuple[str, str]] = {  # name -> (type, description)
    "allowWatchBookmarks": ("boolean", "allowWatchBookmarks requests watch events with type \"BOOKMARK\"."),
    "continue": ("string", "The continue option should be set when retrieving more results from the server."),
    "dryRun": ("string", "When present, indicates that modifications should not be persisted. Valid value: All."),
    "fieldManager": ("string", "fieldManager is a name associated with the actor or entity that is making these "
                               "changes."),
    "fieldSelector": ("string", "A selector to restrict the list of returned objects by their fields."),
    "fieldValidation": ("string", "fieldValidation instructs the server on how to handle objects in the request "
                                  "containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."),
    "force": ("boolean", "Force is going to \"force\" Apply requests. It must be unset for non-apply patches."),
    "gracePeriodSeconds": ("integer", "The duration in seconds before the object should be deleted."),
    "labelSelector": ("string", "A selector to restrict the list of returned objects by their labels."),
    "limit": ("integer", "limit is a maximum number of responses to return for a list call."),
    "orphanDependents": ("boolean", "Deprecated: please use the PropagationPolicy."),
    "propagationPolicy": ("string", "Whether and how garbage collection will be performed: Orphan, Background or "
                                    "Foreground."),
    "resourceVersion": ("string", "resourceVersion sets a constraint on what resource versions a request may be "
                                  "served from."),
    "resourceVersionMatch": ("string", "resourceVersionMatch determines how resourceVersion is applied to list "
                                       "calls."),
    "sendInitialEvents": ("boolean", "`sendInitialEvents=true` may be set together with `watch=true`."),
    "timeoutSeconds": ("integer", "Timeout for the list/watch call."),
    "watch": ("boolean", "Watch for changes to the described resources and return them as a stream of add, update, "
                         "and remove notifications."),
    "container": ("string", "The container for which to stream logs."),
    "follow": ("boolean", "Follow the log stream of the pod."),
    "previous": ("boolean", "Return previous terminated container logs."),
    "tailLines": ("integer", "If set, the number of lines from the end of the logs to show."),
    "limitBytes": ("integer", "If set, the number of bytes to read from the server before terminating the log "
                              "output."),
    "timestamps": ("boolean", "If true, add an RFC3339 timestamp at the beginning of every line of log output."),
}
_LIST = ["allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit", "resourceVersion",
         "resourceVersionMatch", "sendInitialEvents", "timeoutSeconds", "watch"]
_WRITE = ["dryRun", "fieldManager", "fieldValidation"]
_DELETE = ["dryRun", "gracePeriodSeconds", "orphanDependents", "propagationPolicy"]
_LOG = ["container", "follow", "limitBytes", "previous", "tailLines", "timestamps"]
_PATCH_TYPES = ["application/apply-patch+yaml", "application/json-patch+json", "application/merge-patch+json",
                "application/strategic-merge-patch+json"]


@dataclass(frozen=True)
class Op:
    """One operation: its action (`x-kubernetes-action`), HTTP method, id, query parameters, body and response."""

    action: str
    method: str
    op_id: str
    params: list[str]
    body: str | None
    response: str | None
    gvk: tuple[str, str, str]
    produces: str = "json"


def _camel(group: str, version: str) -> str:
    parts = (group.removesuffix(".k8s.io") or "core").split(".")
    return "".join(p[:1].upper() + p[1:] for p in parts) + version[:1].upper() + version[1:]


def resource_paths(r: ResourceKind) -> dict[str, list[Op]]:
    """The paths of one served resource and their operations."""
    definition = openapi.definition_name(r.api_version, r.kind)
    if definition is None:
        return {}
    listed = definition + "List" if definition + "List" in openapi.definitions() else None
    base = f"/apis/{r.group}/{r.version}" if r.group else f"/api/{r.version}"
    ns = "Namespaced" if r.namespaced else ""
    coll = f"{base}/namespaces/{{namespace}}/{r.plural}" if r.namespaced else f"{base}/{r.plural}"
    gv, gvk, k = _camel(r.group, r.version), (r.group, r.version, r.kind), r.kind
    verbs = discovery.verbs(r)
    paths: dict[str, list[Op]] = {coll: [], coll + "/{name}": []}
    wanted = [("list", "get", f"list{gv}{ns}{k}", _LIST, None, listed),
              ("post", "post", f"create{gv}{ns}{k}", _WRITE, definition, definition),
              ("deletecollection", "delete", f"delete{gv}Collection{ns}{k}", _LIST + _DELETE, META + "DeleteOptions",
               META + "Status")]
    for action, method, op_id, params, body, response in wanted:
        if {"list": "list", "post": "create", "deletecollection": "deletecollection"}[action] in verbs:
            paths[coll].append(Op(action, method, op_id, params, body, response, gvk))
    item = [("get", "get", f"read{gv}{ns}{k}", [], None, definition),
            ("put", "put", f"replace{gv}{ns}{k}", _WRITE, definition, definition),
            ("patch", "patch", f"patch{gv}{ns}{k}", [*_WRITE, "force"], META + "Patch", definition),
            ("delete", "delete", f"delete{gv}{ns}{k}", _DELETE, META + "DeleteOptions", META + "Status")]
    for action, method, op_id, params, body, response in item:
        if {"get": "get", "put": "update", "patch": "patch", "delete": "delete"}[action] in verbs:
            paths[coll + "/{name}"].append(Op(action, method, op_id, params, body, response, gvk))
    if r.namespaced and "list" in verbs:
        paths[f"{base}/{r.plural}"] = [Op("list", "get", f"list{gv}{k}ForAllNamespaces", _LIST, None, listed, gvk)]
    for sub, sgroup, sversion, skind, sverbs in discovery.subresources(r):
        paths[f"{coll}/{{name}}/{sub}"] = _subresource_ops(sub, (sgroup, sversion, skind), sverbs, definition,
                                                           f"{gv}{ns}{k}")
    return {p: ops for p, ops in paths.items() if ops}


def _subresource_ops(sub: str, gvk: tuple[str, str, str], verbs: tuple[str, ...], definition: str,
                     name: str) -> list[Op]:
    suffix = sub[:1].upper() + sub[1:]
    schema = _SUBRESOURCE_TYPES.get(gvk[2], definition)
    if sub == "log":
        return [Op("get", "get", f"read{name}Log", _LOG, None, None, gvk, produces="text")]
    if "create" in verbs:
        return [Op("post", "post", f"create{name}{suffix}", _WRITE, schema, schema, gvk)]
    return [Op("get", "get", f"read{name}{suffix}", [], None, schema, gvk),
            Op("put", "put", f"replace{name}{suffix}", _WRITE, schema, schema, gvk),
            Op("patch", "patch", f"patch{name}{suffix}", [*_WRITE, "force"], META + "Patch", schema, gvk)]


def _path_params(path: str) -> list[str]:
    return [p for p in ("name", "namespace") if "{" + p + "}" in path]


def served_paths(resources: list[ResourceKind]) -> dict[str, list[Op]]:
    out: dict[str, list[Op]] = {}
    for r in resources:
        out.update(resource_paths(r))
    return dict(sorted(out.items()))


def _definitions_for(paths: dict[str, list[Op]]) -> list[str]:
    roots = set(_COMMON)
    for ops in paths.values():
        for op in ops:
            roots.update(x for x in (op.body, op.response) if x)
    return closure(roots)


# --- OpenAPI v2 ---------------------------------------------------------------------------------------------------


def v2_document(catalogue: ResourceCatalogue, version: str) -> Doc:
    paths = served_paths(list(catalogue))
    return {
        "swagger": "2.0",
        "info": {"title": "Kubernetes", "version": version},
        "paths": {p: _v2_path(p, ops) for p, ops in paths.items()},
        "definitions": {n: converted(n, v3=False) for n in _definitions_for(paths)},
        "securityDefinitions": {"BearerToken": {"description": "Bearer Token authentication", "type": "apiKey",
                                                "name": "authorization", "in": "header"}},
        "security": [{"BearerToken": []}],
    }


def _v2_path(path: str, ops: list[Op]) -> Doc:
    item: Doc = {}
    for op in ops:
        params: list[Doc] = [{"name": "body", "in": "body", "required": op.action != "delete",
                              "schema": {"$ref": V2_PREFIX + op.body}}] if op.body else []
        params += [_v2_param(p) for p in op.params]
        produces = ["text/plain", "application/json"] if op.produces == "text" else \
            ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]
        ok: Doc = {"description": "OK"}
        if op.response:
            ok["schema"] = {"$ref": V2_PREFIX + op.response}
        elif op.produces == "text":
            ok["schema"] = {"type": "string"}
        item[op.method] = {
            "description": f"{op.action} {op.gvk[2]}", "operationId": op.op_id,
            "consumes": _PATCH_TYPES if op.method == "patch" else ["*/*"], "produces": produces,
            "schemes": ["https"], "parameters": params,
            "responses": {"200": ok, "401": {"description": "Unauthorized"}},
            "x-kubernetes-action": op.action,
            "x-kubernetes-group-version-kind": {"group": op.gvk[0], "kind": op.gvk[2], "version": op.gvk[1]},
        }
    item["parameters"] = [{"name": p, "in": "path", "required": True, "type": "string", "uniqueItems": True,
                           "description": f"{p} of the resource"} for p in _path_params(path)]
    return item


def _v2_param(name: str) -> Doc:
    kind, text = _PARAMS[name]
    return {"name": name, "in": "query", "description": text, "type": kind, "uniqueItems": True}


# --- OpenAPI v3 ---------------------------------------------------------------------------------------------------


def v3_paths(catalogue: ResourceCatalogue) -> dict[str, tuple[str, str]]:
    """The v3 index's documents: `api/v1`, `apis/apps/v1`, ... -> (group, version)."""
    out: dict[str, tuple[str, str]] = {}
    for g, v in discovery.group_versions(catalogue):
        if any(openapi.definition_name(r.api_version, r.kind) for r in catalogue if (r.group, r.version) == (g, v)):
            out[f"apis/{g}/{v}" if g else f"api/{v}"] = (g, v)
    return out


def v3_document(catalogue: ResourceCatalogue, group: str, version: str, server_version: str) -> Doc:
    resources = [r for r in catalogue if (r.group, r.version) == (group, version)]
    paths = served_paths(resources)
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": server_version},
        "paths": {p: _v3_path(p, ops) for p, ops in paths.items()},
        "components": {
            "schemas": {n: converted(n, v3=True) for n in _definitions_for(paths)},
            "securitySchemes": {"BearerToken": {"type": "apiKey", "description": "Bearer Token authentication",
                                                "name": "authorization", "in": "header"}},
        },
    }


def _v3_path(path: str, ops: list[Op]) -> Doc:
    item: Doc = {}
    for op in ops:
        entry: Doc = {
            "description": f"{op.action} {op.gvk[2]}", "operationId": op.op_id,
            "parameters": [_v3_param(p) for p in op.params],
            "responses": {"200": _v3_response(op), "401": {"description": "Unauthorized"}},
            "x-kubernetes-action": op.action,
            "x-kubernetes-group-version-kind": {"group": op.gvk[0], "kind": op.gvk[2], "version": op.gvk[1]},
        }
        if op.body:
            types = _PATCH_TYPES if op.method == "patch" else ["*/*"]
            entry["requestBody"] = {"content": {t: {"schema": {"$ref": V3_PREFIX + op.body}} for t in types},
                                    "required": op.action != "delete"}
        item[op.method] = entry
    item["parameters"] = [{"name": p, "in": "path", "description": f"{p} of the resource", "required": True,
                           "schema": {"type": "string", "uniqueItems": True}} for p in _path_params(path)]
    return item


def _v3_response(op: Op) -> Doc:
    if op.produces == "text":
        return {"description": "OK", "content": {"text/plain": {"schema": {"type": "string"}}}}
    if not op.response:
        return {"description": "OK"}
    schema = {"$ref": V3_PREFIX + op.response}
    return {"description": "OK", "content": {t: {"schema": schema} for t in
                                             ("application/json", "application/yaml")}}


def _v3_param(name: str) -> Doc:
    kind, text = _PARAMS[name]
    return {"name": name, "in": "query", "description": text, "schema": {"type": kind, "uniqueItems": True}}


# --- serving ------------------------------------------------------------------------------------------------------


class OpenAPIDocuments:
    """The documents of one catalogue, built on first request and kept as JSON bytes."""

    def __init__(self, catalogue: ResourceCatalogue, server_version: str) -> None:
        self.catalogue = catalogue
        self.server_version = server_version
        self._bytes: dict[str, bytes] = {}

    def v2(self) -> bytes:
        if "v2" not in self._bytes:
            self._bytes["v2"] = _encode(v2_document(self.catalogue, self.server_version))
        return self._bytes["v2"]

    def v2_protobuf(self) -> bytes:
        """The v2 document as gnostic's protocol buffer (what client-go asks for)."""
        if "v2.pb" not in self._bytes:
            self._bytes["v2.pb"] = encode_document(json.loads(self.v2()))
        return self._bytes["v2.pb"]

    def v3(self, path: str) -> bytes | None:
        """The document at `path` (`api/v1`, `apis/apps/v1`), or None if there is none."""
        gv = v3_paths(self.catalogue).get(path)
        if gv is None:
            return None
        if path not in self._bytes:
            self._bytes[path] = _encode(v3_document(self.catalogue, gv[0], gv[1], self.server_version))
        return self._bytes[path]

    def v3_index(self) -> Doc:
        return {"paths": {p: {"serverRelativeURL": f"/openapi/v3/{p}?hash={self.hash(p)}"}
                          for p in v3_paths(self.catalogue)}}

    def hash(self, path: str) -> str:
        body = self.v3(path) or b""
        return hashlib.sha512(body).hexdigest().upper()


def _encode(doc: Doc) -> bytes:
    return json.dumps(doc, separators=(",", ":")).encode()
