"""The cluster views over a simulated cluster: their traits after a scenario, their buttons, their clock."""

from __future__ import annotations

import asyncio
import re
import time
from typing import Any

import pytest

from kube_magics.errors import UsageError
from kube_magics.sim import SimCluster
from kube_magics.widgets import Player, get_language, pod_board, set_language, topology
from kube_magics.widgets.i18n import WidgetSettings
from kube_magics.widgets.status import category, pod_status
from tests.widgets.conftest import ManualTime
from tests.widgets.fakes import ScriptedBackend
from tests.widgets.simbackend import SimBackend, place

NGINX = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx-deployment"},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                  "template": {"metadata": {"labels": {"app": "nginx"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}}


def keys(scene: dict[str, Any], prefix: str) -> set[str]:
    return {i["key"] for i in scene["items"] if i.get("key", "").startswith(prefix)}


def pod_fills(scene: dict[str, Any]) -> dict[str, str]:
    return {i["key"]: i["fill"] for i in scene["items"] if i.get("cls") == "km-pod"}


@pytest.fixture
def scenario(cluster: SimCluster) -> SimCluster:
    place(cluster, "web-1", "sim-worker", "Running", ip="10.244.1.2")
    place(cluster, "web-2", "sim-worker2", "CrashLoopBackOff", ip="10.244.2.2")
    place(cluster, "batch-1", "sim-worker2", "Completed", labels={"app": "batch"}, ip="10.244.2.3")
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.apply(NGINX)
    return cluster


def test_the_topology_shows_every_node_and_pod_coloured_by_what_the_cluster_says(
        scenario: SimCluster, backend: SimBackend, manual: ManualTime) -> None:
    view = topology(backend, time_source=manual.clock, scheduler=manual.schedule)
    assert keys(view.scene, "node:") == {"node:sim-control-plane", "node:sim-worker", "node:sim-worker2"}
    pods = backend.list("pods", namespace="default")  # kube-system's pods are left out by default
    assert keys(view.scene, "pod:") == {f"pod:default/{p['metadata']['name']}" for p in pods}
    colours = view.palette
    for p in pods:  # whatever state each pod is in now, its tile has that state's colour
        ready, status, _ = pod_status(p)
        assert pod_fills(view.scene)[f"pod:default/{p['metadata']['name']}"] == colours[category(status, ready)][0]
    assert view.summary_text == view.summary() == repr(view)
    assert view.summary().startswith("Cluster sim: 3 nodes (3 Ready), ")
    assert [d["name"] for d in view.deployments] == ["nginx-deployment"]
    assert view.sim and view.clock["time"] == "2026-01-05T09:00:00Z"
    view.close()


def test_deleting_a_pod_from_the_kernel_changes_the_view_in_the_next_batch(
        scenario: SimCluster, backend: SimBackend, manual: ManualTime) -> None:
    view = topology(backend, time_source=manual.clock, scheduler=manual.schedule)
    manual.advance(1)
    backend.delete("pods", "batch-1")  # a finished pod goes at once
    assert "pod:default/batch-1" not in keys(view.scene, "pod:")  # first change after a quiet spell: at once
    backend.delete("pods", "web-1")  # a running pod on a node terminates gracefully
    manual.run_timers()
    after = {i["key"]: i for i in view.scene["items"] if i.get("cls") == "km-pod"}
    still = backend.list("pods")
    assert set(after) == {f"pod:default/{p['metadata']['name']}" for p in still}
    if "pod:default/web-1" in after:
        assert "Terminating" in after["pod:default/web-1"]["title"]
    view.close()


def test_a_click_on_a_pod_shows_its_details_and_events(scenario: SimCluster, backend: SimBackend,
                                                       manual: ManualTime) -> None:
    view = topology(backend, time_source=manual.clock, scheduler=manual.schedule)
    view.selected = "pod:default/web-2"
    d = view.details
    assert (d["kind"], d["name"], d["node"], d["status"], d["restarts"]) == (
        "Pod", "web-2", "sim-worker2", "CrashLoopBackOff", 3)
    assert d["events"] == [{"type": e["type"], "reason": e["reason"], "from": e["source"].get("component", ""),
                            "message": e["message"], "age": d["events"][i]["age"]}
                           for i, e in enumerate(backend.events_for(backend.get("pods", "web-2")))]
    view.selected = "node:sim-worker2"
    assert (view.details["kind"], view.details["status"], view.details["pods"]) == ("Node", "Ready", 2)
    view.selected = ""
    assert view.details == {}
    view.close()


def test_buttons_delete_scale_and_fail_nodes_through_the_backend(scenario: SimCluster, backend: SimBackend,
                                                                 manual: ManualTime) -> None:
    view = topology(backend, time_source=manual.clock, scheduler=manual.schedule)
    assert view.act({"action": "delete_pod", "pod": "default/batch-1"}) == 'pod "batch-1" deleted'
    assert not view.failed
    assert view.act({"action": "scale", "deployment": "default/nginx-deployment", "replicas": 5}) == \
        "deployment.apps/nginx-deployment scaled"
    assert view.act({"action": "fail_node", "node": "sim-worker"}) == \
        "node/sim-worker failed: its kubelet stopped posting status"
    manual.run_timers()
    assert backend.get("deployments", "nginx-deployment")["spec"]["replicas"] == 5
    assert [d["desired"] for d in view.deployments] == [5]
    node = next(i for i in view.scene["items"] if i.get("key") == "node:sim-worker" and i["t"] == "rect")
    assert node["stroke"] == "#d93b3b" and node["fill"] == "#fdecec"  # NotReady: red
    view.act({"action": "recover_node", "node": "sim-worker"})
    manual.run_timers()
    node = next(i for i in view.scene["items"] if i.get("key") == "node:sim-worker" and i["t"] == "rect")
    assert node["stroke"] == "#2f9e55"
    # Errors come back as the API's own words.
    assert view.act({"action": "delete_pod", "pod": "default/nope"}) == 'pods "nope" not found'
    assert view.failed and view.message == 'pods "nope" not found'
    assert "unknown action" in view.act({"action": "explode"})
    view.close()


def test_a_cordoned_node_is_drawn_dashed(cluster: SimCluster, backend: SimBackend, manual: ManualTime) -> None:
    view = topology(backend, time_source=manual.clock, scheduler=manual.schedule)
    node = cluster.get("nodes", "sim-worker2", "")
    node["spec"]["unschedulable"] = True
    cluster.replace(node)
    manual.run_timers()
    box = next(i for i in view.scene["items"] if i.get("key") == "node:sim-worker2" and i["t"] == "rect")
    assert box["dash"] == "6 4"
    assert "Ready · cordoned" in [i["text"] for i in view.scene["items"] if i.get("key") == "node:sim-worker2"
                                  and i["t"] == "text"]
    view.close()


# --- the clock --------------------------------------------------------------------------------------------------


def test_the_clock_never_moves_unless_asked(cluster: SimCluster, backend: SimBackend) -> None:
    view = topology(backend)
    start = backend.now()
    time.sleep(0.3)
    assert backend.now() == start and backend.sim.advanced == []
    view.act({"action": "clock", "op": "speed", "speed": 10})
    view.act({"action": "clock", "op": "step"})
    assert backend.sim.advanced == [10.0] and backend.now() == start + 10
    view.close()


def test_play_drives_the_simulator_from_the_event_loop_until_paused(cluster: SimCluster, backend: SimBackend) -> None:
    async def scenario() -> tuple[float, float, float, float]:
        player = Player(backend.sim, tick=0.02, speed=30)
        view = topology(backend, player=player)
        start, t0 = backend.now(), time.monotonic()
        view.act({"action": "clock", "op": "play"})
        assert player.playing
        await asyncio.sleep(0.3)
        view.act({"action": "clock", "op": "pause"})
        paused_at, real = backend.now(), time.monotonic() - t0
        assert not player.playing
        await asyncio.sleep(0.15)
        view.close()
        return start, paused_at, backend.now(), real

    start, paused_at, later, real = asyncio.run(scenario())
    assert 0 < paused_at - start <= 30 * real + 1e-6  # 30 virtual seconds per real second, at most
    assert later == paused_at


def test_clock_controls_need_the_simulator() -> None:
    view = topology(ScriptedBackend([]))
    assert not view.sim
    assert view.act({"action": "clock", "op": "play"}) == "the clock controls need the simulated cluster"
    assert view.act({"action": "fail_node", "node": "x"}).startswith("only the simulated cluster can do that")
    view.close()


# --- the pod board ----------------------------------------------------------------------------------------------


def test_the_board_follows_its_selector_and_namespace(scenario: SimCluster, backend: SimBackend,
                                                      manual: ManualTime) -> None:
    board = pod_board(backend, selector="app=web", namespace="default", time_source=manual.clock,
                      scheduler=manual.schedule)
    assert [r[1] for r in board.board["pods"]] == ["web-1", "web-2"]
    assert board.summary() == "Pods in default (app=web): 2 (1 Running, 1 CrashLoopBackOff)"
    everything = pod_board(backend, namespace="default", time_source=manual.clock, scheduler=manual.schedule)
    names = [r[1] for r in everything.board["pods"]]
    # The scenario's bare pods, and the pods the nginx Deployment's ReplicaSet made.
    assert [n for n in names if not n.startswith("nginx-deployment-")] == ["batch-1", "web-1", "web-2"]
    assert len([n for n in names if n.startswith("nginx-deployment-")]) == NGINX["spec"]["replicas"]
    assert [d["name"] for d in everything.board["deployments"]] == ["nginx-deployment"]
    scenario.advance(90)
    manual.advance(1)
    everything.refresh()
    assert {r[5] for r in everything.board["pods"]} == {"90s"}  # AGE, from the cluster's clock
    board.close()
    everything.close()


# --- languages --------------------------------------------------------------------------------------------------


def test_set_language_switches_open_views_and_new_ones(scenario: SimCluster, backend: SimBackend,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    view = topology(backend)
    assert view.labels["control_plane"] == "Control plane"
    assert set_language("ko-KR") == "ko"
    assert view.lang == "ko" and view.labels["control_plane"] == "컨트롤 플레인 (Control Plane)"
    assert re.match(r"클러스터 sim: 노드 3개 \(3 Ready\), 파드 \d+개 \(", view.summary())
    assert any("컨트롤 플레인" in i.get("text", "") for i in view.scene["items"])
    assert topology(backend).lang == "ko"
    assert topology(backend, lang="en").lang == "en"
    with pytest.raises(UsageError, match='unsupported language "fr"'):
        set_language("fr")
    set_language("en")
    monkeypatch.setenv("KUBE_MAGICS_LANG", "ko_KR.UTF-8")
    WidgetSettings.instance().lang = ""
    assert get_language() == "ko" and topology(backend).lang == "ko"
    view.close()
