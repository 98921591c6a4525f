"""A controller's work queue: deduplicated keys, delayed re-adds, and per-key exponential back-off.

As client-go's workqueue: a key added while already queued is queued once; `add_after` schedules an add on the
virtual clock (the earliest of several delayed adds wins); `add_rate_limited` backs a failing key off as the
default controller rate limiter does: the longer of 5 ms doubling to 1000 s per key and an overall token bucket of
10 per second with a burst of 100 (so a controller that requeues a key on every sync, as the Deployment
controller does for a rollout past its progress deadline, looks at most ten times a second, not every 5 ms).
When a queue gains work it tells its owner (`on_ready`), so the controller manager only visits controllers that
have something to do.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from kube_magics.sim.clock import Clock, Timer

Key = Hashable
BUCKET_QPS = 10.0
BUCKET_BURST = 100.0


class WorkQueue:
    def __init__(self, clock: Clock, on_ready: Callable[[], None] | None = None) -> None:
        self._clock = clock
        self._queue: dict[Any, None] = {}  # insertion-ordered set
        self._delayed: dict[Any, Timer] = {}
        self._failures: dict[Any, int] = {}
        self._tokens = BUCKET_BURST
        self._tokens_at = clock.now
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
        self.add_after(key, max(min(0.005 * (2**n), 1000.0), self._reserve()))

    def _reserve(self) -> float:
        """A token from the bucket (rate.Limiter's Reserve): how long until it is there."""
        now = self._clock.now
        self._tokens = min(BUCKET_BURST, self._tokens + (now - self._tokens_at) * BUCKET_QPS) - 1.0
        self._tokens_at = now
        return 0.0 if self._tokens >= 0 else -self._tokens / BUCKET_QPS

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
