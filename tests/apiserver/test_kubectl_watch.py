"""kubectl 1.35's watches against the served simulator: `get -w` streams.

kubectl is started, its first lines (the listed objects) are read, then the cluster changes and the clock moves in
small steps while kubectl watches; kubectl is stopped afterwards, as the recordings were
(tests/data/k8s-1.35/watch-and-pending.txt). kubectl must print its header as recorded and one line per change the
server made after its list, each with the server's columns for the object then, in order: which changes a rollout
makes depends on how fast the kubelets start pods, but every one of them must reach kubectl.
"""

from __future__ import annotations

import subprocess
import time
from typing import Any

from kube_magics.apiserver import Server
from kube_magics.printers import table_for
from tests import reference
from tests.apiserver.conftest import Kubectl, advance, running
from tests.apiserver.normalize import shape
from tests.seed_manifests import SEED_DEPLOYMENT

FILE = "watch-and-pending.txt"


def _watch(kubectl: Kubectl, served: Server, args: list[str], first_lines: int, change: list[str]) -> str:
    proc = kubectl.start(*args)
    assert proc.stdout is not None
    head = "".join(proc.stdout.readline() for _ in range(first_lines))
    changed = kubectl(*change)
    assert changed.rc == 0, changed.err
    for _ in range(8):
        advance(served, 0.25)
        time.sleep(0.03)
    running(served)
    time.sleep(0.5)
    proc.terminate()
    try:
        rest, _ = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return head + rest


def _changes(served: Server, kind: str, since: int, columns: int) -> list[list[str]]:
    """(event type and) the first `columns` cells of the server's Table row for each change after `since`."""
    with served.lock:
        rt = served.cluster.rt
        events = [e for e in rt.store.events_since(since, [kind]) if e.object["metadata"]["namespace"] == "default"]
        now = rt.now
    return [[e.type, *(str(c) for c in table_for(kind, [e.object], now).rows[0].cells[:columns])] for e in events]


def _listed(served: Server, kind: str) -> tuple[int, list[Any]]:
    with served.lock:
        store = served.cluster.rt.store
        return store.resource_version, store.list(kind, "default")


def test_get_deploy_w_shows_every_change_of_a_rollout(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    since, _ = _listed(served, "Deployment")
    seen = _watch(kubectl, served, ["get", "deploy", "-w"], 2,
                  ["set", "image", "deployment/nginx-deployment", "nginx=nginx:1.21"]).splitlines()
    recorded = reference.output(FILE, "kubectl get deploy -w").splitlines()
    assert seen[0] == recorded[0]
    assert shape(seen[1]) == shape(recorded[1])
    changes = _changes(served, "Deployment", since, 4)
    assert len(changes) >= 8  # a surge and a scale-down per replaced pod, and the status writes between
    assert [line.split()[:4] for line in seen[2:]] == [c[1:] for c in changes]


def test_get_pods_w_with_events_shows_a_deletion(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    since, pods = _listed(served, "Pod")
    victim = pods[0]["metadata"]["name"]
    seen = _watch(kubectl, served, ["get", "pods", "-w", "--output-watch-events"], 4,
                  ["delete", "pod", victim, "--wait=false"]).splitlines()
    recorded = reference.output(FILE, "kubectl get pods -w --output-watch-events").splitlines()
    assert seen[0] == recorded[0]
    assert [shape(line) for line in seen[1:4]] == [shape(line) for line in recorded[1:4]]
    changes = _changes(served, "Pod", since, 4)
    assert [line.split()[:5] for line in seen[4:]] == changes
    assert changes[0][:2] == ["MODIFIED", victim] and changes[0][3] == "Terminating"
    assert ["DELETED", victim] == next(c[:2] for c in changes if c[0] == "DELETED")
    replacement = next(c for c in reversed(changes) if c[1] != victim)
    assert replacement[0] == "MODIFIED" and replacement[2:4] == ["1/1", "Running"]


def test_get_w_ends_with_the_request_timeout(kubectl: Kubectl) -> None:
    started = time.monotonic()
    result = kubectl("get", "nodes", "-w", "--request-timeout=2s", timeout=20)
    assert time.monotonic() - started < 10
    assert result.rc == 0 and result.out.startswith("NAME ") and "sim-worker" in result.out
