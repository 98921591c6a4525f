"""kube-scheduler, the default profile: a scheduling queue, a cache kept from watch events, and a cycle per pod.

The queue: pods without a node (schedulerName default-scheduler) wait in the active queue, highest priority
first, then oldest. A pod that fits nowhere gets PodScheduled=False (reason Unschedulable, the FitError message)
and a FailedScheduling event, and waits among the unschedulable pods until the cluster changes in a way that
may help (a node added or changed, an assigned pod deleted or finished), then goes back after its back-off
(1 s doubling to 10 s per attempt); every pod is retried at least every 5 minutes. A pod that fits is assumed
on its node at once (the cache counts it before the binding is written), bound through the API (the binding
subresource sets spec.nodeName and PodScheduled=True), and a Scheduled event is recorded through the
events.k8s.io recorder ("Successfully assigned default/x to sim-worker").

Filters and scores are in `kube_magics/sim/scheduling/`. Must not: touch pods already bound, or run containers.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable
from typing import Any

from kube_magics.errors import ApiError
from kube_magics.sim.controller import Controller
from kube_magics.sim.objects import set_condition
from kube_magics.sim.scheduling.cache import SELECTOR_KINDS, SchedulerCache
from kube_magics.sim.scheduling.cycle import Algorithm
from kube_magics.sim.scheduling.podinfo import PodInfo, QuantityCache, pod_info
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
SCHEDULER_NAME = "default-scheduler"
INITIAL_BACKOFF, MAX_BACKOFF = 1.0, 10.0
MAX_UNSCHEDULABLE = 300.0
TERMINAL = ("Succeeded", "Failed")


class SchedulerController(Controller):
    name = SCHEDULER_NAME
    watches = ("Pod", "Node", *SELECTOR_KINDS)

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.quantities = QuantityCache()
        self.cache = SchedulerCache(self.quantities)
        self.algorithm = Algorithm(self.cache)
        self._active: list[tuple[int, int, tuple[str, str]]] = []
        self._queued: set[tuple[str, str]] = set()
        self._unschedulable: dict[tuple[str, str], float] = {}  # pod -> when it last failed
        self._attempts: dict[tuple[str, str], int] = {}
        self._seq = itertools.count()
        self.instance = f"{SCHEDULER_NAME}-{rt.config.name}-control-plane"
        self.scheduled = 0

    # --- informers: keep the cache, feed the queue ----------------------------------------------------------------

    def on_event(self, event: WatchEvent) -> None:
        kind = event.kind
        if kind == "Pod":
            self._pod_event(event)
        elif kind == "Node":
            if event.type == "DELETED":
                self.cache.remove_node(event.object["metadata"]["name"])
                self._cluster_changed()
            elif self.cache.set_node(event.object):
                self._cluster_changed()
        else:
            self.cache.set_selector_owner(event.object, deleted=event.type == "DELETED")

    def _pod_event(self, event: WatchEvent) -> None:
        pod, old = event.object, event.old
        meta, spec = pod["metadata"], pod["spec"]
        key = (meta["namespace"], meta["name"])
        node = spec.get("nodeName")
        if event.type == "DELETED" or (pod.get("status") or {}).get("phase") in TERMINAL:
            self._drop(key)
            if self.cache.remove(key) is not None:
                self._cluster_changed()
            return
        if node:
            self._drop(key)
            placed = self.cache.pods.get(key)
            if placed is None or placed.node != node:
                self._place(key, pod, node)
            if meta.get("deletionTimestamp"):
                self.cache.stop_spreading(key)
            return
        if spec.get("schedulerName", SCHEDULER_NAME) != SCHEDULER_NAME or meta.get("deletionTimestamp"):
            return
        if old is not None and old["spec"] is spec and old["metadata"].get("labels") == meta.get("labels"):
            return  # a status change (ours)
        self._enqueue(key, int(spec.get("priority") or 0))

    def _place(self, key: tuple[str, str], pod: Obj, node: str) -> None:
        info = pod_info(pod, self.quantities)
        self.cache.place(key, node, info.requests, (info.nonzero_cpu, info.nonzero_memory), key[0], info.labels,
                         spread=not pod["metadata"].get("deletionTimestamp"))

    def start(self) -> None:
        for node in self.rt.store.iter("Node"):
            self.cache.set_node(node)
        for kind in SELECTOR_KINDS:
            for obj in self.rt.store.iter(kind):
                self.cache.set_selector_owner(obj)
        for pod in self.rt.store.iter("Pod"):
            self._pod_event(WatchEvent("ADDED", "Pod", pod, None, 0))

    # --- the queue -------------------------------------------------------------------------------------------------

    def _enqueue(self, key: tuple[str, str], priority: int) -> None:
        if key in self._queued:
            return
        self._queued.add(key)
        heapq.heappush(self._active, (-priority, next(self._seq), key))
        self.queue.add(("cycle",))

    def _drop(self, key: tuple[str, str]) -> None:
        self._unschedulable.pop(key, None)
        self._attempts.pop(key, None)

    def _cluster_changed(self) -> None:
        """Move the unschedulable pods back, each after what is left of its back-off."""
        now = self.rt.clock.now
        for key, failed_at in list(self._unschedulable.items()):
            wait = failed_at + self._backoff(key) - now
            del self._unschedulable[key]
            self.queue.add_after(("retry", *key), wait)

    def _backoff(self, key: tuple[str, str]) -> float:
        attempts = self._attempts.get(key, 1)
        return min(MAX_BACKOFF, INITIAL_BACKOFF * 2 ** max(0, attempts - 1))

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        return ()

    def reconcile(self, key: Any) -> None:
        if key[0] == "retry":
            pod = self.rt.store.get("Pod", key[1], key[2])
            if pod is not None and not pod["spec"].get("nodeName") and not pod["metadata"].get("deletionTimestamp"):
                self._unschedulable.pop((key[1], key[2]), None)
                self._enqueue((key[1], key[2]), int(pod["spec"].get("priority") or 0))
            return
        while self._active:
            _, _, pod_key = heapq.heappop(self._active)
            self._queued.discard(pod_key)
            self._schedule_one(pod_key)

    # --- one pod ---------------------------------------------------------------------------------------------------

    def _schedule_one(self, key: tuple[str, str]) -> None:
        pod = self.rt.store.get("Pod", *key)
        if pod is None or pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            return
        info = pod_info(pod, self.quantities)
        decision = self.algorithm.schedule(info)
        if decision.node is None:
            self._unschedulable_pod(key, pod, decision.message)
            return
        self.cache.place(key, decision.node, info.requests, (info.nonzero_cpu, info.nonzero_memory), key[0],
                         info.labels)
        self._bind(key, pod, info, decision.node)

    def _bind(self, key: tuple[str, str], pod: Obj, info: PodInfo, node: str) -> None:
        try:
            bound = self.rt.api.bind(pod, node)
        except ApiError:
            self.cache.remove(key)
            return
        self._drop(key)
        self.scheduled += 1
        self.rt.events.record_series(bound, "Normal", "Scheduled",
                                     f"Successfully assigned {key[0]}/{key[1]} to {node}",
                                     controller=SCHEDULER_NAME, instance=self.instance, action="Binding")

    def _unschedulable_pod(self, key: tuple[str, str], pod: Obj, message: str) -> None:
        now = self.rt.clock.now
        self._attempts[key] = self._attempts.get(key, 0) + 1
        self._unschedulable[key] = now
        self.queue.add_after(("retry", *key), MAX_UNSCHEDULABLE)
        status = dict(pod.get("status") or {})
        cond = {"lastProbeTime": None, "lastTransitionTime": rfc3339(now), "message": message,
                "reason": "Unschedulable", "status": "False", "type": "PodScheduled"}
        status["conditions"] = set_condition(status.get("conditions"), cond)
        live = self.rt.api.write_status(pod, status)
        self.rt.events.record_series(live, "Warning", "FailedScheduling", message, controller=SCHEDULER_NAME,
                                     instance=self.instance, action="Scheduling")
