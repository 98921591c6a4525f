"""From a backend's watch to a view: keep a `ClusterState` current, and tell the view, at most 25 times a second.

`ClusterFeed` subscribes to `Backend.watch` first and then lists what is already there (a watch only carries
changes), folding both into one `ClusterState` (`reducers.fold`). Every change pokes a `Throttle`, which calls
the view's flush at most once per `interval` (1/25 s) of its clock, whatever the event rate:

- leading edge: a change after a quiet spell is shown at once;
- trailing edge: changes inside the interval are folded into one flush at its end, so the last state is
  always shown;
- a burst inside one long simulation step (where the kernel's event loop cannot run timers) still flushes
  every interval, because each poke checks whether the interval has passed;
- the interval counts from the end of a flush, and stretches to `backoff` times a flush's own duration when
  flushes are slow (a topology of 1,000 pods), so that drawing never takes more than a third of the kernel's time.

Both the clock and the timer are injectable (`clock`, `scheduler`), so tests run a burst of 10,000 events on a
virtual clock and count the flushes exactly. The default timer is the kernel's asyncio loop (`call_later`); with
no running loop, one `threading.Timer`. A lock guards the state between the watch callback and a flush.

Must not: change the cluster, or know how a view draws.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import KubeMagicsError
from kube_magics.widgets.reducers import WATCHED, ClusterState, fold, load

Cancel = Callable[[], None]
Scheduler = Callable[[float, Callable[[], None]], Cancel]
Clock = Callable[[], float]

MAX_UPDATES_PER_SECOND = 25


def default_scheduler(delay: float, fn: Callable[[], None]) -> Cancel:
    """Run `fn` after `delay` seconds: on the running asyncio loop (a Jupyter kernel's), else on a timer thread."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        timer = threading.Timer(delay, fn)
        timer.daemon = True
        timer.start()
        return timer.cancel
    handle = loop.call_later(delay, fn)
    return handle.cancel


class Throttle:
    """Calls `flush` at most once per `interval` seconds of `clock`, and always once after the last poke."""

    def __init__(self, flush: Callable[[], None], *, interval: float = 1 / MAX_UPDATES_PER_SECOND,
                 clock: Clock = time.monotonic, scheduler: Scheduler = default_scheduler, backoff: float = 2.0) -> None:
        self._flush_fn = flush
        self.interval = interval
        self.backoff = backoff
        self._gap = interval
        self._clock = clock
        self._scheduler = scheduler
        self._lock = threading.RLock()
        self._last = float("-inf")
        self._cancel: Cancel | None = None
        self._dirty = False
        self.flushes = 0

    def poke(self) -> None:
        """Something changed: flush now if the interval has passed, else make sure a flush follows."""
        with self._lock:
            self._dirty = True
            wait = self._last + self._gap - self._clock()
            if wait > 0:
                if self._cancel is None:
                    self._cancel = self._scheduler(wait, self._on_timer)
                return
        self.flush()

    def flush(self) -> None:
        """Flush now if anything changed since the last flush (cancelling a pending timer)."""
        with self._lock:
            if self._cancel is not None:
                self._cancel()
                self._cancel = None
            if not self._dirty:
                return
            self._dirty = False
            started = self._clock()
            self.flushes += 1
            try:
                self._flush_fn()
            finally:
                self._last = self._clock()
                self._gap = max(self.interval, self.backoff * (self._last - started))

    def _on_timer(self) -> None:
        with self._lock:
            self._cancel = None
        self.flush()

    @property
    def pending(self) -> bool:
        return self._dirty

    def close(self) -> None:
        with self._lock:
            if self._cancel is not None:
                self._cancel()
                self._cancel = None
            self._dirty = False


class ClusterFeed:
    """A backend's watch folded into a `ClusterState`; calls `on_change` (throttled) when a view could differ."""

    def __init__(self, backend: Backend, on_change: Callable[[], None], *, kinds: Iterable[str] = WATCHED,
                 interval: float = 1 / MAX_UPDATES_PER_SECOND, clock: Clock = time.monotonic,
                 scheduler: Scheduler = default_scheduler) -> None:
        self.backend = backend
        self.state = ClusterState()
        self.lock = threading.RLock()
        self.events_seen = 0
        self.kinds = tuple(kinds)
        self.throttle = Throttle(on_change, interval=interval, clock=clock, scheduler=scheduler)
        self._stop: Callable[[], None] | None = None

    def start(self) -> ClusterFeed:
        """Watch, then list what exists. Kinds the cluster does not serve are left out."""
        served = [k for k in self.kinds if self._lists(k)]
        self._stop = self.backend.watch(self._on_event, kinds=served)
        with self.lock:
            for kind in served:
                load(self.state, self.backend.list(kind, namespace=None))
        self.throttle.poke()
        return self

    def _lists(self, kind: str) -> bool:
        try:
            self.backend.list(kind, namespace=None, field_selector="metadata.name=kube-magics-probe")
        except (KubeMagicsError, LookupError):
            return False
        return True

    def _on_event(self, event: dict[str, Any]) -> None:
        with self.lock:
            self.events_seen += 1
            changed = fold(self.state, event)
        if changed:
            self.throttle.poke()

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None
        self.throttle.close()
