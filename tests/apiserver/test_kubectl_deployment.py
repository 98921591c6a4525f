"""kubectl 1.35 against the served simulator: the Deployment chapter of the recordings, command by command.

Each command's output is compared with what kubectl printed against a real 1.35 cluster
(tests/data/k8s-1.35/deployment.txt), with names, ages and times folded (`normalize.shape`). The clock stands still
unless a step moves it: `rollout status` is started, and once it has printed its first line (it has listed the
Deployment and is watching) the clock moves on, so every state it goes through reaches it, as on a real cluster.
Pods are run as in the recordings' setup (a stand-in for the scheduler and kubelets: ready a second after binding),
so a rollout passes through the recorded states.
"""

from __future__ import annotations

import subprocess

from kube_magics.apiserver import Server
from tests import reference
from tests.apiserver.conftest import Kubectl, advance, running
from tests.apiserver.normalize import shape
from tests.seed_manifests import SEED_DEPLOYMENT

FILE = "deployment.txt"


def recorded(command: str, nth: int = 0) -> list[str]:
    return shape(reference.output(FILE, command, nth))


def rollout_status(kubectl: Kubectl, served: Server, name: str = "nginx-deployment") -> str:
    """`kubectl rollout status`, with the clock moving once kubectl watches."""
    proc = kubectl.start("rollout", "status", f"deployment/{name}", "--timeout=60s")
    assert proc.stdout is not None
    first = proc.stdout.readline()
    for _ in range(600):
        if proc.poll() is not None:
            break
        advance(served, 0.5)
    try:
        rest, err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    assert proc.returncode == 0, err
    return first + rest


def test_apply_rollout_status_and_get_print_what_a_real_cluster_prints(kubectl: Kubectl, served: Server) -> None:
    applied = kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    assert (applied.rc, applied.text) == (0, "deployment.apps/nginx-deployment created\n")
    assert shape(rollout_status(kubectl, served)) == \
        recorded("kubectl rollout status deployment/nginx-deployment")
    assert shape(kubectl("get", "deploy,rs,pods").text) == recorded("kubectl get deploy,rs,pods")
    assert shape(kubectl("get", "deploy", "nginx-deployment", "-o", "wide").text) == \
        recorded("kubectl get deploy nginx-deployment -o wide")
    assert shape(kubectl("get", "deploy", "nginx-deployment", "-o", "yaml").text) == \
        recorded("kubectl get deploy nginx-deployment -o yaml")
    assert shape(kubectl("describe", "deployment", "nginx-deployment").text) == \
        recorded("kubectl describe deployment nginx-deployment")


def test_scale_set_image_history_and_undo(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    assert kubectl("scale", "deployment/nginx-deployment", "--replicas=3").text == \
        reference.output(FILE, "kubectl scale deployment/nginx-deployment --replicas=3")
    assert kubectl("set", "image", "deployment/nginx-deployment", "nginx=nginx:1.21").text == \
        reference.output(FILE, "kubectl set image deployment/nginx-deployment nginx=nginx:1.21")
    assert shape(rollout_status(kubectl, served)) == \
        recorded("kubectl rollout status deployment/nginx-deployment", 2)
    assert kubectl("rollout", "history", "deployment/nginx-deployment").text == \
        reference.output(FILE, "kubectl rollout history deployment/nginx-deployment")
    assert shape(kubectl("rollout", "history", "deployment/nginx-deployment", "--revision=2").text) == \
        recorded("kubectl rollout history deployment/nginx-deployment --revision=2")
    assert kubectl("rollout", "undo", "deployment/nginx-deployment").text == \
        reference.output(FILE, "kubectl rollout undo deployment/nginx-deployment")
    assert shape(rollout_status(kubectl, served)) == \
        recorded("kubectl rollout status deployment/nginx-deployment", 3)
    assert kubectl("rollout", "restart", "deployment/nginx-deployment").text == \
        reference.output(FILE, "kubectl rollout restart deployment/nginx-deployment")
    # The recorded kubectl listed the Deployment before its controller had seen the restart (a race on a real
    # cluster: one more "0 out of 3" line); the simulated controller reacts within the write itself.
    assert shape(rollout_status(kubectl, served)) == \
        recorded("kubectl rollout status deployment/nginx-deployment", 4)[1:]
    for verb in ("pause", "resume"):
        assert kubectl("rollout", verb, "deployment/nginx-deployment").text == \
            reference.output(FILE, f"kubectl rollout {verb} deployment/nginx-deployment")
    assert kubectl("wait", "--for=condition=Available", "deployment/nginx-deployment", "--timeout=30s").text == \
        reference.output(FILE, "kubectl wait --for=condition=Available deployment/nginx-deployment --timeout=30s")


def test_api_resources_lists_what_a_real_cluster_lists(kubectl: Kubectl) -> None:
    result = kubectl("api-resources")
    assert result.rc == 0
    assert result.out == reference.output(FILE, "kubectl api-resources")
