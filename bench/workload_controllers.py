"""What the workload controllers cost at scale: 100 Deployments x 100 replicas on 1,000 workers.

The pods are run by an instant stand-in written here (bind, Running and Ready in one write, deletions finished
at once), so the figures are the Deployment and ReplicaSet controllers, the garbage collector and the API logic
they write through, without the scheduler and the kubelets (bench/sim_scale.py measures the whole cluster).

    python bench/workload_controllers.py [--deployments 100] [--replicas 100] [--workers 1000] [--profile]

Prints wall and CPU seconds and pods per second for each phase, peak RSS, and with --profile the functions
where the time goes.
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
from kube_magics.sim.runtime import cyclic_gc_paused
from kube_magics.timefmt import rfc3339


def manifest(i: int, replicas: int) -> dict:
    name = f"app{i}"
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx:1.20"}]}}}}


def run_pods(c: SimCluster, nodes: list[str]) -> int:
    """Bind and start every pending pod, finish every deletion; returns how many pods it touched."""
    now = rfc3339(c.rt.now)
    with cyclic_gc_paused():  # as the simulator's own kubelets run, inside a step
        touched = _run_pods(c, nodes, now)
    c.rt.settle()
    return touched


def _run_pods(c: SimCluster, nodes: list[str], now: str) -> int:
    rt, touched = c.rt, 0
    for i, pod in enumerate(list(rt.store.iter("Pod"))):
        meta = pod["metadata"]
        if meta["namespace"] != "default":  # kube-system's pods run on the cluster's own kubelets
            continue
        if meta.get("deletionTimestamp"):
            rt.api.finish_deletion("Pod", meta["namespace"], meta["name"])
            touched += 1
        elif (pod.get("status") or {}).get("phase") != "Running":
            ready = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": now}
                     for t in ("PodScheduled", "Initialized", "ContainersReady", "Ready")]
            rt.api.write({**pod, "spec": {**pod["spec"], "nodeName": nodes[i % len(nodes)]},
                          "status": {**pod["status"], "phase": "Running", "conditions": ready}})
            touched += 1
    return touched


def complete(c: SimCluster, replicas: int) -> bool:
    return all((d.get("status") or {}).get("updatedReplicas") == replicas
               and (d.get("status") or {}).get("availableReplicas") == replicas
               and (d.get("status") or {}).get("replicas") == replicas for d in c.rt.store.iter("Deployment")
               if d["metadata"]["namespace"] == "default")  # kube-system's own (coredns) are not the bench's


def phase(label: str, pods: int, fn: Callable[[], object]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{label:<44} {wall:6.2f} s wall {cpu:6.2f} s cpu  {pods / max(wall, 1e-9):8.0f} pods/s")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--deployments", type=int, default=100)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--workers", type=int, default=1000)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    total = args.deployments * args.replicas
    c = SimCluster(workers=args.workers)
    nodes = [n["metadata"]["name"] for n in c.rt.store.iter("Node") if not n["spec"].get("taints")]
    prof = cProfile.Profile() if args.profile else None
    if prof:
        prof.enable()
    print(f"{args.deployments} Deployments x {args.replicas} replicas = {total} pods on {args.workers} workers")
    phase("apply: ReplicaSets and pods created", total,
          lambda: c.apply([manifest(i, args.replicas) for i in range(args.deployments)]))
    phase("pods Running: statuses up to the Deployments", total, lambda: run_pods(c, nodes))
    assert complete(c, args.replicas)

    def roll() -> None:
        for i in range(args.deployments):
            c.set_image("deploy", f"app{i}", c="nginx:1.21")
        rounds = 0
        while not complete(c, args.replicas) or any(p["metadata"].get("deletionTimestamp")
                                                    for p in c.rt.store.iter("Pod")
                                                    if p["metadata"]["namespace"] == "default"):
            run_pods(c, nodes)
            rounds += 1
        print(f"  (rolled out in {rounds} rounds of the stand-in)")

    phase("rolling update of every Deployment (25%/25%)", 2 * total, roll)
    phase("delete every Deployment (cascade)", total,
          lambda: [c.delete("deploy", f"app{i}") for i in range(args.deployments)] and run_pods(c, nodes))
    assert not any(p["metadata"]["namespace"] == "default" for p in c.rt.store.iter("Pod"))
    if prof:
        prof.disable()
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB, "
          f"{c.rt.manager.reconciles} reconciles")
    if prof:
        pstats.Stats(prof).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
