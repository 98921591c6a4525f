"""kubectl's client side of rollouts (`kube_magics.rollout`), alone and through SimCluster's verbs.

Printed text is compared with shared/reference/k8s-1.35 (deployment.txt, errors.txt).
"""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics import rollout
from kube_magics.errors import NotFoundError, UsageError
from kube_magics.rollout import RolloutError, RolloutTimeoutError
from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.standin import cluster

__all__ = ["cluster"]

# `kubectl rollout history deployment/nginx-deployment` and `--revision=2`, deployment.txt (hash replaced).
RECORDED_HISTORY = "deployment.apps/nginx-deployment \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n"
RECORDED_REVISION_2 = """\
deployment.apps/nginx-deployment with revision #2
Pod Template:
  Labels:\tapp=nginx
\tpod-template-hash=HASH
  Containers:
   nginx:
    Image:\tnginx:1.21
    Port:\t80/TCP
    Host Port:\t0/TCP
    Environment:\t<none>
    Mounts:\t<none>
  Volumes:\t<none>
  Node-Selectors:\t<none>
  Tolerations:\t<none>

"""


def deploy(**status: Any) -> dict[str, Any]:
    return {"kind": "Deployment", "metadata": {"name": "web", "generation": 2, "annotations": {}},
            "spec": {"replicas": 3, "template": {"metadata": {"labels": {"app": "web"}}, "spec": {}}},
            "status": {"observedGeneration": 2, **status}}


@pytest.mark.parametrize(("status", "line", "done"), [
    ({"observedGeneration": 1}, "Waiting for deployment spec update to be observed...", False),
    ({"updatedReplicas": 1, "replicas": 4}, "1 out of 3 new replicas have been updated...", False),
    ({"updatedReplicas": 3, "replicas": 4}, "1 old replicas are pending termination...", False),
    ({"updatedReplicas": 3, "replicas": 3, "availableReplicas": 2}, "2 of 3 updated replicas are available...", False),
    ({"updatedReplicas": 3, "replicas": 3, "availableReplicas": 3}, 'deployment "web" successfully rolled out', True),
])
def test_status_lines_are_kubectls(status: dict[str, int], line: str, done: bool) -> None:
    text, finished = rollout.status(deploy(**status))
    assert finished is done
    assert text.endswith(line)
    if not done and "spec update" not in line:
        assert text.startswith('Waiting for deployment "web" rollout to finish: ')


def test_status_fails_on_a_deadline_and_on_a_revision_mismatch() -> None:
    timed_out = deploy(conditions=[{"type": "Progressing", "reason": "ProgressDeadlineExceeded"}])
    with pytest.raises(RolloutError, match=r'^deployment "web" exceeded its progress deadline$'):
        rollout.status(timed_out)
    pinned = deploy()
    pinned["metadata"]["annotations"]["deployment.kubernetes.io/revision"] = "2"
    with pytest.raises(RolloutError, match=r"^desired revision \(3\) is different from the running revision \(2\)$"):
        rollout.status(pinned, revision=3)


def test_history_prints_as_kubectl_does(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    cluster.advance(3)
    cluster.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    cluster.rollout_status("nginx-deployment")
    assert str(cluster.rollout_history("deployment/nginx-deployment")) == RECORDED_HISTORY
    one = cluster.rollout_history("nginx-deployment", revision=2)
    chosen = one.selected()
    assert chosen is not None
    pth = chosen.template["metadata"]["labels"]["pod-template-hash"]
    assert str(one) == RECORDED_REVISION_2.replace("HASH", pth)
    with pytest.raises(RolloutError, match=r"^unable to find the specified revision$"):
        cluster.rollout_history("nginx-deployment", revision=7)


def test_change_cause_annotations_show_in_the_history(cluster: SimCluster) -> None:
    manifest = SEED_DEPLOYMENT.replace("  name: nginx-deployment\n", "  name: nginx-deployment\n  annotations:\n"
                                       "    kubernetes.io/change-cause: first version\n")
    cluster.apply(manifest)
    assert [(r.number, r.change_cause) for r in cluster.rollout_history("nginx-deployment").revisions] == [
        (1, "first version")]


def test_verbs_report_errors_in_kubectls_words(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    with pytest.raises(NotFoundError, match=r'^deployments.apps "nope" not found$'):
        cluster.scale("deployment", "nope", 2)
    with pytest.raises(UsageError, match=r"must be greater than or equal to 0"):
        cluster.scale("deployment", "nginx-deployment", -1)
    with pytest.raises(RolloutError, match=r'^unable to find container named "web"$'):
        cluster.set_image("deployment", "nginx-deployment", web="nginx:1.21")
    with pytest.raises(RolloutError, match=r'^no rollout history found for deployment "nginx-deployment"$'):
        cluster.rollout_undo("nginx-deployment")
    with pytest.raises(RolloutError, match=r'^no rollbacker has been implemented for "ReplicaSet.apps"$'):
        cluster.rollout_undo(f"rs/{cluster.list('rs')[0]['metadata']['name']}")
    unchanged = cluster.set_image("deployment", "nginx-deployment", nginx="nginx:1.20")
    assert str(unchanged) == ""  # kubectl prints nothing when nothing changes


def test_set_image_star_sets_every_container() -> None:
    obj = {"kind": "Deployment", "metadata": {"name": "w"},
           "spec": {"template": {"spec": {"initContainers": [{"name": "init", "image": "busybox"}],
                                          "containers": [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]}}}}
    new, missing = rollout.with_images(obj, {"*": "nginx:1.21"})
    spec = new["spec"]["template"]["spec"]
    assert missing == []
    assert [c["image"] for c in spec["initContainers"] + spec["containers"]] == ["nginx:1.21"] * 3
    assert obj["spec"]["template"]["spec"]["containers"][0]["image"] == "x"  # the input is not changed


def test_rollout_status_times_out_with_the_lines_it_printed(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT.replace("nginx:1.20", "nginx:no-such-tag"))
    with pytest.raises(RolloutTimeoutError, match=r"^timed out waiting for the condition$") as caught:
        cluster.rollout_status("nginx-deployment", timeout="10s")
    assert caught.value.lines == [
        'Waiting for deployment "nginx-deployment" rollout to finish: 0 of 3 updated replicas are available...']
    assert cluster.elapsed == 10
