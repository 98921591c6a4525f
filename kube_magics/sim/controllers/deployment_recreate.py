"""The Recreate strategy (Kubernetes' `recreate.go`): scale every old ReplicaSet to zero, wait until none of
their pods is left (terminating ones included), and only then create and scale up the new ReplicaSet.

Must not: touch pods; it only reads which pods the old ReplicaSets still have.
"""

from __future__ import annotations

from typing import Any

from kube_magics.sim.controllers import deployment_status as ds
from kube_magics.sim.controllers import deployment_util as du
from kube_magics.sim.controllers.deployment_progress import sync_rollout_status
from kube_magics.sim.controllers.deployment_sync import DeploymentSync
from kube_magics.sim.controllers.ownership import controlled_by

Obj = dict[str, Any]


def rollout_recreate(s: DeploymentSync) -> None:
    # Do not create the new ReplicaSet yet: that would scale up before the old pods are gone.
    new, old = s.all_rss_and_sync_revision(create=False)
    all_rss: list[Obj | None] = [*old, new]
    scaled_down = False
    for rs in du.active(old):
        scaled_down = s.scale_and_record(rs, 0)[0] or scaled_down
    if scaled_down or old_pods_running(s, new, old):
        sync_rollout_status(s, all_rss, new)
        return
    if new is None:
        new, old = s.all_rss_and_sync_revision(create=True)
        if new is None:
            return
        all_rss = [*old, new]
    s.scale_and_record(new, du.replicas(s.d))
    if ds.complete(s.d, s.d["status"]):
        s.cleanup(old)
    sync_rollout_status(s, all_rss, new)


def old_pods_running(s: DeploymentSync, new: Obj | None, old: list[Obj]) -> bool:
    """Whether any old ReplicaSet still has pods that have not finished (being deleted counts as running)."""
    if du.actual_total(old) > 0:
        return True
    new_uid = new["metadata"]["uid"] if new is not None else None
    for rs in old:
        if rs["metadata"]["uid"] == new_uid:
            continue
        for pod in controlled_by(s.rt, rs, "Pod"):
            if (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed"):
                return True
    return False
