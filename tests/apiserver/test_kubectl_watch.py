"""kubectl 1.35's watches against the served simulator: `get -w` streams, compared with the recordings of a real
cluster (tests/data/k8s-1.35/watch-and-pending.txt).

kubectl is started, its first lines (the listed objects) are read, then the cluster changes and the clock moves in
small steps while kubectl watches; kubectl is stopped afterwards, as the recordings were.
"""

from __future__ import annotations

import subprocess
import time

from kube_magics.apiserver import Server
from tests import reference
from tests.apiserver.conftest import Kubectl, advance
from tests.apiserver.normalize import shape
from tests.sim.standin import SEED_DEPLOYMENT

FILE = "watch-and-pending.txt"


def _watch(kubectl: Kubectl, served: Server, args: list[str], first_lines: int, change: list[str]) -> str:
    proc = kubectl.start(*args)
    assert proc.stdout is not None
    head = "".join(proc.stdout.readline() for _ in range(first_lines))
    changed = kubectl(*change)
    assert changed.rc == 0, changed.err
    for _ in range(24):
        advance(served, 0.25)
        time.sleep(0.03)
    time.sleep(0.5)
    proc.terminate()
    try:
        rest, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return head + rest


def test_get_deploy_w_shows_every_step_of_a_rollout(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    advance(served, 12)
    seen = _watch(kubectl, served, ["get", "deploy", "-w"], 2,
                  ["set", "image", "deployment/nginx-deployment", "nginx=nginx:1.21"])
    assert seen == reference.output(FILE, "kubectl get deploy -w")


def test_get_pods_w_with_events_shows_a_deletion(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    advance(served, 12)
    victim = kubectl("get", "pods", "-o", "name").out.split()[0].split("/")[1]
    seen = shape(_watch(kubectl, served, ["get", "pods", "-w", "--output-watch-events"], 4,
                        ["delete", "pod", victim, "--wait=false"]))
    recorded = shape(reference.output(FILE, "kubectl get pods -w --output-watch-events"))
    # A real kubelet reports the terminated container before the pod goes (one more MODIFIED line); a kubelet
    # that removes the pod in one write sends only the DELETED event. Everything else comes in the same order.
    remaining = iter(recorded)
    assert all(line in remaining for line in seen), seen
    assert len(seen) >= len(recorded) - 1
    assert seen[0].startswith("EVENT NAME READY STATUS RESTARTS AGE")
    assert any(line.startswith("DELETED ") and "Terminating" in line for line in seen)
    assert seen[-1].startswith("MODIFIED ") and "1/1 Running" in seen[-1]


def test_get_w_ends_with_the_request_timeout(kubectl: Kubectl) -> None:
    started = time.monotonic()
    result = kubectl("get", "nodes", "-w", "--request-timeout=2s", timeout=20)
    assert time.monotonic() - started < 10
    assert result.rc == 0 and result.out.startswith("NAME ") and "sim-worker" in result.out
