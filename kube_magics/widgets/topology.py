"""`%kube topology`: the cluster as the seed chapter draws it, live.

The control plane (API server, etcd, scheduler, controller manager) and each worker node (kubelet, kube-proxy,
container runtime) with its pods coloured by status; Services with lines to their endpoints; node state (Ready,
NotReady, cordoned). Click a pod or a node for its details and events; buttons delete the pod, fail or recover
the node, scale a Deployment; on the simulator, play/pause/step/speed move the virtual clock.

Traits the browser draws from: `scene_json` (the picture, see `scene.py`, as JSON bytes; `scene` is the same as
a dict), `deployments` (for the scale buttons), `summary_text`, `details`, `clock`, `message`, `labels`.

Must not: read simulator internals (everything comes through the Backend's watch).
"""

from __future__ import annotations

from typing import Any

from traitlets import Bytes, List

from kube_magics.backends.base import Backend
from kube_magics.widgets import snapshots
from kube_magics.widgets.scenes.topology import topology_scene
from kube_magics.widgets.svg import render_html, render_svg
from kube_magics.widgets.view import ClusterView, asset, esm, packed


def summary_line(name: str, counts: dict[str, Any], labels: dict[str, str]) -> str:
    """`Cluster sim: 3 nodes (3 Ready), 5 pods (3 Running, 2 Pending)`."""
    def states(pairs: list[list[Any]]) -> str:
        return ", ".join(f"{n} {s}" for s, n in pairs) or labels["none"]

    return labels["cluster_summary"].format(name=name, nodes=counts["nodes"], node_states=states(counts["node_states"]),
                                            pods=counts["pods"], pod_states=states(counts["pod_states"]))


class TopologyView(ClusterView):
    _esm = esm("scene.js", "topology.js")
    _css = asset("widgets.css")

    scene_json = Bytes(b"").tag(sync=True)
    deployments: List[dict[str, Any]] = List().tag(sync=True)

    def __init__(self, backend: Backend, *, namespace: str | None = None, include_system: bool = False,
                 **kwargs: Any) -> None:
        self.namespace = namespace
        self.include_system = include_system
        self.scene: dict[str, Any] = {}
        super().__init__(backend, **kwargs)

    def snapshot(self) -> dict[str, Any]:
        with self.feed.lock:
            return snapshots.topology(self.state, namespace=self.namespace, include_system=self.include_system)

    def _snapshot(self, now: float) -> dict[str, Any]:
        snap = snapshots.topology(self.state, namespace=self.namespace, include_system=self.include_system)
        scene = topology_scene(snap, self.labels)
        return {"scene": scene, "scene_json": packed(scene), "deployments": snap["deployments"],
                "summary_text": summary_line(self.backend.name, snap["counts"], self.labels)}

    def summary(self) -> str:
        return summary_line(self.backend.name, self.snapshot()["counts"], self.labels)

    def svg(self) -> str:
        return render_svg(topology_scene(self.snapshot(), self.labels),
                          title=self.labels["topology_title"].format(name=self.backend.name))

    def html(self) -> str:
        return render_html(self.svg(), css_class="kube-magics-topology")


def topology(backend: Backend, *, namespace: str | None = None, include_system: bool = False,
             lang: str | None = None, **options: Any) -> TopologyView:
    """A live picture of `backend`'s cluster. `namespace` limits the pods and Services shown (default: every
    namespace but the system ones; `include_system=True` adds those). See `TopologyView` for `options`."""
    return TopologyView(backend, namespace=namespace, include_system=include_system, lang=lang, **options)
