"""Node faults and self-healing on the real scheduler and kubelets, against reference/k8s-1.35/node-failure.txt.

The recording: the seed's nginx-deployment with one pod on one worker and two on the other; the second worker's
kubelet stops at 0 s; Ready Unknown with the unreachable:NoSchedule taint at 52.2 s, the NoExecute taint by
54.3 s, the two pods replaced on the healthy worker by 353.5 s. The simulator's scheduler puts two of the three
pods on sim-worker (ties go to the first node), so the tests fail sim-worker, the node holding two.
"""

from __future__ import annotations

import ast
import re
from typing import Any

import pytest

from kube_magics.errors import AlreadyExistsError, NotFoundError
from kube_magics.printers import get
from kube_magics.sim import SimCluster
from kube_magics.sim.controllers import CONTROLLERS
from kube_magics.timefmt import parse_rfc3339
from tests.reference import DATA, output
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.node_helpers import pod, run_until

Obj = dict[str, Any]
FAILED, HEALTHY = "sim-worker", "sim-worker2"
UNREACHABLE_NO_SCHEDULE = "node.kubernetes.io/unreachable:NoSchedule"
UNREACHABLE_NO_EXECUTE = "node.kubernetes.io/unreachable:NoExecute"


def recorded_timeline() -> list[tuple[float, str, str, list[str], list[tuple[str, str, str]]]]:
    lines = (DATA / "node-failure.txt").read_text().splitlines()
    rows = []
    for line in lines:
        m = re.fullmatch(r"\s*([\d.]+)s ready=(\w+)/(\w+) taints=(\[.*?\]) pods=(\[.*\])", line)
        if m:
            rows.append((float(m[1]), m[2], m[3], ast.literal_eval(m[4]), ast.literal_eval(m[5])))
    return rows


def ready(c: SimCluster, node: str) -> Obj:
    return next(x for x in c.get("nodes", node, "")["status"]["conditions"] if x["type"] == "Ready")


def taints(c: SimCluster, node: str) -> list[str]:
    return sorted(f'{t["key"]}:{t["effect"]}' for t in c.get("nodes", node, "")["spec"].get("taints") or ())


def nginx(c: SimCluster) -> list[Obj]:
    return c.list("pods", selector="app=nginx")


def on(c: SimCluster, node: str, selector: str = "app=nginx") -> list[Obj]:
    return [p for p in c.list("pods", selector=selector) if p["spec"].get("nodeName") == node]


def seeded() -> SimCluster:
    """The seed's Deployment running, the clock just past a Lease renewal (elapsed 30 s), as in the recording the
    kubelet dies right after renewing."""
    c = SimCluster(workers=2, seed=0)
    c.apply(SEED_DEPLOYMENT)
    c.advance(30 - c.elapsed)
    assert len(on(c, FAILED)) == 2 and len(on(c, HEALTHY)) == 1
    assert all(p["status"]["phase"] == "Running" for p in nginx(c))
    return c


def test_a_failed_node_follows_the_recorded_timeline() -> None:
    rows = recorded_timeline()
    unknown_at = next(r for r in rows if r[1] == "Unknown")
    no_execute_at = next(r for r in rows if "node.kubernetes.io/unreachable:NoExecute" in r[3])
    replaced_at = next(r for r in rows if all(node != "3" for _, node, _ in r[4]))
    c = seeded()
    before = ready(c, FAILED)
    c.fail_node(FAILED)
    t0 = c.elapsed

    waited = run_until(c, lambda c: ready(c, FAILED)["status"] == "Unknown", timeout=120)
    assert abs(waited - unknown_at[0]) <= 2.1  # the recording sampled every 2.1 s
    assert (ready(c, FAILED)["reason"], taints(c, FAILED)) == (unknown_at[2], sorted(unknown_at[3]))
    run_until(c, lambda c: UNREACHABLE_NO_EXECUTE in taints(c, FAILED), timeout=10)
    assert waited < c.elapsed - t0 <= no_execute_at[0]
    assert taints(c, FAILED) == sorted(no_execute_at[3])
    tainted = c.elapsed - t0
    assert ready(c, FAILED)["lastHeartbeatTime"] == before["lastHeartbeatTime"]

    # Evicted 300 s after the NoExecute taint (the default tolerations), replaced on the healthy node.
    c.advance(299)
    assert not any(p["metadata"].get("deletionTimestamp") for p in nginx(c))
    run_until(c, lambda c: len([p for p in on(c, HEALTHY) if p["status"]["phase"] == "Running"]) == 3, timeout=10)
    assert tainted + 300 <= c.elapsed - t0 <= replaced_at[0]
    running = sorted((p["spec"]["nodeName"], p["status"]["phase"]) for p in nginx(c)
                     if not p["metadata"].get("deletionTimestamp"))
    assert running == [(HEALTHY, "Running")] * len(replaced_at[4])

    # The evicted pods stay Terminating while the node is down, however long.
    c.advance("10m")
    stuck = on(c, FAILED)
    assert len(stuck) == 2 and all(p["metadata"].get("deletionTimestamp") for p in stuck)
    assert all(p["status"]["phase"] == "Running" for p in stuck)
    assert [line.split()[2] for line in get(stuck, now=c.now).text.splitlines()[1:]] == ["Terminating"] * 2

    # Back: Ready at once, the taints gone within a monitor period, the stuck pods finish terminating.
    assert str(c.recover_node(FAILED)) == f"{FAILED} is reporting again: Ready now, taints removed within 5s, " \
                                          "2 Terminating pods finish"
    assert ready(c, FAILED)["status"] == "True"
    assert taints(c, FAILED) == [UNREACHABLE_NO_EXECUTE]
    run_until(c, lambda c: taints(c, FAILED) == [], timeout=5)
    run_until(c, lambda c: not on(c, FAILED), timeout=35)
    assert len(nginx(c)) == 3


def test_the_controller_posts_unknown_conditions_and_get_nodes_shows_not_ready() -> None:
    c = seeded()
    before = {x["type"]: x for x in c.get("nodes", FAILED, "")["status"]["conditions"]}
    c.fail_node(FAILED)
    run_until(c, lambda c: ready(c, FAILED)["status"] == "Unknown", timeout=120)
    stamp = c.now.strftime("%Y-%m-%dT%H:%M:%SZ")
    for cond in c.get("nodes", FAILED, "")["status"]["conditions"]:
        assert cond == {"type": cond["type"], "status": "Unknown", "reason": "NodeStatusUnknown",
                        "message": "Kubelet stopped posting node status.",
                        "lastHeartbeatTime": before[cond["type"]]["lastHeartbeatTime"], "lastTransitionTime": stamp}
    table = get(c.list("nodes", None), now=c.now).text.splitlines()
    assert [line.split()[:2] for line in table[1:]] == [["sim-control-plane", "Ready"], [FAILED, "NotReady"],
                                                        [HEALTHY, "Ready"]]
    # The node controller turned the pods' Ready condition False (kubectl still shows 1/1: container statuses
    # are the kubelet's, and it is gone).
    for p in on(c, FAILED):
        assert next(x for x in p["status"]["conditions"] if x["type"] == "Ready")["status"] == "False"
        assert p["status"]["containerStatuses"][0]["ready"] is True


def test_events_as_recorded() -> None:
    recorded = output("deployment.txt", "kubectl get events --sort-by=.lastTimestamp").splitlines()[1:]
    wanted = [line.split(None, 4) for line in recorded if " NodeNotReady " in line or " TaintManagerEviction " in line]

    def shape(kind: str, name: str, message: str) -> str:
        return message.replace(name, "<name>").replace("default/<name>", "<ns>/<name>") + f" ({kind.lower()})"

    c = seeded()
    c.fail_node(FAILED)
    c.advance(400)
    ours = [e for e in c.events() if e["reason"] in ("NodeNotReady", "TaintManagerEviction")]
    expected = sorted((t, r, shape(*o.split("/"), m)) for _, t, r, o, m in wanted)
    got = sorted((e["type"], e["reason"], shape(e["involvedObject"]["kind"], e["involvedObject"]["name"],
                                                 e["message"])) for e in ours)
    assert got == expected
    # The recording's ages: 5m56s for NodeNotReady, 56s for the evictions: 300 s apart, as here.
    times = {e["reason"]: parse_rfc3339(e["lastTimestamp"]) for e in ours}
    assert round(times["TaintManagerEviction"] - times["NodeNotReady"]) == 300
    sources = {e["reason"]: e["source"] for e in ours}
    assert sources == {"NodeNotReady": {"component": "node-controller"},
                       "TaintManagerEviction": {"component": "taint-eviction-controller"}}
    # The eviction events name their pod without a uid (the taint manager's reference), so describe skips them.
    assert all("uid" not in e["involvedObject"] for e in ours if e["reason"] == "TaintManagerEviction")
    registered = [e["message"] for e in c.events() if e["reason"] == "RegisteredNode"]
    assert registered == [f"Node {n} event: Registered Node {n} in Controller"
                          for n in ("sim-control-plane", FAILED, HEALTHY)]


def test_fail_node_says_what_will_happen_and_when() -> None:
    c = seeded()
    notice = c.fail_node(FAILED)
    assert str(notice) == f"{FAILED} stopped reporting: NotReady in 52s (node-monitor-grace-period 50s), pods " \
                          "evicted 300s after that"
    assert notice.not_ready_in == pytest.approx(52)
    assert str(c.fail_node(FAILED)) == f"{FAILED} is already down"
    assert str(c.recover_node(HEALTHY)) == f"{HEALTHY} is already up"
    with pytest.raises(NotFoundError, match='nodes "nope" not found'):
        c.fail_node("nope")
    # Between renewals the node controller last saw the kubelet earlier: it notices sooner.
    c2 = seeded()
    c2.advance(5)
    assert c2.fail_node(FAILED).not_ready_in == pytest.approx(47)
    assert run_until(c2, lambda c: ready(c, FAILED)["status"] == "Unknown", timeout=60) == pytest.approx(47)


def test_a_recovery_within_the_tolerations_cancels_the_evictions() -> None:
    c = seeded()
    c.fail_node(FAILED)
    run_until(c, lambda c: UNREACHABLE_NO_EXECUTE in taints(c, FAILED), timeout=120)
    c.advance(100)
    c.recover_node(FAILED)
    c.advance(10)
    pods = on(c, FAILED)
    assert len(pods) == 2 and not any(p["metadata"].get("deletionTimestamp") for p in pods)
    assert all(next(x for x in p["status"]["conditions"] if x["type"] == "Ready")["status"] == "True" for p in pods)
    cancelled = sorted(e["message"] for e in c.events() if e["reason"] == "TaintManagerEviction")
    assert cancelled == sorted(f"Cancelling deletion of Pod default/{p['metadata']['name']}" for p in pods)
    c.advance(400)
    assert len(on(c, FAILED)) == 2 and taints(c, FAILED) == []
    kubelet = [e["reason"] for e in c.events() if e["source"].get("component") == "kubelet"
               and e["involvedObject"]["kind"] == "Node"]
    assert kubelet == ["NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID", "NodeReady"]


def test_tolerations_decide_who_stays() -> None:
    c = SimCluster(workers=2, seed=0)
    forever = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"}
    briefly = dict(forever, tolerationSeconds=30)
    c.apply([pod("stays", spec={"nodeName": FAILED, "tolerations": [forever]}),
             pod("brief", spec={"nodeName": FAILED, "tolerations": [briefly]})])
    c.advance(30 - c.elapsed)
    c.fail_node(FAILED)
    run_until(c, lambda c: UNREACHABLE_NO_EXECUTE in taints(c, FAILED), timeout=120)
    tainted = c.elapsed
    run_until(c, lambda c: c.get("pod", "brief")["metadata"].get("deletionTimestamp") is not None, timeout=60)
    assert c.elapsed - tainted == pytest.approx(30)
    disruption = next(x for x in c.get("pod", "brief")["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (disruption["reason"], disruption["message"]) == ("DeletionByTaintManager",
                                                             "Taint manager: deleting due to NoExecute taint")
    c.advance("20m")
    assert "deletionTimestamp" not in c.get("pod", "stays")["metadata"]


def test_a_no_execute_taint_evicts_pods_that_do_not_tolerate_it_at_once() -> None:
    c = SimCluster(workers=2, seed=0)
    c.apply([pod("plain", spec={"nodeName": HEALTHY}),
             pod("tolerant", spec={"nodeName": HEALTHY, "tolerations": [
                 {"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoExecute",
                  "tolerationSeconds": 60}]})])
    c.advance(5)
    c.patch("node", HEALTHY, {"spec": {"taints": [{"key": "dedicated", "value": "db", "effect": "NoExecute"}]}},
            namespace="")
    assert c.get("pod", "plain")["metadata"].get("deletionTimestamp")
    assert not c.get("pod", "tolerant")["metadata"].get("deletionTimestamp")
    c.advance(30)
    c.patch("node", HEALTHY, {"spec": {"taints": None}}, namespace="")
    c.advance(60)
    assert not c.get("pod", "tolerant")["metadata"].get("deletionTimestamp")
    messages = [e["message"] for e in c.events() if e["reason"] == "TaintManagerEviction"]
    assert messages == ["Marking for deletion Pod default/plain", "Cancelling deletion of Pod default/tolerant"]


def test_daemonset_pods_stay_on_a_failed_node() -> None:
    c = SimCluster(workers=2, seed=0)
    c.apply({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent"},
             "spec": {"selector": {"matchLabels": {"app": "agent"}},
                      "template": {"metadata": {"labels": {"app": "agent"}}, "spec": {"containers": [
                          {"name": "a", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}}}})
    c.advance(10)
    daemons = {p["metadata"]["name"] for p in c.list("pods", None) if p["spec"].get("nodeName") == FAILED}
    assert len(daemons) == 3  # kindnet, kube-proxy and the agent
    c.fail_node(FAILED)
    c.advance("10m")
    still = {p["metadata"]["name"] for p in c.list("pods", None) if p["spec"].get("nodeName") == FAILED}
    assert still == daemons
    assert not any(p["metadata"].get("deletionTimestamp") for p in c.list("pods", None))
    # The agent tolerates only the DaemonSet defaults: the node should not run it now (desired drops), but the
    # pod it has tolerates the NoExecute taint, so it stays, counted as misscheduled.
    status = c.get("ds", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberMisscheduled"]) == (1, 1)
    c.recover_node(FAILED)
    c.advance(10)
    status = c.get("ds", "agent")["status"]
    assert (status["desiredNumberScheduled"], status["numberMisscheduled"], status["numberReady"]) == (2, 0, 2)
    assert {p["metadata"]["name"] for p in c.list("pods", None) if p["spec"].get("nodeName") == FAILED} == daemons


def test_a_failed_node_drops_its_pods_from_the_service_endpoints() -> None:
    c = seeded()
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nginx"},
             "spec": {"selector": {"app": "nginx"}, "ports": [{"port": 80}]}})
    c.advance(1)
    c.fail_node(FAILED)
    run_until(c, lambda c: ready(c, FAILED)["status"] == "Unknown", timeout=120)
    failed = {p["metadata"]["name"] for p in on(c, FAILED)}
    assert all(next(x for x in p["status"]["conditions"] if x["type"] == "Ready")["status"] == "False"
               for p in on(c, FAILED))
    if not any(cls.name == "endpoint-controller" for cls in CONTROLLERS):
        pytest.skip("the endpoints controller is not in this tree yet")
    subsets = c.get("endpoints", "nginx").get("subsets") or []
    ready_names = {a["targetRef"]["name"] for s in subsets for a in s.get("addresses") or ()}
    not_ready = {a["targetRef"]["name"] for s in subsets for a in s.get("notReadyAddresses") or ()}
    assert ready_names == {p["metadata"]["name"] for p in on(c, HEALTHY)}
    assert not_ready == failed


def statefulset_pod(c: SimCluster) -> None:
    """A StatefulSet `web` and its pod web-0 on the node that will fail, as its controller would have made it."""
    c.apply({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
             "spec": {"replicas": 1, "serviceName": "web", "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}})


def test_a_statefulset_pod_keeps_its_name_while_its_node_is_down() -> None:
    c = SimCluster(workers=2, seed=0, controllers=("*", "-statefulset-controller"))
    statefulset_pod(c)
    sts = c.get("statefulset", "web")
    owned = pod("web-0", spec={"nodeName": FAILED})
    owned["metadata"].update(labels={"app": "web"}, ownerReferences=[{
        "apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": sts["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}])
    c.create(owned)
    c.advance(30 - c.elapsed)
    c.fail_node(FAILED)
    c.advance(360)
    evicted = c.get("pod", "web-0")
    assert evicted["metadata"].get("deletionTimestamp") and evicted["spec"]["nodeName"] == FAILED
    with pytest.raises(AlreadyExistsError):  # the identity is held: no web-0 can start elsewhere
        c.create(pod("web-0", spec={"nodeName": HEALTHY}))
    c.recover_node(FAILED)
    run_until(c, lambda c: not c.list("pods", selector="app=web"), timeout=40)


@pytest.mark.skipif(not any(cls.name == "statefulset-controller" for cls in CONTROLLERS),
                    reason="the StatefulSet controller is not in this tree yet")
def test_the_statefulset_controller_does_not_replace_a_pod_on_a_failed_node() -> None:
    c = SimCluster(workers=2, seed=0)
    statefulset_pod(c)
    run_until(c, lambda c: c.get("pod", "web-0")["status"].get("phase") == "Running", timeout=60)
    node = c.get("pod", "web-0")["spec"]["nodeName"]
    uid = c.get("pod", "web-0")["metadata"]["uid"]
    c.fail_node(node)
    c.advance(420)
    web0 = c.get("pod", "web-0")
    assert web0["metadata"]["uid"] == uid and web0["metadata"].get("deletionTimestamp")
    assert [p["metadata"]["name"] for p in c.list("pods", selector="app=web")] == ["web-0"]
    c.recover_node(node)
    run_until(c, lambda c: c.get("pod", "web-0")["metadata"]["uid"] != uid, timeout=120)


def test_cordon_and_uncordon() -> None:
    c = SimCluster(workers=2, seed=0)
    assert c.cordon(FAILED) == f"node/{FAILED} cordoned"
    assert c.cordon(FAILED) == f"node/{FAILED} already cordoned"
    table = get(c.list("nodes", None), now=c.now).text.splitlines()
    assert table[2].split()[:2] == [FAILED, "Ready,SchedulingDisabled"]
    assert taints(c, FAILED) == ["node.kubernetes.io/unschedulable:NoSchedule"]
    events = [(e["reason"], e["message"], e["source"]) for e in c.events() if e["reason"].endswith("Schedulable")]
    assert events == [("NodeNotSchedulable", f"Node {FAILED} status is now: NodeNotSchedulable",
                       {"component": "kubelet", "host": FAILED})]
    c.apply(SEED_DEPLOYMENT)
    c.advance(10)
    assert {p["spec"]["nodeName"] for p in nginx(c)} == {HEALTHY}
    assert len([p for p in c.list("pods", "kube-system") if p["spec"].get("nodeName") == FAILED]) == 2
    assert c.uncordon(FAILED) == f"node/{FAILED} uncordoned"
    assert c.uncordon(FAILED) == f"node/{FAILED} already uncordoned"
    assert taints(c, FAILED) == []
    assert "unschedulable" not in c.get("nodes", FAILED, "")["spec"]
    assert get(c.list("nodes", None), now=c.now).text.splitlines()[2].split()[1] == "Ready"
    assert [e["reason"] for e in c.events() if e["reason"].endswith("Schedulable")] == [
        "NodeNotSchedulable", "NodeSchedulable"]


def test_zones_rate_and_disruption() -> None:
    # Two nodes failing together: the zone (here all nodes) taints one node per 10 s.
    c = SimCluster(workers=2, seed=0)
    c.advance(30 - c.elapsed)
    c.fail_node(FAILED)
    c.fail_node(HEALTHY)
    run_until(c, lambda c: UNREACHABLE_NO_EXECUTE in taints(c, FAILED), timeout=120)
    first = c.elapsed
    assert UNREACHABLE_NO_EXECUTE not in taints(c, HEALTHY)
    run_until(c, lambda c: UNREACHABLE_NO_EXECUTE in taints(c, HEALTHY), timeout=30)
    assert c.elapsed - first == pytest.approx(10)
    # Three of four nodes not Ready in a small cluster: a partial disruption, in which nothing is evicted.
    c = SimCluster(workers=3, seed=0)
    c.apply(SEED_DEPLOYMENT)
    for name in (FAILED, HEALTHY, "sim-worker3"):
        c.fail_node(name)
    c.advance("10m")
    assert all(ready(c, n)["status"] == "Unknown" for n in (FAILED, HEALTHY, "sim-worker3"))
    assert all(UNREACHABLE_NO_EXECUTE not in taints(c, n) for n in (FAILED, HEALTHY, "sim-worker3"))
    assert not any(p["metadata"].get("deletionTimestamp") for p in nginx(c))


def test_deleting_a_failed_nodes_object_lets_its_pods_go() -> None:
    c = seeded()
    last: dict[str, Obj] = {}
    c.watch(lambda ev: last.__setitem__(ev["object"]["metadata"]["name"], ev["object"]), kinds=["pods"])
    c.fail_node(FAILED)
    c.advance(360)
    stuck = [p["metadata"]["name"] for p in on(c, FAILED)]
    assert len(stuck) == 2
    c.delete("node", FAILED, "")
    run_until(c, lambda c: not on(c, FAILED), timeout=65)  # 40 s of quarantine, then the next 20 s pass
    assert [e["message"] for e in c.events() if e["reason"] == "RemovingNode"] == [
        f"Node {FAILED} event: Removing Node {FAILED} from Controller"]
    for name in stuck:
        conds = {x["type"]: x for x in last[name]["status"]["conditions"]}
        assert last[name]["status"]["phase"] == "Failed"
        assert conds["DisruptionTarget"]["reason"] == "DeletionByPodGC"
        assert conds["DisruptionTarget"]["message"] == "PodGC: node no longer exists"
    kube_system = [p for p in c.list("pods", "kube-system") if p["spec"].get("nodeName") == FAILED]
    assert kube_system == [] and len(nginx(c)) == 3


def test_an_out_of_service_taint_lets_terminating_pods_go() -> None:
    c = seeded()
    c.fail_node(FAILED)
    c.advance(360)
    assert len(on(c, FAILED)) == 2
    c.patch("node", FAILED, {"spec": {"taints": [
        *c.get("nodes", FAILED, "")["spec"]["taints"],
        {"key": "node.kubernetes.io/out-of-service", "value": "nodeshutdown", "effect": "NoExecute"}]}},
        namespace="")
    run_until(c, lambda c: not on(c, FAILED), timeout=21)


def test_terminated_pods_beyond_the_threshold_are_collected_oldest_first() -> None:
    c = SimCluster(workers=1, seed=0, extra={"terminated_pod_gc_threshold": 2})
    for i in range(4):
        c.create(pod(f"job-{i}", image="busybox:1.36", command=["true"], spec={"restartPolicy": "Never"}))
        c.advance(1)
    run_until(c, lambda c: all(p["status"]["phase"] == "Succeeded" for p in c.list("pods")), timeout=30)
    assert len(c.list("pods")) == 4
    run_until(c, lambda c: len(c.list("pods")) == 2, timeout=21)
    assert [p["metadata"]["name"] for p in c.list("pods")] == ["job-2", "job-3"]


def test_without_kubelets_the_node_controller_runs_only_when_named() -> None:
    # A stand-in for the kubelets renews no Leases: a node controller would find every node silent.
    quiet = SimCluster(workers=1, seed=0, controllers=("*", "-kubelet"))
    quiet.advance("10m")
    assert ready(quiet, FAILED)["status"] == "True" and taints(quiet, FAILED) == []
    named = SimCluster(workers=1, seed=0, controllers=("*", "-kubelet", "node-controller"))
    named.advance("10m")
    assert ready(named, FAILED)["status"] == "Unknown" and ready(named, "sim-control-plane")["status"] == "Unknown"
    # Every node silent at once: the controller takes it for its own problem (full disruption) and evicts nothing.
    assert taints(named, FAILED) == [UNREACHABLE_NO_SCHEDULE]
