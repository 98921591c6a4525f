"""The served API's writes, request by request: create, update, patch and delete with their options, the errors as
Status objects, and the subresources (status, scale, binding, eviction, log, exec), the reviews."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from kube_magics.apiserver import Server, serve
from kube_magics.sim import SimCluster
from tests.apiserver.client import Api
from tests.apiserver.conftest import running
from tests.seed_manifests import SEED_DEPLOYMENT

CM = "/api/v1/namespaces/default/configmaps"
DEPLOY = "/apis/apps/v1/namespaces/default/deployments"


def _pod(name: str, *, scheduler: str = "default-scheduler", labels: dict[str, str] | None = None) -> dict:
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {}},
            "spec": {"schedulerName": scheduler, "containers": [{"name": "c", "image": "nginx"}]}}


def test_create_answers_201_and_refuses_a_second_time(api: Api) -> None:
    created = api.request("POST", CM, {"metadata": {"name": "a"}, "data": {"x": "1"}})
    assert created.status == 201 and created.body["metadata"]["resourceVersion"]
    again = api.request("POST", CM, {"metadata": {"name": "a"}})
    assert (again.status, again.body["reason"], again.body["message"]) == \
        (409, "AlreadyExists", 'configmaps "a" already exists')
    other_ns = api.request("POST", CM, {"metadata": {"name": "b", "namespace": "kube-system"}})
    assert (other_ns.status, other_ns.body["message"]) == \
        (400, "the namespace of the provided object does not match the namespace sent on the request")


def test_field_validation_strict_warn_and_ignore(api: Api) -> None:
    body = {"metadata": {"name": "p"}, "data": {"x": "1"}, "dataz": {"y": "2"}}
    strict = api.request("POST", CM, body, query={"fieldValidation": "Strict"})
    assert (strict.status, strict.body["message"]) == \
        (400, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field '
              '"dataz"')
    warned = api.request("POST", CM, body)
    assert warned.status == 201 and "dataz" not in warned.body
    assert warned.headers.get_all("Warning") == ['299 - "unknown field \\"dataz\\""']
    ignored = api.request("POST", CM, {**body, "metadata": {"name": "q"}}, query={"fieldValidation": "Ignore"})
    assert ignored.status == 201 and ignored.headers.get_all("Warning") is None


def test_dry_run_writes_nothing(api: Api) -> None:
    dry = api.request("POST", CM, {"metadata": {"name": "dry"}}, query={"dryRun": "All"})
    assert dry.status == 201 and dry.body["metadata"]["name"] == "dry"
    assert api.get(f"{CM}/dry").status == 404
    bad = api.request("POST", CM, {"metadata": {"name": "dry"}}, query={"dryRun": "Some"})
    assert (bad.status, bad.body["message"]) == (400, 'dryRun: Unsupported value: "Some": supported values: "All"')


def test_update_is_a_compare_and_swap_when_it_names_a_version(api: Api) -> None:
    live = api.request("POST", CM, {"metadata": {"name": "a"}, "data": {"x": "1"}}).body
    live["data"] = {"x": "2"}
    updated = api.request("PUT", f"{CM}/a", live)
    assert updated.status == 200 and updated.body["data"] == {"x": "2"}
    stale = api.request("PUT", f"{CM}/a", live)  # still the old resourceVersion
    assert (stale.status, stale.body["reason"]) == (409, "Conflict")
    assert stale.body["message"] == ('Operation cannot be fulfilled on configmaps "a": the object has been modified; '
                                     "please apply your changes to the latest version and try again")
    renamed = api.request("PUT", f"{CM}/a", {**updated.body, "metadata": {"name": "b"}})
    assert (renamed.status, renamed.body["message"]) == \
        (400, "the name of the object (b) does not match the name on the URL (a)")


def test_invalid_objects_answer_422_with_causes(api: Api) -> None:
    answer = api.request("POST", "/api/v1/namespaces/default/pods",
                         {"metadata": {"name": "Bad_Name"}, "spec": {"containers": [{"name": "c"}]}})
    assert (answer.status, answer.body["reason"]) == (422, "Invalid")
    assert answer.body["details"]["kind"] == "Pod" and answer.body["details"]["name"] == "Bad_Name"
    fields = [c["field"] for c in answer.body["details"]["causes"]]
    assert fields == ["metadata.name", "spec.containers[0].image"]


def test_patches_of_each_type(api: Api) -> None:
    api.request("POST", DEPLOY, SEED_DEPLOYMENT.encode(), content_type="application/yaml")
    strategic = api.request("PATCH", f"{DEPLOY}/nginx-deployment",
                            {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:2"}]}}}},
                            content_type="application/strategic-merge-patch+json")
    container = strategic.body["spec"]["template"]["spec"]["containers"][0]
    assert (container["image"], container["ports"]) == ("nginx:2", [{"containerPort": 80, "protocol": "TCP"}])
    json_patch = api.request("PATCH", f"{DEPLOY}/nginx-deployment",
                             [{"op": "replace", "path": "/spec/replicas", "value": 1}],
                             content_type="application/json-patch+json")
    assert json_patch.body["spec"]["replicas"] == 1
    applied = api.request("PATCH", f"{DEPLOY}/nginx-deployment",
                          b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: nginx-deployment\n"
                          b"spec:\n  replicas: 2\n", content_type="application/apply-patch+yaml",
                          query={"fieldManager": "tests", "force": "true"})
    assert applied.status == 200 and applied.body["spec"]["replicas"] == 2
    managers = {(m["manager"], m["operation"]) for m in applied.body["metadata"]["managedFields"]}
    assert ("tests", "Apply") in managers
    unmanaged = api.request("PATCH", f"{DEPLOY}/nginx-deployment", b"{}", content_type="application/apply-patch+yaml")
    assert (unmanaged.status, unmanaged.body["reason"]) == (422, "Invalid")
    wrong = api.request("PATCH", f"{DEPLOY}/nginx-deployment", b"{}", content_type="text/plain")
    assert (wrong.status, wrong.body["reason"]) == (415, "UnsupportedMediaType")


def test_delete_with_options(api: Api, served: Server) -> None:
    api.request("POST", DEPLOY, SEED_DEPLOYMENT.encode(), content_type="application/yaml")
    running(served)
    orphaned = api.request("DELETE", f"{DEPLOY}/nginx-deployment",
                           {"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"})
    assert orphaned.status == 200
    running(served)
    (rs,) = api.get("/apis/apps/v1/namespaces/default/replicasets").body["items"]
    assert "ownerReferences" not in rs["metadata"]
    pods = api.get("/api/v1/namespaces/default/pods").body["items"]
    victim = pods[0]["metadata"]["name"]
    graceful = api.request("DELETE", f"/api/v1/namespaces/default/pods/{victim}")
    assert graceful.status == 200 and graceful.body["metadata"]["deletionGracePeriodSeconds"] == 30
    now = api.request("DELETE", f"/api/v1/namespaces/default/pods/{pods[1]['metadata']['name']}",
                      query={"gracePeriodSeconds": 0})
    assert now.status == 200 and api.get(f"/api/v1/namespaces/default/pods/{pods[1]['metadata']['name']}").status \
        == 404
    cm = api.request("POST", CM, {"metadata": {"name": "gone"}}).body
    status = api.request("DELETE", f"{CM}/gone").body
    assert status == {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                      "details": {"name": "gone", "group": "", "kind": "configmaps", "uid": cm["metadata"]["uid"]}}
    mismatch = api.request("DELETE", f"{DEPLOY}/nope")
    assert mismatch.status == 404


def test_deletecollection_by_label(api: Api) -> None:
    for name, tier in (("a", "web"), ("b", "web"), ("c", "db")):
        api.request("POST", CM, {"metadata": {"name": name, "labels": {"tier": tier}}})
    deleted = api.request("DELETE", CM, query={"labelSelector": "tier=web"}).body
    assert deleted["kind"] == "ConfigMapList" and [i["metadata"]["name"] for i in deleted["items"]] == ["a", "b"]
    left = [i["metadata"]["name"] for i in api.get(CM).body["items"]]
    assert left == ["c", "kube-root-ca.crt"]


def test_status_and_scale_subresources(api: Api, served: Server) -> None:
    api.request("POST", DEPLOY, SEED_DEPLOYMENT.encode(), content_type="application/yaml")
    running(served)
    scale = api.get(f"{DEPLOY}/nginx-deployment/scale").body
    assert (scale["kind"], scale["spec"], scale["status"]) == \
        ("Scale", {"replicas": 3}, {"replicas": 3, "selector": "app=nginx"})
    scaled = api.request("PUT", f"{DEPLOY}/nginx-deployment/scale", {**scale, "spec": {"replicas": 5}})
    assert scaled.body["spec"]["replicas"] == 5
    stale = api.request("PUT", f"{DEPLOY}/nginx-deployment/scale", {**scale, "spec": {"replicas": 4}})
    assert (stale.status, stale.body["reason"]) == (409, "Conflict")
    patched = api.request("PATCH", f"{DEPLOY}/nginx-deployment/scale", {"spec": {"replicas": 1}},
                          content_type="application/merge-patch+json")
    assert patched.body["spec"]["replicas"] == 1
    assert api.get(f"{DEPLOY}/nginx-deployment").body["spec"]["replicas"] == 1
    live = api.get(f"{DEPLOY}/nginx-deployment/status").body
    replaced = api.request("PUT", f"{DEPLOY}/nginx-deployment/status",
                           {**live, "spec": {**live["spec"], "replicas": 9}, "status": {"replicas": 42}})
    assert (replaced.body["spec"]["replicas"], replaced.body["status"]) == (1, {"replicas": 42})
    cm_scale = api.get(f"{CM}/kube-root-ca.crt/scale")
    assert cm_scale.status == 404


@pytest.fixture
def bare(tmp_path: Path) -> Iterator[Server]:
    """A served cluster whose pods nobody schedules (the binding test is the scheduler)."""
    server = serve(SimCluster(workers=2, seed=0), kubeconfig=tmp_path / "bare.kubeconfig", speed=0)
    yield server
    server.stop()


def test_binding_assigns_a_pod_to_a_node_once(bare: Server) -> None:
    api = Api(bare)
    api.request("POST", "/api/v1/namespaces/default/pods", _pod("p", scheduler="by-hand"))
    bound = api.request("POST", "/api/v1/namespaces/default/pods/p/binding",
                        {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p"},
                         "target": {"apiVersion": "v1", "kind": "Node", "name": "sim-worker"}})
    assert (bound.status, bound.body["status"]) == (201, "Success")
    pod = api.get("/api/v1/namespaces/default/pods/p").body
    assert pod["spec"]["nodeName"] == "sim-worker"
    scheduled = next(c for c in pod["status"]["conditions"] if c["type"] == "PodScheduled")
    assert scheduled["status"] == "True"
    again = api.request("POST", "/api/v1/namespaces/default/bindings",
                        {"metadata": {"name": "p"}, "target": {"kind": "Node", "name": "sim-worker2"}})
    assert (again.status, again.body["reason"], again.body["message"]) == \
        (409, "Conflict", 'Operation cannot be fulfilled on pods/binding "p": pod p is already assigned to node '
                          '"sim-worker"')


def test_eviction_respects_the_disruption_budget(api: Api, served: Server) -> None:
    api.request("POST", DEPLOY, SEED_DEPLOYMENT.encode(), content_type="application/yaml")
    running(served)
    budget = {"metadata": {"name": "web"}, "spec": {"minAvailable": 3, "selector": {"matchLabels": {"app": "nginx"}}}}
    api.request("POST", "/apis/policy/v1/namespaces/default/poddisruptionbudgets", budget)
    pod = api.get("/api/v1/namespaces/default/pods").body["items"][0]["metadata"]["name"]
    eviction = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": pod, "namespace": "default"}}
    refused = api.request("POST", f"/api/v1/namespaces/default/pods/{pod}/eviction", eviction)
    assert (refused.status, refused.body["reason"], refused.body["message"]) == \
        (429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption budget.")
    assert refused.body["details"]["causes"] == [{"reason": "DisruptionBudget", "field": "",
                                                 "message": "The disruption budget web needs 3 healthy pods and has 3 "
                                                            "currently"}]
    api.request("PATCH", "/apis/policy/v1/namespaces/default/poddisruptionbudgets/web", {"spec": {"minAvailable": 2}},
                content_type="application/merge-patch+json")
    allowed = api.request("POST", f"/api/v1/namespaces/default/pods/{pod}/eviction", eviction)
    assert allowed.status == 201
    assert api.get(f"/api/v1/namespaces/default/pods/{pod}").body["metadata"]["deletionTimestamp"]
    status = api.get("/apis/policy/v1/namespaces/default/poddisruptionbudgets/web").body["status"]
    assert list(status["disruptedPods"]) == [pod]


def test_log_subresource_errors(api: Api, served: Server) -> None:
    pod = _pod("two")
    pod["spec"]["containers"].append({"name": "d", "image": "redis"})
    api.request("POST", "/api/v1/namespaces/default/pods", pod)
    running(served)
    unnamed = api.get("/api/v1/namespaces/default/pods/two/log")
    assert (unnamed.status, unnamed.body["message"]) == \
        (400, "a container name must be specified for pod two, choose one of: [c d]")
    wrong = api.get("/api/v1/namespaces/default/pods/two/log", query={"container": "x"})
    assert (wrong.status, wrong.body["message"]) == (400, "container x is not valid for pod two")
    missing = api.get("/api/v1/namespaces/default/pods/nope/log")
    assert (missing.status, missing.body["message"]) == (404, 'pods "nope" not found')


def test_exec_is_refused_with_a_status(api: Api) -> None:
    api.request("POST", "/api/v1/namespaces/default/pods", _pod("p"))
    answer = api.request("POST", "/api/v1/namespaces/default/pods/p/exec", query={"command": "ls"})
    assert (answer.status, answer.body["reason"]) == (405, "MethodNotAllowed")
    assert answer.body["message"].startswith("exec is not supported by the kube-magics simulator's API server")


def test_verbs_a_resource_lacks_and_unknown_paths(api: Api) -> None:
    assert api.request("DELETE", "/api/v1/namespaces").body["reason"] == "MethodNotAllowed"
    assert api.request("POST", "/api/v1/componentstatuses", {}).status == 405
    unknown = api.get("/apis/example.com/v1/widgets")
    assert (unknown.status, unknown.body["message"]) == (404, "the server could not find the requested resource")


def test_reviews_allow_the_token_holder(api: Api, served: Server) -> None:
    review = api.request("POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                         {"spec": {"resourceAttributes": {"verb": "delete", "resource": "pods"}}})
    assert review.status == 201 and review.body["status"]["allowed"] is True
    whoami = api.request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", {})
    assert whoami.body["status"]["userInfo"]["username"] == "kube-magics-admin"
    token = api.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": served.token}})
    assert token.body["status"]["authenticated"] is True
    other = api.request("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {"spec": {"token": "x"}})
    assert other.body["status"]["authenticated"] is False
