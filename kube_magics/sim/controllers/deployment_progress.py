"""A rollout's status and its Progressing condition (Kubernetes' `progress.go`).

During a rollout the Progressing condition says NewReplicaSetCreated, then ReplicaSetUpdated ("ReplicaSet "x"
is progressing.") each time more replicas are updated, ready or available, and NewReplicaSetAvailable ("ReplicaSet
"x" has successfully progressed.") when done; if nothing moves for progressDeadlineSeconds it turns False with
ProgressDeadlineExceeded ("ReplicaSet "x" has timed out progressing."). A stuck Deployment is looked at again
when its deadline passes (a second after, as Kubernetes does), so the condition appears on time without polling.

Must not: scale anything.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_magics.sim.controllers import deployment_status as ds
from kube_magics.sim.controllers.deployment_sync import DeploymentSync
from kube_magics.timefmt import parse_rfc3339

Obj = dict[str, Any]


def sync_rollout_status(s: DeploymentSync, all_rss: list[Obj | None], new: Obj | None) -> None:
    d = s.d
    status = ds.calculate_status(all_rss, new, d, s.now)
    if not ds.has_progress_deadline(d):
        ds.remove_condition(status, "Progressing")
    current = ds.get_condition(d["status"], "Progressing")
    finished = (status.get("replicas", 0) == status.get("updatedReplicas", 0) and current is not None
                and current.get("reason") == ds.NEW_RS_AVAILABLE)
    if ds.has_progress_deadline(d) and not finished:
        _estimate_progress(s, status, current, new)
    failures = replica_failures(all_rss, new)
    if failures:
        ds.set_condition(status, failures[0])
    else:
        ds.remove_condition(status, "ReplicaFailure")
    if status == d["status"]:
        requeue_stuck(s, status)
        return
    s.write({**d, "status": status})


def _estimate_progress(s: DeploymentSync, status: Obj, current: Mapping[str, Any] | None, new: Obj | None) -> None:
    d = s.d
    what = f'ReplicaSet "{new["metadata"]["name"]}"' if new is not None else f'Deployment "{d["metadata"]["name"]}"'
    if ds.complete(d, status):
        cond = ds.condition("Progressing", "True", ds.NEW_RS_AVAILABLE, f"{what} has successfully progressed.", s.now)
        ds.set_condition(status, cond)
    elif ds.progressing(d, status):
        cond = ds.condition("Progressing", "True", ds.RS_UPDATED, f"{what} is progressing.", s.now)
        # Unlike other conditions, Progressing is rewritten with the same reason, to move lastUpdateTime on.
        if current is not None:
            if current.get("status") == "True":
                cond["lastTransitionTime"] = current.get("lastTransitionTime")
            ds.remove_condition(status, "Progressing")
        ds.set_condition(status, cond)
    elif timed_out(d, status, s.rt.clock.now):
        cond = ds.condition("Progressing", "False", ds.TIMED_OUT, f"{what} has timed out progressing.", s.now)
        ds.set_condition(status, cond)


def timed_out(d: Mapping[str, Any], status: Mapping[str, Any], now: float) -> bool:
    """DeploymentTimedOut: the Progressing condition has not moved for progressDeadlineSeconds."""
    if not ds.has_progress_deadline(d):
        return False
    cond = ds.get_condition(status, "Progressing")
    if cond is None or cond.get("reason") == ds.NEW_RS_AVAILABLE:
        return False
    if cond.get("reason") == ds.TIMED_OUT:
        return True
    since = parse_rfc3339(cond["lastUpdateTime"])
    return since + int(d["spec"]["progressDeadlineSeconds"]) < now


def requeue_stuck(s: DeploymentSync, status: Mapping[str, Any]) -> None:
    """Look at an unfinished rollout again when its progress deadline has passed."""
    d = s.d
    current = ds.get_condition(d["status"], "Progressing")
    if not ds.has_progress_deadline(d) or current is None:
        return
    if ds.complete(d, status) or current.get("reason") == ds.TIMED_OUT:
        return
    after = parse_rfc3339(current["lastUpdateTime"]) + int(d["spec"]["progressDeadlineSeconds"]) - s.rt.clock.now
    if after < 1:
        s.ctrl.queue.add_rate_limited(s.key)
    else:
        s.ctrl.queue.add_after(s.key, after + 1)


def replica_failures(all_rss: list[Obj | None], new: Obj | None) -> list[Obj]:
    """ReplicaFailure conditions of the new ReplicaSet, else of any, as Deployment conditions."""

    def of(rs: Obj | None) -> list[Obj]:
        out = []
        for c in ((rs or {}).get("status") or {}).get("conditions") or ():
            if c.get("type") == "ReplicaFailure":
                out.append({"type": "ReplicaFailure", "status": c.get("status"),
                            "lastUpdateTime": c.get("lastTransitionTime"),
                            "lastTransitionTime": c.get("lastTransitionTime"),
                            "reason": c.get("reason"), "message": c.get("message")})
        return out

    found = of(new)
    if found:
        return found
    return [c for rs in all_rss for c in of(rs)]
