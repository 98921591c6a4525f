"""How the Job controller counts finished pods (`trackJobStatusAndRemoveFinalizers`'s bookkeeping): pure functions
over one sync's view of a Job and its pods.

A finished pod is counted exactly once: while it still carries the `batch.kubernetes.io/job-tracking` finalizer
and is not yet listed in `status.uncountedTerminatedPods`, it is new; it is then listed there, its finalizer is
removed, and only then is it moved into `succeeded` or `failed`. Indexed Jobs count succeeded indexes instead
(`completedIndexes`), so a repeated index is not counted twice.

Must not: write anything (the controller does, in `job.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_magics.sim.controllers import job_util as ju
from kube_magics.sim.objects import is_deleting, uid_of

Obj = dict[str, Any]


@dataclass
class SyncContext:
    """syncJobCtx: what one sync learns about a Job and its pods."""

    job: Obj
    status: Obj  # a private copy, changed as the sync goes
    pods: list[Obj]
    active: list[Obj]
    ready: int
    terminating: int
    succeeded: int = 0
    failed: int = 0
    finished: Obj | None = None  # the condition the Job is heading for
    backoff: ju.Backoff = field(default_factory=ju.Backoff)
    succeeded_indexes: set[int] = field(default_factory=set)


def indexed(job: Obj) -> bool:
    return job["spec"].get("completionMode") == "Indexed"


def valid_index(job: Obj, pod: Obj) -> bool:
    """An Indexed Job's pods count only with a completion index below `completions`."""
    if not indexed(job):
        return True
    index = ju.completion_index(pod)
    return index is not None and index < int(job["spec"].get("completions") or 0)


def newly_finished(ctx: SyncContext) -> tuple[list[Obj], list[Obj]]:
    """getNewFinishedPods: finished pods that still carry the finalizer and are not yet in the uncounted lists."""
    uncounted = ctx.status["uncountedTerminatedPods"]
    known = set(uncounted.get("succeeded") or ()) | set(uncounted.get("failed") or ())
    ok, bad = [], []
    for pod in ctx.pods:
        if not ju.has_finalizer(pod) or uid_of(pod) in known or not valid_index(ctx.job, pod):
            continue
        if ju.phase(pod) == "Succeeded":
            ok.append(pod)
        elif ju.is_pod_failed(pod, ctx.job):
            bad.append(pod)
    return ok, bad


def succeeded_indexes(ctx: SyncContext) -> set[int]:
    """The indexes already completed (from the status) and those of pods that succeeded since."""
    completions = int(ctx.job["spec"].get("completions") or 0)
    done = ju.parse_indexes(ctx.status.get("completedIndexes"), completions)
    for pod in ctx.pods:
        index = ju.completion_index(pod)
        if ju.phase(pod) == "Succeeded" and index is not None and index < completions:
            done.add(index)
    return done


def uncount(ctx: SyncContext) -> list[Obj]:
    """Finished pods with a finalizer go to uncountedTerminatedPods (in `ctx.status`); returns the pods whose
    finalizer may now go: finished ones, or every one once the Job is finishing or being deleted. When the Job is
    failing, pods that had not finished count as failed."""
    job, uncounted = ctx.job, ctx.status["uncountedTerminatedPods"]
    ending = ctx.finished is not None or is_deleting(job)
    failing = ctx.finished is not None and ctx.finished["type"] != ju.SUCCESS_CRITERIA_MET
    release = []
    for pod in ctx.pods:
        if not ju.has_finalizer(pod):
            continue
        failed = ju.is_pod_failed(pod, job)
        succeeded = ju.phase(pod) == "Succeeded"
        if not (ending or succeeded or failed):
            continue
        release.append(pod)
        uid = uid_of(pod)
        if uid in (uncounted.get("succeeded") or ()) or uid in (uncounted.get("failed") or ()):
            continue
        if succeeded:
            if not indexed(job):
                uncounted.setdefault("succeeded", []).append(uid)
        elif (failed or failing) and valid_index(job, pod) and \
                ju.match_failure_policy(job["spec"].get("podFailurePolicy"), pod)[1]:
            uncounted.setdefault("failed", []).append(uid)
    return release


def status_to_write(status: Obj) -> Obj:
    """The status as the API returns it: zero counts left out (except `ready` and `terminating`, which are
    pointers), empty uncounted lists dropped."""
    out = {k: v for k, v in status.items() if v not in (None, 0) or k in ("ready", "terminating")}
    out["uncountedTerminatedPods"] = {k: list(v) for k, v in (status.get("uncountedTerminatedPods") or {}).items()
                                      if v}
    return out
