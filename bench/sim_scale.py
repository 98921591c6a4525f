"""How fast the simulator takes Deployments' pods from `apply` to Running, and where the time goes.

    python3 bench/sim_scale.py                  # all the figures below (about two minutes)
    python3 bench/sim_scale.py --quick          # 1,000 workers, 100 Deployments x 100 replicas (10,000 pods) only
    python3 bench/sim_scale.py --big            # 5,000 workers, 1,000 x 100 (100,000 pods) only
    python3 bench/sim_scale.py --workers 200 --deployments 20 --replicas 50
    python3 bench/sim_scale.py --cprofile 30    # cProfile's top 30 functions (by own time) of the timed part
    python3 bench/sim_scale.py --service        # also: a Service under steady load with an HPA, 10 virtual minutes

Target (issue 2): 10,000 pods in at most 5 s wall and 500 MB on a 2-core machine, i.e. 2,000 pods/s end to end.

The timed part runs from `SimCluster.apply` of the Deployments to every one of their pods Running; the cluster is
built first and timed on its own. The figures come from a plain run. A second, instrumented run (skip it with
`--no-breakdown`) says where the time goes: the wall time of each controller's reconciles, of the API writes they
make, of event recording, of the store's watch fan-out and of the cycle collector, each counted once (a
controller's time excludes the API writes, events and fan-out it causes; those have lines of their own). The
wrappers cost a little, so the instrumented run is slower than the plain one. Peak RSS is the process's
(`ru_maxrss`) after the plain run: the interpreter, the cluster and the workload.

`--service` reuses `service_load.py`'s objects: 1,000 pods behind a Service on 50 workers, 10,000 requests a second
and a HorizontalPodAutoscaler on the Deployment, and times 10 virtual minutes of steady load (`service_load.py`
itself adds a rolling restart halfway and more steps).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import gc
import io
import pstats
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from kube_magics.sim import SimCluster
from kube_magics.sim.store import WatchEvent


def deployments(count: int, replicas: int) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for i in range(count):
        labels = {"app": f"web-{i}"}
        out.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"web-{i}"},
                    "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                             "template": {"metadata": {"labels": labels},
                                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}})
    return out


class RunningCount:
    """Pods of the default namespace that are Running, kept up to date from the store's watch (a scan of every pod
    after each timer would cost as much as some controllers)."""

    def __init__(self, c: SimCluster) -> None:
        self.running: set[str] = set()
        self.unsubscribe = c.rt.store.subscribe(self._on_event, ("Pod",))

    def _on_event(self, event: WatchEvent) -> None:
        meta = event.object["metadata"]
        if meta.get("namespace") != "default":
            return
        name = meta["name"]
        if event.type != "DELETED" and (event.object.get("status") or {}).get("phase") == "Running":
            self.running.add(name)
        else:
            self.running.discard(name)


class Figures:
    def __init__(self, pods: int, wall: float, cpu: float, virtual: float, build_wall: float) -> None:
        self.pods, self.wall, self.cpu, self.virtual, self.build_wall = pods, wall, cpu, virtual, build_wall

    def line(self, workers: int) -> str:
        return (f"{workers} workers, {self.pods} pods: apply to all Running {self.wall:.2f} s wall "
                f"({self.pods / self.wall:.0f} pods/s), {self.cpu:.2f} s CPU, {self.virtual:.1f} s virtual; "
                f"cluster built in {self.build_wall:.2f} s")


def run(workers: int, count: int, replicas: int, timeout: float = 3600,
        around: Callable[[], Any] = contextlib.nullcontext) -> tuple[Figures, SimCluster]:
    """Build the cluster, then time `apply` to all Running (inside `around()`, e.g. a profiler)."""
    t0 = time.perf_counter()
    c = SimCluster(workers=workers, seed=0)
    build_wall = time.perf_counter() - t0
    gc.collect()  # what building the cluster left for the collector is not the workload's cost
    watcher = RunningCount(c)
    total = count * replicas
    manifest = deployments(count, replicas)
    start_virtual = c.rt.now
    with around():
        cpu0, wall0 = time.process_time(), time.perf_counter()
        c.apply(manifest)
        done = c.rt.run_until(lambda: len(watcher.running) >= total, timeout=timeout)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    watcher.unsubscribe()
    if not done:
        raise SystemExit(f"only {len(watcher.running)} of {total} pods Running after {timeout:g} virtual seconds")
    return Figures(total, wall, cpu, c.rt.now - start_virtual, build_wall), c


class Breakdown:
    """Exclusive wall time per label: a wrapped call's time minus that of the wrapped calls it makes."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self.parents: dict[str, str] = {}
        self._stack: list[list[float]] = []
        self._restore: list[tuple[type, str, Any]] = []

    def wrap(self, cls: type, method: str, label: str, parent: str = "") -> None:
        """Time `cls.method` under `label`; a `parent` label lists it under that one (a part taken out of it)."""
        if parent:
            self.parents[label] = parent
        original = cls.__dict__[method]
        spent, calls, stack = self.spent, self.calls, self._stack
        spent.setdefault(label, 0.0)
        calls.setdefault(label, 0)

        def timed(*args: Any, **kwargs: Any) -> Any:
            frame = [0.0]
            stack.append(frame)
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - t0
                stack.pop()
                spent[label] += elapsed - frame[0]
                calls[label] += 1
                if stack:
                    stack[-1][0] += elapsed

        self._restore.append((cls, method, original))
        setattr(cls, method, timed)

    def gc_callback(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._gc_start = time.perf_counter()
            return
        elapsed = time.perf_counter() - self._gc_start
        self.spent["cycle collector"] = self.spent.get("cycle collector", 0.0) + elapsed
        self.calls["cycle collector"] = self.calls.get("cycle collector", 0) + 1
        if self._stack:
            self._stack[-1][0] += elapsed

    @contextlib.contextmanager
    def installed(self, c_classes: list[type]) -> Iterator[None]:
        from kube_magics.sim.api import Api
        from kube_magics.sim.controllers.kubelet import KubeletController
        from kube_magics.sim.controllers.kubelet_config import ConfigManager
        from kube_magics.sim.events import EventRecorder
        from kube_magics.sim.scheduling.cycle import Algorithm
        from kube_magics.sim.store import Store

        for cls in c_classes:
            self.wrap(cls, "reconcile", f"controller: {cls.__name__}")
        self.wrap(Algorithm, "schedule", "filtering and scoring", parent="controller: SchedulerController")
        self.wrap(KubeletController, "_write", "pod status built and compared", parent="controller: KubeletController")
        self.wrap(ConfigManager, "generate", "container environment and files",
                  parent="controller: KubeletController")
        for method in ("create", "update", "write_status", "bind", "delete"):
            self.wrap(Api, method, "API writes (defaults, admission, validation)")
        for method in ("create", "update", "remove"):
            self.wrap(Store, method, "store writes (resourceVersion, indexes)")
        self.wrap(Store, "_emit", "watch fan-out (every watcher's keys_for)")
        self.wrap(EventRecorder, "record", "events: core/v1 (controllers, kubelet)")
        self.wrap(EventRecorder, "record_series", "events: events.k8s.io (scheduler)")
        gc.callbacks.append(self.gc_callback)
        try:
            yield
        finally:
            gc.callbacks.remove(self.gc_callback)
            for cls, method, original in reversed(self._restore):
                setattr(cls, method, original)
            self._restore.clear()


def breakdown(workers: int, count: int, replicas: int) -> None:
    from kube_magics.sim.controllers import CONTROLLERS

    b = Breakdown()
    classes = sorted({cls for cls in CONTROLLERS if "reconcile" in cls.__dict__}, key=lambda cls: cls.__name__)
    figures, _ = run(workers, count, replicas, around=lambda: b.installed(classes))
    measured = sum(b.spent.values())
    print(f"where the time goes (instrumented run: {figures.wall:.2f} s wall; each entry counted once; indented "
          "lines are parts of the controller above, taken out of its figure):")
    rows = sorted(((s, label) for label, s in b.spent.items() if b.calls[label] and label not in b.parents),
                  reverse=True)
    rows.append((figures.wall - measured, "the rest (apply's parsing, the clock, this script)"))
    for spent, label in rows:
        _row(label, spent, b.calls.get(label), figures.wall)
        for child, parent in b.parents.items():
            if parent == label and b.calls[child]:
                _row("  " + child, b.spent[child], b.calls[child], figures.wall)


def _row(label: str, spent: float, calls: int | None, wall: float) -> None:
    per = f"{calls:>9,} calls" if calls else ""
    print(f"  {label:<50} {spent:6.2f} s {spent / wall * 100:5.1f}% {per}")


def cprofile(workers: int, count: int, replicas: int, top: int) -> None:
    profiler = cProfile.Profile()

    @contextlib.contextmanager
    def profiled() -> Iterator[None]:
        profiler.enable()
        try:
            yield
        finally:
            profiler.disable()

    run(workers, count, replicas, around=profiled)
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(top)
    print(out.getvalue())


def service_under_load(minutes: float = 10) -> None:
    from service_load import manifests, ready_endpoints

    pods, workers, rps = 1000, 50, 10_000
    c = SimCluster(workers=workers, seed=0)
    c.apply(manifests(pods, with_hpa=True))
    c.rt.run_until(lambda: ready_endpoints(c) >= pods, timeout=600)
    c.set_load("svc/web", rps)
    wall0, cpu0 = time.perf_counter(), time.process_time()
    c.advance(minutes * 60)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    hpa = c.get("hpa", "web").get("status", {})
    print(f"Service under {rps:,} requests/s with an HPA, {pods} pods on {workers} workers: {minutes:g} virtual "
          f"minutes in {wall:.2f} s wall, {cpu:.2f} s CPU (HPA at {hpa.get('currentReplicas')} replicas)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--deployments", type=int, default=100)
    parser.add_argument("--replicas", type=int, default=100)
    parser.add_argument("--big", action="store_true", help="5,000 workers and 1,000 Deployments x 100 replicas")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the instrumented run")
    parser.add_argument("--cprofile", type=int, default=0, help="also print cProfile's top N functions")
    parser.add_argument("--service", action="store_true", help="also time a Service under load with an HPA")
    parser.add_argument("--quick", action="store_true", help="only the 10,000 pods (or the sizes given)")
    args = parser.parse_args()
    # With no option given, the whole set: 10,000 pods with the breakdown, the Service, then 100,000 pods in a
    # process of their own (so that its peak RSS is its own).
    everything = len(sys.argv) == 1
    if args.big:
        args.workers, args.deployments, args.replicas = 5000, 1000, 100
    figures, c = run(args.workers, args.deployments, args.replicas)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{figures.line(args.workers)}; peak RSS {rss:.0f} MB")
    del c
    gc.collect()
    if not args.no_breakdown:
        breakdown(args.workers, args.deployments, args.replicas)
    if args.cprofile:
        cprofile(args.workers, args.deployments, args.replicas, args.cprofile)
    if args.service or everything:
        service_under_load()
    if everything:
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, "--big", "--no-breakdown"], check=True)


if __name__ == "__main__":
    main()
