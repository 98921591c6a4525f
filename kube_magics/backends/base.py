"""The Backend protocol: one interface in front of the simulated cluster and of any real cluster.

Everything above the backends (the magics, the printers' callers, the views) talks to a cluster through this
protocol, with objects as plain dicts in the exact API shape, so that a notebook runs unchanged on the simulator
and on kind. Capabilities that only the simulator has (moving its clock, failing a node, generating load) are
in `SimControls`; callers check `backend.sim` before using them, and a real backend raises
`SimulatorOnlyError` with a clear message.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable
from typing import Any, Protocol, runtime_checkable

Obj = dict[str, Any]
WatchCallback = Callable[[Obj], None]  # receives {"type": "ADDED"|"MODIFIED"|"DELETED", "object": {...}}


@runtime_checkable
class Backend(Protocol):
    """A Kubernetes cluster, simulated or real."""

    @property
    def name(self) -> str:
        """What output lines call it: `sim`, or a kubeconfig context such as `kind-kind`."""

    @property
    def sim(self) -> SimControls | None:
        """The simulator's controls, or None on a real cluster."""

    def now(self) -> float:
        """The cluster's current time in epoch seconds (virtual on the simulator), for AGE columns."""

    def get(self, resource: str, name: str, namespace: str | None = "default") -> Obj: ...

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[Obj]: ...

    def watch(self, callback: WatchCallback, kinds: Iterable[str] | None = None) -> Callable[[], None]:
        """Deliver changes as a watch stream carries them; returns a function that stops the watch."""

    def delete(self, resource: str, name: str, namespace: str | None = "default", *,
               grace_period: int | None = None) -> Obj: ...

    def events_for(self, obj: Obj) -> builtins.list[Obj]:
        """The events about one object, oldest first (what `kubectl describe` lists)."""


@runtime_checkable
class SimControls(Protocol):
    """What only the simulated cluster can do."""

    def advance(self, seconds: float | str) -> Any: ...

    def fail_node(self, name: str) -> Any: ...

    def recover_node(self, name: str) -> Any: ...
