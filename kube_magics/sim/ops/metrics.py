"""SimCluster verbs: the resource metrics API (what `kubectl top` reads) and CPU demand on pods.

The figures are metrics-server's (sim/metrics.py): averages over its 15 s scrape window, so a change in load shows
in `top` within 15 to 30 virtual seconds, as on a real cluster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.errors import NotFoundError
from kube_magics.selectors import parse
from kube_magics.sim.objects import deep_copy

if TYPE_CHECKING:
    from kube_magics.sim.metrics import MetricsServer
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


class MetricsOps:
    rt: Runtime

    def pod_metrics(self, namespace: str | None = "default", selector: str | None = None) -> list[Obj]:
        """PodMetrics (metrics.k8s.io/v1beta1) of the pods that have metrics (`namespace=None`: every namespace).

            [(m["metadata"]["name"], m["containers"][0]["usage"]["cpu"]) for m in c.pod_metrics()]
        """
        server = self._metrics_server("pods")
        return deep_copy(server.pod_metrics(namespace, parse(selector) if selector else None))

    def node_metrics(self, selector: str | None = None) -> list[Obj]:
        """NodeMetrics (metrics.k8s.io/v1beta1) of the nodes that have metrics (`selector`: on the nodes' labels)."""
        return deep_copy(self._metrics_server("nodes").node_metrics(parse(selector) if selector else None))

    def set_demand(self, pod: str, cpu_millicores: float, *, source: str = "user", namespace: str = "default") -> None:
        """Keep a pod's CPU busy with `cpu_millicores` more than it uses idle (0 stops it), from now on: what the
        traffic model does for requests, by hand (`c.set_demand("web-abc12", 250)`)."""
        live = self.rt.api.get("Pod", namespace, pod)
        self._metrics_server("pods").set_demand(live["metadata"]["uid"], source, cpu_millicores)

    def _metrics_server(self, resource: str) -> MetricsServer:
        server = self.rt.services.get("metrics")
        if server is None:
            raise NotFoundError(f"the server could not find the requested resource (get {resource}.metrics.k8s.io)",
                                hint="this cluster was made without a metrics API (metrics_server=False)")
        return server
