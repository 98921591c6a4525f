"""`%k8s rollout ...`, `set image`, `scale` and `wait` on a Deployment, compared with the kubectl 1.35 recordings.

Pods are run by the stand-in the recordings were made with (tests/sim/standin.py: bound at once, Running and Ready
a second later), so the rollout steps are those of the recording.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.magics.k8s_cells import NGINX_DEPLOYMENT, clock, run_pods, text
from tests.reference import output

DEPLOY = "deployment/nginx-deployment"


@pytest.fixture
def cells(ip: Any) -> Iterator[Any]:
    yield run_pods(ip)


def recorded(command: str, nth: int = 0) -> str:
    return output("deployment.txt", f"kubectl {command}", nth)


def test_rollout_status_of_a_new_deployment(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    start = clock(cells)
    status = text(cells.ok(f"%k8s rollout status {DEPLOY} --timeout=60s"))
    assert status == recorded(f"rollout status {DEPLOY} --timeout=60s")
    assert 0 < clock(cells) - start < 5
    assert text(cells.ok(f"%k8s rollout status {DEPLOY}")) == 'deployment "nginx-deployment" successfully rolled out\n'


def test_set_image_history_undo_pause_resume(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    image = f"set image {DEPLOY} nginx=nginx:1.21"
    assert text(cells.ok(f"%k8s {image}")) == recorded(image)
    status = f"rollout status {DEPLOY} --timeout=60s"
    assert text(cells.ok(f"%k8s {status}")) == recorded(status, 2)
    history = f"rollout history {DEPLOY}"
    assert text(cells.ok(f"%k8s {history}")) == recorded(history)
    revision = text(cells.ok(f"%k8s {history} --revision=2"))
    same_hash = re.sub(r"pod-template-hash=\w+", "pod-template-hash=HASH", revision)
    assert same_hash == re.sub(r"pod-template-hash=\w+", "pod-template-hash=HASH", recorded(f"{history} --revision=2"))
    undo = f"rollout undo {DEPLOY}"
    assert text(cells.ok(f"%k8s {undo}")) == recorded(undo)
    assert text(cells.ok(f"%k8s {status}")) == recorded(status, 3)
    assert cells.ok(f"%k8s get {DEPLOY} -o json").objects[0]["spec"]["template"]["spec"]["containers"][0][
        "image"] == "nginx:1.20"
    for verb in ("pause", "resume"):
        line = f"rollout {verb} {DEPLOY}"
        assert text(cells.ok(f"%k8s {line}")) == recorded(line)
    assert cells.fails(f"%k8s rollout resume {DEPLOY}") == 'error: deployments.apps "nginx-deployment" is not paused'
    bad = f"rollout undo {DEPLOY} --to-revision=99"
    assert cells.fails(f"%k8s {bad}") + "\n" == output("errors.txt", f"kubectl {bad}")
    assert cells.fails(f"%k8s set image {DEPLOY} web=nginx") == 'error: unable to find container named "web"'


def test_restart_rolls_out_a_new_replicaset(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    line = f"rollout restart {DEPLOY}"
    assert text(cells.ok(f"%k8s {line}")) == recorded(line)
    lines = text(cells.ok(f"%k8s rollout status {DEPLOY}")).splitlines()
    assert lines[-2:] == ['Waiting for deployment "nginx-deployment" rollout to finish: 1 old replicas are pending '
                          "termination...", 'deployment "nginx-deployment" successfully rolled out']
    template = cells.ok(f"%k8s get {DEPLOY} -o json").objects[0]["spec"]["template"]
    assert "kubectl.kubernetes.io/restartedAt" in template["metadata"]["annotations"]
    assert len(cells.ok("%k8s get rs -o name").objects) == 2


def test_a_paused_rollout_times_out(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    cells.ok(f"%k8s rollout pause {DEPLOY}")
    cells.ok(f"%k8s set image {DEPLOY} nginx=nginx:1.21")
    start = clock(cells)
    message = cells.fails(f"%k8s rollout status {DEPLOY} --timeout=20s")
    assert message.splitlines()[-1] == "error: timed out waiting for the condition"
    assert clock(cells) - start == 20
    no_watch = text(cells.ok(f"%k8s rollout status {DEPLOY} --watch=false"))
    assert no_watch.startswith('Waiting for deployment "nginx-deployment" rollout to finish: 0 out of 3 new')


def test_scale_and_wait_for_available(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    wait = f"wait --for=condition=Available {DEPLOY} --timeout=30s"
    assert text(cells.ok(f"%k8s {wait}")) == recorded(wait)
    cells.ok(f"%k8s scale {DEPLOY} --replicas=5 --timeout=30s")
    assert len(cells.ok("%k8s get pods -l app=nginx -o name").objects) == 5
    assert text(cells.ok(f"%k8s wait --for=jsonpath='{{.status.readyReplicas}}'=5 {DEPLOY}")) == \
        "deployment.apps/nginx-deployment condition met\n"
    assert cells.fails("%k8s rollout status deployment/nope") == \
        'Error from server (NotFound): deployments.apps "nope" not found'
    assert cells.fails("%k8s rollout history cm/kube-root-ca.crt") == \
        'error: no history viewer has been implemented for "ConfigMap"'
    assert cells.fails("%k8s rollout undo sts/nope") == \
        'Error from server (NotFound): statefulsets.apps "nope" not found'


def test_get_watch_shows_pods_starting(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    lines = text(cells.ok("%k8s get pods -w --request-timeout=12s")).splitlines()
    recorded_lines = output("watch-and-pending.txt", "kubectl apply -f nginx-deployment.yaml").splitlines()
    assert lines[0] == recorded_lines[0]
    # The cell applied the Deployment before the watch began, so the pods are bound already: the recording's
    # second Pending line of each pod (its binding) came before the watch here.
    assert [line.split()[1:] for line in lines[1:4]] == [["0/1", "Pending", "0", "0s"]] * 3
    assert [line.split()[1:] for line in lines[4:]] == [["1/1", "Running", "0", "1s"]] * 3
    assert [line.split()[1:] for line in recorded_lines[-3:]] == [["1/1", "Running", "0", "1s"]] * 3


def test_events_for_an_object(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    lines = text(cells.ok(f"%k8s events --for {DEPLOY}")).splitlines()
    assert lines[0].split() == ["LAST", "SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert lines[1].split()[1:4] == ["Normal", "ScalingReplicaSet", "Deployment/nginx-deployment"]
    assert len(lines) == 2
    assert text(cells.ok("%k8s events --types=Warning")) == "No events found in default namespace.\n"
    everything = cells.ok("%k8s events -A").objects
    assert {e["reason"] for e in everything} >= {"ScalingReplicaSet", "SuccessfulCreate"}


def test_delete_waits_for_a_running_pod_to_go_unless_told_not_to(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    first, second = [p["metadata"]["name"] for p in cells.ok("%k8s get pods -o json").objects][:2]
    start = clock(cells)
    assert text(cells.ok(f"%k8s delete pod {first}")) == f'pod "{first}" deleted from default namespace\n'
    assert clock(cells) - start == 1  # the stand-in finishes a deletion a second later
    assert cells.fails(f"%k8s get pod {first}") == f'Error from server (NotFound): pods "{first}" not found'
    start = clock(cells)
    cells.ok(f"%k8s delete pod {second} --wait=false")
    assert clock(cells) == start
    assert text(cells.ok(f"%k8s get pod {second} --no-headers")).split()[2] == "Terminating"


def test_get_watch_follows_a_rolling_update_as_recorded(cells) -> None:  # type: ignore[no-untyped-def]
    cells.ok(NGINX_DEPLOYMENT)
    cells.ok(f"%k8s rollout status {DEPLOY}")
    cells.ok(f"%k8s set image {DEPLOY} nginx=nginx:1.21")
    lines = text(cells.ok("%k8s get deploy -w --request-timeout=12s")).splitlines()
    recorded_lines = output("watch-and-pending.txt", "kubectl get deploy -w").splitlines()
    assert lines[0] == recorded_lines[0]
    # The recording watched from before the image changed (its first three lines); the cell changed it first.
    assert [line.split()[1:4] for line in lines[1:]] == [line.split()[1:4] for line in recorded_lines[4:] if line]
