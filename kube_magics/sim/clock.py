"""The simulator's virtual clock and its timers.

Time moves only when the cluster advances it (`SimCluster.advance`), never with the wall clock, so that the same
calls give the same objects, names and events on every run. Timers are kept in a heap; those due at the same
instant fire in the order they were set. A real-time driver (live views, the served API) moves this clock with
the wall clock from one owner under a lock; the clock itself knows nothing of real time.
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

# Virtual times are kept to the microsecond so that sums of delays never drift (0.1 + 0.2 stays 0.3).
_RESOLUTION = 1_000_000


def quantize(t: float) -> float:
    return round(t * _RESOLUTION) / _RESOLUTION


@dataclass(order=True)
class Timer:
    when: float
    seq: int
    callback: Callable[[], None] = field(compare=False)
    cancelled: bool = field(default=False, compare=False)

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """Virtual time in seconds since the Unix epoch, with one-shot timers."""

    def __init__(self, start: float) -> None:
        self._now = quantize(start)
        self._heap: list[Timer] = []
        self._seq = itertools.count()

    @property
    def now(self) -> float:
        return self._now

    def at(self, when: float, callback: Callable[[], None]) -> Timer:
        """Call `callback` when the clock reaches `when` (at once on the next advance if that is past)."""
        timer = Timer(max(quantize(when), self._now), next(self._seq), callback)
        heapq.heappush(self._heap, timer)
        return timer

    def after(self, delay: float, callback: Callable[[], None]) -> Timer:
        return self.at(self._now + max(0.0, delay), callback)

    def next_due(self) -> float | None:
        """When the next live timer fires, or None."""
        heap = self._heap
        while heap and heap[0].cancelled:
            heapq.heappop(heap)
        return heap[0].when if heap else None

    def move_to(self, t: float) -> None:
        t = quantize(t)
        if t < self._now:
            raise ValueError("the virtual clock cannot go backwards")
        self._now = t

    def fire_due(self) -> int:
        """Run every timer due at or before now, in order; returns how many ran."""
        heap = self._heap
        ran = 0
        while heap and heap[0].when <= self._now:
            timer = heapq.heappop(heap)
            if not timer.cancelled:
                timer.callback()
                ran += 1
        return ran

    def pending(self) -> int:
        return sum(1 for t in self._heap if not t.cancelled)
