"""The cluster autoscaler on the simulator: node groups that grow for pods the scheduler cannot place and shrink
when a node has been underused for 10 minutes, with cluster-autoscaler's events."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kube_magics.errors import UsageError
from kube_magics.sim import SimCluster
from kube_magics.timefmt import parse_rfc3339
from tests.sim.autoscale_helpers import WEB, advance_until, hpa, ready, replicas, start_load

GROUP_LABEL = "kube-magics.io/node-group"


def big(replicas: int, cpu: str = "3", name: str = "big") -> str:
    return f"""
apiVersion: apps/v1
kind: Deployment
metadata: {{name: {name}}}
spec:
  replicas: {replicas}
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: app
        image: nginx:1.20
        resources: {{requests: {{cpu: "{cpu}"}}}}
"""


SMALL_ON_POOL = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: small}
spec:
  replicas: 3
  selector: {matchLabels: {app: small}}
  template:
    metadata: {labels: {app: small}}
    spec:
      affinity:
        nodeAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
          - weight: 100
            preference: {matchExpressions: [{key: kube-magics.io/node-group, operator: In, values: [pool]}]}
      containers:
      - name: app
        image: nginx:1.20
        resources: {requests: {cpu: 100m}}
"""


def pool_nodes(c: SimCluster) -> list[str]:
    return sorted(n["metadata"]["name"] for n in c.list("nodes", namespace=None)
                  if (n["metadata"].get("labels") or {}).get(GROUP_LABEL) == "pool")


def events(c: SimCluster, obj: dict[str, Any], reason: str) -> list[str]:
    return [e["message"] for e in c.events(obj) if e["reason"] == reason]


def status_configmap(c: SimCluster) -> dict[str, Any]:
    return c.get("configmap", "cluster-autoscaler-status", "kube-system")


def pending(c: SimCluster, selector: str) -> list[dict[str, Any]]:
    return [p for p in c.list("pods", selector=selector) if not p["spec"].get("nodeName")]


def test_a_group_starts_at_its_min_size_with_nodes_named_as_the_autoscaler_names_them() -> None:
    c = SimCluster(workers=1, node_groups=[{"name": "pool", "min": 2, "max": 5, "cpu": "2", "memory": "4Gi"}])
    nodes = pool_nodes(c)
    assert len(nodes) == 2 and all(re.fullmatch(r"sim-pool-[bcdfghjklmnpqrstvwxz2456789]{5}", n) for n in nodes)
    node = c.get("nodes", nodes[0], namespace="")
    assert node["status"]["allocatable"]["cpu"] == "2" and node["status"]["allocatable"]["memory"] == "4Gi"
    assert [x["status"] for x in node["status"]["conditions"] if x["type"] == "Ready"] == ["True"]


def test_every_node_has_a_pod_cidr_and_an_address_of_its_own() -> None:
    c = SimCluster(workers=1, node_groups=[{"name": "pool", "min": 3, "max": 5}])
    c.apply(big(5))  # one pod of 3 CPUs a node: the worker and the group's three, and one more node
    advance_until(c, lambda: len(pool_nodes(c)) == 4, timeout=120)
    nodes = c.list("nodes", namespace=None)
    cidrs = [n["spec"]["podCIDR"] for n in nodes]
    addresses = [a["address"] for n in nodes for a in n["status"]["addresses"] if a["type"] == "InternalIP"]
    assert len(nodes) == 6 and len(set(cidrs)) == 6 and len(set(addresses)) == 6
    advance_until(c, lambda: all(ready(p) for p in c.list("pods", selector="app=big")), timeout=60)
    ips = [p["status"]["podIP"] for p in c.list("pods", selector="app=big")]
    assert len(set(ips)) == 5


def test_an_unschedulable_pod_triggers_a_scale_up_and_runs_on_the_new_node() -> None:
    c = SimCluster(workers=1, node_groups=[{"name": "pool", "min": 1, "max": 3}])
    before = pool_nodes(c)
    c.apply(big(3))
    advance_until(c, lambda: bool(pending(c, "app=big")) and bool(events(c, pending(c, "app=big")[0],
                                                                         "TriggeredScaleUp")), timeout=30)
    (pod,) = pending(c, "app=big")
    (message,) = events(c, pod, "TriggeredScaleUp")
    assert message == "pod triggered scale-up: [{pool 1->2 (max: 3)}]"
    (scaled,) = [e for e in c.events(status_configmap(c)) if e["reason"] == "ScaledUpGroup"]
    assert scaled["message"] == "Scale-up: setting group pool size to 2 instead of 1 (max: 3)"
    assert scaled["source"]["component"] == "cluster-autoscaler"
    c.advance(59)
    assert pool_nodes(c) == before  # the new node takes a minute to join
    c.advance(1)
    (new,) = set(pool_nodes(c)) - set(before)
    assert re.fullmatch(r"sim-pool-\w{5}", new)
    advance_until(c, lambda: ready(c.get("pods", pod["metadata"]["name"])), timeout=30)
    assert c.get("pods", pod["metadata"]["name"])["spec"]["nodeName"] == new
    assert "scaleUp:\n    status: NoActivity" in status_configmap(c)["data"]["status"]


def test_the_join_delay_is_configurable() -> None:
    c = SimCluster(workers=0, node_groups=[{"name": "pool", "min": 1, "max": 2, "join_seconds": 20}])
    c.apply(big(2))
    advance_until(c, lambda: len(pool_nodes(c)) == 2, timeout=60)
    (pod,) = [p for p in c.list("pods", selector="app=big")
              if events(c, p, "TriggeredScaleUp")]
    trigger = min(parse_rfc3339(e["firstTimestamp"]) for e in c.events(pod) if e["reason"] == "TriggeredScaleUp")
    joined = max(parse_rfc3339(n["metadata"]["creationTimestamp"]) for n in c.list("nodes", namespace=None))
    assert joined - trigger == 20


def test_pods_no_group_can_help_get_not_trigger_scale_up() -> None:
    c = SimCluster(workers=0, node_groups=[{"name": "pool", "min": 1, "max": 2},
                                           {"name": "tiny", "min": 0, "max": 3, "cpu": "2", "memory": "2Gi"}])
    c.apply(big(1, cpu="6", name="huge"))
    advance_until(c, lambda: any(events(c, p, "NotTriggerScaleUp") for p in c.list("pods", selector="app=huge")),
                  timeout=30)
    (pod,) = c.list("pods", selector="app=huge")
    assert set(events(c, pod, "NotTriggerScaleUp")) == {"pod didn't trigger scale-up: 2 Insufficient cpu"}
    c.delete("deploy", "huge")
    c.apply(big(3, cpu="3"))  # the first fits pool's node, the second a new one (max 2), tiny's are too small
    c.advance(120)
    (stuck,) = pending(c, "app=big")
    assert events(c, stuck, "NotTriggerScaleUp")[-1] == \
        "pod didn't trigger scale-up: 1 Insufficient cpu, 1 max node group size reached"
    assert len(pool_nodes(c)) == 2


def test_an_empty_node_is_removed_after_ten_minutes_but_never_below_min() -> None:
    c = SimCluster(workers=1, node_groups=[{"name": "pool", "min": 1, "max": 3}])
    c.apply(big(3))
    advance_until(c, lambda: len(pool_nodes(c)) == 2, timeout=120)
    scaled_up_at = c.elapsed - 60
    advance_until(c, lambda: all(ready(p) for p in c.list("pods", selector="app=big")), timeout=30)
    c.delete("deploy", "big")
    c.advance(30)
    emptied_at = c.elapsed
    took = advance_until(c, lambda: len(pool_nodes(c)) == 1, timeout=900, step=10)
    assert emptied_at + took - scaled_up_at >= 600 and took >= 570  # unneeded for 10 minutes
    assert took <= 640
    cm_events = [(e["reason"], e["message"]) for e in c.events(status_configmap(c))]
    removing = [m for r, m in cm_events if r == "ScaleDownEmpty"]
    assert re.fullmatch(r'Scale-down: removing empty node "sim-pool-\w{5}"', removing[0])
    gone = removing[0].split('"')[1]
    assert removing[1] == f"Scale-down: empty node {gone} removed"
    node_events = [e for e in c.events(None, namespace="default")
                   if e["involvedObject"]["kind"] == "Node" and e["involvedObject"]["name"] == gone]
    by_source = [(e["source"].get("component"), e["reason"], e["message"]) for e in node_events]
    assert [event for event in by_source if event[0] == "cluster-autoscaler"] == [
        ("cluster-autoscaler", "ScaleDown", "marked the node as toBeDeleted/unschedulable")]
    assert ("node-controller", "RegisteredNode", f"Node {gone} event: Registered Node {gone} in Controller") \
        in by_source  # the node lifecycle controller saw it join
    assert c.list("pods", namespace=None, field_selector=f"spec.nodeName={gone}") == []
    c.advance(1800)
    assert len(pool_nodes(c)) == 1  # the group's min


def test_an_underused_node_is_drained_and_its_pods_move() -> None:
    c = SimCluster(workers=1, node_groups=[{"name": "pool", "min": 0, "max": 2}])
    c.apply(big(2))
    advance_until(c, lambda: len(pool_nodes(c)) == 1, timeout=120)
    (node,) = pool_nodes(c)
    advance_until(c, lambda: all(ready(p) for p in c.list("pods", selector="app=big")), timeout=30)
    c.apply(SMALL_ON_POOL)
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=small")) == 3, timeout=30)
    moving = [p["metadata"]["name"] for p in c.list("pods", selector="app=small")]
    assert {c.get("pods", n)["spec"]["nodeName"] for n in moving} == {node}
    c.delete("deploy", "big")
    advance_until(c, lambda: pool_nodes(c) == [], timeout=900, step=10)
    for name in moving:
        assert events(c, {"kind": "Pod", "metadata": {"name": name, "namespace": "default"}},
                      "ScaleDown") == ["deleting pod for node scale down"]
    messages = [e["message"] for e in c.events(status_configmap(c)) if e["reason"] == "ScaleDown"]
    assert re.fullmatch(rf"Scale-down: removing node {node}, utilization: \{{0\.1 0\.00\d+ 0 cpu 0\.1\}}, "
                        rf"pods to reschedule: {','.join(sorted(moving))}", messages[0]), messages[0]
    assert messages[1] == f"Scale-down: node {node} removed with drain"
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=small")) == 3, timeout=60)
    assert {p["spec"]["nodeName"] for p in c.list("pods", selector="app=small")} == {"sim-worker"}


def test_node_groups_are_checked() -> None:
    with pytest.raises(UsageError, match="need 0 <= min <= max"):
        SimCluster(node_groups=[{"name": "pool", "min": 3, "max": 2}])
    with pytest.raises(UsageError, match="unknown key 'size'"):
        SimCluster(node_groups=[{"name": "pool", "size": 3}])


def test_the_hpa_grows_the_deployment_and_the_cluster_autoscaler_the_nodes() -> None:
    c = SimCluster(workers=0, node_groups=[{"name": "pool", "min": 1, "max": 4, "cpu": "1", "memory": "2Gi"}])
    c.apply(WEB.replace("cpu: 100m", "cpu: 250m"))  # three fit a 1-CPU node beside kindnet's 100m
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=web")) == 3, timeout=60)
    c.apply(hpa(2, 10))
    _, stop = start_load(c, 1500)
    advance_until(c, lambda: replicas(c) == 10, timeout=120)
    assert pending(c, "app=web")  # the HPA asked for more than the one node holds
    advance_until(c, lambda: all(ready(p) for p in c.list("pods", selector="app=web")), timeout=180)
    assert len(pool_nodes(c)) == 4  # 7 more pods of 250m: three more 1-CPU nodes
    stop()
    advance_until(c, lambda: replicas(c) == 2, timeout=400, step=5)
    advance_until(c, lambda: len(pool_nodes(c)) == 1, timeout=1300, step=10)
    assert sum(ready(p) for p in c.list("pods", selector="app=web")) == 2
