"""What the live views cost while 1,000 pods roll over: messages sent to the browser, their size, Python time per
batch, and the time spent folding watch events.

    python bench/widgets_rollout.py [--pods 1000] [--wave 250]

The rollover: 1,000 Running pods (v1) are replaced in waves of 250 (a Deployment's 25% surge): each new pod goes
Pending -> ContainerCreating -> Running, then an old one goes Terminating -> gone. When the simulator's workload
controllers and kubelet are present, a real Deployment of 1,000 replicas is rolled out instead (`set image`) and
its clock advanced second by second until the rollout completes. A pod board and a topology view watch it all,
batched at 25 updates a second of real time (their default). The same rollover without views is timed too.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import comm

from kube_magics.sim import SimCluster
from kube_magics.widgets import pod_board, topology
from tests.widgets.simbackend import SimBackend, place, pod_manifest


class CountingComm(comm.DummyComm):
    """Counts what a widget would send to the browser, and its JSON size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.sizes: list[int] = []
        super().__init__(*args, **kwargs)

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None,
                    **keys: Any) -> None:
        if msg_type == "comm_msg" and isinstance(data, dict) and data.get("method") == "update":
            self.sizes.append(len(json.dumps(data, separators=(",", ":"))) + sum(len(b) for b in buffers or ()))


def deployment(replicas: int, image: str) -> dict[str, Any]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}


def controllers_present(pods: int) -> bool:
    probe = SimCluster(workers=10, seed=0)
    probe.apply(deployment(3, "nginx:1.20"))
    probe.advance(30)
    return any(p["status"].get("phase") == "Running" for p in probe.list("pods"))


def stand_in(cluster: SimCluster, pods: int, wave: int) -> Callable[[], None]:
    nodes = [n["metadata"]["name"] for n in cluster.list("nodes", None) if "control-plane" not in n["metadata"]["name"]]
    for i in range(pods):
        place(cluster, f"web-v1-{i:04d}", nodes[i % len(nodes)], "Running", ip=f"10.244.{i // 250}.{i % 250 + 2}")

    def rollover() -> None:
        for start in range(0, pods, wave):
            batch = range(start, min(pods, start + wave))
            for i in batch:
                cluster.create(pod_manifest(f"web-v2-{i:04d}", node=nodes[i % len(nodes)], image="nginx:1.21"))
            for state in ("ContainerCreating", "Running"):
                for i in batch:
                    place(cluster, f"web-v2-{i:04d}", nodes[i % len(nodes)], state, image="nginx:1.21",
                          ip=f"10.245.{i // 250}.{i % 250 + 2}")
            for grace in (None, 0):  # Terminating, then gone (as a kubelet would finish it)
                for i in batch:
                    cluster.delete("pods", f"web-v1-{i:04d}", grace_period=grace)
            cluster.advance(1)
    return rollover


def real_rollout(cluster: SimCluster, pods: int) -> Callable[[], None]:
    cluster.apply(deployment(pods, "nginx:1.20"))
    cluster.advance(120)

    def rollover() -> None:
        cluster.apply(deployment(pods, "nginx:1.21"))
        for _ in range(1200):
            cluster.advance(1)
            dep = cluster.get("deployments", "web")
            st = dep.get("status") or {}
            if st.get("updatedReplicas") == pods and st.get("availableReplicas") == pods \
                    and st.get("replicas") == pods:
                return
    return rollover


def setup(pods: int, wave: int, real: bool) -> tuple[SimCluster, Callable[[], None]]:
    cluster = SimCluster(workers=10, seed=0)
    return cluster, (real_rollout(cluster, pods) if real else stand_in(cluster, pods, wave))


class Timings:
    """Time one view's batches (snapshot, layout, traits, the message) and its folding of watch events (the rest
    of each watch callback, without the batches that a callback may trigger)."""

    def __init__(self, view: Any) -> None:
        self.flushes: list[float] = []
        self.fold = 0.0
        self._in_flush = 0.0
        throttle, feed = view.feed.throttle, view.feed
        flush, on_event = throttle._flush_fn, feed._on_event

        def timed_flush() -> None:
            t0 = time.perf_counter()
            flush()
            spent = time.perf_counter() - t0
            self.flushes.append(spent)
            self._in_flush += spent

        def timed_event(event: dict[str, Any]) -> None:
            before, t0 = self._in_flush, time.perf_counter()
            on_event(event)
            self.fold += time.perf_counter() - t0 - (self._in_flush - before)

        throttle._flush_fn = timed_flush
        feed.stop()  # the watch holds the bound method: watch again through the timer
        feed._stop = feed.backend.watch(timed_event, kinds=feed.kinds)
        throttle._cancel = None


def report(name: str, view: Any, sizes: list[int], timings: Timings, wall: float) -> None:
    events, flushes, fold = view.feed.events_seen, timings.flushes, timings.fold
    ms = sorted(t * 1000 for t in flushes)
    p95 = ms[int(0.95 * (len(ms) - 1))] if ms else 0.0
    print(f"{name}:")
    print(f"  watch events folded      {events:>10,}   ({fold / max(events, 1) * 1e6:.1f} µs each, "
          f"{fold:.2f} s in all)")
    print(f"  messages to the browser  {len(sizes):>10,}   ({len(sizes) / wall:.1f} per second of real time)")
    if sizes:
        print(f"  message size             {statistics.median(sizes) / 1000:>10.1f} kB median, "
              f"{max(sizes) / 1000:.1f} kB largest, {sum(sizes) / 1e6:.2f} MB in all")
    if ms:
        print(f"  Python time per batch    {statistics.median(ms):>10.1f} ms median, {p95:.1f} ms p95, "
              f"{ms[-1]:.1f} ms largest ({sum(ms) / 1000:.2f} s in all)")


async def main() -> None:
    """Runs on an asyncio loop, as a kernel's cell does: batches are sent while the rollover runs when their
    interval has passed, and the last one by the loop's timer once it is over."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--wave", type=int, default=250)
    args = parser.parse_args()
    real = controllers_present(args.pods)
    print(f"rollover of {args.pods} pods, {'a Deployment with the simulated controllers' if real else 'stand-in'}"
          f" ({'set image' if real else f'waves of {args.wave}'})")

    cluster, rollover = setup(args.pods, args.wave, real)
    t0 = time.perf_counter()
    rollover()
    bare = time.perf_counter() - t0
    print(f"without views: {bare:.2f} s\n")

    comm.create_comm = CountingComm  # type: ignore[assignment]
    cluster, rollover = setup(args.pods, args.wave, real)
    backend = SimBackend(cluster)
    views = {"pod board": pod_board(backend), "topology": topology(backend)}
    comms = {name: view.comm for name, view in views.items()}
    start = {name: len(c.sizes) for name, c in comms.items()}
    timings = {name: Timings(v) for name, v in views.items()}
    t0 = time.perf_counter()
    rollover()
    await asyncio.sleep(0.1)  # the cell is over: the loop sends the last batch
    wall = time.perf_counter() - t0
    print(f"with both views: {wall:.2f} s ({wall - bare:+.2f} s)\n")
    for name, view in views.items():
        report(name, view, comms[name].sizes[start[name]:], timings[name], wall)
        view.close()


if __name__ == "__main__":
    asyncio.run(main())
