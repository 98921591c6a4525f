"""How fast the simulator takes pods from creation to Running: scheduler, kubelets, events.

    python3 bench/sim_pods.py                        # 1,000 workers, 100 x 100 pods
    python3 bench/sim_pods.py --workers 5000 --sets 1000 --replicas 100
    python3 bench/sim_pods.py --profile 25           # cProfile's top 25 instead of the component timers

Pods come from Deployments when the Deployment controller is registered; otherwise the script plays the
ReplicaSet controller itself (a ReplicaSet object per set, so that default topology spreading sees it, and its
pods created through the API as a controller creates them). It prints the wall time from the first write to all
pods Running, the CPU time of this process (the figure to compare on a shared machine), pods per CPU second,
the virtual time that took, and the peak RSS.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster
from kube_magics.sim.objects import owner_reference


def deployment(i: int, replicas: int) -> dict[str, object]:
    labels = {"app": f"web-{i}"}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"web-{i}", "namespace": "default"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}}


def create_directly(c: SimCluster, sets: int, replicas: int) -> None:
    """What a ReplicaSet controller writes: the ReplicaSet, then its pods."""
    api = c.rt.api
    for i in range(sets):
        d = deployment(i, replicas)
        rs = api.create({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                         "metadata": {"name": f"web-{i}-abc", "namespace": "default"},
                         "spec": d["spec"]}, trusted=True)  # type: ignore[dict-item]
        for _ in range(replicas):
            api.create({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"generateName": f"web-{i}-abc-", "namespace": "default",
                                     "labels": {"app": f"web-{i}"}, "ownerReferences": [owner_reference(rs)]},
                        "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}, trusted=True)


def all_running(c: SimCluster, expected: int) -> bool:
    pods = [p for p in c.rt.store.iter("Pod") if p["metadata"]["namespace"] == "default"]
    return len(pods) >= expected and all((p.get("status") or {}).get("phase") == "Running" for p in pods)


class Timers:
    """CPU seconds spent in a few methods, by wrapping them (so the default run says where the time goes
    without cProfile's overhead). Nested calls are counted in each wrapper."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = {}

    def wrap(self, cls: type, method: str, label: str) -> None:
        original = getattr(cls, method)
        spent = self.spent
        spent[label] = 0.0

        def timed(obj: object, *args: object, **kwargs: object) -> object:
            t0 = time.process_time()
            try:
                return original(obj, *args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.process_time() - t0

        setattr(cls, method, timed)


def instrument() -> Timers:
    from kube_magics.sim.api import Api
    from kube_magics.sim.controllers.kubelet import KubeletController
    from kube_magics.sim.controllers.scheduler import SchedulerController
    from kube_magics.sim.events import EventRecorder
    from kube_magics.sim.scheduling.cycle import Algorithm

    timers = Timers()
    timers.wrap(SchedulerController, "reconcile", "scheduler (all)")
    timers.wrap(Algorithm, "schedule", "  scheduling decisions")
    timers.wrap(KubeletController, "reconcile", "kubelet (all)")
    timers.wrap(KubeletController, "_write", "  kubelet status writes")
    timers.wrap(EventRecorder, "record", "core/v1 events (kubelet, controllers)")
    timers.wrap(EventRecorder, "record_series", "events.k8s.io events (scheduler)")
    timers.wrap(Api, "create", "API creates (pods, events excluded)")
    return timers


def run(workers: int, sets: int, replicas: int) -> tuple[float, float, float, SimCluster]:
    c = SimCluster(workers=workers, seed=0)
    names = {type(x).__name__ for x in c.rt.manager.controllers}
    start_virtual = c.rt.now
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    if "DeploymentController" in names:
        for i in range(sets):
            c.rt.api.create(deployment(i, replicas))
    else:
        create_directly(c, sets, replicas)
    c.rt.run_until(lambda: all_running(c, sets * replicas), timeout=600)
    wall = time.perf_counter() - t0
    return wall, time.process_time() - cpu0, c.rt.now - start_virtual, c


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--workers", type=int, default=1000)
    ap.add_argument("--sets", type=int, default=100)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--profile", type=int, default=0, help="print the top N functions by cumulative time")
    args = ap.parse_args()
    t0 = time.perf_counter()
    timers = instrument() if not args.profile else None
    prof = cProfile.Profile() if args.profile else None
    if prof is not None:
        prof.enable()
    wall, cpu, virtual, c = run(args.workers, args.sets, args.replicas)
    if prof is not None:
        prof.disable()
    total = args.sets * args.replicas
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    running = sum(1 for p in c.rt.store.iter("Pod") if (p.get("status") or {}).get("phase") == "Running")
    print(f"{args.workers} workers, {total} pods: all Running after {wall:.2f} s wall, {cpu:.2f} s CPU "
          f"({total / cpu:.0f} pods per CPU second), {virtual:.1f} s virtual; "
          f"{running} pods Running in all; peak RSS {rss:.0f} MB; whole run {time.perf_counter() - t0:.1f} s")
    if timers is not None:
        print("where the CPU time goes (nested entries are part of the one above):")
        for label, spent in timers.spent.items():
            print(f"  {label:45s} {spent:6.2f} s")
    if prof is not None:
        out = io.StringIO()
        pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
