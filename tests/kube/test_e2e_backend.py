"""The real-cluster backend end to end: the official client against a Kubernetes API (the simulator's served API
in CI, a real cluster with --with-cluster), with the requests it makes to any cluster."""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

import pytest

from kube_magics import rollout
from kube_magics.backends.kube import KubeBackend
from kube_magics.errors import (
    AlreadyExistsError,
    BackendError,
    BadRequestError,
    ConflictError,
    InvalidError,
    NotFoundError,
)

pytestmark = pytest.mark.cluster
Obj = dict[str, Any]


def deployment(name: str, namespace: str, *, replicas: int = 1, image: str = "nginx:1.27") -> Obj:
    labels = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"containers": [{"name": "web", "image": image}]}}}}


def configmap(name: str, namespace: str, **data: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace},
            "data": data}


def test_apply_reports_created_unchanged_configured_and_objects_keep_the_api_shape(  # type: ignore[no-untyped-def]
        backend: KubeBackend, namespace: str) -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": namespace},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    first = backend.apply([deployment("web", namespace), svc])
    assert [r.line() for r in first] == ["deployment.apps/web created", "service/web created"]
    assert [r.line() for r in backend.apply([deployment("web", namespace), svc])] == \
        ["deployment.apps/web unchanged", "service/web unchanged"]
    assert backend.apply([deployment("web", namespace, replicas=2)])[0].action == "configured"
    live = backend.get("deploy", "web", namespace)
    assert (live["apiVersion"], live["kind"], live["spec"]["replicas"]) == ("apps/v1", "Deployment", 2)
    managers = {(m["manager"], m["operation"]) for m in live["metadata"]["managedFields"]}
    assert ("kube-magics", "Apply") in managers
    listed = backend.list("deployments", namespace)
    assert [(d["kind"], d["apiVersion"], d["metadata"]["name"]) for d in listed] == [("Deployment", "apps/v1", "web")]
    assert backend.list("svc", namespace, selector="app=none") == []
    everywhere = backend.list("services", None, field_selector=f"metadata.namespace={namespace}")
    assert [s["metadata"]["name"] for s in everywhere] == ["web"]


def test_dry_run_writes_nothing_and_reports_what_would_happen(backend: KubeBackend, namespace: str) -> None:
    planned = backend.apply([configmap("settings", namespace, mode="dev")], dry_run=True)
    assert planned[0].line(dry_run=True) == "configmap/settings created (server dry run)"
    assert planned[0].object["data"] == {"mode": "dev"}
    with pytest.raises(NotFoundError, match='configmaps "settings" not found'):
        backend.get("cm", "settings", namespace)
    backend.apply([configmap("settings", namespace, mode="dev")])
    assert backend.apply([configmap("settings", namespace, mode="dev")], dry_run=True)[0].action == "unchanged"
    changed = backend.apply([configmap("settings", namespace, mode="prod")], dry_run=True)[0]
    assert changed.action == "configured" and changed.object["data"] == {"mode": "prod"}
    assert backend.get("cm", "settings", namespace)["data"] == {"mode": "dev"}


def test_a_batch_with_a_bad_document_writes_nothing(backend: KubeBackend, namespace: str) -> None:
    bad = deployment("bad", namespace, replicas=-1)
    with pytest.raises(InvalidError) as caught:
        backend.apply([configmap("first", namespace, a="1"), bad])
    assert caught.value.kubectl_text() == ('The Deployment "bad" is invalid: spec.replicas: Invalid value: -1: must '
                                           "be greater than or equal to 0")
    assert backend.list("configmaps", namespace, field_selector="metadata.name=first") == []
    unknown = configmap("typo", namespace)
    unknown["datta"] = {"a": "1"}
    with pytest.raises(BadRequestError, match='strict decoding error: unknown field "datta"'):
        backend.apply([unknown])


def test_a_namespace_created_earlier_in_the_cell_counts_as_existing(backend: KubeBackend, namespace: str) -> None:
    ns = namespace + "-b"
    try:
        out = backend.apply([{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}},
                             configmap("inside", ns, a="1")])
        assert [r.line() for r in out] == [f"namespace/{ns} created", "configmap/inside created"]
    finally:
        backend.delete("namespaces", ns)


def test_create_replace_patch_and_delete(backend: KubeBackend, namespace: str) -> None:
    created = backend.create(configmap("c", namespace, a="1"))
    with pytest.raises(AlreadyExistsError, match='configmaps "c" already exists'):
        backend.create(configmap("c", namespace, a="1"))
    stale = copy.deepcopy(created)
    created["data"] = {"a": "2"}
    backend.replace(created)
    stale["data"] = {"a": "3"}
    with pytest.raises(ConflictError) as caught:  # the resourceVersion read before is stale now: 409 Conflict
        backend.replace(stale)
    assert "the object has been modified" in caught.value.message
    assert backend.patch("cm", "c", {"data": {"b": "x"}}, namespace=namespace, patch_type="merge")["data"] == \
        {"a": "2", "b": "x"}
    ops = [{"op": "remove", "path": "/data/a"}]
    assert backend.patch("cm", "c", ops, namespace=namespace, patch_type="json")["data"] == {"b": "x"}
    assert backend.patch("cm", "c", '{"data": {"c": "y"}}', namespace=namespace)["data"] == {"b": "x", "c": "y"}
    backend.delete("configmaps", "c", namespace)
    with pytest.raises(NotFoundError):
        backend.get("configmaps", "c", namespace)
    with pytest.raises(NotFoundError, match='configmaps "c" not found'):
        backend.delete("configmaps", "c", namespace)


def test_strategic_merge_patch_merges_containers_by_name(backend: KubeBackend, namespace: str) -> None:
    backend.apply([deployment("web", namespace)])
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx:1.28"}]}}}}
    out = backend.patch("deployments", "web", patch, namespace=namespace)
    containers = out["spec"]["template"]["spec"]["containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("web", "nginx:1.28")]


def test_scale_through_the_scale_subresource_and_wait_for_the_pods(backend: KubeBackend, namespace: str) -> None:
    backend.apply([deployment("web", namespace)])
    scale = backend.patch("deployments", "web", {"spec": {"replicas": 3}}, namespace=namespace, patch_type="merge",
                          subresource="scale")
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 3)
    assert backend.get("deployments", "web", namespace)["spec"]["replicas"] == 3

    def ready() -> bool:
        return backend.get("deployments", "web", namespace).get("status", {}).get("readyReplicas") == 3

    assert backend.wait_until(ready, timeout=120)
    assert len(backend.list("pods", namespace, selector="app=web")) == 3


def test_rollout_restart_and_status_on_plain_dicts(backend: KubeBackend, namespace: str) -> None:
    backend.apply([deployment("web", namespace)])
    live = backend.get("deployments", "web", namespace)
    backend.replace(rollout.restarted(live, "2026-01-05T10:00:00Z"))

    def done() -> bool:
        return rollout.status(backend.get("deployments", "web", namespace))[1]

    assert backend.wait_until(done, timeout=120)
    line, _ = rollout.status(backend.get("deployments", "web", namespace))
    assert line == 'deployment "web" successfully rolled out'
    replicasets = backend.list("replicasets", namespace, selector="app=web")
    history = rollout.history(backend.get("deployments", "web", namespace), replicasets)
    assert [r.number for r in history.revisions] == [1, 2]


def test_events_for_describe(backend: KubeBackend, namespace: str) -> None:
    backend.apply([deployment("web", namespace)])
    live = backend.get("deployments", "web", namespace)

    def scaled() -> bool:
        return any(e["reason"] == "ScalingReplicaSet" for e in backend.events_for(live))

    assert backend.wait_until(scaled, timeout=60)
    event = next(e for e in backend.events_for(live) if e["reason"] == "ScalingReplicaSet")
    assert event["involvedObject"]["uid"] == live["metadata"]["uid"]
    assert event["message"].startswith("Scaled up replica set web-")


def test_logs_of_a_pod(backend: KubeBackend, namespace: str) -> None:
    backend.apply([deployment("web", namespace)])
    assert backend.wait_until(lambda: any(p.get("status", {}).get("phase") == "Running"
                                          for p in backend.list("pods", namespace)), timeout=120)
    pod = next(p for p in backend.list("pods", namespace) if p["status"].get("phase") == "Running")
    assert isinstance(backend.logs(pod["metadata"]["name"], namespace, tail=5), str)
    with pytest.raises(NotFoundError, match='pods "nope" not found'):
        backend.logs("nope", namespace)


def test_watch_delivers_changes_from_now_on_and_stops_at_once(backend: KubeBackend, namespace: str) -> None:
    backend.create(configmap("before", namespace, a="1"))
    seen: list[tuple[str, str]] = []
    arrived = threading.Event()

    def on_event(event: Obj) -> None:
        if event["object"]["metadata"].get("namespace") == namespace:
            seen.append((event["type"], event["object"]["metadata"]["name"]))
            arrived.set()

    stop = backend.watch(on_event, ["configmaps"], namespace=namespace)
    try:
        backend.create(configmap("during", namespace, a="1"))
        backend.patch("cm", "during", {"data": {"a": "2"}}, namespace=namespace, patch_type="merge")
        backend.delete("configmaps", "during", namespace)
        assert backend.wait_until(lambda: ("DELETED", "during") in seen, timeout=30)
    finally:
        started = time.monotonic()
        stop()
        assert time.monotonic() - started < 3
    assert seen == [("ADDED", "during"), ("MODIFIED", "during"), ("DELETED", "during")]
    assert all(not w.is_alive() for w in stop.watches)  # type: ignore[attr-defined]


def test_a_watch_from_a_version_the_server_no_longer_has_lists_again(backend: KubeBackend, namespace: str) -> None:
    for i in range(3):
        backend.create(configmap(f"old-{i}", namespace, a="1"))
    seen: list[tuple[str, str]] = []
    stop = backend.watch(lambda e: seen.append((e["type"], e["object"]["metadata"]["name"])), ["configmaps"],
                         namespace=namespace, resource_version="1")
    try:
        backend.create(configmap("new", namespace, a="1"))
        assert backend.wait_until(lambda: ("ADDED", "new") in seen, timeout=30)
    finally:
        stop()
    watch = stop.watches[0]  # type: ignore[attr-defined]
    if watch.relists == 0:
        pytest.skip("the server still had resourceVersion 1 in its watch history (no 410 Gone to recover from)")
    assert {("ADDED", f"old-{i}") for i in range(3)} <= set(seen)  # the re-list delivers what exists
    assert seen.count(("ADDED", "new")) == 1


def test_wait_until_uses_the_wall_clock(backend: KubeBackend) -> None:
    started = time.monotonic()
    assert backend.wait_until(lambda: False, timeout=0.6) is False
    assert 0.6 <= time.monotonic() - started < 2.5


def test_metrics_or_kubectls_message_without_a_metrics_server(backend: KubeBackend, namespace: str) -> None:
    served = any(r.group == "metrics.k8s.io" for r in backend.catalogue)
    if not served:
        with pytest.raises(BackendError) as caught:
            backend.metrics("pods", namespace)
        assert caught.value.message == "Metrics API not available"
        assert caught.value.hint is not None and "metrics-server" in caught.value.hint
        return
    for m in backend.metrics("nodes", None):
        assert m["kind"] == "NodeMetrics" and set(m["usage"]) >= {"cpu", "memory"}


def test_discovery_resolves_kubectls_names(backend: KubeBackend) -> None:
    cat = backend.catalogue
    assert cat.resolve("po").kind == "Pod"
    assert cat.resolve("deploy").api_version == "apps/v1"
    assert cat.resolve("events").group == ""  # the core group wins, as in kubectl
    assert cat.resolve("hpa").kind == "HorizontalPodAutoscaler"
