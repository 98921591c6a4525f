"""The pod STATUS, READY and RESTARTS logic of kubectl's pod printer, case by case."""

from __future__ import annotations

import pytest

from kube_magics.printers import summarize
from kube_magics.printers.pods import pod_cells
from tests import printers_data as d

NOW = d.T0 + 600


def status_of(pod: dict) -> tuple[str, str, str]:
    s = summarize(pod, NOW)
    return s.ready, s.status, s.restarts


def test_running_and_pending() -> None:
    assert status_of(d.pod("web")) == ("1/1", "Running", "0")
    assert status_of(d.pod("big", node=None, ip=None, phase="Pending")) == ("0/1", "Pending", "0")


@pytest.mark.parametrize("reason", ["ContainerCreating", "ErrImagePull", "ImagePullBackOff",
                                    "CreateContainerConfigError", "CrashLoopBackOff"])
def test_a_waiting_container_gives_its_reason(reason: str) -> None:
    pod = d.pod("web", phase="Pending", statuses=[d.waiting("nginx", reason)])
    assert status_of(pod)[1] == reason


@pytest.mark.parametrize(("term", "expected"), [
    ({"exit_code": 0, "reason": "Completed"}, "Completed"),
    ({"exit_code": 1, "reason": "Error"}, "Error"),
    ({"exit_code": 137, "reason": "OOMKilled"}, "OOMKilled"),
    ({"exit_code": 3}, "ExitCode:3"),
    ({"exit_code": 143, "signal": 15}, "Signal:15"),
])
def test_a_terminated_container_gives_its_reason(term: dict, expected: str) -> None:
    phase = "Succeeded" if term["exit_code"] == 0 else "Failed"
    pod = d.pod("job-x", phase=phase, statuses=[d.terminated("main", **term)])
    assert status_of(pod) == ("0/1", expected, "0")


def test_crash_loop_shows_restarts_and_how_long_ago_the_last_was() -> None:
    last = {"exitCode": 1, "reason": "Error", "startedAt": d.at(470), "finishedAt": d.at(480)}
    pod = d.pod("crasher", statuses=[d.waiting("nginx", "CrashLoopBackOff", restarts=5, last_terminated=last)])
    assert status_of(pod) == ("0/1", "CrashLoopBackOff", "5 (2m ago)")
    pod = d.pod("recovered", statuses=[d.running(restarts=1, last_terminated={**last, "finishedAt": d.at(590)})])
    assert status_of(pod) == ("1/1", "Running", "1 (10s ago)")


def test_terminating_and_lost_nodes() -> None:
    pod = d.pod("web")
    pod["metadata"]["deletionTimestamp"] = d.at(500)
    assert status_of(pod)[1] == "Terminating"
    pod["status"]["reason"] = "NodeLost"
    assert status_of(pod)[1] == "Unknown"
    done = d.pod("done", phase="Succeeded", statuses=[d.terminated("main", reason="Completed")])
    done["metadata"]["deletionTimestamp"] = d.at(500)
    assert status_of(done)[1] == "Completed", "a finished pod being deleted keeps its final status"


def with_init(pod: dict, statuses: list[dict], count: int = 1) -> dict:
    pod["spec"]["initContainers"] = [d.container(f"init-{i}", "busybox:1.36") for i in range(count)]
    pod["status"]["initContainerStatuses"] = statuses
    pod["status"]["conditions"] = [c for c in pod["status"]["conditions"] if c["type"] != "Initialized"] + [
        {"type": "Initialized", "status": "False"}]
    return pod


def test_init_containers() -> None:
    waiting_app = [d.waiting("nginx", "PodInitializing")]
    pod = with_init(d.pod("web", phase="Pending", statuses=waiting_app),
                    [{"name": "init-0", "state": {"running": {}}, "restartCount": 0}])
    assert status_of(pod) == ("0/1", "Init:0/1", "0")
    pod = with_init(d.pod("web", phase="Pending", statuses=waiting_app),
                    [d.terminated("init-0", reason="Completed"), {"name": "init-1", "state": {"running": {}}}], 2)
    assert status_of(pod)[1] == "Init:1/2"
    pod = with_init(d.pod("web", phase="Pending", statuses=waiting_app),
                    [d.terminated("init-0", exit_code=1, reason="Error")])
    assert status_of(pod)[1] == "Init:Error"
    pod = with_init(d.pod("web", phase="Pending", statuses=waiting_app),
                    [d.waiting("init-0", "CrashLoopBackOff", restarts=3)])
    assert status_of(pod) == ("0/1", "Init:CrashLoopBackOff", "3")


def test_sidecar_init_containers_count_towards_ready() -> None:
    pod = d.pod("web")
    sidecar = d.container("proxy", "envoy:1", restartPolicy="Always")
    pod["spec"]["initContainers"] = [sidecar]
    pod["status"]["initContainerStatuses"] = [{**d.running("proxy", "envoy:1"), "started": True}]
    assert status_of(pod) == ("2/2", "Running", "0")


def test_completed_with_a_container_still_running_is_running_or_not_ready() -> None:
    pod = d.pod("web", containers=[d.container("a"), d.container("b")],
                statuses=[d.running("a"), d.terminated("b", reason="Completed")],
                conditions={"Ready": "True"})
    assert status_of(pod)[1] == "Running"
    pod["status"]["conditions"] = [{"type": "Ready", "status": "False"}]
    assert status_of(pod)[1] == "NotReady"


def test_scheduling_gates_and_reasons_from_status() -> None:
    gated = d.pod("gated", node=None, ip=None, phase="Pending")
    gated["status"]["conditions"] = [{"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]
    assert status_of(gated)[1] == "SchedulingGated"
    evicted = d.pod("evicted", phase="Failed", statuses=[], reason="Evicted")
    assert status_of(evicted)[1] == "Evicted"


def test_wide_cells_and_readiness_gates() -> None:
    pod = d.pod("web", nominatedNodeName="fake-node-3")
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/lb"}, {"conditionType": "example.com/dns"}]
    pod["status"]["conditions"].append({"type": "example.com/lb", "status": "True"})
    assert pod_cells(pod, NOW)[5:] == ["10.244.0.22", "fake-node-2", "fake-node-3", "1/2"]
    bare = d.pod("bare", node=None, ip=None, phase="Pending")
    assert pod_cells(bare, NOW)[5:] == ["<none>", "<none>", "<none>", "<none>"]
