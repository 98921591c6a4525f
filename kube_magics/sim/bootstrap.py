"""A new simulated cluster, as `kind create cluster` leaves it.

Namespaces `default`, `kube-system`, `kube-public`, `kube-node-lease` and `local-path-storage`; the control-plane
node (`sim-control-plane`), the API server's `kubernetes` Service, and the node's static pods; kubeadm's and kind's
add-ons (kube-proxy and kindnet DaemonSets, the coredns and local-path-provisioner Deployments, the kube-dns
Service); then the workers join (`sim-worker`, `sim-worker2`, ...), as kind adds them after the control plane is up,
with the first nodes of any node groups (`sim-pool-x7k2q`, ..., see controllers/clusterautoscaler.py). All this
happens in the `BOOT_SECONDS` before the configured start (every node has kind's images preloaded, so nothing is
pulled), so a new cluster's clock reads its start time (2026-01-05T09:00:00Z unless configured), its system pods
are Running with ages of some seconds, and a user's first `get pods -A` looks like a real cluster's.
`SimCluster.elapsed` counts from there.
"""

from __future__ import annotations

from kube_magics.sim import system
from kube_magics.sim.controllers import CONTROLLERS
from kube_magics.sim.controllers.clusterautoscaler import add_initial_nodes
from kube_magics.sim.metrics import ensure_metrics_server
from kube_magics.sim.nodes import make_node, node_ip, node_names
from kube_magics.sim.runtime import Runtime
from kube_magics.timefmt import parse_rfc3339

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage")
STATIC_PODS_AFTER = 5.0  # the kubelet posts the control plane's mirror pods once the API server answers
ADDONS_AFTER = 10.0  # kubeadm's add-on phase, then kind's CNI and storage manifests
WORKERS_AFTER = 20.0  # `kubeadm join` on the workers
READY_WITHIN = 300.0  # (bring-up normally ends well within BOOT_SECONDS)


def bootstrap(rt: Runtime) -> None:
    api = rt.api
    for ns in SYSTEM_NAMESPACES:
        api.create({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}, trusted=True)
    names = node_names(rt.config)
    images = system.preloaded_images()
    control_plane = _join(rt, names[0], 0, images, control_plane=True)
    for obj in system.kubernetes_service(node_ip(0)):
        api.create(obj, trusted=True)
    ensure_metrics_server(rt)
    for cls in CONTROLLERS:
        if rt.enabled(cls.name, cls.requires):
            rt.add_controller(cls)
    rt.settle()
    rt.advance(STATIC_PODS_AFTER)
    for pod in system.static_pods(control_plane, rt.now):
        api.create(pod, trusted=True)
    rt.advance(ADDONS_AFTER - STATIC_PODS_AFTER)
    for obj in system.addons(names[0]):
        api.create(obj, trusted=True)
    rt.advance(WORKERS_AFTER - ADDONS_AFTER)
    for index, name in enumerate(names[1:], start=1):
        _join(rt, name, index, images)
    add_initial_nodes(rt)  # the node groups' first nodes (SimConfig.node_groups), at their min size
    rt.settle()
    start = parse_rfc3339(rt.config.start)
    if rt.enabled("kubelet"):
        rt.run_until(lambda: system_ready(rt), timeout=max(READY_WITHIN, start - rt.now))
    if rt.now < start:
        rt.advance(start - rt.now)
    rt.started_at = rt.clock.now


def _join(rt: Runtime, name: str, index: int, images: list[dict[str, object]], *,
          control_plane: bool = False) -> dict[str, object]:
    node = make_node(rt.config, name, index, now=rt.now, control_plane=control_plane)
    node["status"]["images"] = [dict(i) for i in images]
    return rt.api.create(node, trusted=True)


def system_ready(rt: Runtime) -> bool:
    """Every pod in kube-system and local-path-storage Running and ready, and every DaemonSet complete."""
    for ns in ("kube-system", "local-path-storage"):
        for pod in rt.store.list("Pod", ns):
            status = pod.get("status") or {}
            if status.get("phase") != "Running" or not all(c.get("ready") for c in status.get("containerStatuses")
                                                           or [{}]):
                return False
    for ds in rt.store.list("DaemonSet", "kube-system"):
        status = ds.get("status") or {}
        if status.get("numberReady", 0) < status.get("desiredNumberScheduled", 1) or not status:
            return False
    return True
