"""The simulator's store and API logic, through the public SimCluster API."""

from __future__ import annotations

import pytest

from kube_magics.errors import AlreadyExistsError, NotFoundError
from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_POD

POD = SEED_POD


def test_a_new_cluster_has_kinds_nodes_and_namespaces() -> None:
    c = SimCluster(workers=2, seed=0)
    nodes = c.list("nodes")
    assert [n["metadata"]["name"] for n in nodes] == ["sim-control-plane", "sim-worker", "sim-worker2"]
    assert nodes[0]["spec"]["taints"] == [{"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}]
    names = {n["metadata"]["name"] for n in c.list("ns")}
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= names
    assert c.get("configmap", "kube-root-ca.crt")["data"]["ca.crt"].startswith("-----BEGIN CERTIFICATE")


def test_apply_reports_created_unchanged_configured() -> None:
    c = SimCluster()
    assert [r.action for r in c.apply(POD)] == ["created"]
    assert [r.action for r in c.apply(POD)] == ["unchanged"]
    changed = POD.replace("  name: nginx-pod", "  name: nginx-pod\n  labels:\n    app: web")
    result = c.apply(changed)
    assert [str(r) for r in result] == ["pod/nginx-pod configured"]
    assert c.get("pod", "nginx-pod")["metadata"]["labels"] == {"app": "web"}
    # A field removed from the manifest is removed from the object.
    c.apply(POD)
    assert "labels" not in c.get("pod", "nginx-pod")["metadata"]


def test_objects_get_server_fields_and_pod_defaults() -> None:
    c = SimCluster()
    c.apply(POD)
    pod = c.get("pods", "nginx-pod")
    meta = pod["metadata"]
    assert meta["generation"] == 1 and meta["uid"] and int(meta["resourceVersion"]) > 0
    spec = pod["spec"]
    assert spec["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert spec["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert spec["serviceAccountName"] == "default"
    assert spec["volumes"][0]["name"].startswith("kube-api-access-")
    assert [t["key"] for t in spec["tolerations"]] == ["node.kubernetes.io/not-ready",
                                                      "node.kubernetes.io/unreachable"]
    assert pod["status"]["qosClass"] == "BestEffort"


def test_callers_get_copies_and_the_store_keeps_none_of_theirs() -> None:
    c = SimCluster()
    c.apply(POD)
    pod = c.get("pod", "nginx-pod")
    pod["spec"]["containers"][0]["image"] = "changed"
    assert c.get("pod", "nginx-pod")["spec"]["containers"][0]["image"] == "nginx:1.20"


def test_resource_versions_increase_across_the_cluster() -> None:
    c = SimCluster()
    c.apply(POD)
    first = int(c.get("pod", "nginx-pod")["metadata"]["resourceVersion"])
    c.apply(POD.replace("nginx-pod", "other"))
    assert int(c.get("pod", "other")["metadata"]["resourceVersion"]) > first


def test_errors_use_kubernetes_wording() -> None:
    c = SimCluster()
    with pytest.raises(NotFoundError, match=r'pods "nope" not found'):
        c.get("pods", "nope")
    with pytest.raises(NotFoundError, match=r'deployments\.apps "nope" not found'):
        c.delete("deploy", "nope")
    c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})
    with pytest.raises(AlreadyExistsError, match=r'configmaps "x" already exists'):
        c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}})


def test_watch_delivers_copies_in_order() -> None:
    c = SimCluster()
    seen: list[tuple[str, str]] = []
    stop = c.watch(lambda e: seen.append((e["type"], e["object"]["metadata"]["name"])), kinds=["pods"])
    c.apply(POD)
    c.delete("pod", "nginx-pod")
    stop()
    c.apply(POD)
    assert seen[0] == ("ADDED", "nginx-pod")
    assert seen[-1] == ("DELETED", "nginx-pod")
    assert all(name == "nginx-pod" for _, name in seen)


def test_a_batch_with_a_bad_document_writes_nothing() -> None:
    c = SimCluster()
    bad = POD + "---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n"
    with pytest.raises(Exception, match="Bad_Name"):
        c.apply(bad)
    assert c.list("pods") == []


def test_a_namespace_and_its_contents_apply_in_one_batch() -> None:
    c = SimCluster()
    text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team\n---\n" + POD.replace(
        "  name: nginx-pod", "  name: nginx-pod\n  namespace: team")
    assert [r.action for r in c.apply(text)] == ["created", "created"]
    assert c.get("pod", "nginx-pod", namespace="team")["metadata"]["namespace"] == "team"
    assert c.get("serviceaccount", "default", namespace="team")


def test_the_clock_is_virtual() -> None:
    c = SimCluster()
    start = c.now
    c.advance("1h30m")
    assert (c.now - start).total_seconds() == 5400
    assert c.elapsed == 5400
