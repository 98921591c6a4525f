"""Fixtures for the views' tests: a simulated cluster behind the Backend protocol, a virtual clock and timer for
the batching, and a comm that records what a widget sends to the browser."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import comm
import pytest

from kube_magics.sim import SimCluster
from kube_magics.widgets.i18n import WidgetSettings
from tests.widgets.simbackend import SimBackend


class ManualTime:
    """A clock that moves only when told, and a timer that fires only when the clock passes its deadline."""

    def __init__(self) -> None:
        self.now = 0.0
        self.timers: list[list[Any]] = []  # [due, fn, cancelled]

    def clock(self) -> float:
        return self.now

    def schedule(self, delay: float, fn: Callable[[], None]) -> Callable[[], None]:
        timer = [self.now + delay, fn, False]
        self.timers.append(timer)

        def cancel() -> None:
            timer[2] = True

        return cancel

    def advance(self, seconds: float) -> None:
        self.now += seconds
        for timer in list(self.timers):
            if not timer[2] and timer[0] <= self.now:
                self.timers.remove(timer)
                timer[1]()

    def run_timers(self) -> None:
        """Let every pending timer fire (as the kernel's loop does once a cell has finished)."""
        while any(not t[2] for t in self.timers):
            due = min(t[0] for t in self.timers if not t[2])
            self.advance(max(0.0, due - self.now))


class RecordingComm(comm.DummyComm):
    """A comm that keeps what it would send: state updates are {"method": "update", "state": {...}}."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sent: list[dict[str, Any]] = []
        self.clock: Callable[[], float] = lambda: 0.0
        super().__init__(*args, **kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                    **keys: Any) -> None:
        if msg_type == "comm_msg" and isinstance(data, dict):
            message = {**data, "at": self.clock()}
            # Put binary buffers back where they were taken from, as the browser's widget manager does.
            if buffers and "state" in data:
                state = dict(data["state"])
                for path, buf in zip(data.get("buffer_paths") or [], buffers):
                    state[path[0]] = bytes(buf)
                message["state"] = state
            self.sent.append(message)

    def updates(self) -> list[dict[str, Any]]:
        return [m for m in self.sent if m.get("method") == "update"]


@pytest.fixture
def comms(monkeypatch: pytest.MonkeyPatch) -> list[RecordingComm]:
    made: list[RecordingComm] = []

    def create(*args: Any, **kwargs: Any) -> RecordingComm:
        c = RecordingComm(*args, **kwargs)
        made.append(c)
        return c

    monkeypatch.setattr(comm, "create_comm", create)
    return made


@pytest.fixture
def cluster() -> SimCluster:
    # The views are tested on pod states set by hand (simbackend.place), so no scheduler or kubelet changes them.
    return SimCluster(workers=2, seed=0, controllers=("*", "-default-scheduler", "-kubelet"))


@pytest.fixture
def backend(cluster: SimCluster) -> SimBackend:
    return SimBackend(cluster)


@pytest.fixture
def manual() -> ManualTime:
    return ManualTime()


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each test starts in English with no language set, whatever the environment says."""
    monkeypatch.delenv("KUBE_MAGICS_LANG", raising=False)
    settings = WidgetSettings.instance()
    settings.lang = ""
    yield
    settings.lang = ""
