"""PATCH on the simulator: the three patch types and apply patches, on objects and their status and scale."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.errors import Cause, ConflictError, InvalidError, NotFoundError, UnsupportedMediaTypeError
from kube_magics.sim import SimCluster, validation

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
    "spec": {
        "replicas": 2,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [
            {"name": "web", "image": "nginx:1.20", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
            {"name": "log", "image": "busybox:1.36"},
        ]}},
    },
}


@pytest.fixture
def c() -> SimCluster:
    cluster = SimCluster()
    cluster.create(DEPLOYMENT)
    return cluster


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]


def test_strategic_merge_patch_merges_containers_and_env_by_name(c: SimCluster) -> None:
    out = c.patch("deploy", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.21", "env": [{"name": "B", "value": "two"}]}]}}}})
    web, log = containers(out)
    assert web["image"] == "nginx:1.21"
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}]
    assert (log["name"], log["image"]) == ("log", "busybox:1.36")
    assert web["imagePullPolicy"] == "IfNotPresent"  # the object went through defaulting again
    assert out["metadata"]["generation"] == 2
    assert c.get("deploy", "web")["spec"] == out["spec"]


def test_strategic_merge_patch_directives(c: SimCluster) -> None:
    out = c.patch("deploy", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "log", "$patch": "delete"}]}}}})
    assert [x["name"] for x in containers(out)] == ["web"]
    out = c.patch("deploy", "web", {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "side"}, {"name": "web"}],
        "containers": [{"name": "side", "image": "busybox:1.36"}]}}}})
    assert [x["name"] for x in containers(out)] == ["side", "web"]


def test_merge_patch_null_deletes_and_lists_are_replaced(c: SimCluster) -> None:
    out = c.patch("deploy", "web", '{"metadata": {"labels": {"tier": null}}}', patch_type="merge")
    assert out["metadata"]["labels"] == {"app": "web"}
    out = c.patch("deploy", "web", {"spec": {"template": {"spec": {"containers": [
        {"name": "only", "image": "nginx:1.25"}]}}}}, patch_type="application/merge-patch+json")
    assert [x["name"] for x in containers(out)] == ["only"]


def test_json_patch_add_remove_replace_test(c: SimCluster) -> None:
    out = c.patch("deploy", "web", [
        {"op": "test", "path": "/spec/replicas", "value": 2},
        {"op": "replace", "path": "/spec/replicas", "value": 4},
        {"op": "add", "path": "/metadata/annotations", "value": {"owner": "ops"}},
        {"op": "remove", "path": "/spec/template/spec/containers/1"},
    ], patch_type="json")
    assert out["spec"]["replicas"] == 4
    assert out["metadata"]["annotations"] == {"owner": "ops"}
    assert [x["name"] for x in containers(out)] == ["web"]
    before = c.get("deploy", "web")
    with pytest.raises(InvalidError) as err:
        c.patch("deploy", "web", [{"op": "test", "path": "/spec/replicas", "value": 99},
                                  {"op": "replace", "path": "/spec/replicas", "value": 1}], patch_type="json")
    assert (err.value.code, err.value.reason) == (422, "Invalid")
    assert err.value.message == "the server rejected our request due to an error in our request"
    assert c.get("deploy", "web") == before  # nothing applied


def test_patching_the_scale_subresource_changes_spec_replicas(c: SimCluster) -> None:
    c.apply(DEPLOYMENT, manager="deployer", force=True)
    scale = c.patch("deploy", "web", {"spec": {"replicas": 5}}, patch_type="merge", subresource="scale",
                    manager="kubectl-scale")
    assert {k: scale[k] for k in ("apiVersion", "kind", "spec")} == {
        "apiVersion": "autoscaling/v1", "kind": "Scale", "spec": {"replicas": 5}}
    assert scale["status"]["selector"] == "app=web"
    d = c.get("deploy", "web")
    assert d["spec"]["replicas"] == 5
    assert c.patch("deploy", "web", {}, patch_type="merge", subresource="scale")["status"]["replicas"] == \
        d["status"]["replicas"]
    scaler = next(e for e in d["metadata"]["managedFields"] if e["manager"] == "kubectl-scale")
    assert scaler == {"apiVersion": "apps/v1", "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}},
                      "manager": "kubectl-scale", "operation": "Update", "subresource": "scale"}
    with pytest.raises(ConflictError) as err:
        c.apply(DEPLOYMENT, manager="deployer")
    assert err.value.message == ('Apply failed with 1 conflict: conflict with "kubectl-scale" with subresource '
                                 '"scale" using apps/v1: .spec.replicas')
    with pytest.raises(InvalidError, match=r"spec.replicas: Invalid value: -1: must be greater than or equal to 0"):
        c.patch("deploy", "web", [{"op": "replace", "path": "/spec/replicas", "value": -1}], patch_type="json",
                subresource="scale")


def test_patching_status_changes_only_status(c: SimCluster) -> None:
    # A load balancer's address is written through /status, as a cloud controller does.
    c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "lb"},
              "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}})
    ingress = {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}}
    out = c.patch("svc", "lb", {"status": ingress, "spec": {"type": "ClusterIP"}}, patch_type="merge",
                  subresource="status")
    assert out["status"] == ingress
    assert out["spec"]["type"] == "LoadBalancer"
    status_entry = [e for e in out["metadata"]["managedFields"] if e.get("subresource") == "status"]
    assert [(e["manager"], e["fieldsV1"]) for e in status_entry] == [
        ("kubectl-patch", {"f:status": {"f:loadBalancer": {"f:ingress": {}}}})]
    # Through the main resource, status cannot change.
    out = c.patch("svc", "lb", {"status": {"loadBalancer": {}}}, patch_type="merge")
    assert out["status"] == ingress


def test_patches_record_their_manager_and_take_fields_from_appliers(c: SimCluster) -> None:
    c.apply(DEPLOYMENT, manager="deployer", force=True)
    c.patch("deploy", "web", {"spec": {"replicas": 3}})
    entries = {e["manager"]: e for e in c.get("deploy", "web")["metadata"]["managedFields"]}
    assert entries["kubectl-patch"]["fieldsV1"] == {"f:spec": {"f:replicas": {}}}
    assert "f:replicas" not in entries["deployer"]["fieldsV1"]["f:spec"]  # taken, without a conflict
    with pytest.raises(ConflictError, match=r'conflict with "kubectl-patch" using apps/v1: .spec.replicas'):
        c.apply(DEPLOYMENT, manager="deployer")


def test_apply_patch_is_server_side_apply(c: SimCluster) -> None:
    body = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 6\n"
    out = c.patch("deploy", "web", body, patch_type="application/apply-patch+yaml", manager="hpa-like", force=True)
    assert out["spec"]["replicas"] == 6
    applied = next(e for e in out["metadata"]["managedFields"] if e["manager"] == "hpa-like")
    assert (applied["operation"], applied["fieldsV1"]) == ("Apply", {"f:spec": {"f:replicas": {}}})
    # An apply patch creates what does not exist.
    created = c.patch("cm", "settings", {"apiVersion": "v1", "kind": "ConfigMap", "data": {"k": "v"}},
                      patch_type="apply", manager="hpa-like")
    assert created["data"] == {"k": "v"} and c.get("cm", "settings")["metadata"]["name"] == "settings"
    with pytest.raises(InvalidError) as err:
        c.patch("deploy", "web", body, patch_type="apply")
    assert err.value.message == ('The PatchOptions "" is invalid: fieldManager: Required value: is required for '
                                 "apply patch")
    with pytest.raises(InvalidError, match=r"force: Forbidden: may not be specified for non-apply patch"):
        c.patch("deploy", "web", {"spec": {}}, force=True)


def test_patches_are_validated_as_updates_are(c: SimCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    def replicas(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Cause]:
        value = obj["spec"].get("replicas", 0)
        return [validation.invalid_value("spec.replicas", value, "must be greater than or equal to 0")] \
            if value < 0 else []

    monkeypatch.setitem(validation.VALIDATORS, "Deployment", [replicas])
    with pytest.raises(InvalidError) as err:
        c.patch("deploy", "web", {"spec": {"replicas": -1}}, patch_type="merge")
    assert err.value.message == ('The Deployment "web" is invalid: spec.replicas: Invalid value: -1: must be '
                                 "greater than or equal to 0")
    assert c.get("deploy", "web")["spec"]["replicas"] == 2


def test_errors_in_kubernetes_words(c: SimCluster) -> None:
    with pytest.raises(UnsupportedMediaTypeError) as err:
        c.patch("deploy", "web", {}, patch_type="text/plain")
    assert (err.value.code, err.value.reason) == (415, "UnsupportedMediaType")
    assert str(err.value).startswith("the body of the request was in an unknown format - accepted media types "
                                     "include: application/json-patch+json, application/merge-patch+json")
    with pytest.raises(NotFoundError, match=r'^deployments.apps "nope" not found$'):
        c.patch("deploy", "nope", {"spec": {"replicas": 1}})
    stale = c.get("deploy", "web")["metadata"]["resourceVersion"]
    c.patch("deploy", "web", {"metadata": {"labels": {"x": "1"}}})
    with pytest.raises(ConflictError, match=r"the object has been modified"):
        c.patch("deploy", "web", {"metadata": {"resourceVersion": stale, "labels": {"x": "2"}}}, patch_type="merge")


def test_unchanged_patch_writes_nothing(c: SimCluster) -> None:
    before = c.get("deploy", "web")
    out = c.patch("deploy", "web", {"spec": {"replicas": 2}})
    assert out["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]
    dry = c.patch("deploy", "web", {"spec": {"replicas": 8}}, dry_run=True)
    assert dry["spec"]["replicas"] == 8
    assert c.get("deploy", "web") == before


def test_a_patch_can_rewrite_managed_fields(c: SimCluster) -> None:
    """kubectl moves client-side apply ownership to server-side apply with a JSON patch of managedFields."""
    c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings"}, "data": {"a": "1"}})
    entries = c.get("cm", "settings")["metadata"]["managedFields"]
    assert [e["manager"] for e in entries] == ["kubectl-create"]
    moved = [{**entries[0], "manager": "kubectl", "operation": "Apply"}]
    moved[0].pop("time")
    out = c.patch("cm", "settings", [{"op": "replace", "path": "/metadata/managedFields", "value": moved}],
                  patch_type="json")
    assert [(e["manager"], e["operation"]) for e in out["metadata"]["managedFields"]] == [("kubectl", "Apply")]
    cleared = c.patch("cm", "settings", [{"op": "replace", "path": "/metadata/managedFields", "value": [{}]}],
                      patch_type="json")
    assert "managedFields" not in cleared["metadata"]
