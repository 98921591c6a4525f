"""Real time for a served simulator: one driver thread moves the virtual clock with the wall clock.

Every `interval` seconds (100 ms) the driver takes the host's lock and advances the cluster by the wall-clock time
since its last step, times `speed` (1.0: one virtual second per second; 10: ten). The simulation stays
single-threaded: the driver is one more turn-taker at the lock, like a request or a notebook cell. With speed 0
the driver idles and time moves only when the notebook advances it. A notebook cell that advances the clock
meanwhile just moves it further; the driver goes on from there.

Owns: the driver thread. Must not: read the wall clock anywhere but here (the simulator never does).
"""

from __future__ import annotations

import logging
import threading
import time

from kube_magics.apiserver.host import Host

log = logging.getLogger("kube_magics.apiserver")
INTERVAL = 0.1


class RealTime:
    """Drives `host.cluster`'s clock at `speed` virtual seconds per wall-clock second (0: stopped)."""

    def __init__(self, host: Host, speed: float = 1.0, *, interval: float = INTERVAL) -> None:
        if speed < 0:
            raise ValueError("speed must be 0 (off) or positive")
        self.host = host
        self.speed = speed
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kube-magics-clock", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.interval):
            now = time.monotonic()
            step = (now - last) * self.speed
            last = now
            if step <= 0:
                continue
            try:
                with self.host.lock:
                    self.host.cluster.advance(step)
            except Exception:  # a controller failed: keep serving, say what happened
                log.exception("advancing the simulated clock failed")

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
