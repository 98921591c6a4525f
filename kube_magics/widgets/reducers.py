"""From watch events to the small rows the views draw: the views' model of a cluster.

Each kind the views care about has a pure *digest* (Kubernetes object -> a small JSON-able row holding only what
a view shows) and a key. `fold(state, event)` applies one watch event (`{"type": "ADDED"|"MODIFIED"|"DELETED",
"object": {...}}`) to a `ClusterState` and says whether anything a view shows changed; it is the one place the
state changes, in place, because rebuilding a 1,000-pod state for each of 10,000 events would be the cost of the
whole view. `snapshots.py` turns a state into what each view sends to the browser.

Must not: call a backend, read the clock, or know how a view draws (that is `snapshots.py` and `scenes/`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from kube_magics import rollout
from kube_magics.rollout import RolloutError
from kube_magics.timefmt import parse_rfc3339
from kube_magics.widgets.status import category, node_status, pod_status

Obj = dict[str, Any]
Row = dict[str, Any]

# The resources a cluster view watches, as the Backend protocol names them.
WATCHED = ("nodes", "pods", "services", "endpoints", "endpointslices", "deployments", "events")
MAX_EVENTS = 5000  # a cluster keeps events for an hour; past this many, the oldest seen are forgotten


@dataclass
class ClusterState:
    """What the views know of a cluster: rows by key ("namespace/name", or the name of a Node)."""

    pods: dict[str, Row] = field(default_factory=dict)
    nodes: dict[str, Row] = field(default_factory=dict)
    services: dict[str, Row] = field(default_factory=dict)
    endpoints: dict[str, Row] = field(default_factory=dict)  # by "Endpoints:ns/name" or "EndpointSlice:ns/name"
    deployments: dict[str, Row] = field(default_factory=dict)
    events: dict[str, Row] = field(default_factory=dict)
    version: int = 0  # bumped by every change a view could show

    def bucket(self, name: str) -> dict[str, Row]:
        bucket: dict[str, Row] = getattr(self, name)
        return bucket


# --- digests ----------------------------------------------------------------------------------------------------


def _ns_key(obj: Obj) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace') or ''}/{meta.get('name')}"


def _name_key(obj: Obj) -> str:
    return str((obj.get("metadata") or {}).get("name"))


def _time(stamp: str | None) -> float | None:
    return parse_rfc3339(stamp) if stamp else None


def pod_row(pod: Obj) -> Row:
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    ready, text, restarts = pod_status(pod)
    owner = next((f"{r.get('kind')}/{r.get('name')}" for r in meta.get("ownerReferences") or ()
                  if r.get("controller")), "")
    conditions = [[c.get("type"), c.get("status")] for c in status.get("conditions") or ()]
    return {
        "ns": meta.get("namespace") or "", "name": meta.get("name"), "uid": meta.get("uid") or "",
        "node": spec.get("nodeName") or "", "status": text, "cat": category(text, ready), "ready": ready,
        "restarts": restarts, "ip": status.get("podIP") or "", "created": _time(meta.get("creationTimestamp")),
        "labels": dict(meta.get("labels") or {}), "owner": owner, "deleting": bool(meta.get("deletionTimestamp")),
        "containers": [[c.get("name"), c.get("image")] for c in spec.get("containers") or ()],
        "conditions": conditions, "qos": status.get("qosClass") or "",
        "serving": ["Ready", "True"] in conditions and not meta.get("deletionTimestamp"),
    }


def node_row(node: Obj) -> Row:
    meta, spec, status = node.get("metadata") or {}, node.get("spec") or {}, node.get("status") or {}
    labels = meta.get("labels") or {}
    roles = sorted(k.rsplit("/", 1)[1] for k in labels if k.startswith("node-role.kubernetes.io/"))
    ready: Obj = next((c for c in status.get("conditions") or () if c.get("type") == "Ready"), {})
    ip = next((a.get("address") for a in status.get("addresses") or () if a.get("type") == "InternalIP"), "")
    return {
        "name": meta.get("name"), "status": node_status(node), "ready": ready.get("status") or "Unknown",
        "reason": ready.get("reason") or "", "cordoned": bool(spec.get("unschedulable")),
        "roles": roles, "control_plane": "control-plane" in roles or "master" in roles, "ip": ip,
        "version": (status.get("nodeInfo") or {}).get("kubeletVersion") or "",
        "runtime": (status.get("nodeInfo") or {}).get("containerRuntimeVersion") or "",
        "taints": [f"{t.get('key')}{'=' + t['value'] if t.get('value') else ''}:{t.get('effect')}"
                   for t in spec.get("taints") or ()],
        "created": _time(meta.get("creationTimestamp")),
    }


def service_row(svc: Obj) -> Row:
    meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    ports = ",".join(f"{p.get('port')}/{p.get('protocol', 'TCP')}" for p in spec.get("ports") or ())
    return {
        "ns": meta.get("namespace") or "", "name": meta.get("name"), "type": spec.get("type") or "ClusterIP",
        "cluster_ip": spec.get("clusterIP") or "", "ports": ports, "selector": dict(spec.get("selector") or {}),
    }


def endpoints_row(obj: Obj) -> Row:
    """Which pods a Service's endpoints name, ready or not, from an Endpoints or an EndpointSlice."""
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace") or ""
    ready: list[str] = []
    not_ready: list[str] = []
    if obj.get("kind") == "EndpointSlice":
        service = (meta.get("labels") or {}).get("kubernetes.io/service-name") or ""
        for ep in obj.get("endpoints") or ():
            ref = ep.get("targetRef") or {}
            if ref.get("kind") == "Pod":
                is_ready = (ep.get("conditions") or {}).get("ready")
                (not_ready if is_ready is False else ready).append(str(ref.get("name")))
    else:
        service = meta.get("name") or ""
        for subset in obj.get("subsets") or ():
            for lst, out in ((subset.get("addresses"), ready), (subset.get("notReadyAddresses"), not_ready)):
                out.extend(str((a.get("targetRef") or {}).get("name")) for a in lst or ()
                           if (a.get("targetRef") or {}).get("kind") == "Pod")
    return {"service": f"{ns}/{service}", "ready": sorted(ready), "not_ready": sorted(not_ready)}


def deployment_row(dep: Obj) -> Row:
    meta, spec, status = dep.get("metadata") or {}, dep.get("spec") or {}, dep.get("status") or {}
    desired = int(spec.get("replicas", 1))
    row = {
        "ns": meta.get("namespace") or "", "name": meta.get("name"), "desired": desired,
        "replicas": int(status.get("replicas") or 0), "updated": int(status.get("updatedReplicas") or 0),
        "ready": int(status.get("readyReplicas") or 0), "available": int(status.get("availableReplicas") or 0),
        "template_labels": dict(((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}),
        "images": [c.get("image") for c in ((spec.get("template") or {}).get("spec") or {}).get("containers") or ()],
    }
    row["message"], row["done"] = rollout_status(dep)
    return row


def rollout_status(dep: Obj) -> tuple[str, bool]:
    """kubectl rollout status's line for a Deployment, and whether the rollout is complete (`error: ...` for a
    rollout past its progress deadline)."""
    try:
        return rollout.status(dep)
    except RolloutError as exc:
        return f"error: {exc.message}", False


def event_row(ev: Obj) -> Row:
    meta = ev.get("metadata") or {}
    involved = ev.get("involvedObject") or ev.get("regarding") or {}
    source = (ev.get("source") or {}).get("component") or ev.get("reportingComponent") or \
        ev.get("reportingController") or ""
    last = ev.get("lastTimestamp") or ev.get("eventTime") or meta.get("creationTimestamp")
    return {
        "ns": meta.get("namespace") or "", "type": ev.get("type") or "", "reason": ev.get("reason") or "",
        "message": ev.get("message") or ev.get("note") or "", "kind": involved.get("kind") or "",
        "object": involved.get("name") or "", "uid": involved.get("uid") or "", "from": source,
        "count": int(ev.get("count") or 1), "last": _time(last),
        "first": _time(ev.get("firstTimestamp") or last),
    }


class Route(NamedTuple):
    bucket: str
    digest: Callable[[Obj], Row]
    key: Callable[[Obj], str]


def _kind_key(obj: Obj) -> str:
    return f"{obj.get('kind')}:{_ns_key(obj)}"


ROUTES: dict[str, Route] = {
    "Pod": Route("pods", pod_row, _ns_key),
    "Node": Route("nodes", node_row, _name_key),
    "Service": Route("services", service_row, _ns_key),
    "Endpoints": Route("endpoints", endpoints_row, _kind_key),
    "EndpointSlice": Route("endpoints", endpoints_row, _kind_key),
    "Deployment": Route("deployments", deployment_row, _ns_key),
    "Event": Route("events", event_row, _ns_key),
}


# --- the fold ---------------------------------------------------------------------------------------------------


def fold(state: ClusterState, event: Obj) -> bool:
    """Apply one watch event to `state`; True if a view could show the difference."""
    obj = event.get("object") or {}
    route = ROUTES.get(obj.get("kind") or "")
    if route is None or event.get("type") not in ("ADDED", "MODIFIED", "DELETED"):
        return False
    bucket = state.bucket(route.bucket)
    key = route.key(obj)
    if event["type"] == "DELETED":
        if bucket.pop(key, None) is None:
            return False
    else:
        row = route.digest(obj)
        if bucket.get(key) == row:
            return False
        bucket[key] = row
        if route.bucket == "events" and len(bucket) > MAX_EVENTS:
            del bucket[next(iter(bucket))]
    state.version += 1
    return True


def load(state: ClusterState, objects: list[Obj]) -> None:
    """Fill `state` from a list (what a watch starts from)."""
    for obj in objects:
        fold(state, {"type": "ADDED", "object": obj})


def state_of(events: list[Obj]) -> ClusterState:
    """The state a sequence of watch events leaves (a fresh state folded over them)."""
    state = ClusterState()
    for ev in events:
        fold(state, ev)
    return state
