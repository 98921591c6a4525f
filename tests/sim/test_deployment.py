"""The Deployment controller through SimCluster: what a Deployment creates, reports and does when scaled.

Expected objects and wording come from a real Kubernetes 1.35 control plane (shared/reference/k8s-1.35/
deployment.txt); hashes differ (they hash Go's in-memory template) but have the same shape.
"""

from __future__ import annotations

import re

from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.standin import StandinKubelet, cluster, deployment

__all__ = ["cluster"]

HASH = r"[bcdfghjklmnpqrstvwxz2456789]{6,10}"
SUFFIX = r"[bcdfghjklmnpqrstvwxz2456789]{5}"


def _rs(c: SimCluster, name: str = "nginx-deployment") -> dict:
    (rs,) = [r for r in c.list("rs") if r["metadata"]["name"].startswith(name + "-")
             and r["spec"]["replicas"] > 0]
    return rs


def test_the_seeds_deployment_makes_a_replicaset_and_three_pods(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    d = cluster.get("deploy", "nginx-deployment")
    (rs,) = cluster.list("rs")
    pth = rs["metadata"]["labels"]["pod-template-hash"]
    assert re.fullmatch(HASH, pth)
    assert rs["metadata"]["name"] == f"nginx-deployment-{pth}"
    assert rs["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pth}
    assert rs["metadata"]["annotations"] == {"deployment.kubernetes.io/desired-replicas": "3",
                                             "deployment.kubernetes.io/max-replicas": "4",
                                             "deployment.kubernetes.io/revision": "1"}
    assert rs["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "blockOwnerDeletion": True, "controller": True, "kind": "Deployment",
        "name": "nginx-deployment", "uid": d["metadata"]["uid"]}]
    assert rs["spec"]["selector"] == {"matchLabels": {"app": "nginx", "pod-template-hash": pth}}
    assert rs["spec"]["template"]["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pth}
    assert rs["spec"]["template"]["spec"] == d["spec"]["template"]["spec"]
    assert rs["status"] == {"availableReplicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1,
                            "readyReplicas": 3, "replicas": 3}
    pods = cluster.list("pods")
    assert len(pods) == 3
    for pod in pods:
        assert re.fullmatch(rf"nginx-deployment-{pth}-{SUFFIX}", pod["metadata"]["name"])
        assert pod["metadata"]["labels"] == {"app": "nginx", "pod-template-hash": pth}
        assert pod["metadata"]["ownerReferences"][0]["name"] == rs["metadata"]["name"]
        assert pod["status"]["phase"] == "Running"


def test_the_seeds_deployment_reports_status_as_kubernetes_does(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    d = cluster.get("deploy", "nginx-deployment")
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "1"
    status = dict(d["status"])
    conditions = status.pop("conditions")
    assert status == {"availableReplicas": 3, "observedGeneration": 1, "readyReplicas": 3, "replicas": 3,
                      "updatedReplicas": 3}
    rs_name = cluster.list("rs")[0]["metadata"]["name"]
    assert [(c["type"], c["status"], c["reason"], c["message"]) for c in conditions] == [
        ("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
        ("Progressing", "True", "NewReplicaSetAvailable", f'ReplicaSet "{rs_name}" has successfully progressed.'),
    ]
    # Progressing turned True when the ReplicaSet was created, a second before the pods were available.
    progressing = conditions[1]
    assert progressing["lastTransitionTime"] == d["metadata"]["creationTimestamp"]
    assert progressing["lastUpdateTime"] == conditions[0]["lastTransitionTime"] != progressing["lastTransitionTime"]


def test_a_deployment_short_of_pods_is_not_available(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", image="nginx:no-such-tag"))
    cluster.advance(5)
    status = cluster.get("deploy", "web")["status"]
    assert status["unavailableReplicas"] == 3
    assert "availableReplicas" not in status and "readyReplicas" not in status
    available = next(c for c in status["conditions"] if c["type"] == "Available")
    assert (available["status"], available["reason"], available["message"]) == (
        "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.")


def test_a_deleted_pod_is_replaced(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    victim = cluster.list("pods")[0]["metadata"]["name"]
    cluster.delete("pod", victim)
    pods = cluster.list("pods")
    replacement = [p for p in pods if p["metadata"]["name"] != victim and "deletionTimestamp" not in p["metadata"]]
    assert len(replacement) == 3  # the ReplicaSet does not wait for the old pod to finish terminating
    cluster.advance(3)
    names = [p["metadata"]["name"] for p in cluster.list("pods")]
    assert victim not in names and len(names) == 3
    assert all(p["status"]["phase"] == "Running" for p in cluster.list("pods"))
    created = [e["message"] for e in cluster.events() if e["reason"] == "SuccessfulCreate"]
    assert len(created) == 4 and created[-1].startswith("Created pod: nginx-deployment-")


def test_scaling_up_and_down_resizes_the_replicaset(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    assert str(cluster.scale("deployment", "nginx-deployment", 5)) == "deployment.apps/nginx-deployment scaled"
    cluster.advance(3)
    rs = _rs(cluster)
    assert rs["spec"]["replicas"] == 5 and rs["status"]["availableReplicas"] == 5
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "7"
    cluster.scale("deploy", "nginx-deployment", 2)
    cluster.advance(3)
    assert len(cluster.list("pods")) == 2
    scaling = [e["message"] for e in cluster.events() if e["reason"] == "ScalingReplicaSet"]
    name = rs["metadata"]["name"]
    assert scaling == [f"Scaled up replica set {name} from 0 to 3", f"Scaled up replica set {name} from 3 to 5",
                       f"Scaled down replica set {name} from 5 to 2"]


def test_scaling_down_removes_pods_that_are_not_running_yet_first(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    first = {p["metadata"]["name"] for p in cluster.list("pods")}
    cluster.scale("deploy", "nginx-deployment", 5)
    cluster.scale("deploy", "nginx-deployment", 3)  # the two new pods are still Pending
    left = {p["metadata"]["name"] for p in cluster.list("pods") if "deletionTimestamp" not in p["metadata"]}
    assert left == first


def test_scaling_down_removes_doubled_up_then_newest_ready_pods_first(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(10)
    first = {p["metadata"]["name"] for p in cluster.list("pods")}
    cluster.scale("deploy", "nginx-deployment", 5)
    cluster.advance(3)
    pods = cluster.list("pods")
    by_node: dict[str, list[str]] = {}
    for p in pods:
        by_node.setdefault(p["spec"]["nodeName"], []).append(p["metadata"]["name"])
    crowded = max(by_node.values(), key=len)
    assert len(crowded) == 3
    cluster.scale("deploy", "nginx-deployment", 3)
    deleted = {e["message"].removeprefix("Deleted pod: ") for e in cluster.events()
               if e["reason"] == "SuccessfulDelete"}
    assert len(deleted) == 2 and deleted <= set(crowded)
    # Of the three on the crowded node, the one that has been ready for the shortest time goes first.
    newest = [n for n in crowded if n not in first]
    assert set(newest) <= deleted


def test_surge_rounds_up_and_unavailability_down() -> None:
    c = SimCluster()
    c.apply(deployment("ten", replicas=10))
    (rs,) = c.list("rs")
    assert rs["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "13"  # 25% of 10 -> 3


def test_when_both_fenceposts_round_to_zero_one_pod_may_be_unavailable(cluster: SimCluster) -> None:
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": "10%"}}
    cluster.apply(deployment("web", strategy=strategy))
    cluster.advance(3)
    cluster.set_image("deploy", "web", nginx="nginx:1.21")
    sizes = sorted((r["metadata"]["annotations"]["deployment.kubernetes.io/revision"], r["spec"]["replicas"])
                   for r in cluster.list("rs"))
    assert sizes == [("1", 2), ("2", 1)]  # one old pod went first (no surge), then one new one came
    assert all(r["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "3"
               for r in cluster.list("rs"))


def test_resizing_mid_rollout_shares_the_new_replicas_proportionally(cluster: SimCluster) -> None:
    # Kubernetes' documented example: 10 replicas, maxSurge 3, maxUnavailable 2, a new image that never starts.
    strategy = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 2}}
    cluster.apply(deployment("web", replicas=10, strategy=strategy))
    cluster.advance(5)
    cluster.set_image("deploy", "web", nginx="nginx:no-such-tag")
    cluster.advance(5)
    revisions = {r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r for r in cluster.list("rs")}
    assert (revisions["1"]["spec"]["replicas"], revisions["2"]["spec"]["replicas"]) == (8, 5)
    cluster.scale("deploy", "web", 15)
    revisions = {r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r for r in cluster.list("rs")}
    assert (revisions["1"]["spec"]["replicas"], revisions["2"]["spec"]["replicas"]) == (11, 7)


def test_min_ready_seconds_delays_availability(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", replicas=2, minReadySeconds=5))
    start = cluster.elapsed
    seen: list[tuple[float, int, int]] = []

    def record(event: dict) -> None:
        st = event["object"].get("status") or {}
        seen.append((cluster.elapsed - start, st.get("readyReplicas", 0), st.get("availableReplicas", 0)))

    cluster.watch(record, kinds=["deploy"])
    cluster.advance(10)
    ready_at = min(t for t, ready, _ in seen if ready == 2)
    available_at = min(t for t, _, available in seen if available == 2)
    # Available minReadySeconds after ready, noticed within a second (the ReplicaSet controller looks again then).
    assert ready_at + 5 <= available_at <= ready_at + 6
    assert _rs(cluster, "web")["spec"]["minReadySeconds"] == 5


def test_revision_history_limit_keeps_only_that_many_old_replicasets(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", revisionHistoryLimit=2))
    cluster.advance(3)
    for tag in ("1.21", "1.22", "1.23", "1.24"):
        cluster.set_image("deploy", "web", nginx=f"nginx:{tag}")
        cluster.rollout_status("web")
    revisions = sorted(int(r["metadata"]["annotations"]["deployment.kubernetes.io/revision"])
                       for r in cluster.list("rs"))
    assert revisions == [3, 4, 5]


def test_a_name_taken_by_another_replicaset_moves_the_collision_count_on(cluster: SimCluster) -> None:
    probe = SimCluster()
    probe.apply(deployment("web"))
    taken = probe.list("rs")[0]["metadata"]["name"]
    cluster.create({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": taken},
                    "spec": {"replicas": 0, "selector": {"matchLabels": {"other": "x"}},
                             "template": {"metadata": {"labels": {"other": "x"}},
                                          "spec": {"containers": [{"name": "c", "image": "busybox"}]}}}})
    cluster.apply(deployment("web"))
    cluster.advance(3)
    d = cluster.get("deploy", "web")
    assert d["status"]["collisionCount"] == 1
    assert d["status"]["availableReplicas"] == 3
    ours = _rs(cluster, "web")
    assert ours["metadata"]["name"] != taken
    assert cluster.get("rs", taken)["metadata"].get("ownerReferences") is None


def _run_seed_story(seed: int) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    c = SimCluster(workers=2, seed=seed)
    c.rt.add_controller(StandinKubelet)
    c.apply(SEED_DEPLOYMENT)
    c.advance(3)
    c.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    c.advance(5)
    c.delete("pod", c.list("pods")[0]["metadata"]["name"])
    c.scale("deploy", "nginx-deployment", 5)
    c.advance(5)
    c.rollout_undo("nginx-deployment")
    c.advance(10)
    events = [(e["metadata"]["name"], e["reason"], e["involvedObject"]["name"], e["message"]) for e in c.events()]
    return events, [p["metadata"]["name"] for p in c.list("pods")]


def test_two_runs_give_identical_names_and_events() -> None:
    first, second = _run_seed_story(0), _run_seed_story(0)
    assert first == second
    assert len(first[0]) > 20
    assert _run_seed_story(1)[1] != first[1]  # another seed names pods differently
