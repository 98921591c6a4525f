"""Rollouts through SimCluster: rolling update, Recreate, rollback, pause/resume, restart, progress deadline.

The step-by-step expectations are transcribed from shared/reference/k8s-1.35 (deployment.txt: `rollout status`
and the Deployment's events; watch-and-pending.txt: `kubectl get deploy -w` while the image changes), which a
real 1.35 control plane produced with a kubelet stand-in like the `cluster` fixture's; the tests that compare
line by line assume its timing (pods ready a second after they are created).
"""

from __future__ import annotations

import re

import pytest

from kube_magics.rollout import RolloutError
from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.standin import cluster, deployment

__all__ = ["cluster"]

WAIT = 'Waiting for deployment "nginx-deployment" rollout to finish: '
DONE = 'deployment "nginx-deployment" successfully rolled out'

# `kubectl rollout status` after `set image nginx=nginx:1.21` (and again after `rollout undo`), deployment.txt.
RECORDED_ROLLING_STATUS = (
    [WAIT + "1 out of 3 new replicas have been updated..."] * 3
    + [WAIT + "2 out of 3 new replicas have been updated..."] * 3
    + [WAIT + "1 old replicas are pending termination..."] * 2
    + [DONE]
)

# `kubectl get deploy -w` while the image changes (READY, UP-TO-DATE, AVAILABLE), watch-and-pending.txt.
RECORDED_WATCH = """\
3/3 3 3
3/3 3 3
3/3 3 3
3/3 1 3
4/3 1 4
3/3 1 3
3/3 2 3
4/3 2 4
3/3 2 3
3/3 3 3
4/3 3 4
3/3 3 3"""


def _row(d: dict) -> str:
    st = d.get("status") or {}
    return f"{st.get('readyReplicas', 0)}/{d['spec']['replicas']} {st.get('updatedReplicas', 0)} " \
           f"{st.get('availableReplicas', 0)}"


def _started(c: SimCluster) -> SimCluster:
    c.apply(SEED_DEPLOYMENT)
    c.advance(10)
    return c


def test_rollout_status_of_a_new_deployment_matches_the_recording(cluster: SimCluster) -> None:
    cluster.apply(SEED_DEPLOYMENT)
    assert cluster.rollout_status("deployment/nginx-deployment").lines == [
        WAIT + "0 of 3 updated replicas are available...",
        WAIT + "1 of 3 updated replicas are available...",
        WAIT + "2 of 3 updated replicas are available...",
        DONE,
    ]
    cluster.apply(SEED_DEPLOYMENT.replace("replicas: 3", "replicas: 5"))
    assert cluster.rollout_status("nginx-deployment").lines == [
        WAIT + "3 of 5 updated replicas are available...", WAIT + "4 of 5 updated replicas are available...", DONE]


def test_a_rolling_update_goes_through_the_recorded_steps(cluster: SimCluster) -> None:
    _started(cluster)
    rows = [_row(cluster.get("deploy", "nginx-deployment"))]
    stop = cluster.watch(lambda e: rows.append(_row(e["object"])), kinds=["deploy"])
    result = cluster.set_image("deployment", "nginx-deployment", nginx="nginx:1.21")
    assert str(result) == "deployment.apps/nginx-deployment image updated"
    assert cluster.rollout_status("nginx-deployment").lines == RECORDED_ROLLING_STATUS
    cluster.advance(5)
    stop()
    assert "\n".join(rows) == RECORDED_WATCH


def test_a_rolling_update_scales_replicasets_in_the_recorded_order(cluster: SimCluster) -> None:
    _started(cluster)
    old = cluster.list("rs")[0]["metadata"]["name"]
    before = len(cluster.events())
    cluster.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    cluster.advance(10)
    new = next(r["metadata"]["name"] for r in cluster.list("rs") if r["metadata"]["name"] != old)
    scaling = [e["message"] for e in cluster.events()[before:] if e["reason"] == "ScalingReplicaSet"]
    assert scaling == [
        f"Scaled up replica set {new} from 0 to 1", f"Scaled down replica set {old} from 3 to 2",
        f"Scaled up replica set {new} from 1 to 2", f"Scaled down replica set {old} from 2 to 1",
        f"Scaled up replica set {new} from 2 to 3", f"Scaled down replica set {old} from 1 to 0",
    ]
    assert all(e["source"] == {"component": "deployment-controller"} for e in cluster.events()
               if e["reason"] == "ScalingReplicaSet")


def test_a_rolling_update_keeps_its_bounds_at_every_step(cluster: SimCluster) -> None:
    """replicas 3 at 25%/25%: never more than 4 pods that are not being deleted, never fewer than 3 available."""
    _started(cluster)
    worst = {"max_pods": 0, "min_available": 99}

    def check(_: object = None) -> None:
        live = [p for p in cluster.list("pods", selector="app=nginx") if "deletionTimestamp" not in p["metadata"]]
        available = [p for p in live if any(c["type"] == "Ready" and c["status"] == "True"
                                             for c in (p.get("status") or {}).get("conditions") or ())]
        worst["max_pods"] = max(worst["max_pods"], len(live))
        worst["min_available"] = min(worst["min_available"], len(available))
        assert len(live) <= 4, [p["metadata"]["name"] for p in live]
        assert len(available) >= 3

    stop = cluster.watch(check, kinds=["pods"])  # after every single change of a pod
    cluster.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    for _ in range(100):  # and at every clock step of a tenth of a second
        cluster.advance(0.1)
        check()
    stop()
    assert worst == {"max_pods": 4, "min_available": 3}
    assert {p["spec"]["containers"][0]["image"] for p in cluster.list("pods")} == {"nginx:1.21"}


def test_recreate_removes_every_old_pod_before_creating_new_ones(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", strategy={"type": "Recreate"}))
    cluster.advance(5)
    timeline: list[tuple[str, str, bool]] = []
    cluster.watch(lambda e: timeline.append((e["type"], e["object"]["spec"]["containers"][0]["image"],
                                             "deletionTimestamp" in e["object"]["metadata"])), kinds=["pods"])
    cluster.set_image("deploy", "web", nginx="nginx:1.21")
    cluster.rollout_status("web")
    old_gone = max(i for i, (kind, image, _) in enumerate(timeline) if kind == "DELETED" and image == "nginx:1.20")
    first_new = min(i for i, (kind, image, _) in enumerate(timeline) if kind == "ADDED" and image == "nginx:1.21")
    assert old_gone < first_new
    assert sum(1 for kind, image, _ in timeline if kind == "DELETED" and image == "nginx:1.20") == 3
    rs = {r["spec"]["template"]["spec"]["containers"][0]["image"]: r for r in cluster.list("rs")}
    assert rs["nginx:1.21"]["metadata"]["annotations"]["deployment.kubernetes.io/max-replicas"] == "3"


def test_undo_rolls_back_to_the_previous_revision(cluster: SimCluster) -> None:
    _started(cluster)
    cluster.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    cluster.rollout_status("nginx-deployment")
    first = {r["metadata"]["annotations"]["deployment.kubernetes.io/revision"]: r["metadata"]["name"]
             for r in cluster.list("rs")}
    assert str(cluster.rollout_undo("deployment/nginx-deployment")) == "deployment.apps/nginx-deployment rolled back"
    assert cluster.rollout_status("nginx-deployment").lines == RECORDED_ROLLING_STATUS
    d = cluster.get("deploy", "nginx-deployment")
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.20"
    assert "pod-template-hash" not in d["spec"]["template"]["metadata"]["labels"]
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "3"
    # The first ReplicaSet came back as revision 3 and remembers it was revision 1.
    back = cluster.get("rs", first["1"])["metadata"]["annotations"]
    assert (back["deployment.kubernetes.io/revision"], back["deployment.kubernetes.io/revision-history"]) == ("3", "1")
    assert [r.number for r in cluster.rollout_history("nginx-deployment").revisions] == [2, 3]


def test_undo_to_a_given_revision_and_its_errors(cluster: SimCluster) -> None:
    _started(cluster)
    for tag in ("1.21", "1.22"):
        cluster.set_image("deploy", "nginx-deployment", nginx=f"nginx:{tag}")
        cluster.rollout_status("nginx-deployment")
    cluster.rollout_undo("nginx-deployment", to_revision=1)
    cluster.rollout_status("nginx-deployment")
    cluster.advance(2)  # the last old pod is still terminating when the rollout is done, as in the recording
    images = {p["spec"]["containers"][0]["image"] for p in cluster.list("pods")}
    assert images == {"nginx:1.20"}
    assert [r.number for r in cluster.rollout_history("nginx-deployment").revisions] == [2, 3, 4]
    with pytest.raises(RolloutError, match=r"^unable to find specified revision 99 in history$"):
        cluster.rollout_undo("nginx-deployment", to_revision=99)
    skipped = cluster.rollout_undo("nginx-deployment", to_revision=4)
    assert str(skipped) == ("deployment.apps/nginx-deployment skipped rollback "
                            "(current template already matches revision 4)")


def test_a_paused_deployment_does_not_roll_out_until_resumed(cluster: SimCluster) -> None:
    _started(cluster)
    assert str(cluster.rollout_pause("deployment/nginx-deployment")) == "deployment.apps/nginx-deployment paused"
    cond = next(c for c in cluster.get("deploy", "nginx-deployment")["status"]["conditions"]
                if c["type"] == "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == ("Unknown", "DeploymentPaused", "Deployment is paused")
    cluster.set_image("deploy", "nginx-deployment", nginx="nginx:1.21")
    cluster.advance(10)
    assert len(cluster.list("rs")) == 1
    assert cluster.rollout_status("nginx-deployment", watch=False).lines == [
        WAIT + "0 out of 3 new replicas have been updated..."]
    with pytest.raises(RolloutError, match=r'deployments.apps "nginx-deployment" is already paused'):
        cluster.rollout_pause("nginx-deployment")
    with pytest.raises(RolloutError, match=r"can't restart paused deployment \(run rollout resume first\)"):
        cluster.rollout_restart("nginx-deployment")
    with pytest.raises(RolloutError, match=r"you cannot rollback a paused deployment; resume it first with "
                                           r"'kubectl rollout resume deployment/nginx-deployment' and try again"):
        cluster.rollout_undo("nginx-deployment", to_revision=1)
    assert str(cluster.rollout_resume("nginx-deployment")) == "deployment.apps/nginx-deployment resumed"
    assert cluster.rollout_status("nginx-deployment").lines[-1] == DONE
    with pytest.raises(RolloutError, match=r'deployments.apps "nginx-deployment" is not paused'):
        cluster.rollout_resume("nginx-deployment")


def test_restart_rolls_out_a_template_stamped_with_the_time(cluster: SimCluster) -> None:
    _started(cluster)
    old = {p["metadata"]["name"] for p in cluster.list("pods")}
    assert str(cluster.rollout_restart("nginx-deployment")) == "deployment.apps/nginx-deployment restarted"
    stamp = cluster.get("deploy", "nginx-deployment")["spec"]["template"]["metadata"]["annotations"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp["kubectl.kubernetes.io/restartedAt"])
    assert cluster.rollout_status("nginx-deployment").lines[-1] == DONE
    assert not old & {p["metadata"]["name"] for p in cluster.list("pods") if "deletionTimestamp" not in p["metadata"]}
    assert len(cluster.list("rs")) == 2
    with pytest.raises(RolloutError, match="if restart has already been triggered within the past second"):
        cluster.rollout_restart("nginx-deployment")
        cluster.rollout_restart("nginx-deployment")


def test_a_rollout_that_makes_no_progress_exceeds_its_deadline(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", image="nginx:no-such-tag", progressDeadlineSeconds=30))
    with pytest.raises(RolloutError, match=r'^deployment "web" exceeded its progress deadline$') as caught:
        cluster.rollout_status("web")
    assert caught.value.lines == ['Waiting for deployment "web" rollout to finish: 0 of 3 updated replicas are '
                                  "available..."]
    assert 30 < cluster.elapsed <= 32
    d = cluster.get("deploy", "web")
    rs_name = cluster.list("rs")[0]["metadata"]["name"]
    cond = next(c for c in d["status"]["conditions"] if c["type"] == "Progressing")
    assert (cond["status"], cond["reason"], cond["message"]) == (
        "False", "ProgressDeadlineExceeded", f'ReplicaSet "{rs_name}" has timed out progressing.')


def test_progress_resets_the_deadline(cluster: SimCluster) -> None:
    cluster.apply(deployment("web", progressDeadlineSeconds=30))
    cluster.advance(10)
    cluster.set_image("deploy", "web", nginx="nginx:1.21")
    cluster.advance(25)
    cluster.set_image("deploy", "web", nginx="nginx:no-such-tag")
    cluster.advance(25)  # 50 s after the first change, but only 25 s after the last progress
    cond = next(c for c in cluster.get("deploy", "web")["status"]["conditions"] if c["type"] == "Progressing")
    assert cond["reason"] != "ProgressDeadlineExceeded"
    cluster.advance(10)
    cond = next(c for c in cluster.get("deploy", "web")["status"]["conditions"] if c["type"] == "Progressing")
    assert cond["reason"] == "ProgressDeadlineExceeded"
