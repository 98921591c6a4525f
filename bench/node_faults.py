"""What node faults cost the simulator: the node lifecycle controller's passes in a large idle cluster, and a
failure of many nodes at once (NotReady, taints, evictions 300 s later, replacements scheduled and started).

    python3 bench/node_faults.py                      # 1,000 workers, 10,000 pods, 10 nodes failed
    python3 bench/node_faults.py --workers 200 --pods 2000 --fail 5

It prints the CPU seconds (the figure to compare on a shared machine) for one idle virtual hour with and without
the node lifecycle controller, taint manager and pod garbage collector, and for the failure from the kubelets
stopping until every evicted pod has a Running replacement, with the virtual time that took.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.sim import SimCluster

FAULT_CONTROLLERS = ("node-controller", "taint-eviction-controller", "pod-garbage-collector-controller")


def cluster(workers: int, pods: int, *, faults: bool) -> SimCluster:
    off = () if faults else tuple(f"-{name}" for name in FAULT_CONTROLLERS)
    c = SimCluster(workers=workers, seed=0, controllers=("*", *off))
    labels = {"app": "web"}
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
             "spec": {"replicas": pods, "selector": {"matchLabels": labels},
                      "template": {"metadata": {"labels": labels},
                                   "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}})
    c.rt.run_until(lambda: all((p.get("status") or {}).get("phase") == "Running"
                               for p in c.rt.store.iter("Pod")), timeout=600)
    return c


def idle_hour(c: SimCluster) -> float:
    start = time.process_time()
    c.advance("1h")
    return time.process_time() - start


def running_elsewhere(c: SimCluster, failed: set[str], pods: int) -> bool:
    live = [p for p in c.rt.store.iter("Pod") if p["metadata"]["namespace"] == "default"
            and not p["metadata"].get("deletionTimestamp")]
    return len(live) == pods and all(p["spec"].get("nodeName") not in failed
                                     and (p.get("status") or {}).get("phase") == "Running" for p in live)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1000)
    parser.add_argument("--pods", type=int, default=10_000)
    parser.add_argument("--fail", type=int, default=10)
    args = parser.parse_args()

    without = idle_hour(cluster(args.workers, args.pods, faults=False))
    c = cluster(args.workers, args.pods, faults=True)
    with_faults = idle_hour(c)
    print(f"{args.workers} workers, {args.pods} pods, one idle virtual hour: {with_faults:.2f} s CPU with the node "
          f"lifecycle controller, taint manager and pod GC, {without:.2f} s without")

    failed = {f"sim-worker{i + 2}" for i in range(args.fail)}
    start, t0 = time.process_time(), c.elapsed
    for name in sorted(failed):
        c.fail_node(name)
    ok = False
    while not ok and c.elapsed - t0 < 1200:
        c.advance(5)  # checked every 5 s: the check itself walks every pod
        ok = running_elsewhere(c, failed, args.pods)
    cpu = time.process_time() - start
    stuck = sum(1 for p in c.rt.store.iter("Pod") if p["spec"].get("nodeName") in failed
                and p["metadata"].get("deletionTimestamp") and p["metadata"]["namespace"] == "default")
    print(f"{args.fail} nodes failed: {'all' if ok else 'NOT all'} evicted pods replaced within "
          f"{c.elapsed - t0:.0f} s virtual, {cpu:.2f} s CPU; {stuck} pods left Terminating on the failed nodes")


if __name__ == "__main__":
    main()
