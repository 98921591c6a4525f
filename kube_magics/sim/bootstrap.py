"""A new simulated cluster, as `kind create cluster` leaves it.

Namespaces `default`, `kube-system`, `kube-public`, `kube-node-lease` and `local-path-storage`; the nodes
(`sim-control-plane`, `sim-worker`, ...); then the controllers start and fill in the rest. The clock then runs
until the system pods are up, so a user's first `get pods -A` looks like a real cluster's.
"""

from __future__ import annotations

from kube_magics.sim.controllers import CONTROLLERS
from kube_magics.sim.nodes import make_node, node_names
from kube_magics.sim.runtime import Runtime

SYSTEM_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage")


def bootstrap(rt: Runtime) -> None:
    api = rt.api
    for ns in SYSTEM_NAMESPACES:
        api.create({"apiVersion": "v1", "kind": "Namespace",
                    "metadata": {"name": ns, "labels": {"kubernetes.io/metadata.name": ns}}}, trusted=True)
    for index, name in enumerate(node_names(rt.config)):
        api.create(make_node(rt.config, name, index, now=rt.now, control_plane=index == 0), trusted=True)
    for cls in CONTROLLERS:
        rt.add_controller(cls)
    rt.settle()
