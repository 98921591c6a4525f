"""The notebook's side of the lock: while a cluster is served, the cells reach it through `Locked`.

`Locked(backend, lock)` stands in for the session's backend: every method call takes the served host's lock for
the length of the call, so a cell's `%k8s get pods` or `%kube advance 30s` and the server's requests take turns.
`backend.sim` (the simulator's controls) comes back locked the same way. Watch callbacks run inside simulation
steps, so under the lock of whoever made the step (a cell, a request, the real-time driver).

The lock is held per call, not per cell: a cell that runs `!kubectl get pods` against the served API does not
hold it while kubectl waits for the server.

Owns: the proxy. Must not: change what the backend does.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

_PASSTHROUGH = frozenset({"name", "catalogue", "cluster", "config", "rt"})


class Locked:
    """`target` with each method call made under `lock`; attributes other than methods pass through."""

    def __init__(self, target: Any, lock: threading.RLock, *, server: Any = None) -> None:
        object.__setattr__(self, "_target", target)
        object.__setattr__(self, "_lock", lock)
        object.__setattr__(self, "server", server)

    @property
    def unwrapped(self) -> Any:
        return self._target

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name == "sim" and value is not None:
            return Locked(value, self._lock)
        if name in _PASSTHROUGH or not callable(value):
            return value
        lock = self._lock

        @functools.wraps(value)
        def call(*args: Any, **kwargs: Any) -> Any:
            with lock:
                return value(*args, **kwargs)

        return call

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._target, name, value)

    def __repr__(self) -> str:
        return repr(self._target)
