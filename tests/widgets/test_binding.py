"""Batching: whatever the event rate, at most 25 updates a second reach the browser, and the last state always does.

Time here is a virtual clock (`ManualTime`) injected into the views, so the counts are exact."""

from __future__ import annotations

import json
from itertools import pairwise
from typing import Any

from kube_magics.widgets import pod_board, reducers, snapshots
from kube_magics.widgets.binding import ClusterFeed, Throttle
from tests.widgets.conftest import ManualTime, RecordingComm
from tests.widgets.fakes import NOW, ScriptedBackend, node, pod

STATES = ("ContainerCreating", "Running", "CrashLoopBackOff", "Running", "Completed")


def burst(n_pods: int, n_events: int) -> list[dict[str, Any]]:
    """`n_events` changes spread over `n_pods` pods, each pod moving through a few states."""
    return [{"type": "MODIFIED", "object": pod(f"p-{i % n_pods:04d}", STATES[(i // n_pods) % len(STATES)])}
            for i in range(n_events)]


def test_the_throttle_flushes_on_the_leading_and_trailing_edges(manual: ManualTime) -> None:
    flushed: list[float] = []
    throttle = Throttle(lambda: flushed.append(manual.now), clock=manual.clock, scheduler=manual.schedule)
    throttle.poke()  # after a quiet spell: at once
    manual.advance(0.01)
    throttle.poke()
    throttle.poke()  # inside the interval: folded into one flush at its end
    assert flushed == [0.0]
    manual.advance(0.03)
    assert flushed == [0.0, 0.04]
    manual.advance(1.0)
    assert flushed == [0.0, 0.04]  # nothing changed since: nothing sent
    throttle.poke()
    assert flushed == [0.0, 0.04, 1.04]


def test_a_burst_of_10000_events_reaches_the_browser_as_at_most_25_updates_a_second(
        manual: ManualTime, comms: list[RecordingComm]) -> None:
    events = burst(1000, 10_000)
    backend = ScriptedBackend([node("w1")] + [pod(f"p-{i:04d}") for i in range(1000)])
    board = pod_board(backend, time_source=manual.clock, scheduler=manual.schedule)
    widget_comm = board.comm
    assert widget_comm in comms
    widget_comm.clock = manual.clock
    before = len(widget_comm.updates())
    for ev in events:  # 10,000 events over 2 s of the view's clock
        backend.emit(ev)
        manual.advance(0.0002)
    manual.run_timers()
    updates = widget_comm.updates()[before:]
    sent_at = [u["at"] for u in updates]
    assert board.feed.events_seen == 10_000
    assert 2 * 25 - 1 <= len(updates) <= 2 * 25 + 1  # batched, yet steadily updating
    assert all(b - a >= 0.04 - 1e-9 for a, b in pairwise(sent_at))
    assert board.feed.throttle.flushes == len(updates) + 1  # one message per batch (and one before the burst)
    # The last state is what the browser has: exactly what the events leave.
    expected = snapshots.board(reducers.state_of([{"type": "ADDED", "object": o} for o in backend.objects] + events),
                               now=NOW)
    assert board.board == expected
    assert json.loads(updates[-1]["state"]["board_json"]) == expected
    board.close()


def test_a_feed_pokes_only_for_changes_a_view_can_show(manual: ManualTime) -> None:
    backend = ScriptedBackend([pod("p-0000")])
    flushed: list[int] = []
    feed = ClusterFeed(backend, lambda: flushed.append(1), kinds=["pods"], clock=manual.clock,
                       scheduler=manual.schedule).start()
    assert flushed == [1]  # the initial list
    manual.advance(1)
    backend.emit({"type": "MODIFIED", "object": pod("p-0000")})  # e.g. only its resourceVersion moved
    backend.emit({"type": "ADDED", "object": {"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "x"}}})
    manual.run_timers()
    assert flushed == [1]
    backend.emit({"type": "MODIFIED", "object": pod("p-0000", "Running")})
    assert flushed == [1, 1]
    feed.stop()
    backend.emit({"type": "DELETED", "object": pod("p-0000", "Running")})
    manual.run_timers()
    assert flushed == [1, 1] and backend.watchers == []


def test_slow_batches_space_themselves_out(manual: ManualTime) -> None:
    """A batch that takes 30 ms (a big topology) is followed by at least 60 ms without one."""
    flushed: list[float] = []

    def slow() -> None:
        flushed.append(manual.now)
        manual.now += 0.03

    throttle = Throttle(slow, clock=manual.clock, scheduler=manual.schedule)
    for _ in range(1000):
        throttle.poke()
        manual.advance(0.001)
    manual.run_timers()
    gaps = [b - a for a, b in pairwise(flushed)]
    assert gaps and min(gaps) >= 0.03 + 0.06 - 1e-9
