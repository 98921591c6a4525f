"""Controllers and the manager that runs them to quiescence.

A controller, as in sample-controller: it watches some kinds, turns each change into keys (`keys_for`), and
reconciles one key at a time from its work queue (`reconcile`: read, compute the desired state, write the
difference, write status). The manager keeps the controllers in a fixed order and runs whichever has work,
lowest first, until none has: single-threaded and deterministic.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from kube_magics.errors import KubeMagicsError
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.workqueue import Key, WorkQueue

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class Controller:
    """Base class. Subclasses set `name` (the event source, e.g. "deployment-controller") and `watches`."""

    name: ClassVar[str] = "controller"
    watches: ClassVar[tuple[str, ...]] = ()
    requires: ClassVar[tuple[str, ...]] = ()  # controllers it makes no sense without (run only if named then)
    # The event types it hears for some of the kinds it watches, when not all: the store then skips the call for
    # the others (a controller that only cares about deleted pods need not hear of every status write).
    watch_types: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.queue = WorkQueue(rt.clock)

    # Called by the manager ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Informer's initial list: enqueue keys for what already exists."""
        for kind in self.watches:
            for obj in self.rt.store.iter(kind):
                for key in self.keys_for(WatchEvent("ADDED", kind, obj, None, 0)):
                    self.queue.add(key)

    def on_event(self, event: WatchEvent) -> None:
        for key in self.keys_for(event):
            self.queue.add(key)

    # To implement --------------------------------------------------------------------------------------------

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        """Which keys a change concerns. Default: the object's own (namespace, name)."""
        meta = event.object["metadata"]
        return ((meta.get("namespace") or "", meta["name"]),)

    def reconcile(self, key: Any) -> None:
        raise NotImplementedError

    # Helpers -------------------------------------------------------------------------------------------------

    def event(self, obj: dict[str, Any], type_: str, reason: str, message: str) -> None:
        self.rt.events.record(obj, type_, reason, message, component=self.name)


class NotSettlingError(KubeMagicsError):
    """Controllers kept producing work without end (a bug in a controller, or a livelock)."""


class Manager:
    """Runs controllers that have work, in registration order, until all queues are empty."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.controllers: list[Controller] = []
        self._ready: list[int] = []
        self._ready_set: set[int] = set()
        self.reconciles = 0

    def add(self, controller: Controller) -> Controller:
        index = len(self.controllers)
        self.controllers.append(controller)

        def mark_ready() -> None:
            if index not in self._ready_set:
                self._ready_set.add(index)
                heapq.heappush(self._ready, index)

        controller.queue._on_ready = mark_ready
        if controller.queue:
            mark_ready()
        if controller.watch_types:
            for kind in controller.watches:
                self.rt.store.subscribe(controller.on_event, (kind,), types=controller.watch_types.get(kind))
        elif controller.watches:
            self.rt.store.subscribe(controller.on_event, controller.watches)
        controller.start()
        return controller

    def get(self, cls: type[Controller]) -> Controller | None:
        for c in self.controllers:
            if isinstance(c, cls):
                return c
        return None

    def settle(self, *, limit: int = 5_000_000) -> int:
        """Reconcile until no controller has work; returns how many reconciles ran."""
        ran = 0
        ready, ready_set, controllers = self._ready, self._ready_set, self.controllers
        field_managers = self.rt.field_managers  # writes are attributed to the controller running them
        try:
            while ready:
                index = heapq.heappop(ready)
                ready_set.discard(index)
                controller = controllers[index]
                field_managers.actor = controller.name
                for key in controller.queue.pop_all():
                    controller.reconcile(key)
                    ran += 1
                if ran > limit:
                    raise NotSettlingError(f"the simulated controllers did not settle (last: {controller.name})")
        finally:
            field_managers.actor = None
        self.reconciles += ran
        return ran
