"""The ReplicaSet controller through SimCluster: pods to match replicas, adoption and release, failures."""

from __future__ import annotations

import re

from kube_magics.sim import SimCluster
from tests.sim.standin import cluster

__all__ = ["cluster"]


def replicaset(name: str = "frontend", replicas: int = 3, **template_spec: object) -> dict:
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"tier": name}},
                     "template": {"metadata": {"labels": {"tier": name}},
                                  "spec": {"containers": [{"name": "php", "image": "nginx:1.20"}],
                                           **template_spec}}}}


def bare_pod(name: str, labels: dict[str, str]) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": {"containers": [{"name": "c", "image": "nginx:1.20"}]}}


def owners(c: SimCluster) -> dict[str, str | None]:
    return {p["metadata"]["name"]: (p["metadata"].get("ownerReferences") or [{}])[0].get("name")
            for p in c.list("pods") if "deletionTimestamp" not in p["metadata"]}


def test_a_replicaset_creates_its_pods_and_reports_them(cluster: SimCluster) -> None:
    cluster.apply(replicaset())
    rs = cluster.get("rs", "frontend")
    assert rs["status"] == {"replicas": 3, "fullyLabeledReplicas": 3, "observedGeneration": 1}
    pods = cluster.list("pods")
    assert all(re.fullmatch(r"frontend-[bcdfghjklmnpqrstvwxz2456789]{5}", p["metadata"]["name"]) for p in pods)
    assert all(p["metadata"]["ownerReferences"] == [{
        "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "frontend", "uid": rs["metadata"]["uid"],
        "controller": True, "blockOwnerDeletion": True}] for p in pods)
    created = [(e["type"], e["reason"], e["message"], e["source"]) for e in cluster.events()]
    assert sorted(created) == sorted(("Normal", "SuccessfulCreate", f"Created pod: {p['metadata']['name']}",
                                      {"component": "replicaset-controller"}) for p in pods)
    cluster.advance(3)
    assert cluster.get("rs", "frontend")["status"] == {
        "replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
        "observedGeneration": 1}


def test_scaling_a_replicaset_deletes_with_events(cluster: SimCluster) -> None:
    cluster.apply(replicaset())
    cluster.advance(3)
    assert str(cluster.scale("rs", "frontend", 1)) == "replicaset.apps/frontend scaled"
    deleted = [e["message"] for e in cluster.events() if e["reason"] == "SuccessfulDelete"]
    assert len(deleted) == 2 and all(m.startswith("Deleted pod: frontend-") for m in deleted)
    status = cluster.get("rs", "frontend")["status"]
    assert (status["replicas"], status["observedGeneration"]) == (1, 2)


def test_matching_orphans_are_adopted(cluster: SimCluster) -> None:
    cluster.apply(bare_pod("early", {"tier": "frontend"}))
    cluster.apply(bare_pod("stranger", {"tier": "backend"}))
    cluster.apply(replicaset())
    found = owners(cluster)
    assert found["early"] == "frontend"
    assert found["stranger"] is None
    assert sum(1 for owner in found.values() if owner == "frontend") == 3
    assert len([e for e in cluster.events() if e["reason"] == "SuccessfulCreate"]) == 2


def test_a_pod_whose_labels_no_longer_match_is_released_and_replaced(cluster: SimCluster) -> None:
    cluster.apply(replicaset())
    cluster.advance(3)
    pod = cluster.list("pods")[0]
    pod["metadata"]["labels"] = {"tier": "debugging"}
    cluster.replace(pod)
    found = owners(cluster)
    assert found[pod["metadata"]["name"]] is None
    assert sum(1 for owner in found.values() if owner == "frontend") == 3


def test_surplus_adopted_pods_are_deleted(cluster: SimCluster) -> None:
    cluster.apply(replicaset(replicas=1))
    cluster.advance(3)
    cluster.apply(bare_pod("extra", {"tier": "frontend"}))  # pending: it goes before the running one
    assert list(owners(cluster).values()) == ["frontend"]
    assert "extra" not in owners(cluster)


def test_a_pod_the_api_refuses_shows_as_failed_create(cluster: SimCluster) -> None:
    cluster.apply(replicaset(priorityClassName="no-such-class"))
    assert cluster.list("pods") == []
    failures = [e for e in cluster.events() if e["reason"] == "FailedCreate"]
    assert failures and failures[0]["type"] == "Warning"
    assert failures[0]["message"].startswith("Error creating: pods ")
    assert failures[0]["message"].endswith("is forbidden: no PriorityClass with name no-such-class was found")
    (cond,) = cluster.get("rs", "frontend")["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == ("ReplicaFailure", "True", "FailedCreate")
    first = sum(e.get("count", 1) for e in failures)
    cluster.advance(60)  # retried with back-off (5 ms doubling): about a dozen more attempts in a minute
    attempts = sum(e.get("count", 1) for e in cluster.events() if e["reason"] == "FailedCreate")
    assert 5 < attempts - first < 20
