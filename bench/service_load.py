"""A Service under load: 1,000 pods behind one Service, 10,000 requests a second for 10 virtual minutes.

    python3 bench/service_load.py                       # 1,000 pods on 50 workers, 10,000 rps, 10 minutes
    python3 bench/service_load.py --pods 300 --rps 600 --minutes 5
    python3 bench/service_load.py --profile 25          # cProfile's top 25 of the loaded part

Steps, each timed (wall and CPU seconds of this process): the Deployment and Service up and every pod ready (the
EndpointSlice controller filling ten slices as pods turn ready); the load switched on (the load spread over the
endpoints, CPU demand reported per pod); 10 virtual minutes under load, with a rolling restart halfway through
(every pod replaced while the load follows the endpoints); then reading one pod's log (its access lines) and a
burst of requests. When the cluster has a HorizontalPodAutoscaler controller (and a metrics API), an HPA on the
Deployment (CPU 50%) runs through it all and its replica count is printed.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import resource
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster
from kube_magics.sim.controllers import CONTROLLERS


def manifests(pods: int, with_hpa: bool) -> list[dict[str, Any]]:
    labels = {"app": "web"}
    objs: list[dict[str, Any]] = [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                      {"name": "nginx", "image": "nginx:1.20",
                       "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": labels, "ports": [{"port": 80}]}},
    ]
    if with_hpa:
        objs.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
                     "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                              "minReplicas": pods, "maxReplicas": pods * 2,
                              "metrics": [{"type": "Resource", "resource": {
                                  "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 50}}}]}})
    return objs


def ready_endpoints(c: SimCluster) -> int:
    return sum(1 for s in c.list("endpointslices", selector="kubernetes.io/service-name=web")
               for e in s.get("endpoints") or () if e["conditions"].get("ready"))


def timed(label: str, fn: Callable[[], Any]) -> Any:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    print(f"{label:<44} {time.perf_counter() - wall:8.2f} s wall {time.process_time() - cpu:8.2f} s CPU")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pods", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--rps", type=float, default=10_000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--profile", type=int, default=0, help="print cProfile's top N of the loaded part")
    args = parser.parse_args()

    with_hpa = any(cls.name == "horizontal-pod-autoscaler" for cls in CONTROLLERS)
    c = timed(f"cluster of {args.workers} workers", lambda: SimCluster(workers=args.workers, seed=0))
    timed(f"{args.pods} pods ready behind the Service", lambda: (
        c.apply(manifests(args.pods, with_hpa)),
        c.rt.run_until(lambda: ready_endpoints(c) >= args.pods, timeout=600)))
    print(f"  ready endpoints: {ready_endpoints(c)}, slices: "
          f"{len(c.list('endpointslices', selector='kubernetes.io/service-name=web'))}, virtual {c.elapsed:.0f} s")
    summary = timed(f"load on: {args.rps:g} requests/s", lambda: c.set_load("svc/web", args.rps))
    print(f"  {len(summary['served'])} pods serving, {args.rps / max(1, len(summary['served'])):g} requests/s each")

    def under_load() -> None:
        half = args.minutes * 30
        c.advance(half)
        c.rollout_restart("deploy/web")
        c.advance(args.minutes * 60 - half)

    profiler = cProfile.Profile() if args.profile else None
    if profiler:
        profiler.enable()
    timed(f"{args.minutes:g} virtual minutes under load (+ a restart)", under_load)
    if profiler:
        profiler.disable()
    [load] = c.loads()
    print(f"  {len(load['served'])} pods serving at the end, {load['failed']:g} requests/s failing, "
          f"virtual {c.elapsed:.0f} s")
    if with_hpa:
        print(f"  HPA: {c.get('hpa', 'web').get('status', {}).get('currentReplicas')} replicas")
    pod = next(iter(load["served"]))
    lines = timed("one pod's log", lambda: c.logs(pod).splitlines())
    print(f"  {len(lines)} lines, last: {lines[-1][:80]}")
    result = timed("10,000 requests now", lambda: c.send_requests("svc/web", 10_000))
    print(f"  served by {sum(1 for n in result['served'].values() if n)} pods, {result['failed']} failed")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    if profiler:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.profile)
        print(out.getvalue())


if __name__ == "__main__":
    main()
