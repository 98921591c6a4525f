"""The simulated kube-scheduler, through SimCluster: placement, FailedScheduling wording, retries, spreading."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from kube_magics.sim import SimCluster
from kube_magics.sim.scheduling.cycle import nodes_to_find
from tests.sim.node_helpers import messages, pod

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference" / "k8s-1.35" / "watch-and-pending.txt"
BIG_POD_MESSAGE = (
    "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
    "2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: "
    "3 Preemption is not helpful for scheduling."
)


def node_of(c: SimCluster, name: str) -> str | None:
    return c.get("pod", name)["spec"].get("nodeName")  # type: ignore[no-any-return]


def scheduled_condition(c: SimCluster, name: str) -> dict[str, Any]:
    return next(x for x in c.get("pod", name)["status"]["conditions"] if x["type"] == "PodScheduled")


def test_a_pod_that_fits_nowhere_stays_pending_with_kubernetes_wording() -> None:
    if REFERENCE.exists():
        assert BIG_POD_MESSAGE in REFERENCE.read_text()
    c = SimCluster()
    c.apply(pod("big", "nginx:1.20", resources={"requests": {"cpu": "500"}}))
    c.advance(5)
    p = c.get("pod", "big")
    assert p["status"]["phase"] == "Pending" and "nodeName" not in p["spec"]
    cond = scheduled_condition(c, "big")
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", BIG_POD_MESSAGE)
    event = next(e for e in c.events(p) if e["reason"] == "FailedScheduling")
    assert event["type"] == "Warning" and event["message"] == BIG_POD_MESSAGE
    assert (event["reportingComponent"], event["action"]) == ("default-scheduler", "Scheduling")


def test_scheduled_pods_are_bound_through_the_api_with_an_events_k8s_io_event() -> None:
    c = SimCluster()
    c.apply(pod("web"))
    p = c.get("pod", "web")
    assert p["spec"]["nodeName"] in ("sim-worker", "sim-worker2")
    assert p["metadata"]["generation"] == 1
    assert scheduled_condition(c, "web")["status"] == "True"
    event = c.events(p)[0]
    assert event["reason"] == "Scheduled" and event["eventTime"] and event["action"] == "Binding"
    assert event["reportingComponent"] == "default-scheduler" and event["source"] == {}
    assert event["message"] == f"Successfully assigned default/web to {p['spec']['nodeName']}"


def test_insufficient_resources_are_retried_when_a_pod_goes() -> None:
    c = SimCluster()
    for name in ("a", "b"):
        c.apply(pod(name, resources={"requests": {"cpu": "3"}}))
    c.apply(pod("c", resources={"requests": {"cpu": "3"}}))
    c.advance(1)
    assert node_of(c, "c") is None
    assert scheduled_condition(c, "c")["message"] == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: "
        "1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.")
    freed = node_of(c, "a")
    c.delete("pod", "a")
    c.advance(40)
    assert node_of(c, "c") == freed


def test_memory_and_pod_count_reasons() -> None:
    c = SimCluster(workers=1, node_pods=2)
    c.apply(pod("huge", resources={"requests": {"memory": "64Gi"}}))
    c.apply(pod("p1"))
    c.apply(pod("p2"))
    c.apply(pod("p3"))
    assert "1 Insufficient memory" in scheduled_condition(c, "huge")["message"]
    assert "1 Too many pods" in scheduled_condition(c, "p3")["message"]


def test_a_new_node_takes_a_pending_pod() -> None:
    c = SimCluster()
    c.apply(pod("wide", resources={"requests": {"cpu": "6"}}))
    c.advance(1)
    assert node_of(c, "wide") is None
    c.add_node("sim-worker3", cpu="8")
    c.advance(15)
    assert node_of(c, "wide") == "sim-worker3"


def test_node_selector_and_required_affinity() -> None:
    c = SimCluster()
    c.apply(pod("ssd", spec={"nodeSelector": {"disktype": "ssd"}}))
    assert scheduled_condition(c, "ssd")["message"].startswith(
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 node(s) didn't match Pod's node affinity/selector.")
    node = c.get("node", "sim-worker2")
    node["metadata"]["labels"]["disktype"] = "ssd"
    c.replace(node)
    c.advance(15)
    assert node_of(c, "ssd") == "sim-worker2"
    terms = [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["sim-worker"]}]}]
    affinity = {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": terms}}}
    c.apply(pod("pinned", spec={"affinity": affinity}))
    assert node_of(c, "pinned") == "sim-worker"


def test_taints_and_tolerations() -> None:
    c = SimCluster(workers=1)
    on_cp = {"nodeSelector": {"node-role.kubernetes.io/control-plane": ""}}
    c.apply(pod("refused", spec=on_cp))
    assert "1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }" in \
        scheduled_condition(c, "refused")["message"]
    tolerate = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    c.apply(pod("allowed", spec={**on_cp, "tolerations": tolerate}))
    assert node_of(c, "allowed") == "sim-control-plane"
    worker = c.get("node", "sim-worker")
    worker["spec"]["taints"] = [{"key": "dedicated", "value": "gpu", "effect": "NoExecute"}]
    c.replace(worker)
    c.apply(pod("blocked"))
    assert "1 node(s) had untolerated taint {dedicated: gpu}" in scheduled_condition(c, "blocked")["message"]


def test_cordoned_nodes_are_unschedulable() -> None:
    c = SimCluster(workers=1)
    worker = c.get("node", "sim-worker")
    worker["spec"]["unschedulable"] = True
    c.replace(worker)
    c.apply(pod("p"))
    assert "1 node(s) were unschedulable" in scheduled_condition(c, "p")["message"]


def test_gpu_requests_need_nodes_with_gpus() -> None:
    c = SimCluster(workers=2, node_gpus=1)
    gpu = {"limits": {"nvidia.com/gpu": "1"}}
    for name in ("train-1", "train-2", "train-3"):
        c.apply(pod(name, "python:3.11", resources=gpu, command=["sleep", "infinity"]))
    placed = [node_of(c, n) for n in ("train-1", "train-2")]
    assert sorted(placed) == ["sim-worker", "sim-worker2"]  # type: ignore[type-var]
    assert node_of(c, "train-3") is None
    assert "2 Insufficient nvidia.com/gpu" in scheduled_condition(c, "train-3")["message"]
    cpu_only = SimCluster(workers=1)
    cpu_only.apply(pod("train", "python:3.11", resources=gpu))
    assert "1 Insufficient nvidia.com/gpu" in scheduled_condition(cpu_only, "train")["message"]


def service_pods(c: SimCluster, name: str, replicas: int, **container: Any) -> list[str]:
    """Pods that a Service selects: the default topology spreading counts them together (as it counts a
    ReplicaSet's pods), and no controller makes or removes pods for a Service."""
    labels = {"app": name}
    c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
              "spec": {"selector": labels, "ports": [{"port": 80}]}})
    names = []
    for i in range(replicas):
        p = pod(f"{name}-{i}", **container)
        p["metadata"]["labels"] = labels
        names.append(c.create(p)["metadata"]["name"])
    return names


def test_a_services_pods_spread_across_nodes() -> None:
    c = SimCluster(workers=4)
    names = service_pods(c, "web", 8)
    assert sorted(Counter(node_of(c, n) for n in names).values()) == [2, 2, 2, 2]
    c2 = SimCluster(workers=3)
    names = service_pods(c2, "api", 6, resources={"requests": {"cpu": "100m", "memory": "64Mi"}})
    assert sorted(Counter(node_of(c2, n) for n in names).values()) == [2, 2, 2]


def test_least_allocated_prefers_the_emptier_node() -> None:
    c = SimCluster(workers=2)
    c.apply(pod("heavy", resources={"requests": {"cpu": "2", "memory": "2Gi"}}))
    heavy = node_of(c, "heavy")
    c.apply(pod("next"))
    assert node_of(c, "next") != heavy


@pytest.mark.parametrize(("nodes", "expected"), [(3, 3), (99, 99), (100, 100), (500, 230), (1000, 420),
                                                 (5000, 500), (20000, 1000)])
def test_the_number_of_nodes_to_score_is_adaptive(nodes: int, expected: int) -> None:
    assert nodes_to_find(nodes) == expected


def test_placement_is_deterministic() -> None:
    def placement() -> list[tuple[str, str | None]]:
        c = SimCluster(workers=5, seed=3)
        names = service_pods(c, "web", 12)
        return [(n, node_of(c, n)) for n in names]

    assert placement() == placement()


def test_failed_scheduling_is_reported_again_after_a_back_off() -> None:
    c = SimCluster()
    c.apply(pod("big", resources={"requests": {"cpu": "500"}}))
    c.add_node("sim-worker3")
    c.advance(30)
    assert len(messages(c, "big", "FailedScheduling")) >= 2


def test_default_spreading_also_spreads_across_zones() -> None:
    c = SimCluster(workers=0)
    for zone in ("a", "a", "a", "b"):
        c.add_node(labels={"topology.kubernetes.io/zone": zone})
    names = service_pods(c, "web", 2)
    zones = [c.get("node", node_of(c, n) or "")["metadata"]["labels"]["topology.kubernetes.io/zone"] for n in names]
    assert zones == ["a", "b"]  # by hostname alone the second pod would go to the next node in zone a


def test_image_locality_prefers_a_node_that_has_the_image() -> None:
    c = SimCluster(workers=3)
    c.apply(pod("first", "python:3.11", command=["sleep", "infinity"], spec={"nodeName": "sim-worker2"}))
    c.advance(60)  # python:3.11 is large: pulled once, on sim-worker2
    c.apply(pod("second", "python:3.11", command=["sleep", "infinity"]))
    assert node_of(c, "second") == "sim-worker2"
