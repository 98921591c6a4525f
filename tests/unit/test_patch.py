"""Patches as pure functions: JSON patch, JSON merge patch, strategic merge patch, the patches kubectl computes."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from kube_magics import patch
from kube_magics.errors import BadRequestError, InvalidError, UnknownServerError, UnsupportedMediaTypeError

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "k8s-1.35" / "deployment.txt"  # the 1.35 recording


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web", "tier": "front"}},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {
                    "containers": [
                        {"name": "web", "image": "nginx:1.20", "ports": [{"containerPort": 80}],
                         "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
                        {"name": "log", "image": "busybox", "args": ["tail", "-f", "/log"]},
                    ],
                    "tolerations": [{"key": "x", "operator": "Exists"}],
                },
            },
        },
    }


def containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    return obj["spec"]["template"]["spec"]["containers"]


# --- strategic merge patch ----------------------------------------------------------------------------------------


def test_strategic_patch_merges_containers_by_name_and_env_by_name() -> None:
    d = deployment()
    p = {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "image": "nginx:1.21", "env": [{"name": "B", "value": "two"}, {"name": "C", "value": "3"}]},
    ]}}}}
    out = patch.strategic_merge_patch(d, p)
    web, log = containers(out)
    assert (web["name"], web["image"], web["ports"]) == ("web", "nginx:1.21", [{"containerPort": 80}])
    assert log == containers(d)[1]  # the other container is untouched
    # Merged items keep the patch's order; items only the object had keep their place relative to them.
    assert web["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "two"}, {"name": "C", "value": "3"}]
    assert d == deployment()  # the input is not changed
    # New items come before the object's own (as the API server orders them).
    out = patch.strategic_merge_patch(d, {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "env": [{"name": "C", "value": "3"}]}]}}}})
    assert [e["name"] for e in containers(out)[0]["env"]] == ["C", "A", "B"]


def test_strategic_patch_replaces_lists_without_a_merge_strategy() -> None:
    p = {"spec": {"template": {"spec": {"tolerations": [{"key": "y", "operator": "Exists"}],
                                        "containers": [{"name": "log", "args": ["sleep", "1"]}]}}}}
    out = patch.strategic_merge_patch(deployment(), p)
    assert out["spec"]["template"]["spec"]["tolerations"] == [{"key": "y", "operator": "Exists"}]
    assert containers(out)[1]["args"] == ["sleep", "1"]


def test_strategic_patch_directives() -> None:
    d = deployment()
    # $patch: delete removes a list item by its merge key.
    out = patch.strategic_merge_patch(d, {"spec": {"template": {"spec": {"containers": [
        {"name": "log", "$patch": "delete"}]}}}})
    assert [c["name"] for c in containers(out)] == ["web"]
    # $setElementOrder sets the order of the merged list.
    out = patch.strategic_merge_patch(d, {"spec": {"template": {"spec": {
        "$setElementOrder/containers": [{"name": "log"}, {"name": "web"}],
        "containers": [{"name": "web", "image": "nginx:1.22"}]}}}})
    assert [(c["name"], c["image"]) for c in containers(out)] == [("log", "busybox"), ("web", "nginx:1.22")]
    # $patch: replace replaces a whole map; null deletes a field.
    out = patch.strategic_merge_patch(d, {"metadata": {"labels": {"$patch": "replace", "only": "this"}},
                                          "spec": {"replicas": None}})
    assert out["metadata"]["labels"] == {"only": "this"}
    assert "replicas" not in out["spec"]
    # $retainKeys clears the keys it does not name (a Deployment's strategy has that patch strategy).
    d["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}
    out = patch.strategic_merge_patch(d, {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}})
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    # $deleteFromPrimitiveList removes values from a merged list of scalars (finalizers merge as a set).
    d["metadata"]["finalizers"] = ["a", "b", "c"]
    out = patch.strategic_merge_patch(d, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["b"],
                                                       "finalizers": ["d"]}})
    assert sorted(out["metadata"]["finalizers"]) == ["a", "c", "d"]


def test_strategic_patch_keys_service_ports_by_port_and_container_ports_by_container_port() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 443, "targetPort": 8443}]}}
    out = patch.strategic_merge_patch(svc, {"spec": {"ports": [{"port": 80, "targetPort": 9090}]}})
    assert out["spec"]["ports"] == [{"port": 80, "targetPort": 9090}, {"port": 443, "targetPort": 8443}]
    out = patch.strategic_merge_patch(deployment(), {"spec": {"template": {"spec": {"containers": [
        {"name": "web", "ports": [{"containerPort": 80, "name": "http"}]}]}}}})
    assert containers(out)[0]["ports"] == [{"containerPort": 80, "name": "http"}]


def test_strategic_patch_errors_in_kubernetes_words() -> None:
    with pytest.raises(UnknownServerError) as err:
        patch.strategic_merge_patch(deployment(), {"spec": {"template": {"spec": {"containers": [{"image": "x"}]}}}})
    assert err.value.kubectl_text() == "Error from server: map: map[image:x] does not contain declared merge key: name"
    with pytest.raises(UnknownServerError, match=r"^unknown patch type: remove in map: map\[\$patch:remove\]$"):
        patch.strategic_merge_patch(deployment(), {"metadata": {"labels": {"$patch": "remove"}}})
    d = deployment()
    d["spec"]["strategy"] = {"type": "Recreate"}
    with pytest.raises(BadRequestError, match=r"^invalid patch format of retainKeys$"):
        patch.strategic_merge_patch(d, {"spec": {"strategy": {"$retainKeys": ["type"], "rollingUpdate": {}}}})


# --- merge patch and JSON patch -------------------------------------------------------------------------------------


def test_merge_patch_null_deletes_and_lists_are_replaced() -> None:
    out = patch.merge_patch(deployment(), {"metadata": {"labels": {"tier": None, "new": "yes"}},
                                           "spec": {"template": {"spec": {"containers": [{"name": "only"}]}}}})
    assert out["metadata"]["labels"] == {"app": "web", "new": "yes"}
    assert containers(out) == [{"name": "only"}]
    assert patch.merge_patch({"a": 1}, {"b": {"c": None, "d": 2}}) == {"a": 1, "b": {"d": 2}}


def test_json_patch_add_remove_replace_test() -> None:
    ops = [
        {"op": "test", "path": "/spec/replicas", "value": 3},
        {"op": "replace", "path": "/spec/replicas", "value": 5},
        {"op": "add", "path": "/metadata/annotations", "value": {"note": "x"}},
        {"op": "remove", "path": "/metadata/labels/tier"},
        {"op": "add", "path": "/spec/template/spec/containers/-", "value": {"name": "c", "image": "i"}},
    ]
    out = patch.json_patch(deployment(), ops)
    assert out["spec"]["replicas"] == 5
    assert out["metadata"]["annotations"] == {"note": "x"}
    assert out["metadata"]["labels"] == {"app": "web"}
    assert [c["name"] for c in containers(out)] == ["web", "log", "c"]


def test_json_patch_failures_are_the_servers_422_and_400() -> None:
    with pytest.raises(InvalidError) as err:
        patch.json_patch(deployment(), [{"op": "test", "path": "/spec/replicas", "value": 4}])
    assert err.value.code == 422
    assert err.value.message == "the server rejected our request due to an error in our request"
    assert err.value.hint == "testing value /spec/replicas failed: test failed"
    with pytest.raises(InvalidError):
        patch.json_patch(deployment(), [{"op": "remove", "path": "/spec/nothing"}])
    with pytest.raises(BadRequestError, match=r"cannot unmarshal object into Go value of type jsonpatch.Patch"):
        patch.json_patch(deployment(), {"op": "remove"})


def test_apply_patch_by_name_or_content_type_and_unknown_types() -> None:
    d = deployment()
    by_name = patch.apply_patch(d, '{"spec": {"replicas": 1}}', "merge")
    by_type = patch.apply_patch(d, {"spec": {"replicas": 1}}, "application/merge-patch+json; charset=utf-8")
    assert by_name == by_type and by_name["spec"]["replicas"] == 1
    with pytest.raises(UnsupportedMediaTypeError) as err:
        patch.apply_patch(d, {}, "yaml")
    assert err.value.code == 415
    assert str(err.value) == (
        "the body of the request was in an unknown format - accepted media types include: "
        "application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, "
        "application/apply-patch+yaml")
    with pytest.raises(BadRequestError, match=r"^error decoding patch"):
        patch.apply_patch(d, "{not json", "strategic")


# --- computed patches -------------------------------------------------------------------------------------------


def test_two_way_patch_round_trips() -> None:
    original = deployment()
    modified = copy.deepcopy(original)
    containers(modified)[0]["image"] = "nginx:1.21"
    containers(modified)[0]["env"] = [{"name": "B", "value": "2"}]
    del modified["metadata"]["labels"]["tier"]
    modified["spec"]["template"]["spec"]["containers"].reverse()
    p = patch.create_two_way_merge_patch(original, modified)
    assert p["metadata"] == {"labels": {"tier": None}}
    web = next(c for c in p["spec"]["template"]["spec"]["containers"] if c.get("name") == "web")
    assert web["image"] == "nginx:1.21" and {"name": "A", "$patch": "delete"} in web["env"]
    assert p["spec"]["template"]["spec"]["$setElementOrder/containers"] == [{"name": "log"}, {"name": "web"}]
    assert patch.strategic_merge_patch(original, p) == modified
    assert patch.create_two_way_merge_patch(original, copy.deepcopy(original)) == {}


def test_last_applied_configuration_matches_kubectl() -> None:
    """The annotation `kubectl apply` writes, byte for byte as the recorded cluster shows it."""
    applied = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "nginx-deployment", "namespace": "default"},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                        "template": {"metadata": {"labels": {"app": "nginx"}},
                                     "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20",
                                                              "ports": [{"containerPort": 80}]}]}}}}
    lines = REFERENCE.read_text().splitlines()
    recorded = lines[lines.index("    kubectl.kubernetes.io/last-applied-configuration: |") + 1].strip()
    assert patch.last_applied_configuration(applied) == recorded + "\n"


def test_client_side_apply_three_way_patch() -> None:
    applied = deployment()
    live = patch.strategic_merge_patch(applied, {"metadata": {"annotations": {
        patch.LAST_APPLIED: patch.last_applied_configuration(applied)}}})
    # Someone else changed the replicas and added an annotation; the new configuration drops a label and an
    # env var, and changes the image.
    live["spec"]["replicas"] = 7
    live["metadata"]["annotations"]["owner"] = "ops"
    new = deployment()
    del new["metadata"]["labels"]["tier"]
    del new["spec"]["replicas"]
    containers(new)[0]["env"] = [{"name": "A", "value": "1"}]
    containers(new)[0]["image"] = "nginx:1.21"
    p = patch.client_side_apply(live, new)
    assert p["metadata"]["labels"] == {"tier": None}
    assert p["spec"]["replicas"] is None  # dropped from the configuration: deleted
    assert json.loads(p["metadata"]["annotations"][patch.LAST_APPLIED]) == json.loads(
        patch.last_applied_configuration(new))
    result = patch.strategic_merge_patch(live, p)
    assert result["metadata"]["annotations"]["owner"] == "ops"  # not in any configuration: kept
    assert "replicas" not in result["spec"]
    assert containers(result)[0]["env"] == [{"name": "A", "value": "1"}]
    assert containers(result)[0]["image"] == "nginx:1.21"
    # Applying the same configuration again changes nothing but would re-send nothing.
    assert patch.client_side_apply(result, new) == {}
