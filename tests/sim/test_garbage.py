"""The garbage collector through SimCluster: cascading deletion (background, foreground, orphan) by ownerReferences."""

from __future__ import annotations

import pytest

from kube_magics.errors import NotFoundError
from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.standin import cluster

__all__ = ["cluster"]


def names(c: SimCluster, resource: str) -> list[str]:
    return [o["metadata"]["name"] + (" (terminating)" if o["metadata"].get("deletionTimestamp") else "")
            for o in c.list(resource)]


def started(c: SimCluster) -> SimCluster:
    c.apply(SEED_DEPLOYMENT)
    c.advance(5)
    return c


def configmap(name: str, *owners: dict) -> dict:
    refs = [{"apiVersion": o["apiVersion"], "kind": o["kind"], "name": o["metadata"]["name"],
             "uid": o["metadata"]["uid"]} for o in owners]
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "ownerReferences": refs}}


def test_deleting_a_deployment_takes_its_replicaset_and_pods_in_the_background(cluster: SimCluster) -> None:
    started(cluster)
    cluster.delete("deployment", "nginx-deployment")
    assert cluster.list("deploy") == [] and cluster.list("rs") == []
    pods = cluster.list("pods")
    assert len(pods) == 3 and all(p["metadata"].get("deletionTimestamp") for p in pods)
    assert all(p["metadata"]["deletionGracePeriodSeconds"] == 30 for p in pods)
    cluster.advance(2)
    assert cluster.list("pods") == []


def test_foreground_deletion_keeps_the_owner_until_its_dependents_are_gone(cluster: SimCluster) -> None:
    started(cluster)
    cluster.delete("deployment", "nginx-deployment", propagation="Foreground")
    d = cluster.get("deploy", "nginx-deployment")
    assert d["metadata"]["finalizers"] == ["foregroundDeletion"] and d["metadata"]["deletionTimestamp"]
    (rs,) = cluster.list("rs")
    assert rs["metadata"]["finalizers"] == ["foregroundDeletion"]
    assert all(p["metadata"].get("deletionTimestamp") for p in cluster.list("pods"))
    cluster.advance(0.5)
    assert names(cluster, "deploy") == ["nginx-deployment (terminating)"]
    cluster.advance(1)
    assert cluster.list("deploy") == [] and cluster.list("rs") == [] and cluster.list("pods") == []


def test_orphan_deletion_leaves_the_dependents_without_owner(cluster: SimCluster) -> None:
    started(cluster)
    pods_before = names(cluster, "pods")
    cluster.delete("deployment", "nginx-deployment", propagation="Orphan")
    cluster.advance(2)
    assert cluster.list("deploy") == []
    (rs,) = cluster.list("rs")
    assert "ownerReferences" not in rs["metadata"] and "finalizers" not in rs["metadata"]
    assert names(cluster, "pods") == pods_before
    # The orphaned ReplicaSet still keeps its pods.
    cluster.delete("pod", cluster.list("pods")[0]["metadata"]["name"])
    cluster.advance(2)
    assert len(cluster.list("pods")) == 3


def test_deleting_a_replicaset_of_a_deployment_brings_a_new_one(cluster: SimCluster) -> None:
    started(cluster)
    (rs,) = cluster.list("rs")
    old_pods = set(names(cluster, "pods"))
    cluster.delete("rs", rs["metadata"]["name"])
    (again,) = cluster.list("rs")
    assert again["metadata"]["name"] == rs["metadata"]["name"] and again["metadata"]["uid"] != rs["metadata"]["uid"]
    cluster.advance(3)
    assert len(cluster.list("pods")) == 3 and not old_pods & set(names(cluster, "pods"))


def test_a_dependent_lives_while_any_owner_does(cluster: SimCluster) -> None:
    a = cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}})
    b = cluster.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}})
    cluster.create(configmap("shared", a, b))
    cluster.delete("cm", "a")
    refs = cluster.get("cm", "shared")["metadata"]["ownerReferences"]
    assert [r["name"] for r in refs] == ["b"]  # the reference to the owner that went is removed
    cluster.delete("cm", "b")
    with pytest.raises(NotFoundError):
        cluster.get("cm", "shared")


def test_an_object_created_for_an_owner_that_is_gone_is_collected(cluster: SimCluster) -> None:
    ghost = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ghost",
                                                                   "uid": "00000000-0000-4000-8000-000000000000"}}
    cluster.create(configmap("left-behind", ghost))
    with pytest.raises(NotFoundError):
        cluster.get("cm", "left-behind")
