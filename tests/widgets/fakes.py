"""Objects in the API's shape for the views' pure tests, and a Backend whose watch stream a test writes."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.timefmt import parse_rfc3339
from tests.widgets.simbackend import pod_status as kubelet_status

T0 = "2026-01-05T09:00:00Z"
NOW = parse_rfc3339(T0)


def pod(name: str, state: str | None = None, *, node: str = "w1", labels: dict[str, str] | None = None,
        ns: str = "default", deleting: bool = False, uid: str = "", owner: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "uid": uid or f"uid-{name}", "creationTimestamp": T0,
                            "labels": labels or {"app": "web"}}
    if deleting:
        meta["deletionTimestamp"] = "2026-01-05T09:01:00Z"
    if owner:
        meta["ownerReferences"] = [{"kind": "ReplicaSet", "name": owner, "controller": True, "uid": "rs"}]
    spec: dict[str, Any] = {"containers": [{"name": "main", "image": "nginx:1.20"}]}
    status: dict[str, Any] = {"phase": "Pending"}
    if state:
        spec["nodeName"] = node
        status = kubelet_status(state, image="nginx:1.20", stamp=T0, ip=f"10.244.1.{len(name)}")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": status}


def node(name: str, ready: str = "True", *, cordoned: bool = False, control_plane: bool = False) -> dict[str, Any]:
    labels = {"node-role.kubernetes.io/control-plane": ""} if control_plane else {}
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": labels, "creationTimestamp": T0},
            "spec": {"unschedulable": True} if cordoned else {},
            "status": {"conditions": [{"type": "Ready", "status": ready,
                                       "reason": "KubeletReady" if ready == "True" else "NodeStatusUnknown"}]}}


def added(obj: dict[str, Any]) -> dict[str, Any]:
    return {"type": "ADDED", "object": obj}


class ScriptedBackend:
    """A Backend whose watch stream the test writes: `emit(event)` delivers one event to every watcher."""

    name = "scripted"
    sim = None

    def __init__(self, objects: list[dict[str, Any]]) -> None:
        self.objects = objects
        self.watchers: list[Callable[[dict[str, Any]], None]] = []
        self.time = NOW

    def now(self) -> float:
        return self.time

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> builtins.list[dict[str, Any]]:
        kind = {"pods": "Pod", "nodes": "Node"}.get(resource)
        if field_selector:
            return []
        return [o for o in self.objects if o["kind"] == kind]

    def watch(self, callback: Callable[[dict[str, Any]], None],
              kinds: Iterable[str] | None = None) -> Callable[[], None]:
        self.watchers.append(callback)
        return lambda: self.watchers.remove(callback)

    def emit(self, event: dict[str, Any]) -> None:
        for w in list(self.watchers):
            w(event)

    def get(self, resource: str, name: str, namespace: str | None = "default") -> dict[str, Any]:
        raise NotImplementedError

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None) -> dict[str, Any]:
        raise NotImplementedError

    def events_for(self, obj: dict[str, Any]) -> builtins.list[dict[str, Any]]:
        return []
