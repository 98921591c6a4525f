"""The Backend protocol over a `SimCluster`, for the views' tests, and a kubelet stand-in.

`SimBackend` is what the session's simulated backend offers the views: `name`, `sim`, `now()`, `get`, `list`,
`watch`, `delete`, `events_for`, and `scale`. `place(cluster, pod, node, state)` does what a kubelet (and the
scheduler) would: binds a pod to a node and writes the status a pod in that state has, in the API's exact shape,
so that tests can show Running, CrashLoopBackOff or Completed pods without depending on the simulated kubelet.
The recordings under reference/k8s-1.35 did the same with a stand-in that marked bound pods Running.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.sim import SimCluster
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]


class SimControls:
    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self.advanced: list[float] = []

    def advance(self, seconds: float | str) -> Any:
        self.advanced.append(float(seconds))
        return self.cluster.advance(seconds)

    # The views' clusters run without kubelets or a node controller (SimCluster.fail_node stops a kubelet and
    # leaves the rest to the node controller): a failed node is shown as the node controller marks it.
    def fail_node(self, name: str) -> Any:
        return _node_ready(self.cluster, name, ready=False)

    def recover_node(self, name: str) -> Any:
        return _node_ready(self.cluster, name, ready=True)


class SimBackend:
    def __init__(self, cluster: SimCluster) -> None:
        self.cluster = cluster
        self._sim = SimControls(cluster)

    @property
    def name(self) -> str:
        return self.cluster.config.name

    @property
    def sim(self) -> SimControls:
        return self._sim

    def now(self) -> float:
        return self.cluster.now.timestamp()

    def get(self, resource: str, name: str, namespace: str | None = "default") -> Obj:
        return self.cluster.get(resource, name, namespace or "default")

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[Obj]:
        return self.cluster.list(resource, namespace, selector, field_selector)

    def watch(self, callback: Callable[[Obj], None], kinds: Iterable[str] | None = None) -> Callable[[], None]:
        return self.cluster.watch(callback, kinds)

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None) -> Obj:
        return self.cluster.delete(resource, name, namespace or "default", grace_period=grace_period)

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        return self.cluster.events(obj)

    def scale(self, resource: str, name: str, replicas: int, *, namespace: str | None = "default") -> Obj:
        obj = self.cluster.get(resource, name, namespace or "default")
        obj["spec"]["replicas"] = replicas
        return self.cluster.replace(obj)


# --- a kubelet stand-in --------------------------------------------------------------------------------------------


def pod_manifest(name: str, *, labels: dict[str, str] | None = None, image: str = "nginx:1.20",
                 node: str | None = None, namespace: str = "default") -> Obj:
    spec: Obj = {"containers": [{"name": "main", "image": image}]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": namespace, "labels": labels or {"app": "web"}}, "spec": spec}


def _container_status(state: str, image: str, stamp: str) -> Obj:
    base: Obj = {"name": "main", "image": image, "imageID": f"docker.io/library/{image}", "restartCount": 0,
                 "ready": False, "started": False, "lastState": {}}
    states: dict[str, Obj] = {
        "Running": {"ready": True, "started": True, "state": {"running": {"startedAt": stamp}},
                    "containerID": "containerd://0123456789abcdef"},
        "ContainerCreating": {"state": {"waiting": {"reason": "ContainerCreating"}}},
        "CrashLoopBackOff": {"restartCount": 3, "state": {"waiting": {
            "reason": "CrashLoopBackOff",
            "message": "back-off 40s restarting failed container=main pod=x"}},
            "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}},
        "Completed": {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        "Error": {"state": {"terminated": {"exitCode": 1, "reason": "Error"}}},
        "ImagePullBackOff": {"state": {"waiting": {"reason": "ImagePullBackOff"}}},
    }
    return {**base, **states[state]}


PHASES = {"Running": "Running", "ContainerCreating": "Pending", "CrashLoopBackOff": "Running",
          "Completed": "Succeeded", "Error": "Failed", "ImagePullBackOff": "Pending"}


def pod_status(state: str, *, image: str, stamp: str, ip: str) -> Obj:
    ready = "True" if state == "Running" else "False"
    conditions = [{"type": t, "status": s, "lastProbeTime": None, "lastTransitionTime": stamp}
                  for t, s in (("PodScheduled", "True"), ("Initialized", "True"), ("ContainersReady", ready),
                               ("Ready", ready))]
    status: Obj = {"phase": PHASES[state], "conditions": conditions, "hostIP": "172.18.0.3",
                   "containerStatuses": [_container_status(state, image, stamp)], "qosClass": "BestEffort",
                   "startTime": stamp}
    if state not in ("ContainerCreating", "ImagePullBackOff"):
        status["podIP"] = ip
        status["podIPs"] = [{"ip": ip}]
    return status


def place(cluster: SimCluster, name: str, node: str, state: str = "Running", *, labels: dict[str, str] | None = None,
          image: str = "nginx:1.20", ip: str = "10.244.1.10") -> Obj:
    """Create (if needed) pod `name` bound to `node` and write the status a kubelet reports for `state`."""
    try:
        pod = cluster.get("pods", name)
    except Exception:
        pod = cluster.create(pod_manifest(name, labels=labels, image=image, node=node))
    stamp = rfc3339(cluster.now.timestamp())
    cluster.rt.api.write_status(pod, pod_status(state, image=image, stamp=stamp, ip=ip))
    cluster.rt.settle()
    return cluster.get("pods", name)


def _node_ready(cluster: SimCluster, name: str, *, ready: bool) -> Obj:
    """What the node lifecycle controller writes when a kubelet stops (or resumes) posting status."""
    node = cluster.get("nodes", name, "")
    status = dict(node["status"])
    stamp = rfc3339(cluster.now.timestamp())
    status["conditions"] = [
        {**c, "status": "True" if ready else "Unknown", "reason": "KubeletReady" if ready else "NodeStatusUnknown",
         "message": "kubelet is posting ready status" if ready else "Kubelet stopped posting node status.",
         "lastTransitionTime": stamp} if c["type"] == "Ready" else c
        for c in status["conditions"]]
    cluster.rt.api.write_status(node, status)
    cluster.rt.settle()
    return cluster.get("nodes", name, "")
