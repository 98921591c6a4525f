"""What the Job controller reads from Jobs and their pods: pure functions, no writes.

As Kubernetes' `pkg/controller/job` helpers: which pods count as failed (a pod being deleted counts when the Job
replaces terminating pods, which is the default), the exponential back-off before a failed pod is replaced
(`backoff_utils.go`: 10 s, doubled for each failure since the last success, at most 10 min, counted from when the
last failed pod finished), the pod failure policy's rules (`pod_failure_policy.go`), the completion indexes of
Indexed Jobs (`indexed_job_utils.go`: "0-2,4"), and the conditions a Job's status carries.

Must not: write anything or read the clock (times are passed in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kube_magics.sim.controllers import podutil
from kube_magics.sim.objects import deep_copy, find_condition, owner_reference
from kube_magics.timefmt import parse_rfc3339, rfc3339

Obj = dict[str, Any]

TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking"
COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"
DEFAULT_BACKOFF = 10.0  # DefaultJobPodFailureBackOff
MAX_BACKOFF = 600.0  # MaxJobPodFailureBackOff

# Condition types and reasons (batch/v1).
COMPLETE, FAILED, FAILURE_TARGET, SUCCESS_CRITERIA_MET, SUSPENDED = (
    "Complete", "Failed", "FailureTarget", "SuccessCriteriaMet", "Suspended")
BACKOFF_LIMIT_EXCEEDED = ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
DEADLINE_EXCEEDED = ("DeadlineExceeded", "Job was active longer than specified deadline")


def condition(ctype: str, reason: str, message: str, now: float, status: str = "True") -> Obj:
    """A JobCondition as `newCondition` makes it (lastProbeTime and lastTransitionTime both now)."""
    stamp = rfc3339(now)
    return {"lastProbeTime": stamp, "lastTransitionTime": stamp, "message": message, "reason": reason,
            "status": status, "type": ctype}


def has_condition(job: Mapping[str, Any], ctype: str) -> bool:
    cond = find_condition((job.get("status") or {}).get("conditions"), ctype)
    return cond is not None and cond.get("status") == "True"


def is_finished(job: Mapping[str, Any]) -> bool:
    """IsJobFinished: a Complete or Failed condition that is True."""
    return has_condition(job, COMPLETE) or has_condition(job, FAILED)


def finish_time(job: Mapping[str, Any]) -> float | None:
    """When a finished Job finished (the Complete or Failed condition's transition), for its TTL."""
    for c in (job.get("status") or {}).get("conditions") or ():
        if c.get("type") in (COMPLETE, FAILED) and c.get("status") == "True" and c.get("lastTransitionTime"):
            return parse_rfc3339(c["lastTransitionTime"])
    return None


def ensure_condition(conditions: list[Obj], ctype: str, status: str, reason: str, message: str,
                     now: float) -> bool:
    """ensureJobConditionStatus: add or update the condition in place; False when nothing changed (a False
    condition is never added, only set)."""
    for i, c in enumerate(conditions):
        if c.get("type") == ctype:
            if (c.get("status"), c.get("reason"), c.get("message")) == (status, reason, message):
                return False
            conditions[i] = condition(ctype, reason, message, now, status)
            return True
    if status == "False":
        return False
    conditions.append(condition(ctype, reason, message, now, status))
    return True


# --- pods ------------------------------------------------------------------------------------------------------

def has_finalizer(pod: Mapping[str, Any]) -> bool:
    return TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or ())


def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def only_replace_failed(job: Mapping[str, Any]) -> bool:
    spec = job["spec"]
    return spec.get("podReplacementPolicy") == "Failed" or spec.get("podFailurePolicy") is not None


def is_pod_failed(pod: Mapping[str, Any], job: Mapping[str, Any]) -> bool:
    """isPodFailed: phase Failed; or, unless only failed pods are replaced, deleted before it succeeded."""
    if phase(pod) == "Failed":
        return True
    if only_replace_failed(job):
        return False
    return pod["metadata"].get("deletionTimestamp") is not None and phase(pod) != "Succeeded"


def is_terminating(pod: Mapping[str, Any]) -> bool:
    """CountTerminatingPods: deleted, but not yet in a terminal phase."""
    return pod["metadata"].get("deletionTimestamp") is not None and phase(pod) not in ("Succeeded", "Failed")


def finished_at(pod: Mapping[str, Any]) -> float:
    """getFinishedTime: the last container's finish, else the Ready=False transition, else when it was deleted,
    else its creation."""
    status = pod.get("status") or {}
    times: list[float] = []
    for cs in status.get("containerStatuses") or ():
        term = (cs.get("state") or {}).get("terminated")
        if not term or not term.get("finishedAt"):
            times = []
            break
        times.append(parse_rfc3339(term["finishedAt"]))
    if times:
        return max(times)
    ready = podutil.ready_condition(pod)
    if ready is not None and ready.get("status") == "False" and ready.get("lastTransitionTime"):
        return parse_rfc3339(ready["lastTransitionTime"])
    meta = pod["metadata"]
    if meta.get("deletionTimestamp"):
        return parse_rfc3339(meta["deletionTimestamp"]) - float(meta.get("deletionGracePeriodSeconds") or 0)
    return parse_rfc3339(meta["creationTimestamp"])


def restarts_on_failure(job: Mapping[str, Any], pods: Iterable[Mapping[str, Any]]) -> bool:
    """pastBackoffLimitOnFailure: with restartPolicy OnFailure, the restarts of running and pending pods count
    against the back-off limit."""
    if (job["spec"].get("template") or {}).get("spec", {}).get("restartPolicy") != "OnFailure":
        return False
    total = 0
    for pod in pods:
        if phase(pod) in ("Running", "Pending"):
            status = pod.get("status") or {}
            for key in ("initContainerStatuses", "containerStatuses"):
                total += sum(int(c.get("restartCount") or 0) for c in status.get(key) or ())
    limit = int(job["spec"].get("backoffLimit", 6))
    return total > 0 if limit == 0 else total >= limit


# --- back-off ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Backoff:
    """backoffRecord: failures since the last success, and when the last of them finished."""

    failures: int = 0
    last_failure: float | None = None

    def after(self, succeeded: Sequence[Obj], failed: Sequence[Obj]) -> Backoff:
        """newBackoffRecord: the record once these newly finished pods are counted."""
        done_ok = sorted(finished_at(p) for p in succeeded)
        done_bad = sorted(finished_at(p) for p in failed)
        if not done_ok:
            if not done_bad:
                return self
            return Backoff(self.failures + len(done_bad), done_bad[-1])
        later = [t for t in done_bad if t > done_ok[-1]]
        return Backoff(len(later), later[-1] if later else None)

    def remaining(self, now: float) -> float:
        """Seconds before a failed pod may be replaced (10 s, doubled per further failure, at most 10 min)."""
        if self.failures == 0 or self.last_failure is None:
            return 0.0
        delay = DEFAULT_BACKOFF
        for _ in range(1, self.failures):
            delay *= 2
            if delay >= MAX_BACKOFF:
                delay = MAX_BACKOFF
                break
        return max(0.0, delay - (now - self.last_failure))


# --- pod failure policy ------------------------------------------------------------------------------------------

def match_failure_policy(policy: Mapping[str, Any] | None, pod: Mapping[str, Any]) -> tuple[str | None, bool]:
    """matchPodFailurePolicy: (the FailJob message, whether the failure counts against the back-off limit)."""
    if not policy:
        return None, True
    meta = pod["metadata"]
    who = f'{meta.get("namespace", "")}/{meta["name"]}'
    for index, rule in enumerate(policy.get("rules") or ()):
        action = rule.get("action", "")
        text = _match_exit_codes(rule.get("onExitCodes"), pod, who) if rule.get("onExitCodes") else \
            _match_conditions(rule.get("onPodConditions") or (), pod, who)
        if text is None:
            continue
        if action == "Ignore":
            return None, False
        if action == "FailJob":
            return f"{text} matching FailJob rule at index {index}", True
        return None, True
    return None, True


def _match_exit_codes(req: Mapping[str, Any], pod: Mapping[str, Any], who: str) -> str | None:
    values = set(req.get("values") or ())
    status = pod.get("status") or {}
    for cs in list(status.get("initContainerStatuses") or ()) + list(status.get("containerStatuses") or ()):
        if req.get("containerName") and cs.get("name") != req["containerName"]:
            continue
        term = (cs.get("state") or {}).get("terminated")
        code = None if not term else term.get("exitCode")
        if code is None or code == 0:
            continue
        if (code in values) == (req.get("operator") == "In"):
            return f"Container {cs.get('name')} for pod {who} failed with exit code {code}"
    return None


def _match_conditions(patterns: Iterable[Mapping[str, Any]], pod: Mapping[str, Any], who: str) -> str | None:
    conditions = (pod.get("status") or {}).get("conditions") or ()
    for pattern in patterns:
        for c in conditions:
            if c.get("type") == pattern.get("type") and c.get("status") == pattern.get("status", "True"):
                return f"Pod {who} has condition {c['type']}"
    return None


# --- completion indexes ------------------------------------------------------------------------------------------

def completion_index(pod: Mapping[str, Any]) -> int | None:
    value = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def format_indexes(indexes: Iterable[int]) -> str:
    """Indexes as the status writes them: `0-2,4` (runs of three or more as ranges, `1,2` for two)."""
    parts: list[str] = []
    run: list[int] = []
    for i in sorted(set(indexes)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        parts.extend(_run_text(run))
        run = [i]
    parts.extend(_run_text(run))
    return ",".join(parts)


def _run_text(run: list[int]) -> list[str]:
    if not run:
        return []
    if len(run) == 1:
        return [str(run[0])]
    if len(run) == 2:
        return [str(run[0]), str(run[1])]
    return [f"{run[0]}-{run[-1]}"]


def parse_indexes(text: str | None, completions: int) -> set[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            continue
        out.update(i for i in range(first, last + 1) if i < completions)
    return out


def pod_for(job: Mapping[str, Any], index: int | None) -> Obj:
    """The pod the Job controller creates from the template: `<job>-` plus five random characters, the tracking
    finalizer; for an Indexed Job `<job>-<index>-`, the completion index annotation and label, the hostname
    `<job>-<index>` and JOB_COMPLETION_INDEX in every container's environment."""
    template = job["spec"].get("template") or {}
    tmeta = template.get("metadata") or {}
    name = job["metadata"]["name"]
    meta: Obj = {"generateName": f"{name}-", "namespace": job["metadata"]["namespace"],
                 "labels": dict(tmeta.get("labels") or {}), "ownerReferences": [owner_reference(job)],
                 "finalizers": [*(f for f in tmeta.get("finalizers") or () if f != TRACKING_FINALIZER),
                                TRACKING_FINALIZER]}
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    spec = deep_copy(template.get("spec") or {})
    if index is not None:
        meta["generateName"] = f"{name}-{index}-"
        meta["annotations"] = {**meta.get("annotations", {}), COMPLETION_INDEX: str(index)}
        meta["labels"][COMPLETION_INDEX] = str(index)
        spec["hostname"] = f"{name}-{index}"
        var = {"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
            "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}}
        for group in ("initContainers", "containers"):
            for c in spec.get(group) or ():
                env = c.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append(dict(var))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}
