"""Server-side apply on the simulator: field managers, pruning, conflicts, and managedFields as the API writes them."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kube_magics.errors import BadRequestError, ConflictError
from kube_magics.sim import SimCluster
from kube_magics.sim.controller import Controller
from tests.seed_manifests import SEED_DEPLOYMENT

DEPLOYMENT = SEED_DEPLOYMENT  # the seed chapter's

# What `kubectl apply --server-side` leaves in metadata.managedFields for that manifest: only what the manifest
# sets (no defaults), list items keyed (`k:`), with `.` for the items themselves; the selector is atomic.
APPLIED_FIELDS = {
    "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:containers": {'k:{"name":"nginx"}': {
                ".": {}, "f:image": {}, "f:name": {},
                "f:ports": {'k:{"containerPort":80,"protocol":"TCP"}': {".": {}, "f:containerPort": {}}},
            }}},
        },
    },
}


def deployment(**changes: Any) -> dict[str, Any]:
    obj = yaml.safe_load(DEPLOYMENT)
    for path, value in changes.items():
        node = obj
        *parents, last = path.split("__")
        for p in parents:
            node = node.setdefault(p, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return obj


def entries(c: SimCluster, resource: str = "deploy", name: str = "nginx-deployment") -> list[dict[str, Any]]:
    return c.get(resource, name)["metadata"].get("managedFields") or []


def entry(c: SimCluster, manager: str, resource: str = "deploy", name: str = "nginx-deployment") -> dict[str, Any]:
    found = [e for e in entries(c, resource, name) if e["manager"] == manager]
    assert len(found) == 1, entries(c, resource, name)
    return found[0]


# --- apply and the managed fields it records ----------------------------------------------------------------------


def test_apply_records_what_the_manifest_sets_as_an_apply_entry() -> None:
    c = SimCluster()
    [result] = c.apply(DEPLOYMENT)
    assert str(result) == "deployment.apps/nginx-deployment created"
    e = entry(c, "kube-magics")
    assert e == {"apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": APPLIED_FIELDS,
                 "manager": "kube-magics", "operation": "Apply", "time": "2026-01-05T09:00:00Z"}
    # Defaults are in the object but not the applier's.
    d = c.get("deploy", "nginx-deployment")
    assert d["spec"]["strategy"]["type"] == "RollingUpdate"
    assert d["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert result.object["metadata"]["managedFields"][0] == e


def test_managed_fields_after_the_controllers_status_write() -> None:
    c = SimCluster()
    c.advance("5s")
    c.apply(DEPLOYMENT)
    applied, status = entries(c)  # Apply entries first, then Update entries
    assert applied["manager"] == "kube-magics" and applied["fieldsV1"] == APPLIED_FIELDS
    # The deployment controller writes the revision annotation and the status through /status (UpdateStatus).
    assert {k: v for k, v in status.items() if k != "fieldsV1"} == {
        "apiVersion": "apps/v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager",
        "operation": "Update", "subresource": "status", "time": "2026-01-05T09:00:05Z"}
    fields = status["fieldsV1"]
    assert fields["f:metadata"] == {"f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}}
    condition = {".": {}, "f:lastTransitionTime": {}, "f:lastUpdateTime": {}, "f:message": {}, "f:reason": {},
                 "f:status": {}, "f:type": {}}
    assert fields["f:status"]["f:conditions"]['k:{"type":"Progressing"}'] == condition
    assert {"f:observedGeneration", "f:replicas"} <= set(fields["f:status"])
    # Applying the manifest again leaves the controller's entry alone.
    assert [r.action for r in c.apply(DEPLOYMENT)] == ["unchanged"]
    assert entries(c)[1]["manager"] == "kube-controller-manager"
    assert entries(c)[0] == applied


def test_applying_the_same_manifest_twice_changes_nothing() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    c.advance("10s")  # the rollout finishes; the Deployment is quiet from here on
    before = c.get("deploy", "nginx-deployment")
    seen: list[str] = []
    stop = c.watch(lambda ev: seen.append(ev["type"]), kinds=["deploy"])
    [again] = c.apply(DEPLOYMENT)
    c.advance("10s")
    stop()
    assert str(again) == "deployment.apps/nginx-deployment unchanged"
    assert seen == []
    after = c.get("deploy", "nginx-deployment")
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    assert after["metadata"]["managedFields"] == before["metadata"]["managedFields"]  # time not moved either


def test_changing_one_field_is_configured() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    c.advance("10s")
    [result] = c.apply(DEPLOYMENT.replace("nginx:1.20", "nginx:1.21"))
    assert str(result) == "deployment.apps/nginx-deployment configured"
    d = c.get("deploy", "nginx-deployment")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.21"
    assert d["metadata"]["generation"] == 2
    assert entry(c, "kube-magics")["time"] == "2026-01-05T09:00:10Z"


def test_a_field_removed_from_the_manifest_is_removed_from_the_object() -> None:
    c = SimCluster()
    labelled = deployment(metadata__labels={"team": "web"})
    container = labelled["spec"]["template"]["spec"]["containers"][0]
    container["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    container["ports"].append({"containerPort": 443})
    c.apply(labelled)
    container["env"] = [{"name": "B", "value": "2"}]
    container["ports"] = [{"containerPort": 80}]
    del labelled["metadata"]["labels"]
    del labelled["spec"]["replicas"]
    [result] = c.apply(labelled)
    assert result.action == "configured"
    d = c.get("deploy", "nginx-deployment")
    assert "labels" not in d["metadata"]
    got = d["spec"]["template"]["spec"]["containers"][0]
    assert got["env"] == [{"name": "B", "value": "2"}]
    assert got["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    assert d["spec"]["replicas"] == 1  # nobody owns it any more: back to the default
    assert "f:replicas" not in entry(c, "kube-magics")["fieldsV1"]["f:spec"]


def test_two_managers_with_disjoint_fields_coexist() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    team = {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "nginx-deployment", "labels": {"team": "web"}},
            "spec": {"template": {"spec": {"containers": [{"name": "sidecar", "image": "busybox:1.36"}]}}}}
    [result] = c.apply(team, manager="platform")
    assert result.action == "configured"
    # The first manager applies its manifest again: what the other manager set stays.
    c.apply(DEPLOYMENT.replace("replicas: 3", "replicas: 2"))
    d = c.get("deploy", "nginx-deployment")
    assert d["metadata"]["labels"] == {"team": "web"}
    assert [x["name"] for x in d["spec"]["template"]["spec"]["containers"]] == ["nginx", "sidecar"]
    assert d["spec"]["replicas"] == 2
    assert entry(c, "platform")["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:team": {}}},
        "f:spec": {"f:template": {"f:spec": {"f:containers": {
            'k:{"name":"sidecar"}': {".": {}, "f:image": {}, "f:name": {}}}}}},
    }
    # The second manager drops its sidecar: gone; the first manager's container stays.
    c.apply({**team, "spec": {}}, manager="platform")
    d = c.get("deploy", "nginx-deployment")
    assert [x["name"] for x in d["spec"]["template"]["spec"]["containers"]] == ["nginx"]


def test_a_conflicting_field_is_a_409_in_the_api_servers_words_and_force_takes_it() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    before = c.get("deploy", "nginx-deployment")
    with pytest.raises(ConflictError) as err:
        c.apply(DEPLOYMENT.replace("replicas: 3", "replicas: 5"), manager="other")
    assert err.value.code == 409
    assert err.value.message == 'Apply failed with 1 conflict: conflict with "kube-magics": .spec.replicas'
    assert [(x.field, x.message, x.reason) for x in err.value.causes] == [
        (".spec.replicas", 'conflict with "kube-magics"', "FieldManagerConflict")]
    assert c.get("deploy", "nginx-deployment") == before  # nothing written
    c.apply(DEPLOYMENT.replace("replicas: 3", "replicas: 5"), manager="other", force=True)
    assert c.get("deploy", "nginx-deployment")["spec"]["replicas"] == 5
    assert "f:replicas" not in entry(c, "kube-magics")["fieldsV1"]["f:spec"]
    assert "f:replicas" in entry(c, "other")["fieldsV1"]["f:spec"]


def test_conflicts_with_update_managers_name_their_api_version() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    # A client-side `kubectl apply` (a strategic merge patch by kubectl-client-side-apply) changes two fields.
    c.patch("deploy", "nginx-deployment", {"spec": {"replicas": 4, "template": {"spec": {"containers": [
        {"name": "nginx", "image": "nginx:1.25"}]}}}}, manager="kubectl-client-side-apply")
    with pytest.raises(ConflictError) as err:
        c.apply(DEPLOYMENT)
    assert err.value.message == (
        'Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using apps/v1:\n'
        "- .spec.replicas\n"
        '- .spec.template.spec.containers[name="nginx"].image')
    with pytest.raises(ConflictError) as err:
        c.apply(DEPLOYMENT.replace("nginx:1.20", "nginx:1.25"))
    assert err.value.message == ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using '
                                 "apps/v1: .spec.replicas")


def test_applying_a_value_another_manager_owns_shares_it() -> None:
    c = SimCluster()
    c.apply(DEPLOYMENT)
    c.apply(DEPLOYMENT, manager="second")  # same values: no conflict, both own them
    assert entry(c, "second")["fieldsV1"] == APPLIED_FIELDS
    assert entry(c, "kube-magics")["fieldsV1"] == APPLIED_FIELDS
    # One of them stops applying replicas: the other still owns it, so it stays.
    c.apply(deployment(spec__replicas=None), manager="second")
    assert c.get("deploy", "nginx-deployment")["spec"]["replicas"] == 3
    # Now changing it conflicts with the remaining owner only.
    with pytest.raises(ConflictError) as err:
        c.apply(deployment(spec__replicas=7), manager="second")
    assert err.value.message == 'Apply failed with 1 conflict: conflict with "kube-magics": .spec.replicas'
    assert err.value.hint and "--force-conflicts" in err.value.hint


def test_lists_merge_by_their_schema() -> None:
    c = SimCluster()
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}}
    c.apply(svc)
    assert entry(c, "kube-magics", "svc", "web")["fieldsV1"] == {"f:spec": {
        "f:ports": {'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {}, "f:targetPort": {}}},
        "f:selector": {}}}
    # A Service with several ports needs a name on each (the API server's rule).
    c.apply({**svc, "spec": {"ports": [{"name": "https", "port": 443, "targetPort": 8443}]}}, manager="tls")
    ports = c.get("svc", "web")["spec"]["ports"]
    assert [(p["port"], p["targetPort"]) for p in ports] == [(80, 8080), (443, 8443)]
    # Atomic lists (tolerations, args) and maps (a Service's selector) are owned and replaced as one value.
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "c", "image": "busybox", "args": ["sleep", "60"]}],
                    "tolerations": [{"key": "gpu", "operator": "Exists"}]}}
    c.apply(pod)
    spec_fields = entry(c, "kube-magics", "pod", "p")["fieldsV1"]["f:spec"]
    assert spec_fields["f:tolerations"] == {}
    assert spec_fields["f:containers"]['k:{"name":"c"}']["f:args"] == {}


def test_dry_run_and_bad_input() -> None:
    c = SimCluster()
    [created] = c.apply(DEPLOYMENT, dry_run=True)
    assert created.action == "created"
    assert created.object["metadata"]["managedFields"][0]["fieldsV1"] == APPLIED_FIELDS
    assert c.list("deploy") == []
    withfields = deployment()
    withfields["metadata"]["managedFields"] = []
    with pytest.raises(BadRequestError, match=r"^metadata.managedFields must be nil$"):
        c.apply(withfields)


# --- managed fields of other writes ------------------------------------------------------------------------------


class FakeReplicaSetController(Controller):
    """Creates one pod for each ReplicaSet from its template, as the ReplicaSet controller does."""

    name = "replicaset-controller"
    watches = ("ReplicaSet",)

    def reconcile(self, key: Any) -> None:
        rs = self.rt.store.get("ReplicaSet", *key)
        if rs is None or self.rt.store.get("Pod", key[0], rs["metadata"]["name"] + "-x1"):
            return
        template = rs["spec"]["template"]
        self.rt.api.create({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": rs["metadata"]["name"] + "-x1", "namespace": key[0],
                         "generateName": rs["metadata"]["name"] + "-",
                         "labels": dict(template["metadata"]["labels"]),
                         "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                              "name": rs["metadata"]["name"], "uid": rs["metadata"]["uid"],
                                              "controller": True, "blockOwnerDeletion": True}]},
            "spec": {"containers": [dict(x) for x in template["spec"]["containers"]]},
        }, trusted=True)


class FakeKubelet(Controller):
    name = "kubelet"
    watches = ("Pod",)

    def reconcile(self, key: Any) -> None:
        pod = self.rt.store.get("Pod", *key)
        if pod is None or pod["status"].get("phase") == "Running":
            return
        when = "2026-01-05T09:00:00Z"
        ready = [{"type": t, "status": "True", "lastProbeTime": None, "lastTransitionTime": when}
                 for t in ("Initialized", "Ready", "ContainersReady")]
        self.rt.api.write_status(pod, {**pod["status"], "phase": "Running", "conditions": ready,
                                       "podIP": "10.244.1.5", "podIPs": [{"ip": "10.244.1.5"}],
                                       "containerStatuses": [{"name": "nginx", "ready": True}]})


def test_controller_writes_are_attributed_to_their_component() -> None:
    c = SimCluster(controllers=("*", "-replicaset-controller", "-default-scheduler", "-kubelet"))
    c.rt.add_controller(FakeReplicaSetController)
    c.rt.add_controller(FakeKubelet)
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}}
    c.apply(rs)
    pod = c.get("pod", "web-x1")
    assert pod["spec"]["volumes"][0]["name"].startswith("kube-api-access-")  # admission's, not the creator's
    creator, kubelet = pod["metadata"]["managedFields"]
    assert (creator["manager"], creator["operation"], "subresource" in creator) == (
        "kube-controller-manager", "Update", False)
    spec = creator["fieldsV1"]["f:spec"]
    assert sorted(spec) == ["f:containers", "f:dnsPolicy", "f:enableServiceLinks", "f:restartPolicy",
                            "f:schedulerName", "f:securityContext", "f:terminationGracePeriodSeconds"]
    meta = creator["fieldsV1"]["f:metadata"]
    assert meta["f:generateName"] == {} and meta["f:labels"] == {".": {}, "f:app": {}}
    assert list(meta["f:ownerReferences"]) == [".", f'k:{{"uid":"{c.get("rs", "web")["metadata"]["uid"]}"}}']
    assert (kubelet["manager"], kubelet["subresource"]) == ("kubelet", "status")
    assert sorted(kubelet["fieldsV1"]["f:status"]) == ["f:conditions", "f:containerStatuses", "f:phase",
                                                      "f:podIP", "f:podIPs"]
    assert kubelet["fieldsV1"]["f:status"]["f:podIPs"] == {".": {}, 'k:{"ip":"10.244.1.5"}': {".": {}, "f:ip": {}}}
    # A binding leaves managedFields alone (as pods/binding does); another write by the scheduler is recorded.
    live = c.rt.store.get("Pod", "default", "web-x1")
    c.rt.api.write({**live, "spec": {**live["spec"], "nodeName": "sim-worker"}}, subresource="binding")
    assert [e["manager"] for e in entries(c, "pod", "web-x1")] == ["kube-controller-manager", "kubelet"]
    c.rt.field_managers.actor = "default-scheduler"
    live = c.rt.store.get("Pod", "default", "web-x1")
    c.rt.api.write({**live, "metadata": {**live["metadata"], "annotations": {"x": "y"}}})
    c.rt.field_managers.actor = None
    assert entry(c, "kube-scheduler", "pod", "web-x1")["fieldsV1"] == {
        "f:metadata": {"f:annotations": {".": {}, "f:x": {}}}}


def test_user_writes_record_update_entries() -> None:
    c = SimCluster()
    c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}})
    [created] = entries(c, "cm", "cfg")
    assert (created["manager"], created["operation"]) == ("kubectl-create", "Update")
    assert created["fieldsV1"] == {"f:data": {".": {}, "f:a": {}}}
    cm = c.get("cm", "cfg")
    cm["data"] = {"a": "1", "b": "2"}
    del cm["metadata"]["managedFields"]
    c.replace(cm)
    assert [(e["manager"], e["fieldsV1"]) for e in entries(c, "cm", "cfg")] == [
        ("kubectl-create", {"f:data": {".": {}, "f:a": {}}}), ("kubectl-replace", {"f:data": {"f:b": {}}})]
    # An object without fields of its own has no managedFields (the namespace controller's ServiceAccount).
    assert "managedFields" not in c.get("sa", "default")["metadata"]
