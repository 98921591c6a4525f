"""What the %k8s verbs cost in wall time on a busy simulated cluster.

A Deployment of N replicas (default 500) is rolled out on a cluster with enough workers, then each verb runs a
few times through `kube_magics.kubectl.run` (what `%k8s` calls) and the median wall time is printed, with the
virtual time the waiting verbs moved the clock by:
    python bench/kubectl_verbs.py [--replicas 500] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics import kubectl
from kube_magics.lineparse import split
from kube_magics.session import Session, Settings

VERBS = (
    "get pods",
    "get pods -o wide",
    "get pods -o json",
    "get pods -o jsonpath={.items[*].metadata.name}",
    "get all",
    "describe deploy web",
    "describe node sim-worker",
    "label pods -l app=web tier=front --overwrite",
    "api-resources",
    "explain pod.spec.containers",
)


def deployment(replicas: int) -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": "web"}},
                     "template": {"metadata": {"labels": {"app": "web"}},
                                  "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20",
                                                           "resources": {"requests": {"cpu": "10m"}}}]}}}}


def timed(session: Session, line: str) -> tuple[float, float]:
    """(wall seconds, virtual seconds) of one verb."""
    virtual = session.backend.now()
    start = time.perf_counter()
    kubectl.run(session, split(line))
    return time.perf_counter() - start, session.backend.now() - virtual


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--replicas", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    session = Session(Settings(sim_workers=max(2, args.replicas // 100 + 1)))
    session.backend.apply([deployment(args.replicas)])
    wall, virtual = timed(session, "rollout status deployment/web")
    print(f"{args.replicas} replicas on {len(session.backend.list('nodes', None))} nodes")
    print(f"{'rollout status deployment/web':60s} {wall * 1000:9.1f} ms   (virtual {virtual:.0f} s)")
    for line in VERBS:
        runs = [timed(session, line)[0] for _ in range(args.runs)]
        print(f"{line:60s} {statistics.median(runs) * 1000:9.1f} ms")
    wall, virtual = timed(session, "set image deployment/web nginx=nginx:1.21")
    wall2, virtual2 = timed(session, "rollout status deployment/web")
    print(f"{'set image + rollout status (rolling update)':60s} {(wall + wall2) * 1000:9.1f} ms   "
          f"(virtual {virtual + virtual2:.0f} s)")
    wall, virtual = timed(session, "delete deployment web")
    print(f"{'delete deployment web':60s} {wall * 1000:9.1f} ms   (virtual {virtual:.0f} s)")


if __name__ == "__main__":
    main()
