"""The served API's reads, request by request: authentication, discovery, OpenAPI, get and list with selectors and
pages, the Table and metadata forms, watches (resume, expiry, selectors, bookmarks), content negotiation."""

from __future__ import annotations

import json

from kube_magics.apiserver import Server
from tests.apiserver.client import TABLE, Api
from tests.apiserver.conftest import advance, running
from tests.seed_manifests import SEED_DEPLOYMENT


def _configmap(api: Api, name: str, labels: dict[str, str] | None = None) -> dict:
    body = {"metadata": {"name": name, "labels": labels or {}}, "data": {"k": name}}
    answer = api.request("POST", "/api/v1/namespaces/default/configmaps", body)
    assert answer.status == 201, answer.body
    return answer.body


def test_requests_need_the_token(served: Server) -> None:
    for token in ("", "wrong"):
        answer = Api(served, token=token).get("/api/v1/pods")
        assert (answer.status, answer.body) == (401, {"kind": "Status", "apiVersion": "v1", "metadata": {},
                                                      "status": "Failure", "message": "Unauthorized",
                                                      "reason": "Unauthorized", "code": 401})
    assert Api(served, token="").get("/readyz").raw == b"ok"


def test_legacy_and_aggregated_discovery(api: Api) -> None:
    core = api.get("/api/v1").body
    pods = next(r for r in core["resources"] if r["name"] == "pods")
    assert pods == {"name": "pods", "singularName": "pod", "namespaced": True, "kind": "Pod",
                    "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
                    "shortNames": ["po"], "categories": ["all"]}
    eviction = next(r for r in core["resources"] if r["name"] == "pods/eviction")
    assert (eviction["group"], eviction["version"], eviction["kind"]) == ("policy", "v1", "Eviction")
    apps = api.get("/apis/apps").body
    assert apps["preferredVersion"] == {"groupVersion": "apps/v1", "version": "v1"}
    scale = next(r for r in api.get("/apis/apps/v1").body["resources"] if r["name"] == "deployments/scale")
    assert (scale["group"], scale["version"], scale["kind"]) == ("autoscaling", "v1", "Scale")
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    answer = api.get("/apis", accept=accept)
    assert answer.headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    groups = [item["metadata"]["name"] for item in answer.body["items"]]
    assert groups[:3] == ["admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io"]
    deployments = next(r for item in answer.body["items"] if item["metadata"]["name"] == "apps"
                       for r in item["versions"][0]["resources"] if r["resource"] == "deployments")
    assert deployments["scope"] == "Namespaced" and deployments["shortNames"] == ["deploy"]
    assert {s["subresource"] for s in deployments["subresources"]} == {"scale", "status"}


def test_openapi_v3_has_each_group_version_with_kubectls_extensions(api: Api) -> None:
    index = api.get("/openapi/v3").body["paths"]
    assert {"api/v1", "apis/apps/v1", "apis/batch/v1"} <= set(index)
    url = index["apis/apps/v1"]["serverRelativeURL"]
    assert url.startswith("/openapi/v3/apis/apps/v1?hash=")
    doc = api.get(url.split("?")[0]).body
    patch = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {"group": "apps", "kind": "Deployment", "version": "v1"}
    assert {"dryRun", "fieldManager", "fieldValidation", "force"} <= {p["name"] for p in patch["parameters"]}
    deployment = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert deployment["properties"]["spec"] == {
        "allOf": [{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}],
        "description": "Specification of the desired behavior of the Deployment."}
    assert deployment["properties"]["kind"]["type"] == "string" and "enum" not in deployment["properties"]["kind"]
    containers = doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]


def test_openapi_v2_is_swagger_without_json_schema_leftovers(api: Api) -> None:
    doc = api.get("/openapi/v2").body
    assert doc["swagger"] == "2.0"
    text = json.dumps(doc)
    assert "$defs" not in text and '"null"' not in text and '"additionalProperties": false' not in text
    assert doc["definitions"]["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == "int-or-string"
    pod = doc["definitions"]["io.k8s.api.core.v1.Pod"]
    assert pod["properties"]["spec"]["$ref"] == "#/definitions/io.k8s.api.core.v1.PodSpec"
    assert "/api/v1/namespaces/{namespace}/pods/{name}/log" in doc["paths"]


def test_get_and_list_with_selectors(api: Api) -> None:
    _configmap(api, "a", {"tier": "web"})
    _configmap(api, "b", {"tier": "db"})
    got = api.get("/api/v1/namespaces/default/configmaps/a").body
    assert (got["kind"], got["data"]) == ("ConfigMap", {"k": "a"})
    assert got["metadata"]["managedFields"][0]["manager"] == "kube-magics-tests"
    listed = api.get("/api/v1/namespaces/default/configmaps", query={"labelSelector": "tier in (web,cache)"}).body
    assert listed["kind"] == "ConfigMapList" and [i["metadata"]["name"] for i in listed["items"]] == ["a"]
    by_name = api.get("/api/v1/configmaps", query={"fieldSelector": "metadata.name!=a,metadata.namespace=default"})
    assert [i["metadata"]["name"] for i in by_name.body["items"]] == ["b", "kube-root-ca.crt"]
    bad = api.get("/api/v1/configmaps", query={"fieldSelector": "data.k=a"})
    assert (bad.status, bad.body["reason"], bad.body["message"]) == (400, "BadRequest",
                                                                      "field label not supported: data.k")
    missing = api.get("/api/v1/namespaces/default/configmaps/nope")
    assert (missing.status, missing.body["message"]) == (404, 'configmaps "nope" not found')
    assert missing.body["details"] == {"name": "nope", "kind": "configmaps"}


def test_pages_are_consistent_at_the_first_pages_version(api: Api) -> None:
    for name in ("c1", "c2", "c3", "c4"):
        _configmap(api, name)
    first = api.get("/api/v1/namespaces/default/configmaps", query={"limit": 2}).body
    assert [i["metadata"]["name"] for i in first["items"]] == ["c1", "c2"]
    assert first["metadata"]["remainingItemCount"] == 3
    api.request("DELETE", "/api/v1/namespaces/default/configmaps/c3")
    _configmap(api, "c0")
    _configmap(api, "c5")
    rest = api.get("/api/v1/namespaces/default/configmaps",
                   query={"limit": 10, "continue": first["metadata"]["continue"]}).body
    assert [i["metadata"]["name"] for i in rest["items"]] == ["c3", "c4", "kube-root-ca.crt"]
    assert rest["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert "continue" not in rest["metadata"]
    now = api.get("/api/v1/namespaces/default/configmaps").body
    assert [i["metadata"]["name"] for i in now["items"]] == ["c0", "c1", "c2", "c4", "c5", "kube-root-ca.crt"]


def test_tables_and_partial_metadata(api: Api, served: Server) -> None:
    _configmap(api, "a", {"tier": "web"})
    table = api.get("/api/v1/namespaces/default/configmaps", accept=TABLE).body
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert [c["name"] for c in table["columnDefinitions"]] == ["Name", "Data", "Age"]
    assert table["rows"][0]["cells"] == ["a", 1, "0s"]
    assert table["rows"][0]["object"]["kind"] == "PartialObjectMetadata"
    advance(served, 90)
    full = api.get("/api/v1/namespaces/default/configmaps/a", accept=TABLE, query={"includeObject": "Object"}).body
    assert full["rows"][0]["cells"][2] == "90s" and full["rows"][0]["object"]["data"] == {"k": "a"}
    partial = api.get("/api/v1/namespaces/default/configmaps",
                      accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1").body
    assert partial["kind"] == "PartialObjectMetadataList"
    assert partial["items"][0] == {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": partial["items"][0]["metadata"]}
    yaml_answer = api.get("/api/v1/namespaces/default/configmaps/a", accept="application/yaml")
    assert yaml_answer.headers["Content-Type"] == "application/yaml" and b"kind: ConfigMap" in yaml_answer.raw
    refused = api.get("/api/v1/namespaces/default/configmaps", accept="application/vnd.kubernetes.protobuf")
    assert (refused.status, refused.body["reason"]) == (406, "NotAcceptable")


def test_watch_resumes_from_a_version_and_follows_selectors(api: Api) -> None:
    rv = api.get("/api/v1/namespaces/default/configmaps").body["metadata"]["resourceVersion"]
    _configmap(api, "w1", {"watch": "me"})
    _configmap(api, "w2")
    events = api.watch("/api/v1/namespaces/default/configmaps",
                       query={"resourceVersion": rv, "labelSelector": "watch=me"})
    first = next(events)
    assert (first["type"], first["object"]["metadata"]["name"]) == ("ADDED", "w1")
    # w2 starts to match: ADDED; w1 stops matching: DELETED (with the object as it is now).
    api.request("PATCH", "/api/v1/namespaces/default/configmaps/w2", {"metadata": {"labels": {"watch": "me"}}},
                content_type="application/merge-patch+json")
    api.request("PATCH", "/api/v1/namespaces/default/configmaps/w1", {"metadata": {"labels": {"watch": "no"}}},
                content_type="application/merge-patch+json")
    second, third = next(events), next(events)
    assert (second["type"], second["object"]["metadata"]["name"]) == ("ADDED", "w2")
    assert (third["type"], third["object"]["metadata"]["labels"]) == ("DELETED", {"watch": "no"})
    events.close()


def test_watch_from_a_version_the_history_no_longer_has_is_gone(api: Api, served: Server) -> None:
    _configmap(api, "churn")
    with served.lock:
        store = served.cluster.rt.store
        for i in range(20_001):
            live = store.get("ConfigMap", "default", "churn")
            store.update({**live, "data": {"i": str(i)}})
    (event,) = list(api.watch("/api/v1/namespaces/default/configmaps", query={"resourceVersion": "1"}))
    assert event["type"] == "ERROR"
    assert (event["object"]["code"], event["object"]["reason"]) == (410, "Expired")
    assert event["object"]["message"].startswith("too old resource version: 1 (")


def test_watch_with_initial_events_ends_them_with_a_bookmark(api: Api) -> None:
    _configmap(api, "a")
    events = api.watch("/api/v1/namespaces/default/configmaps",
                       query={"sendInitialEvents": "true", "allowWatchBookmarks": "true",
                              "resourceVersionMatch": "NotOlderThan"})
    added = [next(events), next(events)]
    assert [e["type"] for e in added] == ["ADDED", "ADDED"]
    bookmark = next(events)
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {"k8s.io/initial-events-end": "true"}
    events.close()


def test_watch_as_table_sends_column_definitions_once(api: Api, served: Server) -> None:
    api.request("POST", "/apis/apps/v1/namespaces/default/deployments", SEED_DEPLOYMENT.encode(),
                content_type="application/yaml")
    events = api.watch("/apis/apps/v1/namespaces/default/deployments", accept=TABLE)
    first = next(events)
    assert first["object"]["kind"] == "Table"
    assert [c["name"] for c in first["object"]["columnDefinitions"]][:5] == \
        ["Name", "Ready", "Up-to-date", "Available", "Age"]
    running(served)
    later = next(events)
    assert later["type"] == "MODIFIED" and later["object"]["columnDefinitions"] == []
    assert later["object"]["rows"][0]["cells"][0] == "nginx-deployment"
    events.close()


def test_events_are_served_as_events_k8s_io_too(api: Api, served: Server) -> None:
    api.request("POST", "/apis/apps/v1/namespaces/default/deployments", SEED_DEPLOYMENT.encode(),
                content_type="application/yaml")
    running(served)
    core = api.get("/api/v1/namespaces/default/events",
                   query={"fieldSelector": "involvedObject.kind=Deployment"}).body["items"]
    new = api.get("/apis/events.k8s.io/v1/namespaces/default/events",
                  query={"fieldSelector": "regarding.kind=Deployment"}).body
    assert new["kind"] == "EventList" and new["apiVersion"] == "events.k8s.io/v1"
    (event,) = new["items"]
    assert event["regarding"] == core[0]["involvedObject"]
    assert event["note"] == core[0]["message"] and event["reason"] == "ScalingReplicaSet"
    assert event["deprecatedSource"] == {"component": "deployment-controller"}
    assert "involvedObject" not in event and "message" not in event


def test_the_same_list_again_is_answered_from_the_state_it_was_read_at(api: Api, served: Server) -> None:
    _configmap(api, "a")
    first = api.get("/api/v1/namespaces/default/configmaps", accept=TABLE)
    assert api.get("/api/v1/namespaces/default/configmaps", accept=TABLE).raw == first.raw
    _configmap(api, "b")
    after_write = api.get("/api/v1/namespaces/default/configmaps", accept=TABLE).body
    assert [row["cells"][0] for row in after_write["rows"]] == ["a", "b", "kube-root-ca.crt"]
    advance(served, 5)
    later = api.get("/api/v1/namespaces/default/configmaps", accept=TABLE).body
    assert later["metadata"] == after_write["metadata"] and later["rows"][0]["cells"][2] == "5s"


def test_watch_events_carry_managed_fields(api: Api) -> None:
    events = api.watch("/api/v1/namespaces/default/configmaps", query={"resourceVersion": "0"})
    assert next(events)["object"]["metadata"]["name"] == "kube-root-ca.crt"
    _configmap(api, "a")
    added = next(events)
    assert added["type"] == "ADDED"
    assert added["object"]["metadata"]["managedFields"][0]["manager"] == "kube-magics-tests"
    events.close()
