"""The Backend protocol: one interface in front of the simulated cluster and of any real cluster.

Everything above the backends (the magics, the kubectl verbs, the views) talks to a cluster through this
protocol, with objects as plain dicts in the exact API shape, so that a notebook runs unchanged on the simulator
and on kind. Capabilities that only the simulator has (moving its clock, failing a node, generating load) are
behind `backend.sim`; on a real cluster it is None and the verbs that need it say so (`SimulatorOnlyError`).

Waiting is part of the protocol because it differs between the two worlds: the simulator advances its virtual
clock until a condition holds (instantly, deterministically), a real cluster watches until it holds or the
timeout passes.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from kube_magics.kinds import ResourceCatalogue, ResourceKind

Obj = dict[str, Any]
WatchCallback = Callable[[Obj], None]  # receives {"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}


@dataclass(frozen=True)
class Applied:
    """What an apply did to one object, as `kubectl apply` reports it."""

    resource: ResourceKind
    name: str
    namespace: str | None
    action: str  # "created" | "configured" | "unchanged" | "deleted" (and "... (dry run)" variants)
    object: Obj

    def line(self, *, dry_run: bool = False) -> str:
        suffix = " (server dry run)" if dry_run else ""
        return f"{self.resource.qualified}/{self.name} {self.action}{suffix}"


@dataclass(frozen=True)
class ExecResult:
    """What a command run in a container (`kubectl exec`) printed, and how it exited."""

    stdout: str
    stderr: str = ""
    exit_code: int = 0


@runtime_checkable
class SimControls(Protocol):
    """What only the simulated cluster can do."""

    def advance(self, seconds: float | str) -> Any: ...

    def fail_node(self, name: str) -> Any: ...

    def recover_node(self, name: str) -> Any: ...


@runtime_checkable
class Backend(Protocol):
    """A Kubernetes cluster, simulated or real."""

    @property
    def name(self) -> str:
        """What output lines call it: `sim`, or a kubeconfig context such as `kind-kind`."""

    @property
    def sim(self) -> SimControls | None:
        """The simulator's controls, or None on a real cluster."""

    @property
    def catalogue(self) -> ResourceCatalogue:
        """The resources this cluster serves (discovery)."""

    def now(self) -> float:
        """The cluster's current time in epoch seconds (virtual on the simulator), for AGE columns."""

    # reads
    def get(self, resource: str, name: str, namespace: str | None = "default") -> Obj: ...

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> builtins.list[Obj]: ...

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        """The events about one object, oldest first (what `kubectl describe` lists)."""

    def watch(self, callback: WatchCallback, kinds: Iterable[str] | None = None) -> Callable[[], None]:
        """Deliver changes as a watch stream carries them; returns a function that stops the watch."""

    # writes
    def apply(self, docs: builtins.list[Obj], *, namespace: str | None = None, dry_run: bool = False,
              force: bool = False, manager: str = "kube-magics") -> builtins.list[Applied]:
        """Server-side apply of every document; all are checked before any is written."""

    def create(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        """Create (POST) an object; `manager` is the field manager (kubectl's `--field-manager`)."""

    def replace(self, obj: Obj, *, dry_run: bool = False, manager: str | None = None) -> Obj:
        """Update (PUT) an object to `obj` (its status is kept). With `metadata.resourceVersion` the write is
        conditional: a Conflict if the object changed since it was read, as a real API server answers."""

    def patch(self, resource: str, name: str, patch: Any, *, namespace: str | None = "default",
              patch_type: str = "strategic", subresource: str | None = None, dry_run: bool = False,
              manager: str | None = None) -> Obj:
        """PATCH: "strategic", "merge", "json" or "apply"; `subresource` "status" or "scale" (a Scale back)."""

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None, propagation: str | None = None, dry_run: bool = False) -> Obj: ...

    def evict(self, pod: str, namespace: str | None = "default", *, grace_period: int | None = None,
              dry_run: bool = False) -> None:
        """The Eviction API (`kubectl drain`): delete a pod gracefully unless a PodDisruptionBudget forbids it."""

    # containers
    def logs(self, pod: str, namespace: str | None = "default", *, container: str | None = None,
             previous: bool = False, tail: int | None = None) -> str: ...

    def exec(self, pod: str, command: builtins.list[str], namespace: str | None = "default", *,
             container: str | None = None) -> ExecResult:
        """Run `command` in a running container (`kubectl exec POD -- COMMAND`), without a terminal or stdin."""

    def metrics(self, resource: str, namespace: str | None = "default", *,
                selector: str | None = None) -> builtins.list[Obj]:
        """metrics.k8s.io: PodMetrics (`resource="pods"`) or NodeMetrics (`"nodes"`), as metrics-server serves
        them; BackendError("Metrics API not available") on a cluster without a metrics server."""

    # time
    def wait_until(self, predicate: Callable[[], bool], *, timeout: float) -> bool:
        """Until `predicate()` holds or `timeout` seconds pass (virtual seconds on the simulator)."""
