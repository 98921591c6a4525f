"""The simulated Docker engine's time: the simulated cluster's clock when there is one, else a clock of its own.

When the notebook's Kubernetes backend is the simulator, containers live on the cluster's virtual clock, so
`%kube advance 30s` moves them too (a `sleep 20` container exits on the way). Otherwise the engine keeps its own
virtual clock, which starts at 2026-01-05T09:00:00Z (the instant a simulated cluster starts) and moves by a fixed
rule:

- a command that waits for something takes what it waits for: a foreground `run` until the process exits,
  `stop` until the container has stopped (the grace period for a process that ignores SIGTERM), a pull by the
  image's size, `exec` until the command ends, a build by its steps' durations;
- every other command takes one second, counted after it has run (so `docker ps` right after `docker run -d`
  says `Up 1 second`, as in the recording).

On the cluster's clock only waits move time (`rt.advance`, so the cluster's controllers run on the way); a
plain command takes no time. When the cluster is replaced (`%kube use sim`, `%kube reset`), the engine's time
never runs backwards: it keeps an offset from the new cluster's clock.

Never reads the wall clock.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

START = 1767603600.0  # 2026-01-05T09:00:00Z
TICK = 1.0  # what a command that does not wait takes on the engine's own clock


class EngineClock:
    """Virtual seconds since the epoch. `cluster_of()` names the simulated cluster to follow (or None)."""

    def __init__(self, cluster_of: Callable[[], Any] | None = None, *, start: float = START) -> None:
        self._cluster_of = cluster_of or (lambda: None)
        self._own = start
        self._followed: weakref.ref[Any] | None = None
        self._offset = 0.0
        self._last = start
        self._waited = False

    def _follow(self) -> Any:
        """The cluster whose clock is followed now; on a change, keep time from running backwards."""
        cluster = self._cluster_of()
        current = self._followed() if self._followed is not None else None
        if cluster is not current:
            if cluster is None:
                self._own = self._last
            else:
                self._offset = max(0.0, self._last - cluster.rt.now)
            self._followed = weakref.ref(cluster) if cluster is not None else None
        return cluster

    def now(self) -> float:
        cluster = self._follow()
        self._last = self._own if cluster is None else cluster.rt.now + self._offset
        return self._last

    @property
    def shared(self) -> bool:
        """Whether the engine follows a simulated cluster's clock."""
        return self._follow() is not None

    def wait(self, seconds: float) -> None:
        """Time passes while a command waits (the cluster's controllers run on the way)."""
        if seconds <= 0:
            return
        self._waited = True
        cluster = self._follow()
        if cluster is None:
            self._own += seconds
        else:
            cluster.rt.advance(seconds)
        self.now()

    @contextmanager
    def command(self) -> Iterator[None]:
        """One command: on the engine's own clock, it takes a second unless it waited."""
        self._waited = False
        try:
            yield
        finally:
            if not self._waited and self._follow() is None:
                self._own += TICK
                self._last = self._own
