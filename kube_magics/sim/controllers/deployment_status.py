"""A Deployment's status and conditions (Kubernetes' `calculateStatus` and the condition helpers of its
`deployment/util`), on plain dicts.

Owns: the counts a Deployment reports (zero counts left out, as the API omits them), the Available condition,
and the rules for setting, replacing and removing conditions, and when a rollout counts as complete or as
progressing.

Must not: read the store or write anything.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.sim.controllers.deployment_util import (
    actual_total,
    available_total,
    max_unavailable,
    ready_total,
    replicas,
    spec_total,
)

Obj = dict[str, Any]

# Condition reasons, as Kubernetes spells them.
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
FAILED_RS_CREATE = "ReplicaSetCreateError"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"

MAX_INT32 = 2**31 - 1


# --- status and conditions ----------------------------------------------------------------------------------------


def condition(ctype: str, status: str, reason: str, message: str, now: str) -> Obj:
    return {"type": ctype, "status": status, "lastUpdateTime": now, "lastTransitionTime": now,
            "reason": reason, "message": message}


def get_condition(status: Mapping[str, Any] | None, ctype: str) -> Obj | None:
    for c in (status or {}).get("conditions") or ():
        if c.get("type") == ctype:
            return c
    return None


def set_condition(status: Obj, cond: Obj) -> None:
    """SetDeploymentCondition, in place on a working status: same status and reason is a no-op; a changed
    condition moves to the end, keeping its lastTransitionTime when only the reason changed."""
    current = get_condition(status, cond["type"])
    if current is not None and current.get("status") == cond["status"] and current.get("reason") == cond["reason"]:
        return
    if current is not None and current.get("status") == cond["status"]:
        cond = {**cond, "lastTransitionTime": current.get("lastTransitionTime")}
    remove_condition(status, cond["type"])
    status["conditions"] = [*status.get("conditions", ()), cond]


def remove_condition(status: Obj, ctype: str) -> None:
    kept = [c for c in status.get("conditions") or () if c.get("type") != ctype]
    if kept:
        status["conditions"] = kept
    else:
        status.pop("conditions", None)


def has_progress_deadline(d: Mapping[str, Any]) -> bool:
    value = d["spec"].get("progressDeadlineSeconds")
    return value is not None and value != MAX_INT32


def calculate_status(all_rss: Sequence[Obj | None], new_rs: Obj | None, d: Mapping[str, Any], now: str) -> Obj:
    """The status a Deployment reports for these ReplicaSets (zero counts left out, as the API omits them)."""
    available = available_total(all_rss)
    counts = {
        "observedGeneration": d["metadata"].get("generation", 1),
        "replicas": actual_total(all_rss),
        "updatedReplicas": actual_total([new_rs]),
        "readyReplicas": ready_total(all_rss),
        "availableReplicas": available,
        "unavailableReplicas": max(0, spec_total(all_rss) - available),
    }
    status: Obj = {k: v for k, v in counts.items() if v}
    old = d.get("status") or {}
    if old.get("conditions"):
        status["conditions"] = list(old["conditions"])
    if old.get("collisionCount") is not None:
        status["collisionCount"] = old["collisionCount"]
    if available >= replicas(d) - max_unavailable(d):
        cond = condition("Available", "True", MIN_AVAILABLE, "Deployment has minimum availability.", now)
    else:
        cond = condition("Available", "False", MIN_UNAVAILABLE, "Deployment does not have minimum availability.", now)
    set_condition(status, cond)
    return status


def complete(d: Mapping[str, Any], status: Mapping[str, Any]) -> bool:
    """DeploymentComplete: every replica updated and available, and the latest spec observed."""
    want = replicas(d)
    return (int(status.get("updatedReplicas") or 0) == want and int(status.get("replicas") or 0) == want
            and int(status.get("availableReplicas") or 0) == want
            and int(status.get("observedGeneration") or 0) >= d["metadata"].get("generation", 1))


def progressing(d: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    """DeploymentProgressing: more updated, ready or available replicas, or fewer old ones, than before."""
    old = d.get("status") or {}

    def n(s: Mapping[str, Any], key: str) -> int:
        return int(s.get(key) or 0)

    return (n(new, "updatedReplicas") > n(old, "updatedReplicas")
            or n(new, "replicas") - n(new, "updatedReplicas") < n(old, "replicas") - n(old, "updatedReplicas")
            or n(new, "readyReplicas") > n(old, "readyReplicas")
            or n(new, "availableReplicas") > n(old, "availableReplicas"))
