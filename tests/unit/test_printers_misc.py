"""rollout history, api-resources, top, `kubectl events`, the events table, and the two Go behaviours the printers
reproduce: text/tabwriter's alignment and sort.Sort's order for ties."""

from __future__ import annotations

import random

import pytest

from kube_magics.errors import UsageError
from kube_magics.kinds import METRICS, ResourceKind
from kube_magics.printers import GetOptions, api_resources, get, kubectl_events, rollout_history, top_nodes, top_pods
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.tabwriter import TabWriter, align_describe, align_get
from kube_magics.timefmt import parse_rfc3339
from tests import printers_data as d
from tests.reference import objects, output


def history_objects() -> tuple[dict, list[dict]]:
    dep = objects("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")
    first = objects("deployment.txt", "kubectl get rs -o yaml")["items"][0]
    second = d.replicaset("nginx-deployment-78764869f5", owner=dep, revision=2, image="nginx:1.21")
    stranger = d.replicaset("other-5d8c9f7b6c", revision=7)
    return dep, [first, second, stranger]


def test_rollout_history_table() -> None:
    dep, rs = history_objects()
    assert rollout_history(dep, rs) == output("deployment.txt", "kubectl rollout history deployment/nginx-deployment")


def test_rollout_history_of_one_revision_keeps_kubectls_tabs() -> None:
    dep, rs = history_objects()
    text = rollout_history(dep, rs, revision=2)
    assert text == output("deployment.txt", "kubectl rollout history deployment/nginx-deployment --revision=2")
    with pytest.raises(UsageError, match="unable to find the specified revision"):
        rollout_history(dep, rs, revision=99)


def test_rollout_history_change_causes_and_controller_revisions() -> None:
    dep, rs = history_objects()
    rs[1]["metadata"]["annotations"]["kubernetes.io/change-cause"] = "kubectl set image nginx=nginx:1.21"
    table = rollout_history(dep, rs)
    assert table.splitlines()[3] == "2         kubectl set image nginx=nginx:1.21"
    assert "  Annotations:\tkubernetes.io/change-cause: kubectl set image nginx=nginx:1.21\n" in \
        rollout_history(dep, rs, revision=2)
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": d.meta("agent")}
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 1,
                "metadata": d.meta("agent-6d5b8c", owner=ds),
                "data": {"spec": {"template": {"$patch": "replace", **d.template({"app": "agent"}, [
                    d.container("a", "busybox:1.36")])}}}}
    assert rollout_history(ds, [revision]) == "daemonset.apps/agent \nREVISION  CHANGE-CAUSE\n1         <none>\n\n"
    assert "    Image:\tbusybox:1.36\n" in rollout_history(ds, [revision], revision=1)
    assert rollout_history(ds, []) == "daemonset.apps/agent \nNo rollout history found.\n"


def test_api_resources_as_recorded() -> None:
    assert api_resources() == output("deployment.txt", "kubectl api-resources")


def test_api_resources_filters_and_sorting() -> None:
    text = api_resources(api_group="apps", sort_by="kind")
    assert [line.split()[0] for line in text.splitlines()[1:]] == [
        "controllerrevisions", "daemonsets", "deployments", "replicasets", "statefulsets"]
    assert api_resources(namespaced=False, output="name").splitlines()[:2] == ["componentstatuses", "namespaces"]
    wide = api_resources([METRICS[1], ResourceKind("pods", "Pod", "", "v1", True, ("po",))], output="wide")
    assert wide.splitlines()[1].split()[-2:] == ["create,delete,get,list,patch,update,watch", "all"]
    assert wide.splitlines()[2].split()[:3] == ["pods", "metrics.k8s.io/v1beta1", "true"]
    with pytest.raises(UsageError, match="--sort-by accepts only name or kind"):
        api_resources(sort_by="group")


def pod_metrics(name: str, cpu: str, memory: str, namespace: str = "default") -> dict:
    return {"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics",
            "metadata": {"name": name, "namespace": namespace},
            "containers": [{"name": "main", "usage": {"cpu": cpu, "memory": memory}}]}


def test_top_pods() -> None:
    metrics = [pod_metrics("web-2", "250m", "64Mi"), pod_metrics("web-1", "1", "130Mi"),
               pod_metrics("coredns", "3m", "12Mi", "kube-system")]
    assert top_pods(metrics[:2]) == (
        "NAME    CPU(cores)   MEMORY(bytes)   \n"
        "web-1   1000m        130Mi           \n"
        "web-2   250m         64Mi            \n")
    by_memory = top_pods(metrics, all_namespaces=True, sort_by="memory")
    assert [line.split()[1] for line in by_memory.splitlines()[1:]] == ["web-1", "web-2", "coredns"]
    assert top_pods([]) == "No resources found in default namespace.\n"
    with pytest.raises(UsageError, match="--sort-by accepts only cpu or memory"):
        top_pods(metrics, sort_by="name")


def test_top_nodes_measures_against_allocatable() -> None:
    nodes = [d.node("sim-worker"), d.node("sim-worker2")]
    usage = [{"apiVersion": "metrics.k8s.io/v1beta1", "kind": "NodeMetrics", "metadata": {"name": "sim-worker"},
              "usage": {"cpu": "1200m", "memory": "2Gi"}}]
    assert top_nodes(usage, nodes) == (
        "NAME          CPU(cores)   CPU(%)      MEMORY(bytes)   MEMORY(%)   \n"
        "sim-worker    1200m        30%         2048Mi          25%         \n"
        "sim-worker2   <unknown>    <unknown>   <unknown>       <unknown>   \n")


def test_kubectl_events_sorts_by_when_things_happened() -> None:
    pod = d.pod("web")
    events = [d.event(pod, "Pulled", "Container image pulled", last=5),
              d.event(pod, "BackOff", "Back-off restarting failed container", last=60, first=20, count=4,
                      kind="Warning", source="kubelet"),
              d.scheduler_event(pod, "Scheduled", "Successfully assigned default/web to fake-node-2", when=1)]
    text = kubectl_events(events, now=d.T0 + 90)
    assert text.splitlines() == [
        "LAST SEEN           TYPE      REASON      OBJECT    MESSAGE",
        "89s                 Normal    Scheduled   Pod/web   Successfully assigned default/web to fake-node-2",
        "85s                 Normal    Pulled      Pod/web   Container image pulled",
        "30s (x4 over 70s)   Warning   BackOff     Pod/web   Back-off restarting failed container",
    ]
    assert kubectl_events(events, now=d.T0 + 90, types=["warning"]).count("\n") == 2
    assert kubectl_events([], now=d.T0) == "No events found in default namespace.\n"


def recorded_events() -> tuple[list[dict], float]:
    """The events of the recorded `get events --sort-by=.lastTimestamp`, in the recorded order."""
    lines = output("deployment.txt", "kubectl get events --sort-by=.lastTimestamp").splitlines()[1:]
    now = parse_rfc3339("2026-11-27T11:21:35Z")
    events = []
    for i, line in enumerate(lines):
        age, kind, reason, obj = line.split()[:4]
        message = line[line.index(obj) + len(obj):].strip()
        resource, name = obj.split("/")
        seconds = _seconds(age)
        target = {"apiVersion": "v1", "kind": resource.capitalize() if resource != "replicaset" else "ReplicaSet",
                  "metadata": {"name": name, "namespace": "default", "uid": name}}
        if resource == "deployment":
            target["kind"] = "Deployment"
        if reason in ("Scheduled", "FailedScheduling"):
            events.append(d.scheduler_event(target, reason, message, when=now - seconds - d.T0, kind=kind))
        else:
            events.append(d.event(target, reason, message, last=now - seconds - d.T0, kind=kind, seq=i))
    return events, now


def _seconds(age: str) -> int:
    minutes, _, rest = age.partition("m")
    if not rest and not age.endswith("m"):
        return int(age.rstrip("s"))
    return int(minutes) * 60 + (int(rest.rstrip("s")) if rest else 0)


def test_events_table_as_recorded() -> None:
    events, now = recorded_events()
    text = get(events, now=now).text
    assert text == output("deployment.txt", "kubectl get events --sort-by=.lastTimestamp")


def test_events_sorted_by_last_timestamp_put_scheduler_events_first() -> None:
    events, now = recorded_events()
    rng = random.Random(7)
    rng.shuffle(events)
    text = get(events, now=now, options=GetOptions(sort_by=".lastTimestamp")).text
    reasons = [line.split()[2] for line in text.splitlines()[1:]]
    scheduler = sum(r in ("Scheduled", "FailedScheduling") for r in reasons)
    assert scheduler == sum(1 for e in events if e["lastTimestamp"] is None) == 47
    assert set(reasons[:scheduler]) == {"Scheduled", "FailedScheduling"}
    stamps = [e["lastTimestamp"] for e in events if e["lastTimestamp"]]
    shown = [line.split()[0] for line in text.splitlines()[1 + scheduler:]]
    assert [_seconds(s) for s in shown] == sorted((_seconds(s) for s in shown), reverse=True)
    assert len(shown) == len(stamps)


def test_tabwriter_blocks_padding_and_remembered_widths() -> None:
    assert align_describe("a:\tb\nlonger:\tc\nbreak\nx:\ty\n") == "a:       b\nlonger:  c\nbreak\nx:  y\n"
    assert align_get("A\tB\nx\ty\n") == "A     B\nx     y\n", "kubectl get's minimum width is 6"
    w = TabWriter(minwidth=6, padding=3, remember=True)
    assert w.format("NAME\tSTATUS\nweb\tRunning\n") == "NAME   STATUS\nweb    Running\n"
    assert w.format("web-longer-name\tTerminating\n") == "web-longer-name   Terminating\n"
    assert w.format("x\ty\n") == "x                 y\n"
    assert align_describe("IP:\t\n") == "IP:  \n", "an empty last cell keeps the padding before it"


def test_go_sort_orders_like_go_and_keeps_short_lists_stable() -> None:
    rng = random.Random(1)
    for n in (0, 1, 5, 12, 13, 49, 50, 51, 200):
        values = [rng.randrange(10) for _ in range(n)]
        assert go_sort(list(values), lambda a, b: a < b) == sorted(values)
    pairs = [(k, i) for i, k in enumerate([3, 1, 3, 2, 1, 3, 2, 1, 1, 2, 3, 1])]
    assert go_sort(list(pairs), lambda a, b: a[0] < b[0]) == sorted(pairs, key=lambda p: p[0])
    # Thirteen or more items with ties are not kept in input order (pattern-defeating quicksort).
    many = [(k, i) for i, k in enumerate([1] * 20 + [0] * 20)]
    result = go_sort(list(many), lambda a, b: a[0] < b[0])
    assert [k for k, _ in result] == [0] * 20 + [1] * 20
    assert [i for _, i in result] != sorted(i for _, i in result)
