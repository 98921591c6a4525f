"""What autoscaling costs at scale: a Deployment under CPU load with a HorizontalPodAutoscaler, on the metrics API.

    python3 bench/hpa_scale.py                          # 100 -> up to 1,000 pods, 100 workers, 10 virtual minutes
    python3 bench/hpa_scale.py --start 1000 --max 1000  # 1,000 pods throughout
    python3 bench/hpa_scale.py --millicores 100000      # the load, in millicores (10,000 rps at 10 m each)

The load is spread over the ready pods and spread again whenever one becomes ready or goes (what the traffic
model does through `set_demand`). It prints the wall and CPU time of the loaded minutes and of the five idle minutes
after (the HPA syncs every 15 s and reads every pod's metrics each time), the replicas the HPA reached, and the
cost of one PodMetrics list and one NodeMetrics list at the largest size.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster


def manifest(start: int, maximum: int) -> list[dict[str, Any]]:
    labels = {"app": "web"}
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": start, "selector": {"matchLabels": labels},
                  "template": {"metadata": {"labels": labels}, "spec": {"containers": [
                      {"name": "nginx", "image": "nginx:1.20", "ports": [{"containerPort": 80}],
                       "resources": {"requests": {"cpu": "100m"}}}]}}}},
        {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "web"},
         "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"},
                  "minReplicas": min(start, maximum), "maxReplicas": maximum,
                  "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                      "type": "Utilization", "averageUtilization": 50}}}]}},
    ]


class Load:
    """`millicores` spread over the ready pods of the Deployment, spread again (once per instant) when a pod's
    readiness changes."""

    def __init__(self, c: SimCluster, millicores: float) -> None:
        self.c, self.millicores = c, millicores
        self.metrics = c.rt.services["metrics"]
        self.ready: set[str] = set()
        self.serving: set[str] = set()
        self.pending = False
        c.rt.store.subscribe(self._changed, ["Pod"])

    def _changed(self, event: Any) -> None:
        pod = event.object
        uid = pod["metadata"]["uid"]
        now_ready = event.type != "DELETED" and _ready(pod)
        if now_ready == (uid in self.ready):
            return
        (self.ready.add if now_ready else self.ready.discard)(uid)
        if not self.pending:
            self.pending = True
            self.c.rt.clock.at(self.c.rt.clock.now, self.spread)

    def spread(self) -> None:
        self.pending = False
        for uid in sorted(self.serving - self.ready):
            self.metrics.set_demand(uid, "traffic", 0)
        share = self.millicores / len(self.ready) if self.ready else 0.0
        for uid in sorted(self.ready):
            self.metrics.set_demand(uid, "traffic", share)
        self.serving = set(self.ready)

    def set(self, millicores: float) -> None:
        self.millicores = millicores
        for pod in self.c.rt.store.list("Pod", "default"):
            if (pod["metadata"].get("labels") or {}).get("app") == "web" and _ready(pod):
                self.ready.add(pod["metadata"]["uid"])
        self.spread()


def _ready(pod: dict[str, Any]) -> bool:
    return not pod["metadata"].get("deletionTimestamp") and any(
        x["type"] == "Ready" and x["status"] == "True" for x in (pod.get("status") or {}).get("conditions") or ())


def timed(fn: Any) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=100)
    ap.add_argument("--start", type=int, default=100)
    ap.add_argument("--max", type=int, default=1000)
    ap.add_argument("--millicores", type=float, default=100_000.0)
    ap.add_argument("--minutes", type=float, default=10.0)
    args = ap.parse_args()

    c = SimCluster(workers=args.workers)
    wall, cpu = timed(lambda: (c.apply(manifest(args.start, args.max)), c.advance(60)))
    print(f"{args.start} pods up: {wall:.2f} s wall, {cpu:.2f} s CPU")
    load = Load(c, args.millicores)
    load.set(args.millicores)
    wall, cpu = timed(lambda: c.advance(args.minutes * 60))
    replicas = c.get("deploy", "web")["spec"]["replicas"]
    print(f"{args.minutes:g} virtual minutes under {args.millicores:g}m of load: {wall:.2f} s wall, {cpu:.2f} s CPU; "
          f"the HPA reached {replicas} replicas")
    server = c.rt.services["metrics"]
    n = 20
    wall, _ = timed(lambda: [server.pod_metrics("default") for _ in range(n)])
    pods = len(server.pod_metrics("default"))
    print(f"one PodMetrics list of {pods} pods: {wall / n * 1000:.1f} ms")
    wall, _ = timed(lambda: [server.node_metrics() for _ in range(n)])
    print(f"one NodeMetrics list of {len(server.node_metrics())} nodes: {wall / n * 1000:.1f} ms")
    load.set(0)
    wall, cpu = timed(lambda: c.advance(360))
    replicas = c.get("deploy", "web")["spec"]["replicas"]
    print(f"6 idle virtual minutes after: {wall:.2f} s wall, {cpu:.2f} s CPU; the HPA went down to {replicas}")


if __name__ == "__main__":
    main()
