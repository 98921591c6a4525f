"""The DaemonSet controller, through SimCluster (compare workloads.txt of the reference recordings)."""

from __future__ import annotations

import copy

from kube_magics.sim import SimCluster

AGENT = """
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: a
          image: busybox:1.36
          command: ["sleep", "3600"]
"""


def agent_pods(c: SimCluster) -> list[dict]:
    return c.list("pods", selector="app=agent")


def test_a_pod_on_each_worker_and_none_on_the_tainted_control_plane() -> None:
    c = SimCluster()
    c.apply(AGENT)
    c.advance(10)
    pods = agent_pods(c)
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["sim-worker", "sim-worker2"]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["metadata"]["name"].startswith("agent-") and len(p["metadata"]["name"]) == 11 for p in pods)
    ds = c.get("ds", "agent")
    assert ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "1"
    assert ds["status"] == {"currentNumberScheduled": 2, "desiredNumberScheduled": 2, "numberAvailable": 2,
                            "numberMisscheduled": 0, "numberReady": 2, "observedGeneration": 1,
                            "updatedNumberScheduled": 2}
    created = [e["message"] for e in c.events(ds) if e["reason"] == "SuccessfulCreate"]
    assert sorted(created) == sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    assert all(e["source"] == {"component": "daemonset-controller"} for e in c.events(ds))


def test_daemon_pods_are_pinned_to_their_node_and_get_the_daemonset_tolerations() -> None:
    c = SimCluster(workers=1)
    c.apply(AGENT)
    p = agent_pods(c)[0]
    terms = p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
    assert terms == {"nodeSelectorTerms": [{"matchFields": [{"key": "metadata.name", "operator": "In",
                                                             "values": ["sim-worker"]}]}]}
    keys = [(t["key"], t["effect"]) for t in p["spec"]["tolerations"]]
    assert keys == [("node.kubernetes.io/not-ready", "NoExecute"), ("node.kubernetes.io/unreachable", "NoExecute"),
                    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
                    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
                    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
                    ("node.kubernetes.io/unschedulable", "NoSchedule")]
    labels = p["metadata"]["labels"]
    assert labels["pod-template-generation"] == "1" and labels["controller-revision-hash"]
    assert p["metadata"]["ownerReferences"][0]["kind"] == "DaemonSet"


def test_tolerations_node_selectors_and_new_nodes() -> None:
    c = SimCluster(workers=2)
    everywhere = AGENT.replace("      containers:", "      tolerations:\n        - operator: Exists\n      containers:")
    c.apply(everywhere)
    assert len(agent_pods(c)) == 3
    c.add_node("sim-worker3")
    c.advance(5)
    assert sorted(p["spec"]["nodeName"] for p in agent_pods(c)) == [
        "sim-control-plane", "sim-worker", "sim-worker2", "sim-worker3"]
    picky = AGENT.replace("name: agent", "name: picky").replace("app: agent", "app: picky").replace(
        "      containers:", "      nodeSelector:\n        disk: ssd\n      containers:")
    c.apply(picky)
    assert c.list("pods", selector="app=picky") == []
    node = c.get("node", "sim-worker2")
    node["metadata"]["labels"]["disk"] = "ssd"
    c.replace(node)
    assert [p["spec"]["nodeName"] for p in c.list("pods", selector="app=picky")] == ["sim-worker2"]


def test_a_rolling_update_replaces_pods_one_node_at_a_time() -> None:
    c = SimCluster(workers=3)
    c.apply(AGENT)
    c.advance(10)
    before = {p["metadata"]["name"] for p in agent_pods(c)}
    c.apply(AGENT.replace("busybox:1.36", "busybox:latest"))
    lowest = 3
    for _ in range(120):
        c.advance(0.5)
        ready = [p for p in agent_pods(c) if not p["metadata"].get("deletionTimestamp")
                 and any(x["type"] == "Ready" and x["status"] == "True" for x in p["status"].get("conditions", []))]
        lowest = min(lowest, len(ready))
    pods = agent_pods(c)
    assert len(pods) == 3 and not before & {p["metadata"]["name"] for p in pods}
    assert {p["spec"]["containers"][0]["image"] for p in pods} == {"busybox:latest"}
    assert {p["metadata"]["labels"]["pod-template-generation"] for p in pods} == {"2"}
    assert lowest >= 2  # maxUnavailable 1
    ds = c.get("ds", "agent")
    assert ds["metadata"]["annotations"]["deprecated.daemonset.template.generation"] == "2"
    assert ds["status"]["updatedNumberScheduled"] == 3
    revisions = c.list("controllerrevisions")
    assert [r["revision"] for r in revisions if r["metadata"]["name"].startswith("agent-")] == sorted(
        r["revision"] for r in revisions if r["metadata"]["name"].startswith("agent-"))


def test_a_deleted_daemon_pod_comes_back() -> None:
    c = SimCluster(workers=1)
    c.apply(AGENT)
    c.advance(5)
    name = agent_pods(c)[0]["metadata"]["name"]
    c.delete("pod", name, grace_period=0)
    pods = agent_pods(c)
    assert len(pods) == 1 and pods[0]["metadata"]["name"] != name
    assert copy.deepcopy(pods[0]["spec"]["nodeName"]) == "sim-worker"
