"""Writes: create (POST), update (PUT), patch (PATCH), delete and deletecollection (DELETE), through the
simulator's API logic (`rt.api`).

Every write honours `dryRun=All` and `fieldManager` (defaulting, as the API server does, to the first word of the
client's User-Agent), and `fieldValidation` (Strict refuses unknown fields with the decoder's `strict decoding
error`; Warn, the default, drops them and says so in `Warning` headers; Ignore drops them silently). After a write
the controllers settle at the current virtual instant, as they would react within milliseconds. Deletes take
DeleteOptions from the body or the query (`gracePeriodSeconds`, `propagationPolicy`, `preconditions`).

Owns: the write verbs. Must not: keep state between requests.
"""

from __future__ import annotations

from typing import Any

from kube_magics import schema
from kube_magics.apiserver import listing, protocol
from kube_magics.apiserver.convert import patch_to_stored, to_served, to_stored
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import ApiError, BadRequestError, Cause, ConflictError, invalid, not_found
from kube_magics.kinds import ResourceKind
from kube_magics.patch import patch_type_of
from kube_magics.schema.paths import Path, format_path

Obj = dict[str, Any]

# Kinds whose PUT creates a missing object (their strategies allow create on update).
CREATE_ON_UPDATE = frozenset({"Event", "Endpoints", "Lease", "EndpointSlice"})
# Kinds whose delete answers with the object itself even when it is gone (the others answer with a Status).
RETURNS_OBJECT = frozenset({"Pod", "Service", "Namespace"})


# --- bodies -------------------------------------------------------------------------------------------------------


def body_object(req: Request, r: ResourceKind, namespace: str | None, name: str | None = None) -> Obj:
    """The request's object for resource `r`: a mapping, of the resource's kind, in the URL's namespace."""
    obj = req.decoded_body()
    if not isinstance(obj, dict):
        raise BadRequestError(f"couldn't get version/kind; json parse error: json: cannot unmarshal "
                              f"{type(obj).__name__} into Go value of type struct {{ APIVersion string "
                              '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')
    obj.setdefault("apiVersion", r.api_version)
    obj.setdefault("kind", r.kind)
    if obj["kind"] != r.kind or obj["apiVersion"] != r.api_version:
        raise BadRequestError(f'the API version in the data ({obj["apiVersion"]}) does not match the expected API '
                              f'version ({r.api_version})' if obj["kind"] == r.kind else
                              f'{obj["kind"]} in version "{r.version}" cannot be handled as a {r.kind}: no kind '
                              f'"{obj["kind"]}" is registered for version "{r.api_version}"')
    meta = obj.setdefault("metadata", {})
    if not isinstance(meta, dict):
        raise BadRequestError(f"{r.kind} in version \"{r.version}\" cannot be handled as a {r.kind}: json: cannot "
                              f"unmarshal {type(meta).__name__} into Go struct field {r.kind}.metadata of type "
                              "v1.ObjectMeta")
    if r.namespaced and namespace is not None:
        if meta.get("namespace") not in (None, "", namespace):
            raise BadRequestError("the namespace of the provided object does not match the namespace sent on the "
                                  "request")
        meta["namespace"] = namespace
    if name is not None and meta.get("name") != name:
        raise BadRequestError(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                              f"({name})")
    return obj


def dry_run(req: Request) -> bool:
    values = [v for v in req.query.get("dryRun", []) if v]
    for v in values:
        if v != "All":
            raise BadRequestError(f'dryRun: Unsupported value: "{v}": supported values: "All"')
    return bool(values)


def validated(host: Host, req: Request, obj: Obj) -> tuple[Obj, list[str]]:
    """`obj` without the unknown fields `fieldValidation` (Warn by default, or Ignore) lets the server drop, and the
    warnings to send; with Strict, the object as it is (the API logic refuses unknown fields itself)."""
    mode = req.param("fieldValidation") or "Warn"
    if mode not in ("Strict", "Warn", "Ignore"):
        raise BadRequestError(f"fieldValidation: Unsupported value: \"{mode}\": supported values: \"Ignore\", "
                              '"Strict", "Warn"')
    if mode == "Strict":
        return obj, []
    try:
        schema.check(obj, catalogue=host.rt.catalogue)
    except schema.DecodeError as exc:
        if "strict decoding error" not in exc.message:
            raise
        for path in sorted(exc.paths, key=len, reverse=True):
            _drop(obj, path)
        return obj, [f'unknown field "{format_path(p)}"' for p in exc.paths] if mode == "Warn" else []
    return obj, []


def _drop(obj: Any, path: Path) -> None:
    for part in path[:-1]:
        obj = obj[part]
    if isinstance(obj, dict):
        obj.pop(path[-1], None)


# --- writes -------------------------------------------------------------------------------------------------------


def create(host: Host, req: Request, r: ResourceKind, namespace: str | None) -> Response:
    obj, warnings = validated(host, req, to_stored(body_object(req, r, namespace), r))
    dry = dry_run(req)
    with host.lock:
        created = host.rt.api.create(obj, dry_run=dry, manager=req.field_manager())
        if not dry:
            host.settle()
            created = host.rt.field_managers.with_managed_fields(created)
    return protocol.respond(to_served(created, r), status=201, warnings=warnings)


def update(host: Host, req: Request, r: ResourceKind, namespace: str | None, name: str) -> Response:
    obj, warnings = validated(host, req, to_stored(body_object(req, r, namespace, name), r))
    dry = dry_run(req)
    api, fm = host.rt.api, host.rt.field_managers
    with host.lock:
        live = host.rt.store.get(r.kind, namespace or "", name)
        exists = live is not None
        if live is None and r.kind not in CREATE_ON_UPDATE:
            raise not_found(r.resource_group, name)
        rv = obj["metadata"].get("resourceVersion")
        if live is not None and rv and rv != live["metadata"]["resourceVersion"]:
            # The precondition holds even for an update that changes nothing.
            raise _conflict(r, name, "the object has been modified; please apply your changes to the latest version "
                                     "and try again")
        if exists:
            out = api.update(obj, dry_run=dry, check_rv=bool(obj["metadata"].get("resourceVersion")),
                             manager=req.field_manager())
        else:
            out = api.create(obj, dry_run=dry, manager=req.field_manager())
        if not dry:
            host.settle()
            out = fm.with_managed_fields(out)
    return protocol.respond(to_served(out, r), status=200 if exists else 201, warnings=warnings)


def patch(host: Host, req: Request, r: ResourceKind, namespace: str | None, name: str,
          subresource: str = "") -> Response:
    ptype = patch_type_of(req.content_type)
    force = req.flag("force")
    manager = req.param("fieldManager") if ptype == "apply" else req.field_manager()
    body = patch_to_stored(req.body, ptype, r)
    dry = dry_run(req)
    with host.lock:
        existed = host.rt.store.get(r.kind, namespace or "", name) is not None
        out, _ = host.rt.api.patch(r.kind, namespace or "", name, body, patch_type=ptype, manager=manager,
                                   force=force, dry_run=dry, subresource=subresource)
        if not dry:
            host.settle()
    return protocol.respond(to_served(out, r) if subresource != "scale" else out, status=200 if existed else 201)


def delete(host: Host, req: Request, r: ResourceKind, namespace: str | None, name: str) -> Response:
    opts = _delete_options(req)
    with host.lock:
        out, gone = _delete_one(host, r, namespace or "", name, opts)
        if not opts["dry_run"]:
            host.settle()
    if gone and r.kind not in RETURNS_OBJECT:
        meta = out["metadata"]
        return protocol.respond(protocol.success_status(name=name, group=r.group, kind=r.plural,
                                                        uid=meta.get("uid")))
    return protocol.respond(to_served(out, r))


def delete_collection(host: Host, req: Request, r: ResourceKind, namespace: str | None) -> Response:
    opts = _delete_options(req)
    selection = listing.ListOptions.parse(req, r)
    deleted = []
    with host.lock:
        for obj in host.rt.store.list(r.kind, namespace):
            if selection.matches(obj):
                meta = obj["metadata"]
                deleted.append(_delete_one(host, r, meta.get("namespace") or "", meta["name"], opts)[0])
        if not opts["dry_run"]:
            host.settle()
        rv = host.rt.store.resource_version
    return protocol.respond({"kind": r.kind + "List", "apiVersion": r.api_version,
                             "metadata": {"resourceVersion": str(rv)}, "items": [to_served(o, r) for o in deleted]})


def _delete_one(host: Host, r: ResourceKind, namespace: str, name: str, opts: dict[str, Any]) -> tuple[Obj, bool]:
    """Delete under the lock; (the object as the delete left it, whether it is gone)."""
    store = host.rt.store
    live = store.get(r.kind, namespace, name)
    if live is None:
        raise not_found(r.resource_group, name)
    pre = opts["preconditions"] or {}
    meta = live["metadata"]
    for field, have in (("uid", meta.get("uid")), ("resourceVersion", meta.get("resourceVersion"))):
        if pre.get(field) and pre[field] != have:
            label = "UID" if field == "uid" else "ResourceVersion"
            raise _conflict(r, name, f"Precondition failed: {label} in precondition: {pre[field]}, {label} in "
                                     f"object meta: {have}")
    out = host.rt.api.delete(r.kind, namespace, name, grace=opts["grace"], propagation=opts["propagation"],
                             dry_run=opts["dry_run"])
    return out, store.get(r.kind, namespace, name) is None


def _conflict(r: ResourceKind, name: str, message: str) -> ApiError:
    return ConflictError(f'Operation cannot be fulfilled on {r.resource_group} "{name}": {message}',
                         kind=r.plural, name=name, group=r.group)


def _delete_options(req: Request) -> dict[str, Any]:
    body: Obj = {}
    if req.body.strip():
        decoded = req.decoded_body()
        body = decoded if isinstance(decoded, dict) else {}
    grace = body.get("gracePeriodSeconds", req.integer("gracePeriodSeconds"))
    policy = body.get("propagationPolicy") or req.param("propagationPolicy")
    orphan = body.get("orphanDependents")
    if orphan is None and req.param("orphanDependents") is not None:
        orphan = req.flag("orphanDependents")
    if policy is None and orphan is not None:
        policy = "Orphan" if orphan else "Background"
    if policy not in (None, "Orphan", "Background", "Foreground"):
        cause = Cause("propagationPolicy", f'Unsupported value: "{policy}": supported values: "Foreground", '
                                           '"Background", "Orphan"', "FieldValueNotSupported")
        raise invalid("DeleteOptions", "", [cause], group="meta.k8s.io")
    if grace is not None and (not isinstance(grace, int) or isinstance(grace, bool)):
        raise BadRequestError("json: cannot unmarshal into Go struct field DeleteOptions.gracePeriodSeconds of type "
                              "int64")
    dry = dry_run(req) or body.get("dryRun") == ["All"]
    return {"grace": grace, "propagation": policy, "dry_run": dry, "preconditions": body.get("preconditions")}
