"""The official `kubernetes` Python client against the served simulator, configured from the kubeconfig the server
writes: the requests a Python program (and the real-cluster backend) makes to any cluster."""

from __future__ import annotations

import threading

import pytest

from kube_magics.apiserver import Server
from tests.apiserver.conftest import running

kubernetes = pytest.importorskip("kubernetes")


@pytest.fixture
def client(served: Server):  # type: ignore[no-untyped-def]
    from kubernetes import client, config

    api_client = config.new_client_from_config(config_file=str(served.kubeconfig))
    yield client, api_client
    api_client.close()


def test_list_create_patch_and_delete(client) -> None:  # type: ignore[no-untyped-def]
    k, api_client = client
    core, apps = k.CoreV1Api(api_client), k.AppsV1Api(api_client)
    assert {n.metadata.name for n in core.list_node().items} == {"sim-control-plane", "sim-worker", "sim-worker2"}
    created = core.create_namespaced_config_map("default", {"metadata": {"name": "cfg"}, "data": {"a": "1"}})
    assert created.metadata.managed_fields[0].manager == "OpenAPI-Generator"
    patched = core.patch_namespaced_config_map("cfg", "default", {"data": {"b": "2"}})
    assert patched.data == {"a": "1", "b": "2"}
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                  "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                           "template": {"metadata": {"labels": {"app": "web"}},
                                        "spec": {"containers": [{"name": "web", "image": "nginx"}]}}}}
    apps.create_namespaced_deployment("default", deployment)
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    assert scale.spec.replicas == 3
    assert apps.read_namespaced_deployment("web", "default").spec.replicas == 3
    with pytest.raises(k.ApiException) as missing:
        core.read_namespaced_pod("nope", "default")
    assert missing.value.status == 404
    core.delete_namespaced_config_map("cfg", "default")
    assert [c.metadata.name for c in core.list_namespaced_config_map("default").items] == ["kube-root-ca.crt"]


def test_watch_streams_changes(client, served: Server) -> None:  # type: ignore[no-untyped-def]
    from kubernetes import watch

    k, api_client = client
    core = k.CoreV1Api(api_client)
    rv = core.list_namespaced_pod("default").metadata.resource_version
    seen: list[tuple[str, str]] = []

    def follow() -> None:
        w = watch.Watch()
        for event in w.stream(core.list_namespaced_pod, "default", resource_version=rv, timeout_seconds=5):
            seen.append((event["type"], event["object"].status.phase))
            if event["object"].status.phase == "Running":
                w.stop()

    thread = threading.Thread(target=follow)
    thread.start()
    core.create_namespaced_pod("default", {"metadata": {"name": "p"},
                                           "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    running(served)
    thread.join(timeout=10)
    assert seen[0] == ("ADDED", "Pending")
    assert seen[-1] == ("MODIFIED", "Running")


def test_server_side_apply_through_the_dynamic_client(client) -> None:  # type: ignore[no-untyped-def]
    from kubernetes.dynamic import DynamicClient

    _, api_client = client
    configmaps = DynamicClient(api_client).resources.get(api_version="v1", kind="ConfigMap")
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "ssa", "namespace": "default"},
            "data": {"x": "y"}}
    applied = configmaps.server_side_apply(body=body, field_manager="kube-magics")
    entry = applied.metadata.managedFields[0]
    assert (entry.manager, entry.operation) == ("kube-magics", "Apply")
