"""Taint-based eviction ("taint-eviction-controller", the taint manager): pods leave nodes with NoExecute taints
they do not tolerate.

For each pod on a node with NoExecute taints (`processPodOnNode`):

- a taint the pod does not tolerate: the pod is deleted at once;
- every taint tolerated, some toleration with `tolerationSeconds`: deleted when the shortest one runs out, counted
  from when the controller first saw the taints (the API server gives every pod 300 s for `not-ready` and
  `unreachable`, so a failed node's pods go 300 s after its NoExecute taint);
- tolerated without a time limit (DaemonSet pods, a toleration without `tolerationSeconds`): the pod stays.

A deletion starts with a TaintManagerEviction event ("Marking for deletion Pod default/x", about a reference with
no uid, so `kubectl describe pod` does not list it), adds the DisruptionTarget condition (DeletionByTaintManager)
and deletes the pod with its own grace period: on a node whose kubelet is gone the pod stays Terminating until the
kubelet comes back or the pod garbage collector removes it. When the taints go before the time is up, the
eviction is cancelled ("Cancelling deletion of Pod default/x"); an eviction that has happened stays done.

Must not: add or remove taints (the node lifecycle controller does), or wait for a deletion to finish.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kube_magics.errors import NotFoundError
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.nodepods import pods_on
from kube_magics.sim.objects import set_condition
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.taints import matching_tolerations, min_toleration_seconds, no_execute_taints
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
PodKey = tuple[str, str]


@dataclass
class Eviction:
    """A scheduled deletion (client-go's TimedWorker); `done` once it has fired (it then blocks new ones)."""

    created: float
    fire_at: float
    done: bool = False


class TaintEvictionController(Controller):
    name = "taint-eviction-controller"
    watches = ("Node", "Pod")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.tainted: dict[str, list[Obj]] = {}  # node -> its NoExecute taints
        self.evictions: dict[PodKey, Eviction] = {}

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        obj, old = event.object, event.old
        if event.kind == "Node":
            new_taints = [] if event.type == "DELETED" else no_execute_taints(obj)
            if old is not None and no_execute_taints(old) == new_taints and event.type != "DELETED":
                return ()
            if event.type == "ADDED" and not new_taints:
                return ()
            return (("node", obj["metadata"]["name"]),)
        if event.type == "MODIFIED" and old is not None and old["spec"] is obj["spec"]:
            return ()  # a status or metadata write: neither tolerations nor the node changed
        meta = obj["metadata"]
        key = (meta["namespace"], meta["name"])
        if event.type == "DELETED":
            return (("pod", *key, ""),) if key in self.evictions else ()
        node = obj["spec"].get("nodeName")
        if old is not None and old["spec"].get("tolerations") == obj["spec"].get("tolerations") and \
                old["spec"].get("nodeName") == node:
            return ()
        if not node or node not in self.tainted:
            return ()
        return (("pod", *key, node),)

    def reconcile(self, key: Any) -> None:
        if key[0] == "node":
            self._node_update(key[1])
        elif key[0] == "pod":
            self._pod_update((key[1], key[2]), key[3])
        elif key[0] == "evict":
            self._fire((key[1], key[2]))

    # --- handlers --------------------------------------------------------------------------------------------------

    def _node_update(self, name: str) -> None:
        """`handleNodeUpdate`: remember the node's NoExecute taints, then look at each of its pods."""
        node = self.rt.store.get("Node", "", name)
        taints = no_execute_taints(node)
        if taints:
            self.tainted[name] = taints
        else:
            self.tainted.pop(name, None)
        if node is None:
            return
        now = self.rt.clock.now
        for pod in pods_on(self.rt, name):
            key = (pod["metadata"]["namespace"], pod["metadata"]["name"])
            if not taints:
                self._cancel(key)
            else:
                self._process(key, pod, taints, now)

    def _pod_update(self, key: PodKey, node: str) -> None:
        """`handlePodUpdate`: a pod gone cancels its eviction; a pod on a tainted node is looked at."""
        pod = self.rt.store.get("Pod", *key)
        if pod is None:
            self._cancel(key)
            return
        if pod["spec"].get("nodeName") != node or node not in self.tainted:
            return
        self._process(key, pod, self.tainted[node], self.rt.clock.now)

    def _process(self, key: PodKey, pod: Obj, taints: list[Obj], now: float) -> None:
        """`processPodOnNode`."""
        tolerated, used = matching_tolerations(taints, pod["spec"].get("tolerations") or [])
        if not tolerated:
            self._cancel(key)
            self._schedule(key, now, now)
            return
        seconds = min_toleration_seconds(used)
        if seconds < 0:
            self._cancel(key)  # tolerated forever
            return
        start, trigger = now, now + seconds
        scheduled = self.evictions.get(key)
        if scheduled is not None and not scheduled.done:
            start = scheduled.created
            if start + seconds < trigger:
                return
            self._cancel(key)
        self._schedule(key, start, trigger)

    # --- the timed work queue --------------------------------------------------------------------------------------

    def _schedule(self, key: PodKey, created: float, fire_at: float) -> None:
        if key in self.evictions:
            return  # already there (or done): AddWork skips it
        self.evictions[key] = Eviction(created, fire_at)
        self.queue.add_after(("evict", *key), fire_at - self.rt.clock.now)

    def _cancel(self, key: PodKey) -> None:
        scheduled = self.evictions.pop(key, None)
        if scheduled is not None and not scheduled.done:
            self._event(key, f"Cancelling deletion of Pod {key[0]}/{key[1]}")

    def _fire(self, key: PodKey) -> None:
        scheduled = self.evictions.get(key)
        now = self.rt.clock.now
        if scheduled is None or scheduled.done:
            return
        if scheduled.fire_at > now:
            self.queue.add_after(("evict", *key), scheduled.fire_at - now)  # an earlier timer of a cancelled one
            return
        self._event(key, f"Marking for deletion Pod {key[0]}/{key[1]}")
        try:
            self._delete(key, now)
        except NotFoundError:
            self.evictions.pop(key, None)
            return
        scheduled.done = True

    def _delete(self, key: PodKey, now: float) -> None:
        """`addConditionAndDeletePod`: the DisruptionTarget condition, then a delete with the pod's grace period."""
        pod = self.rt.api.get("Pod", *key)
        status = dict(pod.get("status") or {})
        cond = {"lastProbeTime": None, "lastTransitionTime": rfc3339(now),
                "message": "Taint manager: deleting due to NoExecute taint", "reason": "DeletionByTaintManager",
                "status": "True", "type": "DisruptionTarget"}
        conditions = set_condition(status.get("conditions"), cond)
        if conditions != status.get("conditions"):
            self.rt.api.write_status(pod, dict(status, conditions=conditions))
        self.rt.api.delete("Pod", *key)

    def _event(self, key: PodKey, message: str) -> None:
        ref = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": key[1], "namespace": key[0]}}
        self.event(ref, "Normal", "TaintManagerEviction", message)
