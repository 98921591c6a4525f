"""`SimCluster`: a Kubernetes cluster simulated inside the Python process.

The public face of the simulator, for notebooks and for the magics' simulated backend. Objects go in and come
out as plain dicts in the exact shape of the Kubernetes API, always as copies: nothing a caller holds is shared
with the cluster. Time is virtual and moves only through `advance`, so the same calls give the same objects,
names and events on every run.

    from kube_magics.sim import SimCluster
    c = SimCluster(workers=2, seed=0)
    c.apply(open("nginx-deployment.yaml").read())
    c.advance(30)
    [p["status"]["phase"] for p in c.list("pods")]
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from kube_magics import manifests, schema
from kube_magics.errors import ApplyError, KubeMagicsError
from kube_magics.kinds import ResourceKind
from kube_magics.selectors import matches_fields, parse, parse_field_selector
from kube_magics.sim.bootstrap import bootstrap
from kube_magics.sim.objects import deep_copy
from kube_magics.sim.ops.config import ConfigOps
from kube_magics.sim.ops.metrics import MetricsOps
from kube_magics.sim.ops.nodes import NodeOps
from kube_magics.sim.ops.patching import PatchOps
from kube_magics.sim.ops.traffic import TrafficOps
from kube_magics.sim.ops.workloads import WorkloadOps
from kube_magics.sim.runtime import Runtime, SimConfig
from kube_magics.timefmt import parse_duration

Obj = dict[str, Any]


@dataclass(frozen=True)
class ApplyResult:
    """What `apply` did to one object: `action` is "created", "configured" or "unchanged"."""

    kind: str
    name: str
    namespace: str | None
    action: str
    object: Obj
    resource: ResourceKind

    def __str__(self) -> str:
        return f"{self.resource.qualified}/{self.name} {self.action}"


class SimCluster(WorkloadOps, NodeOps, TrafficOps, ConfigOps, PatchOps, MetricsOps):
    """A simulated cluster: `workers` worker nodes plus a tainted control-plane node, named as kind names them."""

    def __init__(self, workers: int = 2, seed: int = 0, **options: Any) -> None:
        self.config = SimConfig(workers=workers, seed=seed, **options)
        self.rt = Runtime(self.config)
        bootstrap(self.rt)

    # --- time ----------------------------------------------------------------------------------------------------

    @property
    def now(self) -> datetime:
        """The virtual time, as a UTC datetime."""
        return datetime.fromtimestamp(self.rt.now, tz=timezone.utc)

    @property
    def elapsed(self) -> float:
        """Virtual seconds since the cluster was created."""
        return self.rt.now - self.rt.started_at

    def advance(self, seconds: float | str) -> SimCluster:
        """Move the virtual clock (`30`, `"30s"`, `"2m"`, `"1h30m"`); controllers run at every step on the way."""
        self.rt.advance(parse_duration(seconds))
        return self

    # --- reading -------------------------------------------------------------------------------------------------

    def resource(self, name: str) -> ResourceKind:
        """Resolve a resource name as kubectl does ("po", "pods", "Pod", "deploy", "deployments.apps")."""
        return self.rt.catalogue.resolve(name)

    def get(self, resource: str, name: str, namespace: str = "default") -> Obj:
        """One object, as the API returns it (with `metadata.managedFields`)."""
        rk = self.resource(resource)
        return deep_copy(self.rt.field_managers.with_managed_fields(self.rt.api.get(rk.kind, namespace, name)))

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[Obj]:
        """Objects of a kind, sorted by namespace and name. `namespace=None` lists every namespace."""
        rk = self.resource(resource)
        ns = namespace if rk.namespaced else None
        items = self.rt.store.list(rk.kind, ns)
        if selector:
            sel = parse(selector)
            items = [o for o in items if sel.matches(o["metadata"].get("labels"))]
        if field_selector:
            reqs = parse_field_selector(field_selector)
            items = [o for o in items if matches_fields(o, reqs)]
        return deep_copy(items)

    def events(self, obj: Obj | None = None, *, namespace: str | None = "default") -> builtins.list[Obj]:
        """Events, oldest first: about one object if given (as `kubectl describe` shows them), else those of a
        namespace (`None` for every namespace). Events about cluster-scoped objects (nodes) live in `default`."""
        if obj is not None:
            namespace = obj["metadata"].get("namespace") or "default"
        items = self.rt.store.list("Event", namespace)
        if obj is not None:
            uid = obj["metadata"].get("uid")
            items = [e for e in items if e["involvedObject"].get("uid") == uid
                     or (e["involvedObject"].get("name") == obj["metadata"]["name"]
                         and e["involvedObject"].get("kind") == obj["kind"] and not uid)]
        items.sort(key=_event_time)
        return deep_copy(items)

    # --- writing -------------------------------------------------------------------------------------------------

    def apply(self, manifest: str | Obj | Iterable[Obj], *, namespace: str | None = None,
              manager: str = "kube-magics", force: bool = False, dry_run: bool = False) -> builtins.list[ApplyResult]:
        """Create or update objects, like `kubectl apply`. Accepts YAML (several documents), a dict, or a list.

        Every object is checked before any is written; if one fails, none is written.
        """
        docs = self._documents(manifest)
        if namespace:
            for d in docs:
                d.object.setdefault("metadata", {}).setdefault("namespace", namespace)
        # Check everything first (a dry run of each document), so that nothing is half-applied. Namespaces
        # that earlier documents create count as existing for the later ones.
        planned = self.rt.api.planned_namespaces
        failed: builtins.list[tuple[KubeMagicsError, manifests.Document]] = []
        checked: builtins.list[tuple[Obj, str]] = []
        try:
            for d in docs:
                try:
                    schema.check(d.object, catalogue=self.rt.catalogue)
                    checked.append(self.rt.api.apply(d.object, manager=manager, force=force, dry_run=True))
                except KubeMagicsError as exc:
                    failed.append((exc, d))
                    continue
                if d.kind == "Namespace" and d.name:
                    planned.add(d.name)
        finally:
            planned.clear()
        if failed:
            raise _rejection(failed)
        results = []
        for i, d in enumerate(docs):
            # A dry run is the check itself: its answers are the results.
            obj, action = checked[i] if dry_run else \
                self.rt.api.apply(d.object, manager=manager, force=force, dry_run=False)
            rk = self.rt.catalogue.by_kind(obj["kind"])
            results.append(ApplyResult(obj["kind"], obj["metadata"]["name"], obj["metadata"].get("namespace"),
                                       action, deep_copy(obj), rk))
        self.rt.settle()
        return results

    def create(self, obj: Obj) -> Obj:
        created = self.rt.api.create(obj)
        self.rt.settle()
        return deep_copy(created)

    def replace(self, obj: Obj) -> Obj:
        """Update (PUT) an object: its spec and metadata as given, status kept."""
        updated = self.rt.api.update(obj, check_rv="resourceVersion" in (obj.get("metadata") or {}))
        self.rt.settle()
        return deep_copy(updated)

    def delete(self, resource: str, name: str, namespace: str = "default", *, grace_period: int | None = None,
               propagation: str | None = None) -> Obj:
        """Delete as `kubectl delete` does: pods terminate gracefully, owners cascade in the background."""
        rk = self.resource(resource)
        gone = self.rt.api.delete(rk.kind, namespace, name, grace=grace_period, propagation=propagation)
        self.rt.settle()
        return deep_copy(gone)

    # --- watching ------------------------------------------------------------------------------------------------

    def watch(self, callback: Callable[[Obj], None], kinds: Iterable[str] | None = None) -> Callable[[], None]:
        """Call `callback({"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}})` for each change, as a watch
        stream carries them. `kinds` takes resource names ("pods", "deploy"). Returns a function that stops it.

        The callback runs inside the simulation step: it may read the cluster but must not change it.
        """
        kind_names = None if kinds is None else [self.resource(k).kind for k in kinds]

        def handler(event: Any) -> None:
            callback({"type": event.type, "object": deep_copy(event.object)})

        return self.rt.store.subscribe(handler, kind_names)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _documents(self, manifest: str | Obj | Iterable[Obj]) -> builtins.list[manifests.Document]:
        """Documents to apply, each a private copy; YAML text is read with line numbers (no templating)."""
        if isinstance(manifest, str):
            return manifests.parse(manifest, template=False)
        items = [manifest] if isinstance(manifest, dict) else builtins.list(manifest)
        return [replace(d, object=deep_copy(d.object)) for d in manifests.documents_of(items)]

    def __repr__(self) -> str:
        nodes = self.rt.store.count("Node")
        pods = self.rt.store.count("Pod")
        return f"<SimCluster {self.config.name!r}: {nodes} nodes, {pods} pods, t={self.elapsed:g}s>"


def _rejection(failed: builtins.list[tuple[KubeMagicsError, manifests.Document]]) -> KubeMagicsError:
    """The error for a batch that was refused: the API's own error (with where it is) when one document failed,
    an ApplyError listing each when several did."""
    if len(failed) == 1:
        exc, doc = failed[0]
        if exc.location is None:
            paths = manifests.error_paths(exc)
            exc.location = doc.location(paths[0] if paths else None)
        return exc
    return ApplyError([manifests.to_manifest_error(exc, doc) for exc, doc in failed])


def _event_time(e: Obj) -> str:
    return e.get("lastTimestamp") or e.get("eventTime") or e["metadata"].get("creationTimestamp") or ""


__all__ = ["ApplyResult", "KubeMagicsError", "SimCluster", "SimConfig"]
