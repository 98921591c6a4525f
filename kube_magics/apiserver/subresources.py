"""Subresources: `status`, `scale`, `log`, `binding` and `eviction` (in `eviction.py`); `exec`, `attach`,
`portforward` and `proxy` are refused with a Status that says so.

- `status` (GET, PUT, PATCH): only the status changes, through the simulator's status write path.
- `scale` (GET, PUT, PATCH): an `autoscaling/v1` Scale of a Deployment, ReplicaSet, StatefulSet or
  ReplicationController (`kubectl scale` patches it).
- `log` (GET): what a container printed, from the simulated kubelet, as text; `tailLines`, `limitBytes`,
  `previous`, `container`, and `follow=true`, which streams new lines as the container prints them (while the
  container runs, until the server stops, at most `Host.follow_limit` seconds).
- `binding` (POST, also the `bindings` resource): binds a pending pod to a node, as a scheduler does.

Owns: subresource requests. Must not: keep state between requests.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from kube_magics.apiserver import discovery, protocol, routing, writes
from kube_magics.apiserver.eviction import evict
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import (
    ApiError,
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    not_found,
)
from kube_magics.sim.patchapi import scale_of
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
FOLLOW_POLL = 0.2
_STREAMING = ("exec", "attach", "portforward", "proxy")


class NotImplementedStatus(ApiError):
    reason = "MethodNotAllowed"
    code = 405


def handle(host: Host, req: Request, route: routing.Route) -> Response:
    r = route.resource
    assert r is not None and route.name is not None
    sub, ns, name = route.subresource, route.namespace, route.name
    if sub.split("/", 1)[0] in _STREAMING and r.kind in ("Pod", "Service", "Node"):
        raise NotImplementedStatus(f"{sub} is not supported by the kube-magics simulator's API server: its "
                                   "containers run in a model, not in processes (in a notebook, %k8s exec "
                                   "answers from that model)", kind=r.plural, name=name)
    served = {s[0]: s for s in discovery.subresources(r)}
    if sub not in served:
        raise routing.not_found()
    verb = {"GET": "get", "PUT": "update", "PATCH": "patch", "POST": "create"}.get(req.method, "")
    if verb not in served[sub][4]:
        raise MethodNotAllowedError("the server does not allow this method on the requested resource")
    if sub == "log":
        return logs(host, req, ns or "", name)
    if sub == "binding":
        return binding(host, req, route)
    if sub == "eviction":
        return evict(host, req, ns or "", name)
    if req.method == "PATCH":
        return writes.patch(host, req, r, ns, name, subresource=sub)
    if req.method == "GET":
        with host.lock:
            live = host.rt.store.get(r.kind, ns or "", name)
            if live is None:
                raise not_found(r.resource_group, name)
            out = scale_of(live) if sub == "scale" else host.rt.field_managers.with_managed_fields(live)
        return protocol.respond(out)
    return _replace(host, req, route)


def _replace(host: Host, req: Request, route: routing.Route) -> Response:
    """PUT of status (the object, of which only status counts) or scale (a Scale)."""
    r, ns, name, sub = route.resource, route.namespace or "", route.name or "", route.subresource
    assert r is not None
    body = req.decoded_body()
    if not isinstance(body, dict):
        raise BadRequestError("the body of the request must be an object")
    rv = (body.get("metadata") or {}).get("resourceVersion")
    if sub == "scale":
        replicas = (body.get("spec") or {}).get("replicas", 0)
        patch: Any = {"spec": {"replicas": replicas}}
        ptype = "merge"
    else:
        patch, ptype = [{"op": "add", "path": "/status", "value": body.get("status") or {}}], "json"
    dry = writes.dry_run(req)
    with host.lock:
        live = host.rt.store.get(r.kind, ns, name)
        if live is None:
            raise not_found(r.resource_group, name)
        if rv and rv != live["metadata"]["resourceVersion"]:
            raise ConflictError(f'Operation cannot be fulfilled on {r.resource_group} "{name}": the object has been '
                                "modified; please apply your changes to the latest version and try again",
                                kind=r.plural, name=name, group=r.group)
        out, _ = host.rt.api.patch(r.kind, ns, name, patch, patch_type=ptype, manager=req.field_manager(),
                                   dry_run=dry, subresource=sub)
        if not dry:
            host.settle()
    return protocol.respond(out)


# --- log ----------------------------------------------------------------------------------------------------------


def logs(host: Host, req: Request, namespace: str, name: str) -> Response:
    container = req.param("container") or None
    previous, follow = req.flag("previous"), req.flag("follow")
    tail, limit = req.integer("tailLines"), req.integer("limitBytes")
    with host.lock:
        pod = host.rt.store.get("Pod", namespace, name)
        if pod is None:
            raise not_found("pods", name)
        container = _container(pod, container)
        text = _read_logs(host, namespace, name, container, previous, tail)
    if not follow:
        data = text.encode()
        return Response(200, data[:limit] if limit and limit > 0 else data, "text/plain")
    return Response(200, content_type="text/plain", stream=_follow(host, namespace, name, container, text, limit))


def _container(pod: Obj, wanted: str | None) -> str:
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or ()]
    inits = [c["name"] for c in spec.get("initContainers") or ()]
    pod_name = pod["metadata"]["name"]
    if wanted is None:
        if len(names) == 1:
            return names[0]
        message = f"a container name must be specified for pod {pod_name}, choose one of: [{' '.join(names)}]"
        if inits:
            message += f" or one of the init containers: [{' '.join(inits)}]"
        raise BadRequestError(message)
    if wanted not in names and wanted not in inits:
        raise BadRequestError(f"container {wanted} is not valid for pod {pod_name}")
    return wanted


def _read_logs(host: Host, namespace: str, name: str, container: str, previous: bool, tail: int | None) -> str:
    read = getattr(host.cluster, "logs", None)
    pod = host.rt.store.get("Pod", namespace, name)
    if pod is not None and not (pod.get("spec") or {}).get("nodeName"):
        raise BadRequestError(f"pod {name} does not have a host assigned")
    if read is None:
        raise BadRequestError(f'container "{container}" in pod "{name}" has no logs: this simulated cluster keeps '
                              "none (its kubelets do not run containers)")
    return str(read(name, container=container, namespace=namespace, previous=previous, tail=tail))


def _running(host: Host, namespace: str, name: str, container: str, restarts: int | None) -> tuple[bool, int | None]:
    pod = host.rt.store.get("Pod", namespace, name)
    if pod is None or (pod["metadata"].get("deletionTimestamp") and not pod.get("status", {}).get("containerStatuses")):
        return False, restarts
    for s in (pod.get("status") or {}).get("containerStatuses") or ():
        if s.get("name") == container:
            count = s.get("restartCount", 0)
            if restarts is not None and count != restarts:
                return False, count
            return "terminated" not in (s.get("state") or {}), count
    return True, restarts


def _follow(host: Host, namespace: str, name: str, container: str, text: str, limit: int | None) -> Iterator[bytes]:
    sent = len(text)
    budget = limit if limit and limit > 0 else None
    first = text.encode()
    if budget is not None:
        first = first[:budget]
        budget -= len(first)
    if first:
        yield first
    deadline = time.monotonic() + host.follow_limit
    restarts: int | None = None
    while not host.stopping.is_set() and time.monotonic() < deadline and (budget is None or budget > 0):
        time.sleep(FOLLOW_POLL)
        try:
            with host.lock:
                running, restarts = _running(host, namespace, name, container, restarts)
                now = _read_logs(host, namespace, name, container, False, None)
        except (ApiError, NotFoundError):
            return
        if len(now) > sent:
            chunk = now[sent:].encode()
            sent = len(now)
            if budget is not None:
                chunk = chunk[:budget]
                budget -= len(chunk)
            yield chunk
        if not running:
            return


# --- binding ------------------------------------------------------------------------------------------------------


def binding(host: Host, req: Request, route: routing.Route) -> Response:
    """POST pods/{name}/binding or the `bindings` collection: set the pod's node, as a scheduler's binding does."""
    if req.method != "POST":
        raise MethodNotAllowedError("the server does not allow this method on the requested resource")
    body = req.decoded_body()
    if not isinstance(body, dict):
        raise BadRequestError("the body of the request must be a Binding")
    ns = route.namespace or ""
    name = route.name if route.subresource else (body.get("metadata") or {}).get("name")
    if not name:
        raise BadRequestError("name is required in the Binding's metadata")
    target = body.get("target") or {}
    if target.get("kind") not in (None, "", "Node") or not target.get("name"):
        raise BadRequestError(f'Binding "{name}" is invalid: target: Invalid value: must be a Node with a name')
    with host.lock:
        _bind(host, ns, name, str(target["name"]), writes.dry_run(req))
    return protocol.respond({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "code": 201}, status=201)


def _bind(host: Host, namespace: str, name: str, node: str, dry: bool) -> None:
    pod = host.rt.store.get("Pod", namespace, name)
    if pod is None:
        raise not_found("pods", name)
    spec, status = pod.get("spec") or {}, pod.get("status") or {}

    def conflict(why: str) -> ConflictError:
        return ConflictError(f'Operation cannot be fulfilled on pods/binding "{name}": {why}', kind="pods/binding",
                             name=name)

    if pod["metadata"].get("deletionTimestamp"):
        raise conflict(f"pod {name} is being deleted, cannot be assigned to a host")
    if spec.get("nodeName"):
        raise conflict(f'pod {name} is already assigned to node "{spec["nodeName"]}"')
    if dry:
        return
    conditions = [c for c in status.get("conditions") or () if c.get("type") != "PodScheduled"]
    conditions.insert(0, {"lastProbeTime": None, "lastTransitionTime": rfc3339(host.rt.now), "status": "True",
                          "type": "PodScheduled"})
    new = {**pod, "spec": {**spec, "nodeName": node}, "status": {**status, "conditions": conditions}}
    host.rt.api.write(new, subresource="binding")
    host.settle()

