"""Watch events -> rows -> snapshots: what kubectl would print for each pod and node, and what each view shows."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.widgets import reducers, snapshots
from kube_magics.widgets.status import category, node_status, pod_status
from tests.widgets.fakes import NOW, added, node, pod

# --- kubectl's columns ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("state", "ready", "status", "restarts", "cat"), [
    ("Running", "1/1", "Running", 0, "running"),
    ("ContainerCreating", "0/1", "ContainerCreating", 0, "creating"),
    ("CrashLoopBackOff", "0/1", "CrashLoopBackOff", 3, "crash"),
    ("Completed", "0/1", "Completed", 0, "completed"),
    ("Error", "0/1", "Error", 0, "error"),
    ("ImagePullBackOff", "0/1", "ImagePullBackOff", 0, "pull"),
])
def test_pod_columns_are_what_kubectl_get_pods_prints(state: str, ready: str, status: str, restarts: int,
                                                      cat: str) -> None:
    printed = pod_status(pod("p", state))
    assert (printed.ready, printed.status, printed.restarts) == (ready, status, restarts)
    assert category(printed.status, printed.ready) == cat


def test_a_pending_pod_and_a_terminating_one_read_as_in_the_recorded_watch() -> None:
    # reference/k8s-1.35/watch-and-pending.txt: "0/1 Pending 0" and, once deleted, "1/1 Terminating 0".
    assert pod_status(pod("p")) == ("0/1", "Pending", 0)
    assert pod_status(pod("p", "Running", deleting=True)) == ("1/1", "Terminating", 0)
    assert category("Terminating") == "terminating"


def test_init_containers_and_lost_nodes_follow_printpod() -> None:
    p = pod("p", "Running")
    p["spec"]["initContainers"] = [{"name": "init", "image": "busybox"}]
    p["status"]["initContainerStatuses"] = [{"name": "init", "restartCount": 2,
                                             "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]
    p["status"]["conditions"] = [{"type": "Initialized", "status": "False"}]
    assert pod_status(p) == ("0/1", "Init:CrashLoopBackOff", 2)
    p["status"]["initContainerStatuses"][0]["state"] = {"running": {}}
    assert pod_status(p).status == "Init:0/1"
    assert category("Init:0/1") == "creating"
    lost = pod("p", "Running", deleting=True)
    lost["status"]["reason"] = "NodeLost"
    assert pod_status(lost).status == "Unknown"


def test_a_running_pod_with_an_unready_container_is_not_drawn_as_healthy() -> None:
    p = pod("p", "Running")
    p["spec"]["containers"].append({"name": "side", "image": "busybox"})
    p["status"]["containerStatuses"].append({"name": "side", "ready": False, "restartCount": 1,
                                             "state": {"running": {}}})
    printed = pod_status(p)
    assert printed == ("1/2", "Running", 1)
    assert category(printed.status, printed.ready) == "unready"


def test_node_status_is_kubectls() -> None:
    assert node_status(node("n")) == "Ready"
    assert node_status(node("n", "Unknown")) == "NotReady"
    assert node_status(node("n", "False", cordoned=True)) == "NotReady,SchedulingDisabled"
    assert node_status({"kind": "Node", "metadata": {"name": "n"}, "status": {}}) == "Unknown"


# --- folding events ---------------------------------------------------------------------------------------------


def test_fold_keeps_the_latest_object_and_forgets_deleted_ones() -> None:
    state = reducers.ClusterState()
    assert reducers.fold(state, added(pod("web-1")))
    assert state.pods["default/web-1"]["status"] == "Pending"
    assert reducers.fold(state, {"type": "MODIFIED", "object": pod("web-1", "Running")})
    assert state.pods["default/web-1"]["status"] == "Running"
    version = state.version
    # A change no view shows (here: the same object again) is not a change.
    assert not reducers.fold(state, {"type": "MODIFIED", "object": pod("web-1", "Running")})
    assert state.version == version
    assert reducers.fold(state, {"type": "DELETED", "object": pod("web-1", "Running")})
    assert state.pods == {}
    assert not reducers.fold(state, {"type": "DELETED", "object": pod("web-1")})
    assert not reducers.fold(state, added({"kind": "ConfigMap", "metadata": {"name": "c", "namespace": "d"}}))
    assert not reducers.fold(state, {"type": "BOOKMARK", "object": pod("x")})


def test_events_are_kept_up_to_a_bound() -> None:
    state = reducers.ClusterState()
    for i in range(reducers.MAX_EVENTS + 5):
        reducers.fold(state, added({"kind": "Event", "metadata": {"name": f"e{i}", "namespace": "default"},
                                    "involvedObject": {"kind": "Pod", "name": "p"}, "reason": "Pulled"}))
    assert len(state.events) == reducers.MAX_EVENTS
    assert "default/e0" not in state.events and f"default/e{reducers.MAX_EVENTS + 4}" in state.events


# --- the topology snapshot --------------------------------------------------------------------------------------


def cluster_events() -> list[dict[str, Any]]:
    return [added(o) for o in (
        node("cp", control_plane=True), node("w1"), node("w2", "Unknown"), node("w3", cordoned=True),
        pod("web-1", "Running", node="w1"), pod("web-2", "CrashLoopBackOff", node="w2"), pod("web-3"),
        pod("coredns", "Running", node="w1", ns="kube-system"),
        {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
         "spec": {"selector": {"app": "web"}, "clusterIP": "10.96.0.10", "ports": [{"port": 80, "protocol": "TCP"}]}},
        {"kind": "Service", "metadata": {"name": "kubernetes", "namespace": "default"},
         "spec": {"clusterIP": "10.96.0.1", "ports": [{"port": 443}]}},
    )]


def test_topology_puts_pods_on_their_nodes_and_shows_node_state() -> None:
    snap = snapshots.topology(reducers.state_of(cluster_events()))
    by_name = {n["name"]: n for n in snap["nodes"]}
    assert [p["name"] for p in by_name["w1"]["pods"]] == ["web-1"]  # kube-system's coredns is hidden
    assert [p["status"] for p in by_name["w2"]["pods"]] == ["CrashLoopBackOff"]
    assert by_name["cp"]["control_plane"] and not by_name["w1"]["control_plane"]
    assert (by_name["w2"]["status"], by_name["w3"]["status"]) == ("NotReady", "Ready,SchedulingDisabled")
    assert by_name["w3"]["cordoned"]
    assert [p["name"] for p in snap["unscheduled"]] == ["web-3"]
    assert snap["counts"]["node_states"] == [["NotReady", 1], ["Ready", 3]]
    assert snap["counts"]["pod_states"] == [["Pending", 1], ["Running", 1], ["CrashLoopBackOff", 1]]
    system = snapshots.topology(reducers.state_of(cluster_events()), include_system=True)
    assert "coredns" in [p["name"] for n in system["nodes"] for p in n["pods"]]


def test_a_service_is_drawn_to_its_ready_endpoints() -> None:
    state = reducers.state_of(cluster_events())
    (web,) = snapshots.topology(state)["services"]  # the selector-less `kubernetes` Service has no pods to show
    # No Endpoints published yet: the pods its selector matches, ready when their Ready condition is True.
    assert web["endpoints"] == [{"pod": "default/web-1", "ready": True}, {"pod": "default/web-2", "ready": False},
                                {"pod": "default/web-3", "ready": False}]
    # Once the endpoints controller publishes, its word counts (reference/k8s-1.35/service.txt's shape).
    reducers.fold(state, added({"kind": "Endpoints", "metadata": {"name": "web", "namespace": "default"},
                                "subsets": [{"addresses": [{"ip": "10.244.1.5", "targetRef": {"kind": "Pod",
                                                                                              "name": "web-2"}}],
                                             "notReadyAddresses": [{"ip": "10.244.1.6", "targetRef": {
                                                 "kind": "Pod", "name": "web-1"}}]}]}))
    (web,) = snapshots.topology(state)["services"]
    assert {e["pod"]: e["ready"] for e in web["endpoints"]} == {"default/web-1": False, "default/web-2": True,
                                                                "default/web-3": False}


def test_endpoint_slices_count_as_endpoints() -> None:
    row = reducers.endpoints_row({"kind": "EndpointSlice", "metadata": {
        "name": "web-abcde", "namespace": "default", "labels": {"kubernetes.io/service-name": "web"}},
        "endpoints": [{"addresses": ["10.244.1.5"], "conditions": {"ready": True},
                       "targetRef": {"kind": "Pod", "name": "web-1"}},
                      {"addresses": ["10.244.1.6"], "conditions": {"ready": False},
                       "targetRef": {"kind": "Pod", "name": "web-2"}}]})
    assert row == {"service": "default/web", "ready": ["web-1"], "not_ready": ["web-2"]}


# --- the pod board ----------------------------------------------------------------------------------------------


def deployment(desired: int, *, replicas: int, updated: int, available: int, generation: int = 2,
               observed: int = 2) -> dict[str, Any]:
    return {"kind": "Deployment", "metadata": {"name": "nginx-deployment", "namespace": "default",
                                               "generation": generation},
            "spec": {"replicas": desired, "template": {"metadata": {"labels": {"app": "nginx"}},
                                                       "spec": {"containers": [{"image": "nginx:1.21"}]}}},
            "status": {"observedGeneration": observed, "replicas": replicas, "updatedReplicas": updated,
                       "readyReplicas": available, "availableReplicas": available}}


@pytest.mark.parametrize(("dep", "line", "done"), [
    (deployment(3, replicas=4, updated=1, available=3),
     'Waiting for deployment "nginx-deployment" rollout to finish: 1 out of 3 new replicas have been updated...',
     False),
    (deployment(3, replicas=4, updated=3, available=3),
     'Waiting for deployment "nginx-deployment" rollout to finish: 1 old replicas are pending termination...', False),
    (deployment(3, replicas=3, updated=3, available=2),
     'Waiting for deployment "nginx-deployment" rollout to finish: 2 of 3 updated replicas are available...', False),
    (deployment(3, replicas=3, updated=3, available=3), 'deployment "nginx-deployment" successfully rolled out', True),
    (deployment(3, replicas=3, updated=3, available=3, generation=3),
     "Waiting for deployment spec update to be observed...", False),
])
def test_rollout_lines_are_kubectl_rollout_status(dep: dict[str, Any], line: str, done: bool) -> None:
    # The first, second and fourth lines as reference/k8s-1.35/deployment.txt records them.
    assert reducers.rollout_status(dep) == (line, done)


def test_the_board_lists_pods_as_kubectl_with_ages_from_the_clusters_time() -> None:
    events = [added(pod("web-1", "Running")), added(pod("web-2", "CrashLoopBackOff", node="w2")),
              added(pod("db-0", "Running", labels={"app": "db"})), added(pod("other", ns="team")),
              added(deployment(3, replicas=3, updated=3, available=3))]
    state = reducers.state_of(events)
    snap = snapshots.board(state, now=NOW + 400, namespace="default", selector="app=web")
    assert [r[1:7] for r in snap["pods"]] == [["web-1", "1/1", "Running", 0, "6m40s", "w1"],
                                              ["web-2", "0/1", "CrashLoopBackOff", 3, "6m40s", "w2"]]
    assert snap["counts"] == {"pods": 2, "pod_states": [["Running", 1], ["CrashLoopBackOff", 1]]}
    assert snap["deployments"] == []  # its pods are app=nginx, not app=web
    everything = snapshots.board(state, now=NOW, namespace=None)
    assert [r[0] for r in everything["pods"]] == ["default/db-0", "default/web-1", "default/web-2", "team/other"]
    assert [d["name"] for d in everything["deployments"]] == ["nginx-deployment"]


def test_the_feed_shows_the_newest_events_first_and_details_list_them_as_describe_does() -> None:
    def event(name: str, reason: str, at: str, count: int = 1, first: str | None = None) -> dict[str, Any]:
        return added({"kind": "Event", "metadata": {"name": name, "namespace": "default"},
                      "involvedObject": {"kind": "Pod", "name": "web-1", "uid": "uid-web-1", "namespace": "default"},
                      "reason": reason, "message": f"{reason} message", "type": "Normal", "count": count,
                      "source": {"component": "kubelet"}, "firstTimestamp": first or at, "lastTimestamp": at})
    state = reducers.state_of([added(pod("web-1", "Running")),
                               event("a", "Scheduled", "2026-01-05T09:00:00Z"),
                               event("b", "Pulled", "2026-01-05T09:00:02Z"),
                               event("c", "BackOff", "2026-01-05T09:02:00Z", count=4, first="2026-01-05T09:00:30Z")])
    feed = snapshots.board(state, now=NOW + 180)["events"]
    assert [e["reason"] for e in feed] == ["BackOff", "Pulled", "Scheduled"]
    assert feed[0]["object"] == "pod/web-1" and feed[0]["age"] == "60s"
    details = snapshots.details(state, "pod:default/web-1", NOW + 180)
    assert [(e["reason"], e["age"], e["from"]) for e in details["events"]] == [
        ("Scheduled", "3m", "kubelet"), ("Pulled", "2m58s", "kubelet"), ("BackOff", "60s (x4 over 2m30s)", "kubelet")]
    assert (details["node"], details["status"], details["ip"]) == ("w1", "Running", "10.244.1.5")
    assert snapshots.details(state, "pod:default/gone", NOW) == {}
