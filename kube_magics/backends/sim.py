"""The simulated cluster as a Backend: a thin adapter over `SimCluster`, which does the work.

Writes settle the simulation at the current virtual instant (controllers react at once, as they would within
milliseconds on a real cluster); time moves only through `advance` and the waits.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.backends.base import Applied, ExecResult, WatchCallback
from kube_magics.errors import BackendError, NotFoundError
from kube_magics.kinds import ResourceCatalogue
from kube_magics.sim.cluster import SimCluster
from kube_magics.sim.objects import deep_copy

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

    def create(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        created = self.cluster.rt.api.create(obj, dry_run=dry_run, manager=manager)
        if not dry_run:
            self.cluster.rt.settle()
        return deep_copy(self.cluster.rt.field_managers.with_managed_fields(created))

    def replace(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        check = "resourceVersion" in (obj.get("metadata") or {})
        updated = self.cluster.rt.api.update(obj, dry_run=dry_run, check_rv=check, manager=manager)
        if not dry_run:
            self.cluster.rt.settle()
        return deep_copy(self.cluster.rt.field_managers.with_managed_fields(updated))

    def patch(self, resource: str, name: str, patch: Any, *, namespace: str | None = "default",
              patch_type: str = "strategic", subresource: str | None = None, dry_run: bool = False,
              manager: str | None = None) -> Obj:
        return self.cluster.patch(resource, name, patch, namespace=namespace or "default", patch_type=patch_type,
                                  subresource=subresource, dry_run=dry_run, manager=manager)

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None, dry_run: bool = False) -> Obj:
        if dry_run:
            return self.cluster.get(resource, name, namespace=namespace or "default")
        return self.cluster.delete(resource, name, namespace=namespace or "default", grace_period=grace_period,
                                   propagation=propagation)

    def evict(self, pod: str, namespace: str | None = "default", *, grace_period: int | None = None,
              dry_run: bool = False) -> None:
        # The Eviction API: PodDisruptionBudgets are honoured (429 TooManyRequests when one forbids it).
        self.cluster.evict(pod, namespace or "default", grace_period=grace_period, dry_run=dry_run)

    def logs(self, pod: str, namespace: str | None = "default", *, container: str | None = None,
             previous: bool = False, tail: int | None = None) -> str:
        return self.cluster.logs(pod, namespace=namespace or "default", container=container,
                                 previous=previous, tail=tail)

    def exec(self, pod: str, command: builtins.list[str], namespace: str | None = "default", *,
             container: str | None = None) -> ExecResult:
        """What the simulated container answers (`sim_exec`): its environment and mounted files, worked out from
        the pod, its ConfigMaps, Secrets and the Services, as the kubelet builds them."""
        from kube_magics.backends import sim_exec
        from kube_magics.backends.container_view import ContainerView

        obj = self.get("pods", pod, namespace)
        containers = obj["spec"].get("containers") or []
        chosen = next((c for c in containers if c["name"] == container), None) if container else containers[0]
        name = container or containers[0]["name"]
        statuses = {s["name"]: s for s in (obj.get("status") or {}).get("containerStatuses") or ()}
        if chosen is None or "running" not in (statuses.get(name, {}).get("state") or {}):
            raise BackendError(f'unable to upgrade connection: container not found ("{name}")')
        view = ContainerView.build(obj, chosen, self._lookup, self.list("services", None))
        # The environment is the running process's, fixed when the kubelet started it (a ConfigMap changed since
        # then does not reach it), with the image's own Env as the kubelet read it, built images' included.
        view.env = self.cluster.exec_env(pod, name, namespace or "default")
        return sim_exec.run(view, command)

    def _lookup(self, resource: str, name: str, namespace: str) -> Obj | None:
        try:
            return self.get(resource, name, namespace)
        except NotFoundError:
            return None

    def metrics(self, resource: str, namespace: str | None = "default", *,
                selector: str | None = None) -> builtins.list[Obj]:
        """What the simulated metrics-server serves (sim/metrics.py): PodMetrics for "pods" (`namespace=None` for
        every namespace), NodeMetrics for "nodes"; kubectl's `Metrics API not available` on a cluster made
        without one (`metrics_server=False`, as kind comes)."""
        if self.cluster.rt.services.get("metrics") is None:
            raise BackendError("Metrics API not available")
        if resource in ("nodes", "node", "no"):
            return self.cluster.node_metrics(selector=selector)
        return self.cluster.pod_metrics(namespace=namespace, selector=selector)

    def wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> bool:
        return self.cluster.rt.run_until(predicate, timeout=timeout)

    def __repr__(self) -> str:
        return f"SimBackend({self.cluster!r})"
