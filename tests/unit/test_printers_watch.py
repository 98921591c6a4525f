"""`kubectl get -w` streams: the recorded ones replayed event by event through WatchPrinter."""

from __future__ import annotations

import copy

from kube_magics.printers import GetOptions, WatchPrinter
from tests import printers_data as d
from tests.reference import output


def pending(name: str, created: float, *, node: str | None = None) -> dict:
    pod = d.pod(name, created=created, node=node, ip=None, phase="Pending")
    if node:
        pod["status"]["conditions"] = [{"type": "PodScheduled", "status": "True"}]
    return pod


def test_pods_appearing_then_running() -> None:
    names = [f"nginx-deployment-684f8cccc8-{s}" for s in ("2kjz6", "z2q4s", "z8ddp")]
    w = WatchPrinter("Pod")
    text = w.initial([pending(n, 0) for n in names], now=d.T0)
    for n in ("z8ddp", "2kjz6", "z2q4s"):
        text += w.event("MODIFIED", pending(f"nginx-deployment-684f8cccc8-{n}", 0, node="fake-node-2"), now=d.T0)
    for n in ("z8ddp", "2kjz6", "z2q4s"):
        text += w.event("MODIFIED", d.pod(f"nginx-deployment-684f8cccc8-{n}", created=0), now=d.T0 + 1)
    assert text == output("watch-and-pending.txt", "kubectl apply -f nginx-deployment.yaml && kubectl get pods -w")


def test_deployment_during_a_rolling_update() -> None:
    steps = [(3, 3, 3, 12), (3, 3, 3, 12), (3, 3, 3, 12), (3, 1, 3, 12), (4, 1, 4, 13), (3, 1, 3, 13),
             (3, 2, 3, 13), (4, 2, 4, 14), (3, 2, 3, 14), (3, 3, 3, 14), (4, 3, 4, 15), (3, 3, 3, 15)]
    w = WatchPrinter("Deployment")
    text = ""
    for i, (ready, updated, available, age) in enumerate(steps):
        dep = d.deployment("nginx-deployment", ready=ready, updated=updated, available=available)
        text += w.initial([dep], now=d.T0 + age) if i == 0 else w.event("MODIFIED", dep, now=d.T0 + age)
    assert text == output("watch-and-pending.txt", "kubectl get deploy -w")


def test_output_watch_events_while_a_pod_is_deleted() -> None:
    names = {s: f"nginx-deployment-78764869f5-{s}" for s in ("g2thk", "qd6kt", "wrblx", "94z6g")}
    now = d.T0 + 100
    pods = [d.pod(names[s], created=100 - age) for s, age in (("g2thk", 10), ("qd6kt", 11), ("wrblx", 12))]
    w = WatchPrinter("Pod", output_watch_events=True)
    text = w.initial(pods, now=now)
    deleting = copy.deepcopy(pods[0])
    deleting["metadata"]["deletionTimestamp"] = d.at(100)
    replacement = pending(names["94z6g"], 100)
    text += w.event("MODIFIED", deleting, now=now)
    text += w.event("ADDED", replacement, now=now)
    text += w.event("MODIFIED", pending(names["94z6g"], 100, node="fake-node-2"), now=now)
    text += w.event("MODIFIED", deleting, now=now + 1)
    text += w.event("DELETED", deleting, now=now + 1)
    text += w.event("MODIFIED", d.pod(names["94z6g"], created=100), now=now + 1)
    assert text == output("watch-and-pending.txt", "kubectl get pods -w --output-watch-events")


def test_watch_that_starts_empty_prints_the_header_with_the_first_line() -> None:
    w = WatchPrinter("Pod", options=GetOptions(all_namespaces=True))
    assert w.initial([], now=d.T0) == ""
    first = w.event("ADDED", d.pod("web"), now=d.T0 + 2)
    assert first.splitlines() == ["NAMESPACE   NAME   READY   STATUS    RESTARTS   AGE",
                                  "default     web    1/1     Running   0          2s"]
    assert w.event("DELETED", d.pod("web"), now=d.T0 + 3) == "default     web    1/1     Running   0          3s\n"
