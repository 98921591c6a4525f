"""The REST handlers: a request in, a response out. Routes each request to what serves it:

    /version, /api, /apis, /api/v1, /apis/{g}/{v}    discovery.py (legacy and aggregated)
    /openapi/v2, /openapi/v3[/...]                   openapi.py
    GET    collection   list (or watch with ?watch=true)       listing.py, watch.py
    GET    object       get  (or watch of one object)          listing.py, watch.py
    POST   collection   create                                 writes.py
    PUT    object       update (replace)                       writes.py
    PATCH  object       JSON, merge, strategic merge or apply  writes.py
    DELETE object       delete;  DELETE collection: deletecollection      writes.py
    .../{name}/{sub}    status, scale, log, binding, eviction  subresources.py
    reviews (can-i, whoami)                                    reviews.py

A verb a resource does not have is a 405 MethodNotAllowed; errors are the simulator's own `ApiError`s (and any
other `KubeMagicsError` as a 400 BadRequest), sent as `Status` objects.

Owns: routing requests to handlers. Must not: keep state between requests.
"""

from __future__ import annotations

from kube_magics.apiserver import (
    discovery,
    listing,
    openapi_proto,
    protocol,
    routing,
    subresources,
    watch,
    writes,
)
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.apiserver.reviews import review
from kube_magics.errors import ApiError, BadRequestError, KubeMagicsError, MethodNotAllowedError

# The warnings a 1.35 API server sends with every request to a deprecated API.
DEPRECATED = {
    ("", "v1", "endpoints"): "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice",
    ("", "v1", "componentstatuses"): "v1 ComponentStatus is deprecated in v1.19+",
}

_VERB_OF = {("GET", True): "list", ("POST", True): "create", ("DELETE", True): "deletecollection",
            ("GET", False): "get", ("PUT", False): "update", ("PATCH", False): "patch", ("DELETE", False): "delete"}


def handle(host: Host, req: Request) -> Response:
    """The response to one request (errors included, as Status objects)."""
    try:
        r = routing.route(req.path, host.routes)
        if r.what == "resource":
            return _resource(host, req, r)
        return _meta(host, req, r)
    except ApiError as exc:
        return protocol.error_response(exc)
    except KubeMagicsError as exc:
        return protocol.error_response(BadRequestError(exc.message))


def _meta(host: Host, req: Request, r: routing.Route) -> Response:
    if req.method not in ("GET", "HEAD"):
        raise MethodNotAllowedError("the server does not allow this method on the requested resource")
    if r.what == "health":
        return Response(200, b"ok", "text/plain; charset=utf-8")
    if r.what == "version":
        return protocol.respond(discovery.version_info(host.version))
    if r.what == "openapi":
        return _openapi(host, req, r.rest)
    catalogue = host.rt.catalogue
    if r.version:
        return protocol.respond(discovery.api_resource_list(catalogue, r.group, r.version))
    if r.group:
        group = discovery.api_group(catalogue, r.group)
        if group is None:
            raise routing.not_found()
        return protocol.respond(group)
    legacy = req.path.rstrip("/") == "/api"
    if req.path.strip("/") not in ("api", "apis"):
        return protocol.respond({"paths": ["/api", "/api/v1", "/apis", "/openapi/v2", "/openapi/v3", "/version"]})
    form = protocol.negotiate(req.headers.get("Accept"), discovery=True)
    if form in (protocol.DISCOVERY_V2, protocol.DISCOVERY_V2BETA1):
        version = "apidiscovery.k8s.io/" + ("v2beta1" if form == protocol.DISCOVERY_V2BETA1 else "v2")
        return protocol.respond_as(discovery.aggregated(catalogue, legacy=legacy, api_version=version),
                                   protocol.discovery_content_type(form))
    if legacy:
        return protocol.respond(discovery.api_versions(host.address))
    return protocol.respond(discovery.api_group_list(catalogue))


def _openapi(host: Host, req: Request, rest: str) -> Response:
    if rest == "v2":
        accept = req.headers.get("Accept") or ""
        wanted = next((t for t in openapi_proto.MEDIA_TYPES if t in accept), None)
        if wanted is not None:
            # The media type's "@" is not valid in a Content-Type; the form with a dot is what is sent back.
            return Response(200, host.openapi.v2_protobuf(), openapi_proto.MEDIA_TYPES[1])
        return Response(200, host.openapi.v2())
    if rest == "v3":
        return protocol.respond(host.openapi.v3_index())
    if rest.startswith("v3/"):
        body = host.openapi.v3(rest[3:])
        if body is not None:
            return Response(200, body, headers=[("Cache-Control", "public, immutable")])
    raise routing.not_found()


def _resource(host: Host, req: Request, route: routing.Route) -> Response:
    r = route.resource
    assert r is not None
    response = _served(host, req, route)
    deprecated = DEPRECATED.get((r.group, r.version, r.plural))
    if deprecated is not None:
        response.headers.append(("Warning", protocol.warning_header(deprecated)))
    return response


def _served(host: Host, req: Request, route: routing.Route) -> Response:
    r = route.resource
    assert r is not None
    if route.subresource:
        return subresources.handle(host, req, route)
    watching = route.watch or (req.method == "GET" and req.flag("watch"))
    verb = "watch" if watching else _VERB_OF.get((req.method, route.collection))
    if verb is None or verb not in discovery.verbs(r) or (route.collection and req.method == "POST"
                                                          and r.namespaced and route.namespace is None):
        raise MethodNotAllowedError("the server does not allow this method on the requested resource")
    if r.kind in ("Binding",) or r.plural.endswith("reviews"):
        return subresources.binding(host, req, route) if r.kind == "Binding" else review(host, req, r)
    ns, name = route.namespace, route.name
    if watching:
        return watch.watch(host, req, r, ns, name)
    if name is None:
        handler = {"GET": listing.list_objects, "POST": writes.create, "DELETE": writes.delete_collection}[req.method]
        return handler(host, req, r, ns)
    if req.method == "GET":
        return listing.get_object(host, req, r, ns, name)
    return {"PUT": writes.update, "PATCH": writes.patch, "DELETE": writes.delete}[req.method](host, req, r, ns, name)
