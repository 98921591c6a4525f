"""A controller's work queue: deduplicated keys, delayed re-adds, and per-key exponential back-off.

As client-go's workqueue: a key added while already queued is queued once; `add_after` schedules an add on the
virtual clock (the earliest of several delayed adds wins); `add_rate_limited` backs a failing key off
(5 ms doubling to 1000 s, as the default controller rate limiter). When a queue gains work it tells its owner
(`on_ready`), so the controller manager only visits controllers that have something to do.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from kube_magics.sim.clock import Clock, Timer

Key = Hashable


class WorkQueue:
    def __init__(self, clock: Clock, on_ready: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._queue: dict[Any, None] = {}  # insertion-ordered set
        self._delayed: dict[Any, Timer] = {}
        self._failures: dict[Any, int] = {}
        self._on_ready = on_ready

    def add(self, key: Key) -> None:
        if key in self._queue:
            return
        was_empty = not self._queue
        self._queue[key] = None
        if was_empty and self._on_ready is not None:
            self._on_ready()

    def add_after(self, key: Key, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        when = self._clock.now + delay
        existing = self._delayed.get(key)
        if existing is not None and not existing.cancelled:
            if existing.when <= when:
                return
            existing.cancel()

        def fire() -> None:
            self._delayed.pop(key, None)
            self.add(key)

        self._delayed[key] = self._clock.at(when, fire)

    def add_rate_limited(self, key: Key) -> None:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(0.005 * (2**n), 1000.0))

    def forget(self, key: Key) -> None:
        self._failures.pop(key, None)

    def pop_all(self) -> list[Any]:
        keys = list(self._queue)
        self._queue.clear()
        return keys

    def __len__(self) -> int:
        return len(self._queue)

    def __bool__(self) -> bool:
        return bool(self._queue)
