"""The simulated kubelet, through SimCluster: pod lifecycle, image pulls, restarts, probes, termination, logs."""

from __future__ import annotations

import re

import pytest

from kube_magics.errors import BadRequestError
from kube_magics.sim import SimCluster
from kube_magics.timefmt import parse_rfc3339
from tests.seed_manifests import SEED_POD
from tests.sim.node_helpers import container_status, messages, pod, run_until

NGINX_POD = SEED_POD


def phase(c: SimCluster, name: str) -> str:
    return c.get("pod", name)["status"].get("phase", "")  # type: ignore[no-any-return]


def test_the_seed_pod_goes_pending_containercreating_running_with_kubelet_events() -> None:
    c = SimCluster()
    seen: list[tuple[str, str]] = []

    def watch(e: dict) -> None:
        st = e["object"].get("status") or {}
        waiting = ((st.get("containerStatuses") or [{}])[0].get("state") or {}).get("waiting") or {}
        seen.append((st.get("phase", ""), waiting.get("reason", "")))

    c.watch(watch, kinds=["pods"])
    c.apply(NGINX_POD)
    assert phase(c, "nginx-pod") == "Pending"
    assert container_status(c, "nginx-pod")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    took = run_until(c, lambda c: phase(c, "nginx-pod") == "Running")
    assert 2 < took < 6  # the pull of nginx:1.20 (56 MB) takes a few seconds
    assert ("Pending", "ContainerCreating") in seen and seen[-1] == ("Running", "")

    p = c.get("pod", "nginx-pod")
    node = c.get("node", p["spec"]["nodeName"])
    cidr = node["spec"]["podCIDR"].rsplit(".", 1)[0] + "."
    assert p["status"]["podIP"].startswith(cidr) and p["status"]["podIPs"] == [{"ip": p["status"]["podIP"]}]
    assert p["status"]["hostIP"] == node["status"]["addresses"][0]["address"]
    assert [cond["type"] for cond in p["status"]["conditions"]] == [
        "PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"]
    assert all(cond["status"] == "True" for cond in p["status"]["conditions"])
    cs = p["status"]["containerStatuses"][0]
    assert cs["ready"] and cs["started"] and cs["restartCount"] == 0
    assert re.fullmatch(r"containerd://[0-9a-f]{64}", cs["containerID"])
    assert cs["image"] == "docker.io/library/nginx:1.20"
    assert re.fullmatch(r"docker\.io/library/nginx@sha256:[0-9a-f]{64}", cs["imageID"])
    assert p["status"]["startTime"] and cs["state"]["running"]["startedAt"]

    events = c.events(p)
    assert [e["reason"] for e in events] == ["Scheduled", "Pulling", "Pulled", "Created", "Started"]
    assert events[0]["message"] == f"Successfully assigned default/nginx-pod to {p['spec']['nodeName']}"
    assert events[1]["message"] == 'Pulling image "nginx:1.20"'
    assert re.fullmatch(r'Successfully pulled image "nginx:1\.20" in \d+\.\d+s \(\d+\.\d+s including waiting\)\. '
                        r"Image size: \d+ bytes\.", events[2]["message"])
    assert [e["message"] for e in events[3:]] == ["Container created", "Container started"]
    assert all(e["source"] == {"component": "kubelet", "host": p["spec"]["nodeName"]} for e in events[1:])
    assert events[3]["involvedObject"]["fieldPath"] == "spec.containers{nginx}"


def test_a_cached_image_starts_at_once_and_is_listed_on_the_node() -> None:
    c = SimCluster(workers=1)
    c.apply(NGINX_POD)
    c.advance(10)
    images = [n for i in c.get("node", "sim-worker")["status"]["images"] for n in i["names"]]
    assert "docker.io/library/nginx:1.20" in images
    c.apply(NGINX_POD.replace("nginx-pod", "second"))
    assert run_until(c, lambda c: phase(c, "second") == "Running") < 1.5
    assert messages(c, "second", "Pulled") == [
        'Container image "nginx:1.20" already present on machine and can be accessed by the pod']


def test_pull_policies_always_and_never() -> None:
    c = SimCluster(workers=1)
    c.apply(pod("always", "nginx:1.20", imagePullPolicy="Always", spec={"nodeName": "sim-worker"}))
    c.advance(10)
    c.apply(pod("again", "nginx:1.20", imagePullPolicy="Always", spec={"nodeName": "sim-worker"}))
    c.advance(2)
    assert messages(c, "again", "Pulling") == ['Pulling image "nginx:1.20"']
    c.apply(pod("never", "redis:7", imagePullPolicy="Never"))
    c.advance(5)
    cs = container_status(c, "never")
    assert cs["state"]["waiting"] == {"reason": "ErrImageNeverPull",
                                      "message": 'Container image "redis:7" is not present with pull policy of Never'}
    assert "Error: ErrImageNeverPull" in messages(c, "never", "Failed")


def test_crash_loop_back_off_doubles_from_ten_seconds() -> None:
    c = SimCluster()
    c.apply(pod("crash", "busybox:1.36", command=["sh", "-c", "echo boom; exit 1"]))
    restarts: dict[int, float] = {}
    for _ in range(400):
        n = container_status(c, "crash").get("restartCount", 0)
        restarts.setdefault(n, c.elapsed)
        c.advance(0.5)
    gaps = [restarts[i + 1] - restarts[i] for i in range(1, 5)]
    assert restarts[1] - restarts[0] <= 3  # the first restart is immediate
    assert gaps == [10, 20, 40, 80]
    cs = container_status(c, "crash")
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert re.fullmatch(r"back-off 2m40s restarting failed container=app pod=crash_default\([0-9a-f-]{36}\)",
                        cs["state"]["waiting"]["message"])
    last = cs["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("Error", 1)
    assert phase(c, "crash") == "Running"
    backoff = [e for e in c.events(c.get("pod", "crash")) if e["reason"] == "BackOff"]
    assert backoff[0]["type"] == "Warning" and backoff[0]["message"].startswith(
        "Back-off restarting failed container app in pod crash_default(")


def test_restart_policies_decide_the_phase() -> None:
    c = SimCluster()
    c.apply(pod("ok", "busybox:1.36", command=["sh", "-c", "exit 0"], spec={"restartPolicy": "Never"}))
    c.apply(pod("bad", "busybox:1.36", command=["sh", "-c", "exit 3"], spec={"restartPolicy": "Never"}))
    c.apply(pod("retry", "busybox:1.36", command=["sh", "-c", "exit 3"], spec={"restartPolicy": "OnFailure"}))
    c.apply(pod("done", "python:3.9-slim", command=["python", "-c", "import time; time.sleep(5)"],
                spec={"restartPolicy": "OnFailure"}))
    c.advance(40)
    assert phase(c, "ok") == "Succeeded"
    assert container_status(c, "ok")["state"]["terminated"]["reason"] == "Completed"
    assert phase(c, "bad") == "Failed"
    assert container_status(c, "bad")["state"]["terminated"]["exitCode"] == 3
    assert phase(c, "retry") == "Running" and container_status(c, "retry")["restartCount"] >= 2
    assert phase(c, "done") == "Succeeded" and container_status(c, "done")["restartCount"] == 0
    ready = {cond["type"]: cond for cond in c.get("pod", "ok")["status"]["conditions"]}
    assert ready["Ready"]["status"] == "False" and ready["Ready"]["reason"] == "PodCompleted"


def test_memory_over_the_limit_is_oom_killed() -> None:
    c = SimCluster()
    limits = {"limits": {"memory": "128Mi"}}
    c.apply(pod("hog", "python:3.9-slim", command=["python", "-c", "x = bytearray(300 * 1024 * 1024)"],
                resources=limits, spec={"restartPolicy": "Never"}))
    c.apply(pod("stress", "ubuntu:22.04", command=["stress", "--vm", "1", "--vm-bytes", "300M", "--vm-hang", "1"],
                resources=limits))
    c.apply(pod("fits", "python:3.9-slim", command=["python", "-c", "x = bytearray(50 * 1024 * 1024)"],
                resources=limits, spec={"restartPolicy": "Never"}))
    c.advance(30)
    hog = container_status(c, "hog")["state"]["terminated"]
    assert (hog["reason"], hog["exitCode"]) == ("OOMKilled", 137)
    assert phase(c, "hog") == "Failed"
    last = container_status(c, "stress")["lastState"]["terminated"]
    assert (last["reason"], last["exitCode"]) == ("OOMKilled", 137)
    assert container_status(c, "fits")["state"]["terminated"]["reason"] == "Completed"


def test_an_image_no_registry_has_fails_then_backs_off() -> None:
    c = SimCluster()
    c.apply(pod("nope", "nope:1"))
    c.advance(2)
    cs = container_status(c, "nope")
    err = ('rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nope:1": '
           'failed to resolve reference "docker.io/library/nope:1": docker.io/library/nope:1: not found')
    assert cs["state"]["waiting"] in ({"reason": "ErrImagePull", "message": err},
                                      {"reason": "ImagePullBackOff",
                                       "message": f'Back-off pulling image "nope:1": ErrImagePull: {err}'})
    c.advance(3)
    assert container_status(c, "nope")["state"]["waiting"]["reason"] == "ImagePullBackOff"
    c.advance(60)
    failed = messages(c, "nope", "Failed")
    assert f'Failed to pull image "nope:1": {err}' in failed
    assert {"Error: ErrImagePull", "Error: ImagePullBackOff"} <= set(failed)
    assert messages(c, "nope", "BackOff")[0] == 'Back-off pulling image "nope:1"'
    pulling = next(e for e in c.events(c.get("pod", "nope")) if e["reason"] == "Pulling")
    assert pulling["count"] >= 3  # retried after 10 s, 20 s, ...
    assert phase(c, "nope") == "Pending"


def test_init_containers_run_first_in_order() -> None:
    c = SimCluster()
    manifest = pod("web", "nginx:1.20")
    manifest["spec"]["initContainers"] = [
        {"name": "first", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 3"]},
        {"name": "second", "image": "busybox:1.36", "command": ["sh", "-c", "echo ready; sleep 2"]},
    ]
    c.apply(manifest)
    c.advance(2)
    p = c.get("pod", "web")
    assert p["status"]["phase"] == "Pending"
    assert p["status"]["containerStatuses"][0]["state"]["waiting"]["reason"] == "PodInitializing"
    init = {cond["type"]: cond for cond in p["status"]["conditions"]}["Initialized"]
    assert init["status"] == "False" and init["message"] == "containers with incomplete status: [first second]"
    run_until(c, lambda c: phase(c, "web") == "Running")
    p = c.get("pod", "web")
    first, second = (s["state"]["terminated"] for s in p["status"]["initContainerStatuses"])
    assert first["reason"] == second["reason"] == "Completed"
    assert first["finishedAt"] <= second["startedAt"]
    assert second["finishedAt"] <= p["status"]["containerStatuses"][0]["state"]["running"]["startedAt"]
    assert c.logs("web", "second") == "ready\n"


def test_a_readiness_probe_delays_ready_and_a_failing_one_keeps_it_unready() -> None:
    c = SimCluster()
    probe = {"httpGet": {"path": "/", "port": 80}, "initialDelaySeconds": 10, "periodSeconds": 5}
    c.apply(pod("slow", "nginx:1.20", ports=[{"containerPort": 80}], readinessProbe=probe))
    bad = dict(probe, httpGet={"path": "/healthz", "port": 80})
    c.apply(pod("bad", "nginx:1.20", ports=[{"containerPort": 80}], readinessProbe=bad))
    run_until(c, lambda c: phase(c, "slow") == "Running")
    started = c.elapsed
    assert not container_status(c, "slow")["ready"]
    run_until(c, lambda c: container_status(c, "slow")["ready"])
    assert c.elapsed - started == pytest.approx(10, abs=1)
    ready = {cond["type"]: cond for cond in c.get("pod", "slow")["status"]["conditions"]}["Ready"]
    assert ready["status"] == "True"
    c.advance(60)
    assert not container_status(c, "bad")["ready"]
    unhealthy = messages(c, "bad", "Unhealthy")
    assert unhealthy and unhealthy[0] == "Readiness probe failed: HTTP probe failed with statuscode: 404"


def test_a_failing_liveness_probe_restarts_the_container() -> None:
    c = SimCluster()
    c.apply(pod("liveness", "busybox:1.36", args=["/bin/sh", "-c",
                                                  "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                livenessProbe={"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5,
                               "periodSeconds": 5}))
    c.advance(30)
    assert container_status(c, "liveness")["restartCount"] == 0
    c.advance(60)
    assert container_status(c, "liveness")["restartCount"] == 1
    assert "Container app failed liveness probe, will be restarted" in messages(c, "liveness", "Killing")
    assert messages(c, "liveness", "Unhealthy")[0] == (
        "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory")


def test_graceful_termination_takes_as_long_as_the_process() -> None:
    c = SimCluster()
    c.apply(pod("web", "nginx:1.20"))
    c.apply(pod("sleeper", "busybox:1.36", command=["sleep", "3600"]))
    c.advance(10)
    c.delete("pod", "web")
    c.delete("pod", "sleeper")
    assert c.get("pod", "web")["metadata"]["deletionTimestamp"]
    assert messages(c, "web", "Killing") == ["Stopping container app"]
    c.advance(1.5)
    assert [p["metadata"]["name"] for p in c.list("pods")] == ["sleeper"]
    c.advance(27)
    assert [p["metadata"]["name"] for p in c.list("pods")] == ["sleeper"]
    c.advance(2)
    assert c.list("pods") == []


def test_logs_current_previous_and_tail() -> None:
    c = SimCluster()
    c.apply(pod("web", "nginx:1.20"))
    with pytest.raises(BadRequestError, match='container "app" in pod "web" is waiting to start: ContainerCreating'):
        c.logs("web")
    c.advance(10)
    logs = c.logs("web")
    assert "/docker-entrypoint.sh: Configuration complete; ready for start up\n" in logs
    assert re.search(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[notice\] 1#1: nginx/1\.20\.2$", logs, re.M)
    assert c.logs("web", tail=1).count("\n") == 1
    c.apply(pod("count", "busybox:1.36", command=["sh", "-c", "for i in 1 2 3; do echo $i; done; sleep 5; exit 1"]))
    with pytest.raises(BadRequestError, match='previous terminated container "app" in pod "count" not found'):
        c.logs("count", previous=True)
    run_until(c, lambda c: container_status(c, "count")["restartCount"] >= 1)
    assert c.logs("count", previous=True) == "1\n2\n3\n"
    with pytest.raises(BadRequestError, match="container nope is not valid for pod count"):
        c.logs("count", "nope")


def test_the_same_calls_give_the_same_cluster() -> None:
    def run() -> list[tuple[str, str, str, str]]:
        c = SimCluster(workers=3, seed=7)
        for i in range(6):
            c.apply(pod(f"p{i}", "nginx:1.20" if i % 2 else "redis:7"))
        c.apply(pod("crash", "busybox:1.36", command=["sh", "-c", "exit 1"]))
        c.advance(60)
        out = [(e["metadata"]["name"], e["reason"], e["message"], e.get("lastTimestamp") or e["eventTime"])
               for e in c.events()]
        out += [(p["metadata"]["name"], p["spec"]["nodeName"], p["status"]["podIP"], p["metadata"]["uid"])
                for p in c.list("pods")]
        return out

    assert run() == run()


def test_an_image_pushed_to_the_cluster_registry_runs_with_its_config() -> None:
    from kube_magics.sim.registry import Image, registry_of

    c = SimCluster()
    image = Image("myapp:1", size=150_000_000, compressed=60_000_000,
                  config={"Cmd": ["python", "app.py"], "Env": ["MODE=prod"], "WorkingDir": "/app",
                          "ExposedPorts": {"8000/tcp": {}}})
    registry_of(c.rt.services).push(image, "myapp:latest")
    probe = {"tcpSocket": {"port": 8000}, "periodSeconds": 2}
    c.apply(pod("app", "myapp:1", readinessProbe=probe))
    c.apply(pod("latest", "myapp:latest", imagePullPolicy="IfNotPresent"))
    run_until(c, lambda c: container_status(c, "app")["ready"])
    assert messages(c, "app", "Pulled")[0].startswith('Successfully pulled image "myapp:1"')
    assert container_status(c, "app")["image"] == "docker.io/library/myapp:1"
    assert phase(c, "latest") == "Running"
    c.apply(pod("missing", "myapp:2"))
    c.advance(3)
    assert container_status(c, "missing")["state"]["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")


def test_a_startup_probe_holds_readiness_and_kills_a_container_that_never_starts() -> None:
    c = SimCluster()
    startup = {"httpGet": {"path": "/", "port": 5432}, "periodSeconds": 2, "failureThreshold": 10}
    c.apply(pod("db", "postgres:16", env=[{"name": "POSTGRES_PASSWORD", "value": "pw"}], startupProbe=startup))
    run_until(c, lambda c: phase(c, "db") == "Running")
    assert not container_status(c, "db")["started"]
    run_until(c, lambda c: container_status(c, "db")["ready"])
    assert container_status(c, "db")["started"]
    never = {"tcpSocket": {"port": 9999}, "periodSeconds": 1, "failureThreshold": 3}
    c.apply(pod("stuck", "redis:7", startupProbe=never))
    c.advance(30)
    assert container_status(c, "stuck")["restartCount"] >= 1
    assert "Container app failed startup probe, will be restarted" in messages(c, "stuck", "Killing")


def test_a_new_image_in_a_running_pod_restarts_its_container() -> None:
    c = SimCluster()
    c.apply(pod("web", "nginx:1.20"))
    c.advance(10)
    p = c.get("pod", "web")
    p["spec"]["containers"][0]["image"] = "nginx:1.21"
    c.replace(p)
    assert "Container app definition changed, will be restarted" in messages(c, "web", "Killing")
    c.advance(10)
    cs = container_status(c, "web")
    assert cs["image"] == "docker.io/library/nginx:1.21" and cs["restartCount"] == 1 and cs["ready"]
    assert cs["lastState"]["terminated"]["reason"] == "Completed"


def test_back_off_starts_again_after_ten_quiet_minutes() -> None:
    c = SimCluster()
    c.apply(pod("slow", "busybox:1.36", command=["sh", "-c", "sleep 660; exit 1"]))
    c.advance(5)
    for expected in (1, 2, 3):
        run_until(c, lambda c, n=expected: container_status(c, "slow")["restartCount"] == n, timeout=700)
        finished = parse_rfc3339(container_status(c, "slow")["lastState"]["terminated"]["finishedAt"])
        started = parse_rfc3339(container_status(c, "slow")["state"]["running"]["startedAt"])
        assert 0 <= started - finished <= 2  # restarted at once: no back-off after a long run
