"""A stand-in for the scheduler and the kubelets, for the workload controllers' scenario tests.

It does what the stand-in used to record `shared/reference/k8s-1.35` did: bind each new pod at once to the least
loaded untainted node, mark it Running and Ready about a second later, and finish a deletion about a second after
the pod is marked for deletion. The first pods bound in one instant become ready a millisecond apart, as pods
bound one after another by a real scheduler do. Pods whose image names `no-such` never start, as with an image
that no registry has.

The scenario tests use the public SimCluster API and the `cluster` fixture below, nothing else, so that they can
run against the real scheduler and kubelets by making the fixture leave the stand-in out.
"""

from __future__ import annotations

import heapq
from typing import Any

import pytest

from kube_magics.sim import SimCluster
from kube_magics.sim.clock import quantize
from kube_magics.sim.controller import Controller
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
# An image whose name contains this is never pulled, so its pods never start (as a real kubelet, ErrImagePull).
NEVER_READY = "no-such"


class StandinKubelet(Controller):
    name = "standin-kubelet"
    watches = ("Pod",)
    start_delay = 1.0
    finish_delay = 1.0

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self._ready_at: dict[str, float] = {}
        self._finish_at: dict[str, float] = {}
        self._bound_now: tuple[float, int] = (-1.0, 0)
        self._nodes: list[tuple[int, str]] = []
        self._ips = 0

    def keys_for(self, event: WatchEvent) -> list[tuple[str, str]]:
        meta = event.object["metadata"]
        # The workloads under test live in `default`; kube-system's DaemonSet pods need a real scheduler.
        if event.type == "DELETED" or meta["namespace"] != "default":
            return []
        return [(meta["namespace"], meta["name"])]

    def reconcile(self, key: Any) -> None:
        pod = self.rt.store.get("Pod", *key)
        if pod is None:
            return
        uid, now = pod["metadata"]["uid"], self.rt.clock.now
        if pod["metadata"].get("deletionTimestamp"):
            when = self._finish_at.setdefault(uid, quantize(now + self.finish_delay))
            if now >= when:
                self.rt.api.finish_deletion("Pod", *key)
            else:
                self.queue.add_after(key, when - now)
            return
        if not pod["spec"].get("nodeName"):
            self._bind(pod)
            return
        when = self._ready_at.get(uid)
        if when is None or (pod.get("status") or {}).get("phase") == "Running":
            return
        if now >= when:
            self._run(pod)
        else:
            self.queue.add_after(key, when - now)

    def _bind(self, pod: Obj) -> None:
        if not self._nodes:
            nodes = self.rt.store.list("Node")
            self._nodes = [(0, n["metadata"]["name"]) for n in nodes if not n["spec"].get("taints")]
            heapq.heapify(self._nodes)
        load, name = heapq.heappop(self._nodes)
        heapq.heappush(self._nodes, (load + 1, name))
        now = self.rt.clock.now
        at, n = self._bound_now
        n = n + 1 if at == now else 0
        self._bound_now = (now, n)
        # The first pods of a burst a millisecond apart (enough to see each one), the rest together.
        self._ready_at[pod["metadata"]["uid"]] = quantize(now + self.start_delay + min(n, 10) * 0.001)
        new = dict(pod)
        new["spec"] = {**pod["spec"], "nodeName": name}
        new["status"] = {**(pod.get("status") or {}), "conditions": [_cond("PodScheduled", now)]}
        self.rt.api.write(new)

    def _run(self, pod: Obj) -> None:
        if any(NEVER_READY in c.get("image", "") for c in pod["spec"]["containers"]):
            return
        now = self.rt.clock.now
        self._ips += 1
        ip = f"10.244.0.{self._ips % 250 + 2}"
        node = self.rt.store.get("Node", "", pod["spec"]["nodeName"]) or {}
        host_ip = ((node.get("status") or {}).get("addresses") or [{}])[0].get("address", "")
        containers = [{"name": c["name"], "image": c.get("image", ""), "imageID": f"docker.io/library/{c.get('image')}",
                       "containerID": f"containerd://{pod['metadata']['uid'][:16]}", "lastState": {},
                       "ready": True, "restartCount": 0, "started": True,
                       "state": {"running": {"startedAt": rfc3339(now)}}} for c in pod["spec"]["containers"]]
        status = {**(pod.get("status") or {}), "phase": "Running", "hostIP": host_ip, "podIP": ip,
                  "podIPs": [{"ip": ip}], "startTime": rfc3339(now), "containerStatuses": containers,
                  "conditions": [(pod.get("status") or {}).get("conditions", [_cond("PodScheduled", now)])[0],
                                 _cond("Initialized", now), _cond("ContainersReady", now), _cond("Ready", now)]}
        self.rt.api.write_status(pod, status)


def _cond(ctype: str, now: float) -> Obj:
    return {"type": ctype, "status": "True", "lastProbeTime": None, "lastTransitionTime": rfc3339(now)}


@pytest.fixture
def cluster() -> SimCluster:
    """A two-worker simulated cluster whose pods are placed and run by the stand-in instead of the scheduler and
    the kubelets, as in the recording setup of shared/reference/k8s-1.35 (pods ready a second after binding)."""
    c = SimCluster(workers=2, seed=0, controllers=("*", "-default-scheduler", "-kubelet"))
    c.rt.add_controller(StandinKubelet)
    return c




def deployment(name: str = "web", *, replicas: int = 3, image: str = "nginx:1.20", **spec: Any) -> Obj:
    """A Deployment manifest with one nginx container, labelled app=<name>; `spec` adds or overrides fields."""
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "nginx", "image": image}]}}, **spec}}
