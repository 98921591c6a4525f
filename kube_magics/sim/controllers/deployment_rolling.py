"""The RollingUpdate strategy (Kubernetes' `rolling.go`), read top-down: scale the new ReplicaSet up if the surge
allows, else scale old ReplicaSets down if availability allows, else clean up; then write the rollout status.

Worked example, the seed's Deployment (3 replicas, 25%/25%: maxSurge 1, maxUnavailable 0) moving to a new
image: the new ReplicaSet starts at 1 (4 pods, the surge); when its pod is available 4 are available, one more
than the 3 required, so the old ReplicaSet goes 3 -> 2; that frees a surge slot, so the new one goes 1 -> 2; and
so on: never more than 4 pods, never fewer than 3 available.

Must not: touch pods.
"""

from __future__ import annotations

from typing import Any

from kube_magics.sim.controllers import deployment_status as ds
from kube_magics.sim.controllers import deployment_util as du
from kube_magics.sim.controllers.deployment_progress import sync_rollout_status
from kube_magics.sim.controllers.deployment_sync import DeploymentSync

Obj = dict[str, Any]


def rollout_rolling(s: DeploymentSync) -> None:
    new, old = s.all_rss_and_sync_revision(create=True)
    if new is None:
        return
    all_rss: list[Obj | None] = [*old, new]
    if reconcile_new(s, all_rss, new) or reconcile_old(s, all_rss, du.active(old), new):
        sync_rollout_status(s, all_rss, new)
        return
    if ds.complete(s.d, s.d["status"]):
        s.cleanup(old)
    sync_rollout_status(s, all_rss, new)


def reconcile_new(s: DeploymentSync, all_rss: list[Obj | None], new: Obj) -> bool:
    want = du.replicas(s.d)
    if du.replicas(new) == want:
        return False
    if du.replicas(new) > want:
        return s.scale_and_record(new, want)[0]
    return s.scale_and_record(new, du.new_rs_new_replicas(s.d, all_rss, new))[0]


def reconcile_old(s: DeploymentSync, all_rss: list[Obj | None], old: list[Obj], new: Obj) -> bool:
    """Scale old ReplicaSets down as far as availability allows.

    maxScaledDown = allPods - minAvailable - newRSUnavailable: unavailable pods of the new ReplicaSet must not let
    old, available ones go (a crash-looping new template would otherwise take the Deployment down).
    """
    if du.spec_total(old) == 0:
        return False
    d = s.d
    min_available = du.replicas(d) - du.max_unavailable(d)
    new_unavailable = du.replicas(new) - int((new.get("status") or {}).get("availableReplicas") or 0)
    max_scaled_down = du.spec_total(all_rss) - min_available - new_unavailable
    if max_scaled_down <= 0:
        return False
    old, cleaned = cleanup_unhealthy(s, old, max_scaled_down)
    scaled = scale_down_old(s, [*old, new], old)
    return cleaned + scaled > 0


def cleanup_unhealthy(s: DeploymentSync, old: list[Obj], max_cleanup: int) -> tuple[list[Obj], int]:
    """Scale old ReplicaSets down by their unavailable replicas first (they cost no availability)."""
    old = sorted(old, key=du.by_creation)
    total = 0
    for i, rs in enumerate(old):
        if total >= max_cleanup:
            break
        available = int((rs.get("status") or {}).get("availableReplicas") or 0)
        if du.replicas(rs) == 0 or du.replicas(rs) == available:
            continue
        count = min(max_cleanup - total, du.replicas(rs) - available)
        _, old[i] = s.scale_and_record(rs, du.replicas(rs) - count)
        total += count
    return old, total


def scale_down_old(s: DeploymentSync, all_rss: list[Obj], old: list[Obj]) -> int:
    """Scale old ReplicaSets down, oldest first, by as many pods as are available beyond minAvailable."""
    d = s.d
    min_available = du.replicas(d) - du.max_unavailable(d)
    available = du.available_total(all_rss)
    if available <= min_available:
        return 0
    to_scale = available - min_available
    total = 0
    for rs in sorted(old, key=du.by_creation):
        if total >= to_scale:
            break
        if du.replicas(rs) == 0:
            continue
        count = min(du.replicas(rs), to_scale - total)
        s.scale_and_record(rs, du.replicas(rs) - count)
        total += count
    return total
