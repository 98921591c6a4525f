"""The simulated cluster as a Backend: a thin adapter over `SimCluster`, which does the work.

Writes settle the simulation at the current virtual instant (controllers react at once, as they would within
milliseconds on a real cluster); time moves only through `advance` and the waits.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.backends.base import Applied, WatchCallback
from kube_magics.kinds import ResourceCatalogue
from kube_magics.sim.cluster import SimCluster

Obj = dict[str, Any]


class SimBackend:
    """Backend over a SimCluster. `sim` is the cluster itself (its advance, fail_node, ... are the controls)."""

    def __init__(self, cluster: SimCluster | None = None, **options: Any) -> None:
        self.cluster = cluster if cluster is not None else SimCluster(**options)

    @property
    def name(self) -> str:
        return self.cluster.config.name

    @property
    def sim(self) -> SimCluster:
        return self.cluster

    @property
    def catalogue(self) -> ResourceCatalogue:
        return self.cluster.rt.catalogue

    def now(self) -> float:
        return self.cluster.rt.now

    def get(self, resource: str, name: str, namespace: str | None = "default") -> Obj:
        return self.cluster.get(resource, name, namespace=namespace or "default")

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> builtins.list[Obj]:
        return self.cluster.list(resource, namespace=namespace, selector=selector, field_selector=field_selector)

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        return self.cluster.events(obj)

    def watch(self, callback: WatchCallback, kinds: Iterable[str] | None = None) -> Callable[[], None]:
        return self.cluster.watch(callback, kinds)

    def apply(self, docs: builtins.list[Obj], *, namespace: str | None = None, dry_run: bool = False,
              force: bool = False, manager: str = "kube-magics") -> builtins.list[Applied]:
        results = self.cluster.apply(docs, namespace=namespace, manager=manager, force=force, dry_run=dry_run)
        return [Applied(r.resource, r.name, r.namespace, r.action, r.object) for r in results]

    def create(self, obj: Obj, *, dry_run: bool = False) -> Obj:
        if dry_run:
            return self.cluster.rt.api.create(obj, dry_run=True)
        return self.cluster.create(obj)

    def patch(self, resource: str, name: str, patch: Any, *, namespace: str | None = "default",
              patch_type: str = "strategic", subresource: str | None = None, dry_run: bool = False) -> Obj:
        return self.cluster.patch(resource, name, patch, namespace=namespace or "default",
                                  patch_type=patch_type, subresource=subresource, dry_run=dry_run)

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None, dry_run: bool = False) -> Obj:
        if dry_run:
            return self.cluster.get(resource, name, namespace=namespace or "default")
        return self.cluster.delete(resource, name, namespace=namespace or "default", grace_period=grace_period,
                                   propagation=propagation)

    def logs(self, pod: str, namespace: str | None = "default", *, container: str | None = None,
             previous: bool = False, tail: int | None = None) -> str:
        return self.cluster.logs(pod, namespace=namespace or "default", container=container,
                                 previous=previous, tail=tail)

    def metrics(self, resource: str, namespace: str | None = "default", selector: str | None = None
                ) -> builtins.list[Obj]:
        """What the resource metrics API (metrics.k8s.io/v1beta1) returns for "pods" (PodMetrics; `namespace=None`
        for every namespace) or "nodes" (NodeMetrics): the input of `kubectl top`."""
        if resource in ("nodes", "node", "no"):
            return self.cluster.node_metrics()
        return self.cluster.pod_metrics(namespace=namespace, selector=selector)

    def wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> bool:
        return self.cluster.rt.run_until(predicate, timeout=timeout)

    def __repr__(self) -> str:
        return f"SimBackend({self.cluster!r})"
