"""Reads: get and list, with selectors, paging and the forms a client may ask for.

- `labelSelector` (kubectl's `-l` syntax) and `fieldSelector`, restricted as the API server restricts it to
  `metadata.name`, `metadata.namespace` and each kind's own field labels (`spec.nodeName` and `status.phase` of
  pods, `involvedObject.*` of events, ...): any other field is a 400 `field label not supported`.
- `limit` and `continue`: pages in the store's key order (namespace, name). A continue token carries the
  resourceVersion of the first page, and later pages are served from the list as it was then, rebuilt from the
  store's change history (410 Expired once the history no longer reaches back that far), as etcd serves them.
- `resourceVersion` / `resourceVersionMatch`: the current state unless `Exact` asks for an older one (rebuilt the
  same way); a version the store has not reached yet is a 504, as on a real server.
- Forms: the objects (a `<Kind>List`), the `meta.k8s.io` Table that `kubectl get` asks for (rows from
  `kube_magics.printers`), or PartialObjectMetadata.

Objects are taken under the lock and filtered, converted and serialised after it is released; objects carry their
`metadata.managedFields`, added under the lock.

Owns: read semantics. Must not: write to the simulator.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from kube_magics.apiserver import protocol
from kube_magics.apiserver.convert import stored_field, to_served
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import ApiError, BadRequestError, GoneError, KubeMagicsError, not_found
from kube_magics.kinds import ResourceKind
from kube_magics.printers import table_for
from kube_magics.selectors import Selector, field_value, parse, parse_field_selector

Obj = dict[str, Any]

FIELD_LABELS: dict[str, frozenset[str]] = {
    "Pod": frozenset({"spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                      "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"}),
    "Event": frozenset({"involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"}),
    "Node": frozenset({"spec.unschedulable"}),
    "Namespace": frozenset({"status.phase"}),
    "Secret": frozenset({"type"}),
    "ReplicaSet": frozenset({"status.replicas"}),
    "ReplicationController": frozenset({"status.replicas"}),
    "Job": frozenset({"status.successful"}),
    "Service": frozenset({"spec.clusterIP", "spec.type"}),
    "CertificateSigningRequest": frozenset({"spec.signerName"}),
}
_ALWAYS = frozenset({"metadata.name", "metadata.namespace"})
EXPIRED_CONTINUE = ("The provided continue parameter is too old to display a consistent list result. You can start "
                    "a new list without the continue parameter.")
EXPIRED_LIST = "The resourceVersion for the provided list is too old."


class TimeoutError_(ApiError):
    reason = "Timeout"
    code = 504


@dataclass(frozen=True)
class ListOptions:
    labels: Selector
    fields: tuple[tuple[str, str, str], ...]  # (stored path, "=" or "!=", value)
    limit: int | None = None
    after: tuple[str, str] | None = None  # the key a continue token resumes after
    at: int | None = None  # the resourceVersion to serve from (None: now)

    @classmethod
    def parse(cls, req: Request, r: ResourceKind, *, name: str | None = None, watch: bool = False) -> ListOptions:
        try:
            labels = parse(req.param("labelSelector"))
            fields = [(stored_field(p, r), op, v) for p, op, v in parse_field_selector(req.param("fieldSelector"))]
        except KubeMagicsError as exc:
            raise BadRequestError(exc.message) from None
        allowed = _ALWAYS | FIELD_LABELS.get(r.kind, frozenset())
        for path, _, _ in fields:
            if path not in allowed:
                raise BadRequestError(f'field label not supported: {path}')
        if name is not None:
            fields.append(("metadata.name", "=", name))
        limit = req.integer("limit")
        token = req.param("continue")
        after, at = _decode_continue(token) if token else (None, None)
        if at is None and not watch:
            at = _requested_version(req)
        elif watch:
            _check_watch_version(req)
        return cls(labels, tuple(fields), limit if limit and limit > 0 else None, after, at)

    def matches(self, obj: Obj) -> bool:
        if not self.labels.is_empty() and not self.labels.matches(obj["metadata"].get("labels")):
            return False
        for path, op, value in self.fields:
            have = obj.get("source", {}).get("component", "") if path == "source" else field_value(obj, path)
            if (have == value) != (op == "="):
                return False
        return True

    @property
    def filtered(self) -> bool:
        return bool(self.fields) or not self.labels.is_empty()


def _requested_version(req: Request) -> int | None:
    rv, match = req.param("resourceVersion"), req.param("resourceVersionMatch")
    if match not in (None, "", "NotOlderThan", "Exact"):
        raise BadRequestError(f'resourceVersionMatch: Unsupported value: "{match}": supported values: "Exact", '
                              '"NotOlderThan"')
    if match and not rv:
        raise BadRequestError("resourceVersionMatch is forbidden unless resourceVersion is provided")
    if not rv:
        return None
    try:
        number = int(rv)
    except ValueError:
        raise BadRequestError(f'resourceVersion: Invalid value: "{rv}": must be an integer') from None
    return number if match == "Exact" else -number  # negative: "not older than"


def _check_watch_version(req: Request) -> None:
    match = req.param("resourceVersionMatch")
    if req.flag("sendInitialEvents"):
        if match != "NotOlderThan":
            raise BadRequestError("resourceVersionMatch: Forbidden: sendInitialEvents requires setting "
                                  "resourceVersionMatch to NotOlderThan")
    elif match:
        raise BadRequestError("resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless "
                              "sendInitialEvents is provided")


def _decode_continue(token: str) -> tuple[tuple[str, str], int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        ns, name = data["start"]
        return (str(ns), str(name)), int(data["rv"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise BadRequestError("continue key is not valid: incorrect encoded start resourceVersion (version "
                              "meta.k8s.io/v1)") from None


def encode_continue(key: tuple[str, str], rv: int) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": list(key)}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


# --- reading under the lock ---------------------------------------------------------------------------------------


def read_list(host: Host, r: ResourceKind, namespace: str | None, at: int | None) -> tuple[list[Obj], int, float]:
    """(objects, resourceVersion, now) of a kind, as of `at` (see `_requested_version`). Caller holds the lock."""
    store = host.rt.store
    current = store.resource_version
    if at is None or at <= 0:
        if at is not None and -at > current:
            raise TimeoutError_(f"Too large resource version: {-at}, current: {current}")
        return store.list(r.kind, namespace), current, host.rt.now
    if at > current:
        raise TimeoutError_(f"Too large resource version: {at}, current: {current}")
    return snapshot(host, r.kind, namespace, at), at, host.rt.now


def snapshot(host: Host, kind: str, namespace: str | None, rv: int) -> list[Obj]:
    """The objects of a kind as they were at resourceVersion `rv`, rebuilt from the change history."""
    store = host.rt.store
    objects = {(o["metadata"].get("namespace") or "", o["metadata"]["name"]): o for o in store.list(kind, namespace)}
    for event in reversed(store.events_since(rv, [kind])):
        meta = event.object["metadata"]
        key = (meta.get("namespace") or "", meta["name"])
        if namespace is not None and key[0] != namespace:
            continue
        if event.type == "ADDED":
            objects.pop(key, None)
        elif event.old is not None:
            objects[key] = event.old
    return [objects[k] for k in sorted(objects)]


def with_managed_fields(host: Host, items: Iterable[Obj]) -> list[Obj]:
    fm = host.rt.field_managers
    with host.lock:
        return [fm.with_managed_fields(o) for o in items]


# --- the handlers -------------------------------------------------------------------------------------------------


def list_objects(host: Host, req: Request, r: ResourceKind, namespace: str | None) -> Response:
    form = protocol.negotiate(req.headers.get("Accept"), table=True)
    opts = ListOptions.parse(req, r)
    key = _cache_key(req, form)
    try:
        with host.lock:
            stamp = host.stamp()
            kept = host.reads.get(key, stamp)
            if kept is not None:
                return Response(200, kept[0], kept[1])
            items, rv, now = read_list(host, r, namespace, opts.at)
    except GoneError:
        raise GoneError(EXPIRED_CONTINUE if opts.after else EXPIRED_LIST) from None
    response = _list_response(host, req, r, form, opts, items, rv, now)
    host.reads.put(key, stamp, response.body, response.content_type)
    return response


def _cache_key(req: Request, form: str) -> tuple[object, ...]:
    return (req.path, form, tuple(sorted((k, tuple(v)) for k, v in req.query.items())))


def _list_response(host: Host, req: Request, r: ResourceKind, form: str, opts: ListOptions, items: list[Obj],
                   rv: int, now: float) -> Response:
    items = [o for o in items if opts.matches(o)] if opts.filtered else items
    if opts.after is not None:
        items = [o for o in items if _key(o) > opts.after]
    meta: Obj = {"resourceVersion": str(rv)}
    if opts.limit is not None and len(items) > opts.limit:
        meta["continue"] = encode_continue(_key(items[opts.limit - 1]), rv)
        if not opts.filtered:
            meta["remainingItemCount"] = len(items) - opts.limit
        items = items[:opts.limit]
    if form == protocol.TABLE:
        return protocol.respond(table(items, r, now, meta, req.param("includeObject")))
    if form == protocol.PARTIAL:
        return protocol.respond({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1",
                                 "metadata": meta, "items": [partial(o) for o in items]})
    served = [to_served(o, r) for o in with_managed_fields(host, items)]
    return protocol.respond({"kind": r.kind + "List", "apiVersion": r.api_version, "metadata": meta,
                             "items": served}, media=form)


def get_object(host: Host, req: Request, r: ResourceKind, namespace: str | None, name: str) -> Response:
    form = protocol.negotiate(req.headers.get("Accept"), table=True)
    fm = host.rt.field_managers
    with host.lock:
        obj = host.rt.store.get(r.kind, namespace or "", name)
        if obj is None:
            raise not_found(r.resource_group, name)
        now = host.rt.now
        full = fm.with_managed_fields(obj) if form not in (protocol.TABLE, protocol.PARTIAL) else obj
    if form == protocol.TABLE:
        return protocol.respond(table([obj], r, now, {"resourceVersion": obj["metadata"]["resourceVersion"]},
                                      req.param("includeObject")))
    if form == protocol.PARTIAL:
        return protocol.respond(partial(obj))
    return protocol.respond(to_served(full, r), media=form)


def _key(obj: Obj) -> tuple[str, str]:
    meta = obj["metadata"]
    return meta.get("namespace") or "", meta["name"]


def partial(obj: Obj) -> Obj:
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"]}


def table(items: list[Obj], r: ResourceKind, now: float, meta: Obj, include: str | None,
          *, columns: bool = True) -> Obj:
    """The meta.k8s.io/v1 Table of `items` (`includeObject`: None, Metadata (the default) or Object)."""
    if include not in (None, "", "None", "Metadata", "Object"):
        raise BadRequestError(f'includeObject: Unsupported value: "{include}": supported values: "Metadata", '
                              '"None", "Object"')
    out = table_for(r.kind, items, now).to_meta_table(include_object=include == "Object")
    out["metadata"] = meta
    if include == "Object":
        for row in out["rows"]:
            row["object"] = to_served(row["object"], r)
    elif include == "None":
        for row in out["rows"]:
            row.pop("object", None)
    if not columns:
        out["columnDefinitions"] = []
    return out


def selected(opts: ListOptions) -> Callable[[Obj | None], bool]:
    """A predicate for watch events: does this (stored) object pass the options' selectors?"""
    def check(obj: Obj | None) -> bool:
        return obj is not None and (not opts.filtered or opts.matches(obj))

    return check
