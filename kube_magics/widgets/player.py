"""Clock controls for the simulated cluster: play, pause, step, speed.

The simulator is single-threaded and moves only when asked. `Player` is the one owner that moves it in real time:
while playing, every `tick` seconds of real time it advances the virtual clock by the real time that passed times
`speed`, under `lock` (pass the session's lock, so that a cell's own `advance` cannot run at the same moment).
It runs as an asyncio task on the kernel's event loop (so it pauses while a cell runs, and nothing else touches
the simulator from another thread), or, outside a kernel, as one thread. It never starts by itself: a view
without a press on Play leaves the clock alone, which is what keeps notebooks deterministic under nbval.

Must not: touch the simulator other than through `SimControls.advance`.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

from kube_magics.backends.base import SimControls

SPEEDS = (1, 2, 5, 10, 30, 60)


class Player:
    def __init__(self, sim: SimControls, *, lock: Any = None, tick: float = 0.2, speed: float = 1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sim = sim
        self.lock = lock if lock is not None else threading.RLock()
        self.tick = tick
        self.speed = speed
        self.playing = False
        self._clock = clock
        self._listeners: list[Callable[[], None]] = []
        self._task: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self.error = ""

    def state(self) -> dict[str, Any]:
        return {"playing": self.playing, "speed": self.speed, "speeds": list(SPEEDS)}

    def set_speed(self, speed: float) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self.speed = speed
        self._changed()

    def step(self, seconds: float | None = None) -> None:
        """Advance by `seconds` of virtual time (by default one second of play: `speed` seconds)."""
        with self.lock:
            self.sim.advance(self.speed if seconds is None else seconds)
        self._changed()

    def play(self) -> None:
        if self.playing:
            return
        self.playing = True
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self._wake.clear()
            self._thread = threading.Thread(target=self._run_thread, name="kube-magics-player", daemon=True)
            self._thread.start()
        else:
            self._task = loop.create_task(self._run_task())
        self._changed()

    def pause(self) -> None:
        if not self.playing:
            return
        self.playing = False
        self._wake.set()
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._thread = None
        self._changed()

    def advance_for(self, real_seconds: float) -> None:
        """One tick of play: `real_seconds` of real time are `real_seconds * speed` of virtual time. An error
        stops the play (and is kept in `error`) rather than dying unseen in a background task."""
        if real_seconds <= 0:
            return
        try:
            with self.lock:
                self.sim.advance(real_seconds * self.speed)
        except Exception as exc:
            self.error = str(exc)
            self.pause()
            return
        self._changed()

    async def _run_task(self) -> None:
        last = self._clock()
        while self.playing:
            await asyncio.sleep(self.tick)
            now = self._clock()
            self.advance_for(now - last)
            last = now

    def _run_thread(self) -> None:
        last = self._clock()
        while self.playing and not self._wake.wait(self.tick):
            now = self._clock()
            self.advance_for(now - last)
            last = now

    def listen(self, fn: Callable[[], None]) -> Callable[[], None]:
        """Call `fn` whenever the clock moved or the controls changed; returns a function that stops that."""
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()
