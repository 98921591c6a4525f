"""What Jobs, CronJobs and StatefulSets cost, on the simulator's own scheduler and kubelets.

    python bench/batch_workloads.py [--workers 100] [--jobs 200] [--completions 10] [--replicas 200] [--profile]

Three scenarios, each in a fresh cluster:

- jobs: `--jobs` Jobs of `--completions` completions, 5 in parallel, each pod `sleep 5`, until all are Complete;
- cronjob: one CronJob every minute (`sleep 30`, history limits 3/1) over a virtual day (1,440 runs), on two
  workers (on a hundred, the nodes' Lease renewals over a day would be most of the cost);
- statefulset: one StatefulSet of `--replicas` redis pods started in order (OrderedReady, one at a time), then
  scaled to zero in reverse.

Prints, per scenario, wall and CPU seconds, the virtual time it took, objects made, and the peak RSS; with
--profile, the functions where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster


def job(i: int, completions: int) -> dict:
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": f"job{i}"},
            "spec": {"completions": completions, "parallelism": 5, "template": {"spec": {
                "restartPolicy": "Never",
                "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "5"]}]}}}}


def jobs(c: SimCluster, args: argparse.Namespace) -> str:
    c.apply([job(i, args.completions) for i in range(args.jobs)])

    def done() -> bool:
        return all(any(x["type"] == "Complete" for x in (j.get("status") or {}).get("conditions") or ())
                   for j in c.rt.store.iter("Job"))

    c.rt.run_until(done, timeout=24 * 3600)
    pods = sum(1 for p in c.rt.store.iter("Pod") if "job-name" in (p["metadata"].get("labels") or {}))
    return f"{args.jobs} Jobs, {pods} pods run to completion"


def cronjob(c: SimCluster, args: argparse.Namespace) -> str:
    c.apply({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "tick"},
             "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                 "restartPolicy": "OnFailure",
                 "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "30"]}]}}}}}})
    made = []
    c.watch(lambda e: made.append(1) if e["type"] == "ADDED" else None, ["jobs"])
    c.advance(24 * 3600)
    return f"{len(made)} Jobs made, {c.rt.store.count('Job')} kept"


def statefulset(c: SimCluster, args: argparse.Namespace) -> str:
    c.apply({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"},
             "spec": {"serviceName": "db", "replicas": args.replicas, "selector": {"matchLabels": {"app": "db"}},
                      "template": {"metadata": {"labels": {"app": "db"}},
                                   "spec": {"containers": [{"name": "db", "image": "redis:7"}]}}}})
    c.rt.run_until(lambda: (c.rt.store.get("StatefulSet", "default", "db") or {}).get("status", {})
                   .get("readyReplicas") == args.replicas, timeout=24 * 3600)
    up = c.elapsed
    c.scale("sts", "db", 0)
    c.rt.run_until(lambda: not c.list("pods", selector="app=db"), timeout=24 * 3600)
    return f"{args.replicas} pods up in {up:.0f} s virtual, all gone {c.elapsed - up:.0f} s later"


SCENARIOS: dict[str, Callable[[SimCluster, argparse.Namespace], str]] = {
    "jobs": jobs, "cronjob": cronjob, "statefulset": statefulset}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=100)
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--completions", type=int, default=10)
    parser.add_argument("--replicas", type=int, default=200)
    parser.add_argument("--only", choices=sorted(SCENARIOS))
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    for name, scenario in SCENARIOS.items():
        if args.only and name != args.only:
            continue
        c = SimCluster(workers=2 if name == "cronjob" else args.workers)
        profiler = cProfile.Profile() if args.profile else None
        wall, cpu = time.perf_counter(), time.process_time()
        if profiler is not None:
            profiler.enable()
        what = scenario(c, args)
        if profiler is not None:
            profiler.disable()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{name}: {what}; {wall:.2f} s wall, {cpu:.2f} s CPU, {c.elapsed:.0f} s virtual; "
              f"peak RSS {rss:.0f} MB")
        if profiler is not None:
            pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


if __name__ == "__main__":
    main()
