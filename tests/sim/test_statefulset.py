"""The StatefulSet controller, through SimCluster on the real scheduler and kubelet (compare workloads.txt of the
reference recordings)."""

from __future__ import annotations

from typing import Any

from kube_magics.printers import GetOptions, get
from kube_magics.sim import SimCluster
from kube_magics.timefmt import parse_rfc3339
from tests.reference import output

DB = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  replicas: 2
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
        - name: db
          image: redis:7
"""

WEB = """
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: web
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
        - name: c
          image: busybox:1.36
          command: ["sleep", "3600"]
"""


def pods(c: SimCluster, app: str) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p for p in c.list("pods", selector=f"app={app}")}


def phases(c: SimCluster, app: str) -> dict[str, str]:
    return {name: ("Terminating" if p["metadata"].get("deletionTimestamp") else p["status"]["phase"])
            for name, p in pods(c, app).items()}


def watch_pod_events(c: SimCluster, app: str) -> list[tuple[str, str]]:
    """(ADDED|DELETED, name) for the app's pods, in order, and ("DELETING", name) when one starts terminating."""
    seen: list[tuple[str, str]] = []

    def on_change(event: dict[str, Any]) -> None:
        pod = event["object"]
        if pod["metadata"].get("labels", {}).get("app") != app:
            return
        if event["type"] == "MODIFIED" and pod["metadata"].get("deletionTimestamp"):
            if ("DELETING", pod["metadata"]["name"]) not in seen[-3:]:
                seen.append(("DELETING", pod["metadata"]["name"]))
        elif event["type"] != "MODIFIED":
            seen.append((event["type"], pod["metadata"]["name"]))

    c.watch(on_change, ["pods"])
    return seen


def test_the_recorded_statefulset_starts_its_pods_in_order_and_prints_as_kubectl_does() -> None:
    c = SimCluster()
    c.apply(DB)
    assert list(pods(c, "db")) == ["db-0"]  # db-1 waits for db-0 to be Running and Ready
    c.advance(20)
    db0, db1 = pods(c, "db")["db-0"], pods(c, "db")["db-1"]
    ready0 = next(x["lastTransitionTime"] for x in db0["status"]["conditions"] if x["type"] == "Ready")
    assert parse_rfc3339(db1["metadata"]["creationTimestamp"]) >= parse_rfc3339(ready0)
    table = get(c.list("sts"), now=c.now, options=GetOptions(show_kind=True)).text.splitlines()
    recorded = output("workloads.txt", "kubectl get ds,sts").splitlines()
    assert table[0].split() == recorded[-2].split()
    assert table[1].split()[:2] == recorded[-1].split()[:2] == ["statefulset.apps/db", "2/2"]
    for i, pod in enumerate((db0, db1)):
        assert pod["spec"]["hostname"] == f"db-{i}" and pod["spec"]["subdomain"] == "db"
        labels = pod["metadata"]["labels"]
        assert labels["statefulset.kubernetes.io/pod-name"] == f"db-{i}"
        assert labels["apps.kubernetes.io/pod-index"] == str(i)
        assert labels["controller-revision-hash"].startswith("db-")
        assert pod["metadata"]["ownerReferences"][0]["kind"] == "StatefulSet"
    status = c.get("sts", "db")["status"]
    revision = db0["metadata"]["labels"]["controller-revision-hash"]
    assert status == {"availableReplicas": 2, "collisionCount": 0, "currentReplicas": 2,
                      "currentRevision": revision, "observedGeneration": 1, "readyReplicas": 2, "replicas": 2,
                      "updateRevision": revision, "updatedReplicas": 2}
    assert [r["metadata"]["name"] for r in c.list("controllerrevisions")] == [revision]
    assert [(e["reason"], e["message"]) for e in c.events(c.get("sts", "db"))] == [
        ("SuccessfulCreate", "create Pod db-0 in StatefulSet db successful"),
        ("SuccessfulCreate", "create Pod db-1 in StatefulSet db successful")]


def test_scale_down_goes_in_reverse_one_pod_at_a_time() -> None:
    c = SimCluster()
    c.apply(WEB)
    c.advance(15)
    assert phases(c, "web") == {"web-0": "Running", "web-1": "Running", "web-2": "Running"}
    seen = watch_pod_events(c, "web")
    c.scale("sts", "web", 1)
    assert phases(c, "web") == {"web-0": "Running", "web-1": "Running", "web-2": "Terminating"}
    c.advance(31)  # `sleep` ignores SIGTERM: web-2 goes when its grace period ends, then web-1 starts terminating
    assert phases(c, "web") == {"web-0": "Running", "web-1": "Terminating"}
    c.advance(31)
    assert phases(c, "web") == {"web-0": "Running"}
    assert seen == [("DELETING", "web-2"), ("DELETED", "web-2"), ("DELETING", "web-1"), ("DELETED", "web-1")]
    assert c.get("sts", "web")["status"]["replicas"] == 1


def test_a_deleted_pod_comes_back_with_the_same_name_once_it_is_gone() -> None:
    c = SimCluster()
    c.apply(WEB)
    c.advance(15)
    old_uid = pods(c, "web")["web-1"]["metadata"]["uid"]
    c.delete("pods", "web-1")
    c.advance(25)
    # It still holds its identity while it terminates: no second web-1, and nothing replaces it yet.
    assert phases(c, "web") == {"web-0": "Running", "web-1": "Terminating", "web-2": "Running"}
    c.advance(10)
    assert phases(c, "web") == {"web-0": "Running", "web-1": "Running", "web-2": "Running"}
    new = pods(c, "web")["web-1"]
    assert new["metadata"]["uid"] != old_uid and new["spec"]["hostname"] == "web-1"


def test_a_partitioned_rolling_update_replaces_pods_from_the_highest_ordinal_down_to_the_partition() -> None:
    c = SimCluster()
    c.apply(DB.replace("replicas: 2", "replicas: 3"))
    c.advance(20)
    first = c.get("sts", "db")["status"]["currentRevision"]
    seen = watch_pod_events(c, "db")
    c.patch("sts", "db", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 1}},
                                   "template": {"spec": {"containers": [{"name": "db", "image": "redis:7.2"}]}}}})
    c.advance(60)
    now = pods(c, "db")
    status = c.get("sts", "db")["status"]
    second = status["updateRevision"]
    assert second != first and status["currentRevision"] == first
    assert {n: p["metadata"]["labels"]["controller-revision-hash"] for n, p in now.items()} == \
        {"db-0": first, "db-1": second, "db-2": second}
    assert now["db-2"]["spec"]["containers"][0]["image"] == "redis:7.2"
    assert now["db-0"]["spec"]["containers"][0]["image"] == "redis:7"
    assert [e for e in seen if e[0] != "DELETING"] == [("DELETED", "db-2"), ("ADDED", "db-2"),
                                                         ("DELETED", "db-1"), ("ADDED", "db-1")]
    assert (status["currentReplicas"], status["updatedReplicas"], status["readyReplicas"]) == (1, 2, 3)
    # Lowering the partition to 0 finishes the update; the new revision becomes the current one.
    c.patch("sts", "db", {"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}})
    c.advance(30)
    status = c.get("sts", "db")["status"]
    assert status["currentRevision"] == status["updateRevision"] == second
    assert status["currentReplicas"] == status["updatedReplicas"] == 3
    assert sorted(r["metadata"]["name"] for r in c.list("controllerrevisions")) == sorted([first, second])


def test_on_delete_waits_for_the_user_and_parallel_starts_every_pod_at_once() -> None:
    c = SimCluster()
    c.apply(DB.replace("serviceName: db", "serviceName: db\n  updateStrategy:\n    type: OnDelete"))
    c.apply(WEB.replace("serviceName: web", "serviceName: web\n  podManagementPolicy: Parallel"))
    assert sorted(pods(c, "web")) == ["web-0", "web-1", "web-2"]
    c.advance(20)
    c.patch("sts", "db", {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "redis:7.2"}]}}}})
    c.advance(30)
    assert {p["spec"]["containers"][0]["image"] for p in pods(c, "db").values()} == {"redis:7"}
    c.delete("pods", "db-1")
    c.advance(10)
    assert pods(c, "db")["db-1"]["spec"]["containers"][0]["image"] == "redis:7.2"


def test_claim_templates_give_each_pod_its_own_claim() -> None:
    c = SimCluster()
    claims = """
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: ["ReadWriteOnce"]
      resources:
        requests:
          storage: 1Gi
"""
    c.apply(DB + claims)
    c.advance(20)
    for i in range(2):
        pod = pods(c, "db")[f"db-{i}"]
        assert {"name": "data", "persistentVolumeClaim": {"claimName": f"data-db-{i}"}} in pod["spec"]["volumes"]
        claim = c.get("pvc", f"data-db-{i}")
        assert claim["metadata"]["labels"] == {"app": "db"}
        assert claim["spec"]["resources"]["requests"]["storage"] == "1Gi"
    messages = [e["message"] for e in c.events(c.get("sts", "db"))]
    assert messages[:2] == ["create Claim data-db-0 Pod db-0 in StatefulSet db success",
                            "create Pod db-0 in StatefulSet db successful"]
    c.scale("sts", "db", 1)
    c.advance(10)
    assert c.get("pvc", "data-db-1")  # claims outlive their pods (whenScaled: Retain)


def test_kinds_standard_class_provisions_a_local_volume_on_the_pods_node() -> None:
    c = SimCluster()
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "2Gi"}}}}
    made = c.create(claim)
    assert made["spec"]["storageClassName"] == "standard"  # the DefaultStorageClass admission plugin
    c.advance(30)
    assert c.get("pvc", "data")["status"]["phase"] == "Pending"  # WaitForFirstConsumer: nobody uses it yet
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "user"}, "spec": {
        "containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"],
                        "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}})
    c.advance(5)
    bound = c.get("pvc", "data")
    node = c.get("pods", "user")["spec"]["nodeName"]
    assert bound["status"] == {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "2Gi"}, "phase": "Bound"}
    volume = c.get("pv", bound["spec"]["volumeName"], None)
    assert volume["metadata"]["name"] == f"pvc-{bound['metadata']['uid']}"
    assert volume["spec"]["claimRef"]["name"] == "data" and volume["status"]["phase"] == "Bound"
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] \
        == [node]
    assert [e["reason"] for e in c.events(bound)] == ["WaitForFirstConsumer", "ExternalProvisioning",
                                                      "Provisioning", "ProvisioningSucceeded"]
    row = get(c.list("pvc"), now=c.now).text.splitlines()[1].split()
    assert row[1:6] == ["Bound", volume["metadata"]["name"], "2Gi", "RWO", "standard"]
    c.delete("pods", "user", grace_period=0)
    c.delete("pvc", "data")
    c.advance(1)
    assert c.list("pv", None) == []  # the class's reclaim policy is Delete
