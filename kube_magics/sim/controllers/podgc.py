"""The pod garbage collector ("pod-garbage-collector-controller"): removes pods that nothing else will.

Every 20 s (`gcCheckPeriod`), as kube-controller-manager's PodGC does, in this order:

- terminated pods (Succeeded or Failed) beyond `--terminated-pod-gc-threshold` (12,500; `SimConfig.extra
  ["terminated_pod_gc_threshold"]` here) are deleted, evicted ones first, then the oldest;
- terminating pods on a node that is not Ready and carries the `node.kubernetes.io/out-of-service` taint (an
  administrator's word that the node is gone for good) are force-deleted;
- orphaned pods, bound to a node that no longer exists for 40 s (the quarantine: a node may be re-registering),
  get the DisruptionTarget condition (DeletionByPodGC, "PodGC: node no longer exists") and are force-deleted;
- terminating pods that were never scheduled are force-deleted.

A pod that is not finished is first marked Failed (no kubelet will ever say so). Deleting the Node of a failed
node is how its Terminating pods finally go when the node will not come back.

Must not: delete pods a kubelet can still finish, or record events (PodGC records none).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.nodepods import pods_on
from kube_magics.sim.objects import set_condition
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.taints import OUT_OF_SERVICE, ready_status, taints_of
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
PodKey = tuple[str, str]
GC_PERIOD = 20.0
QUARANTINE = 40.0
TERMINATED_THRESHOLD = 12_500
TERMINAL = ("Succeeded", "Failed")


class PodGCController(Controller):
    name = "pod-garbage-collector-controller"
    watches = ("Pod", "Node")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.threshold = int(rt.config.extra.get("terminated_pod_gc_threshold", TERMINATED_THRESHOLD))
        self.terminated: dict[PodKey, None] = {}  # finished pods, kept from watch events (no scan per pass)
        self.unscheduled_terminating: dict[PodKey, None] = {}
        self.quarantine: dict[str, float] = {}  # missing node with pods -> when its quarantine ends

    def start(self) -> None:
        super().start()
        self.queue.add_after(("gc",), GC_PERIOD)

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        """Keep the candidates from the watch streams (the pass needs no key per pod)."""
        obj, old = event.object, event.old
        if event.kind == "Node":
            if event.type == "DELETED":
                self.quarantine.setdefault(obj["metadata"]["name"], self.rt.clock.now + QUARANTINE)
            return ()
        if event.type == "MODIFIED" and old is not None and old["spec"] is obj["spec"] and \
                old["metadata"].get("deletionTimestamp") == obj["metadata"].get("deletionTimestamp") and \
                (old.get("status") or {}).get("phase") == (obj.get("status") or {}).get("phase"):
            return ()  # nothing PodGC looks at changed
        key = (obj["metadata"]["namespace"], obj["metadata"]["name"])
        gone = event.type == "DELETED"
        if not gone and (obj.get("status") or {}).get("phase") in TERMINAL:
            self.terminated[key] = None
        else:
            self.terminated.pop(key, None)
        node = obj["spec"].get("nodeName")
        if not gone and obj["metadata"].get("deletionTimestamp") and not node:
            self.unscheduled_terminating[key] = None
        else:
            self.unscheduled_terminating.pop(key, None)
        if node and not gone and (old is None or old["spec"].get("nodeName") != node) and \
                self.rt.store.get("Node", "", node) is None:
            self.quarantine.setdefault(node, self.rt.clock.now + QUARANTINE)  # bound to a node that is not there
        return ()

    def reconcile(self, key: Any) -> None:
        self._gc_terminated()
        self._gc_out_of_service()
        self._gc_orphaned()
        self._gc_unscheduled_terminating()
        self.queue.add_after(("gc",), GC_PERIOD)

    # --- the four sweeps -------------------------------------------------------------------------------------------

    def _gc_terminated(self) -> None:
        excess = len(self.terminated) - self.threshold
        if excess <= 0:
            return
        pods = [p for p in (self.rt.store.get("Pod", *k) for k in self.terminated) if p is not None]
        pods.sort(key=lambda p: (not _evicted(p), p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
        for pod in pods[:excess]:
            self._mark_failed_and_delete(pod)

    def _gc_out_of_service(self) -> None:
        for node in self.rt.store.list("Node"):
            if not any(t.get("key") == OUT_OF_SERVICE for t in taints_of(node)) or ready_status(node) == "True":
                continue
            for pod in pods_on(self.rt, node["metadata"]["name"]):
                if pod["metadata"].get("deletionTimestamp"):
                    self._mark_failed_and_delete(pod)

    def _gc_orphaned(self) -> None:
        """Pods on nodes missing for the whole quarantine (a node deleted, or a pod bound to a name never seen)."""
        now = self.rt.clock.now
        for node, until in sorted(self.quarantine.items()):
            if until > now:
                continue
            del self.quarantine[node]
            if self.rt.store.get("Node", "", node) is not None:
                continue
            cond = {"lastProbeTime": None, "lastTransitionTime": rfc3339(now),
                    "message": "PodGC: node no longer exists", "reason": "DeletionByPodGC", "status": "True",
                    "type": "DisruptionTarget"}
            for pod in pods_on(self.rt, node):
                self._mark_failed_and_delete(pod, cond)

    def _gc_unscheduled_terminating(self) -> None:
        for key in sorted(self.unscheduled_terminating):
            pod = self.rt.store.get("Pod", *key)
            if pod is not None:
                self._mark_failed_and_delete(pod)

    def _mark_failed_and_delete(self, pod: Obj, condition: Obj | None = None) -> None:
        """`markFailedAndDeletePodWithCondition`: phase Failed (and the condition) unless finished, then a delete
        with no grace period."""
        status = pod.get("status") or {}
        if status.get("phase") not in TERMINAL:
            new = dict(status, phase="Failed")
            if condition is not None:
                new["conditions"] = set_condition(status.get("conditions"), condition)
            pod = self.rt.api.write_status(pod, new)
        meta = pod["metadata"]
        if self.rt.store.get("Pod", meta["namespace"], meta["name"]) is not None:
            self.rt.api.delete("Pod", meta["namespace"], meta["name"], grace=0)


def _evicted(pod: Obj) -> bool:
    """`PodIsEvicted`: Failed with reason Evicted (the kubelet's node-pressure eviction)."""
    status = pod.get("status") or {}
    return status.get("phase") == "Failed" and status.get("reason") == "Evicted"
