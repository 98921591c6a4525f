"""The engine of a simulated cluster: clock, store, API logic, controllers, and the loop that moves time.

`Runtime` is what controllers see (as `self.rt`); `SimCluster` (cluster.py) is the public face that copies
objects in and out. The loop:

    write (apply/delete) -> store -> watch fan-out -> controller.keys_for -> queue
    advance(seconds):
        settle: run every controller with work until none has (reconcile by key)
        repeat: jump the clock to the next timer before the deadline, fire the timers due then, settle

Single-threaded and deterministic: one seeded generator per purpose (names, uids, traffic, ...), stable
iteration order, no wall-clock reads.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from random import Random
from typing import Any

from kube_magics.kinds import CATALOGUE, ResourceCatalogue
from kube_magics.sim import admission
from kube_magics.sim.api import Api
from kube_magics.sim.clock import Clock
from kube_magics.sim.controller import Controller, Manager
from kube_magics.sim.events import EventRecorder
from kube_magics.sim.fieldmanagers import FieldManagers
from kube_magics.sim.store import Store
from kube_magics.timefmt import parse_rfc3339

DEFAULT_START = "2026-01-05T09:00:00Z"
BOOT_SECONDS = 30.0  # virtual time kind takes to bring a cluster up (control plane, add-ons, workers joining)


@dataclass
class SimConfig:
    """How a simulated cluster is made. Every field has the default a kind cluster would have."""

    workers: int = 2
    seed: int = 0
    name: str = "sim"
    start: str = DEFAULT_START
    node_cpu: str = "4"
    node_memory: str = "8Gi"
    node_pods: int = 110
    node_ephemeral_storage: str = "100Gi"
    node_gpus: int = 0  # nvidia.com/gpu per worker
    kubernetes_version: str = "v1.35.0"
    # Where LoadBalancer Services get external IPs, as a cloud (or cloud-provider-kind, MetalLB) would hand them out:
    # "172.18.255.200-172.18.255.250", a CIDR ("172.18.255.200/29"), or several, comma-separated. None leaves them
    # <pending>, as on kind (controllers/loadbalancer.py).
    load_balancer_pool: str | None = None
    # Which controllers run, as kube-controller-manager's --controllers flag says it: "*" for all, "-name" to
    # leave one out (names are the controllers' event sources: "kubelet", "default-scheduler", ...). Without
    # "kubelet" the node controller is left out too unless named (nothing would renew the nodes' Leases).
    controllers: tuple[str, ...] = ("*",)
    # The resource metrics API (what metrics-server serves: `kubectl top`, the HPA's CPU and memory). A fresh kind
    # cluster has none; False reproduces that.
    metrics_server: bool = True
    # Node groups the cluster autoscaler may grow and shrink, e.g. [{"name": "pool", "min": 2, "max": 5}]
    # (optional keys: cpu, memory, pods, labels, join_seconds); see controllers/clusterautoscaler.py.
    node_groups: tuple[dict[str, Any], ...] | list[dict[str, Any]] = ()
    extra: dict[str, Any] = field(default_factory=dict)


class Runtime:
    def __init__(self, config: SimConfig | None = None, *, catalogue: ResourceCatalogue = CATALOGUE) -> None:
        self.config = config or SimConfig()
        seed = self.config.seed
        self.catalogue = catalogue
        # The cluster's bring-up (bootstrap.py) runs in the BOOT_SECONDS before `start`, so a new cluster's clock
        # reads `start`.
        self.clock = Clock(parse_rfc3339(self.config.start) - BOOT_SECONDS)
        self.started_at = self.clock.now
        self.rng_names = Random(f"{seed}/names")
        self.rng_uids = Random(f"{seed}/uids")
        self.rng_traffic = Random(f"{seed}/traffic")
        self.rng_misc = Random(f"{seed}/misc")
        self.store = Store(self.clock, self.rng_uids)
        self.api = Api(self)
        self.events = EventRecorder(self)
        self.field_managers = FieldManagers(self)
        self.admission: list[admission.Plugin] = list(admission.DEFAULT_CHAIN)
        self.manager = Manager(self)
        # Services the engine offers to controllers, registered by the modules that own them
        # (the image registry, the behaviour model, metrics, traffic), looked up by name.
        self.services: dict[str, Any] = {}
        self._after_settle: list[Callable[[], None]] = []

    # --- controllers ---------------------------------------------------------------------------------------------

    def enabled(self, name: str, requires: tuple[str, ...] = ()) -> bool:
        """Whether the controller named `name` runs in this cluster (SimConfig.controllers). A controller that
        `requires` others (the node lifecycle controller needs kubelets renewing the nodes' Leases) runs without
        them only when named."""
        wanted = self.config.controllers
        if f"-{name}" in wanted:
            return False
        if name in wanted:
            return True
        return "*" in wanted and all(self.enabled(r) for r in requires)

    def add_controller(self, cls: type[Controller]) -> Controller:
        return self.manager.add(cls(self))

    def controller(self, cls: type[Controller]) -> Controller:
        c = self.manager.get(cls)
        if c is None:
            raise LookupError(cls.__name__)
        return c

    # --- time ----------------------------------------------------------------------------------------------------

    @property
    def now(self) -> float:
        return self.clock.now

    def settle(self) -> None:
        with cyclic_gc_paused():
            self.manager.settle()

    def advance(self, seconds: float) -> None:
        """Move the clock by `seconds`, running controllers to quiescence at every timer on the way."""
        if seconds < 0:
            raise ValueError("cannot advance by a negative duration")
        with cyclic_gc_paused():
            self._advance(seconds)

    def _advance(self, seconds: float) -> None:
        deadline = self.clock.now + seconds
        self.settle()
        while True:
            due = self.clock.next_due()
            if due is None or due > deadline:
                break
            self.clock.move_to(due)
            self.clock.fire_due()
            self.settle()
        self.clock.move_to(deadline)
        self.clock.fire_due()
        self.settle()

    def run_until(self, predicate: Callable[[], bool], *, timeout: float, step: float | None = None) -> bool:
        """Advance timer by timer until `predicate()` holds or `timeout` virtual seconds pass."""
        with cyclic_gc_paused():
            return self._run_until(predicate, timeout=timeout, step=step)

    def _run_until(self, predicate: Callable[[], bool], *, timeout: float, step: float | None) -> bool:
        deadline = self.clock.now + timeout
        self.settle()
        if predicate():
            return True
        while self.clock.now < deadline:
            due = self.clock.next_due()
            target = deadline if due is None else min(due, deadline)
            if step is not None:
                target = min(target, self.clock.now + step)
            self.clock.move_to(target)
            self.clock.fire_due()
            self.settle()
            if predicate():
                return True
        return predicate()


# Objects a pause may leave for the cycle collector before they are frozen rather than scanned at its end.
DEFER_COLLECTION_ABOVE = 200_000


class _Deferred:
    """Whether the objects of the last big step are frozen (`gc.freeze`) by `cyclic_gc_paused`: process-wide, as
    the collector is."""

    frozen = False


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while the controllers run.

    A step of a large cluster allocates hundreds of thousands of short-lived dicts that reference counting frees
    by itself; the cycle collector would walk every live object again and again meanwhile (measured: 10,000 pods
    take three to four times as long with it running). It is switched back on afterwards, as it was.

    After a big step (more than DEFER_COLLECTION_ABOVE new container objects still alive, e.g. 10,000 pods
    started) the collector's first pass would walk all of them at once (half a second for 10,000 pods) before
    control returns. Those objects are frozen instead (`gc.freeze`: reference counting still frees them, the
    collector skips them) and handed back to the collector's oldest generation when the simulator next runs,
    so what cyclic garbage they hold is found by its next full collection, which the simulator's steps would
    have postponed anyway.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    if _Deferred.frozen:
        _Deferred.frozen = False
        gc.unfreeze()
    try:
        yield
    finally:
        if gc.get_count()[0] > DEFER_COLLECTION_ABOVE:
            gc.freeze()
            _Deferred.frozen = True
        gc.enable()
