"""The Job controller: runs pods to completion, `completions` of them, `parallelism` at a time.

As Kubernetes 1.35's `pkg/controller/job`, in the order `syncJob` does it:

1. Claim the pods the Job's selector matches. Every pod it creates carries the `batch.kubernetes.io/job-tracking`
   finalizer, so that a pod cannot disappear before it is counted.
2. Decide whether the Job has failed: more failed pods than `backoffLimit` (BackoffLimitExceeded), past
   `activeDeadlineSeconds` (DeadlineExceeded), or a `podFailurePolicy` FailJob rule. A failing Job first gets the
   FailureTarget condition and its active pods are deleted; Failed follows once none is terminating any more.
3. Otherwise manage the pods: delete them all while suspended, create the missing ones (slow-start batches, names
   `<job>-<5 chars>`, or `<job>-<index>-<5 chars>` with the completion index annotation, label and hostname for
   Indexed Jobs), but only once the back-off after a failed pod has passed (10 s, doubling per failure).
4. Track the status: finished pods go to `uncountedTerminatedPods`, their finalizers are removed, then they are
   counted in `succeeded`/`failed`. Once enough pods succeeded the Job gets SuccessCriteriaMet, then Complete
   with `completionTime` once no pod is terminating. Events: SuccessfulCreate "Created pod: x", SuccessfulDelete
   "Deleted pod: x", Completed "Job completed", BackoffLimitExceeded / DeadlineExceeded, Suspended, Resumed.

Pod changes reach the Job a second later (the controller batches them, as `syncJobBatchPeriod`), so a Job
notices a finished pod one second after it finished. `ttlSecondsAfterFinished` is the TTL-after-finished
controller's (`ttlafterfinished.py`).

Must not: run pods (the scheduler and kubelet do), or remove finalizers of pods it does not control.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError
from kube_magics.selectors import from_label_selector
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import job_tracking as jt
from kube_magics.sim.controllers import job_util as ju
from kube_magics.sim.controllers import ownership, podutil
from kube_magics.sim.objects import controller_ref, deep_copy, is_deleting, uid_of
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import parse_rfc3339, rfc3339

Obj = dict[str, Any]
Key = tuple[str, ...]

BATCH_PERIOD = 1.0  # syncJobBatchPeriod
MAX_PER_SYNC = 500  # MaxPodCreateDeletePerSync


class JobController(Controller):
    name = "job-controller"
    watches = ("Job", "Pod")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        ownership.ensure_orphan_index(rt, "Pod")
        self.backoffs: dict[tuple[str, str], ju.Backoff] = {}

    # --- which Job a change concerns -----------------------------------------------------------------------------

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        ns = obj["metadata"].get("namespace") or ""
        if event.kind == "Job":
            old = event.old
            if event.type == "MODIFIED" and old is not None and \
                    old["metadata"].get("generation") == obj["metadata"].get("generation"):
                self.queue.add_after(("job", ns, obj["metadata"]["name"]), BATCH_PERIOD)
                return ()
            if event.type == "DELETED":
                return [("job", ns, obj["metadata"]["name"]), *self._orphans_of(obj)]
            return (("job", ns, obj["metadata"]["name"]),)
        ref = controller_ref(obj)
        if ref is None or ref.get("kind") != "Job":
            return (("orphan", ns, obj["metadata"]["name"]),) if ju.has_finalizer(obj) else ()
        job = ownership.resolve_controller(self.rt, obj, "Job")
        if job is None or ju.is_finished(job):
            return (("orphan", ns, obj["metadata"]["name"]),) if ju.has_finalizer(obj) else ()
        self.queue.add_after(("job", ns, job["metadata"]["name"]), BATCH_PERIOD)
        return ()

    def _orphans_of(self, job: Obj) -> list[Key]:
        return [("orphan", ns, name) for kind, ns, name in self.rt.store.dependents(uid_of(job)) if kind == "Pod"]

    # --- reconcile -----------------------------------------------------------------------------------------------

    def reconcile(self, key: Any) -> None:
        try:
            if key[0] == "orphan":
                self._release_orphan(key[1], key[2])
            else:
                self._sync(key[1], key[2])
        except KubeMagicsError:
            self.queue.add_rate_limited(key)  # the API refused a write: look again later

    def _release_orphan(self, ns: str, name: str) -> None:
        """syncOrphanPod: a pod whose Job is gone or finished keeps no tracking finalizer."""
        pod = self.rt.store.get("Pod", ns, name)
        if pod is None or not ju.has_finalizer(pod):
            return
        ref = controller_ref(pod)
        if ref is not None and ref.get("kind") == "Job":
            job = ownership.resolve_controller(self.rt, pod, "Job")
            if job is not None and not ju.is_finished(job):
                return  # adopted meanwhile
        self.rt.api.remove_finalizer(pod, ju.TRACKING_FINALIZER)

    def _sync(self, ns: str, name: str) -> None:
        job = self.rt.store.get("Job", ns, name)
        if job is None or ju.is_finished(job):
            self.backoffs.pop((ns, name), None)
            return
        ctx = self._context(job)
        self._failure(ctx)
        if ctx.finished is not None:
            self._delete_active(ctx)
        else:
            if not is_deleting(job):
                self._manage(ctx)
            self._check_complete(ctx)
        ctx.status["active"] = len(ctx.active)
        ctx.status["ready"] = ctx.ready
        ctx.status["terminating"] = ctx.terminating
        self._track(ctx)

    def _context(self, job: Obj) -> jt.SyncContext:
        status = deep_copy(job.get("status") or {})
        status.setdefault("uncountedTerminatedPods", {})
        selector = from_label_selector(job["spec"].get("selector"))
        pods = ownership.claim(self.rt, job, "Pod", selector)
        active = [p for p in pods if podutil.is_active(p)]
        ctx = jt.SyncContext(job, status, pods, active, sum(1 for p in active if podutil.is_ready(p)),
                             sum(1 for p in pods if ju.is_terminating(p)))
        uncounted = status["uncountedTerminatedPods"]
        new_ok, new_bad = jt.newly_finished(ctx)
        ctx.succeeded = int(status.get("succeeded") or 0) + len(new_ok) + len(uncounted.get("succeeded") or ())
        counted_bad = [p for p in new_bad if ju.match_failure_policy(job["spec"].get("podFailurePolicy"), p)[1]]
        ctx.failed = int(status.get("failed") or 0) + len(counted_bad) + len(uncounted.get("failed") or ())
        if not status.get("startTime") and not job["spec"].get("suspend"):
            status["startTime"] = rfc3339(self.rt.clock.now)
        key = (job["metadata"]["namespace"], job["metadata"]["name"])
        ctx.backoff = self.backoffs.get(key, ju.Backoff()).after(new_ok, new_bad)
        self.backoffs[key] = ctx.backoff
        if jt.indexed(job):
            ctx.succeeded_indexes = jt.succeeded_indexes(ctx)
            ctx.succeeded = len(ctx.succeeded_indexes)
        return ctx

    # --- failure -------------------------------------------------------------------------------------------------

    def _failure(self, ctx: jt.SyncContext) -> None:
        """The condition a failing Job heads for (or SuccessCriteriaMet if it already met it)."""
        job, now = ctx.job, self.rt.clock.now
        conditions = ctx.status.get("conditions") or []
        met = next((c for c in conditions if c.get("type") == ju.SUCCESS_CRITERIA_MET
                    and c.get("status") == "True"), None)
        if met is not None:
            ctx.finished = dict(met)
            return
        target = next((c for c in conditions if c.get("type") == ju.FAILURE_TARGET and c.get("status") == "True"),
                      None)
        if target is not None:
            ctx.finished = ju.condition(ju.FAILED, target.get("reason", ""), target.get("message", ""), now)
            return
        for pod in ctx.pods:
            if ju.phase(pod) == "Failed":
                message = ju.match_failure_policy(job["spec"].get("podFailurePolicy"), pod)[0]
                if message is not None:
                    ctx.finished = ju.condition(ju.FAILURE_TARGET, "PodFailurePolicy", message, now)
                    return
        if ctx.failed > int(job["spec"].get("backoffLimit", 6)) or ju.restarts_on_failure(job, ctx.pods):
            ctx.finished = ju.condition(ju.FAILURE_TARGET, *ju.BACKOFF_LIMIT_EXCEEDED, now)
            return
        deadline = job["spec"].get("activeDeadlineSeconds")
        if deadline is None or job["spec"].get("suspend") or not ctx.status.get("startTime"):
            return
        left = parse_rfc3339(ctx.status["startTime"]) + int(deadline) - now
        if left <= 0:
            ctx.finished = ju.condition(ju.FAILURE_TARGET, *ju.DEADLINE_EXCEEDED, now)
        else:
            self.queue.add_after(_key(job), left)

    def _delete_active(self, ctx: jt.SyncContext) -> None:
        """deleteActivePods: a finished Job's running pods are deleted (their finalizers stay until counted)."""
        for pod in list(ctx.active):
            if self._delete_pod(ctx.job, pod):
                ctx.active.remove(pod)
                ctx.terminating += 1
                ctx.ready -= podutil.is_ready(pod)

    def _delete_pod(self, job: Obj, pod: Obj) -> bool:
        name = pod["metadata"]["name"]
        try:
            self.rt.api.delete("Pod", pod["metadata"]["namespace"], name)
        except NotFoundError:
            return True
        except KubeMagicsError:
            return False
        self.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
        return True

    # --- managing pods -------------------------------------------------------------------------------------------

    def _manage(self, ctx: jt.SyncContext) -> None:
        """manageJob: delete every pod of a suspended Job, the surplus of others, or create the missing ones."""
        job = ctx.job
        if job["spec"].get("suspend"):
            self._remove(ctx, ctx.active)
            self._suspend_condition(ctx, True)
            return
        try:
            self._scale(ctx)
        finally:
            self._suspend_condition(ctx, False)

    def _scale(self, ctx: jt.SyncContext) -> None:
        job = ctx.job
        parallelism = int(job["spec"].get("parallelism", 1))
        completions = job["spec"].get("completions")
        if completions is None:
            want = len(ctx.active) if ctx.succeeded > 0 else parallelism
        else:
            want = max(0, min(int(completions) - ctx.succeeded, parallelism))
        surplus = len(ctx.active) - want
        if surplus > 0:
            order = podutil.deletion_order(ctx.active, [], self.rt.clock.now)
            self._remove(ctx, order[:min(surplus, MAX_PER_SYNC)])
            return
        missing = want - len(ctx.active) - (ctx.terminating if ju.only_replace_failed(job) else 0)
        if missing <= 0:
            return
        wait = ctx.backoff.remaining(self.rt.clock.now)
        if wait > 0:
            self.queue.add_after(_key(job), max(wait, BATCH_PERIOD))
            return
        indexes: list[int | None] = self._pending_indexes(ctx, missing) if jt.indexed(job) else [None] * missing
        self._create(ctx, indexes[:MAX_PER_SYNC])

    def _remove(self, ctx: jt.SyncContext, pods: list[Obj]) -> None:
        """deleteJobPods: the finalizer goes first (the pod is not counted), then the pod."""
        for pod in list(pods):
            try:
                self.rt.api.remove_finalizer(pod, ju.TRACKING_FINALIZER)
            except KubeMagicsError:
                continue
            if self._delete_pod(ctx.job, pod):
                ctx.active.remove(pod)
                ctx.terminating += 1
                ctx.ready -= podutil.is_ready(pod)

    def _suspend_condition(self, ctx: jt.SyncContext, suspended: bool) -> None:
        conditions = ctx.status.setdefault("conditions", [])
        now = self.rt.clock.now
        if suspended and ju.ensure_condition(conditions, ju.SUSPENDED, "True", "JobSuspended", "Job suspended", now):
            self.event(ctx.job, "Normal", "Suspended", "Job suspended")
        elif not suspended and ju.ensure_condition(conditions, ju.SUSPENDED, "False", "JobResumed", "Job resumed",
                                                   now):
            self.event(ctx.job, "Normal", "Resumed", "Job resumed")
            ctx.status["startTime"] = rfc3339(now)  # the deadline counts from the resume
        if not conditions:
            del ctx.status["conditions"]

    def _pending_indexes(self, ctx: jt.SyncContext, count: int) -> list[int | None]:
        """firstPendingIndexes: the lowest indexes neither succeeded nor running."""
        taken = set(ctx.succeeded_indexes)
        taken.update(i for i in (ju.completion_index(p) for p in ctx.active) if i is not None)
        free = [i for i in range(int(ctx.job["spec"].get("completions") or 0)) if i not in taken]
        return list(free[:count])

    def _create(self, ctx: jt.SyncContext, indexes: list[int | None]) -> None:
        """Slow start: batches of 1, 2, 4, ... pods; a batch with a failure ends the round (retried later)."""
        batch, done = 1, 0
        while done < len(indexes):
            failed = False
            for index in indexes[done:done + batch]:
                try:
                    ctx.active.append(self._create_pod(ctx.job, index))
                except KubeMagicsError:
                    failed = True
            done += batch
            if failed:
                self.queue.add_rate_limited(_key(ctx.job))
                return
            batch *= 2

    def _create_pod(self, job: Obj, index: int | None) -> Obj:
        try:
            made = self.rt.api.create(ju.pod_for(job, index), trusted=True)
        except KubeMagicsError as exc:
            if "because it is being terminated" not in exc.message:
                self.event(job, "Warning", "FailedCreate", f"Error creating: {exc.message}")
            raise
        self.event(job, "Normal", "SuccessfulCreate", f"Created pod: {made['metadata']['name']}")
        return made

    def _check_complete(self, ctx: jt.SyncContext) -> None:
        completions = ctx.job["spec"].get("completions")
        needed = 1 if completions is None else int(completions)
        if ctx.succeeded >= needed and ctx.succeeded > 0 and not ctx.active:
            ctx.finished = ju.condition(ju.SUCCESS_CRITERIA_MET, "CompletionsReached", "Reached expected number "
                                        "of succeeded pods", self.rt.clock.now)

    # --- status --------------------------------------------------------------------------------------------------

    def _track(self, ctx: jt.SyncContext) -> None:
        """trackJobStatusAndRemoveFinalizers: note finished pods as uncounted, remove their finalizers, count them,
        then finish the Job if it may finish."""
        job, status = ctx.job, ctx.status
        uncounted = status["uncountedTerminatedPods"]
        to_release = jt.uncount(ctx)
        conditions = status.setdefault("conditions", [])
        finished = ctx.finished
        if finished is not None and finished["type"] == ju.FAILURE_TARGET:
            conditions.append(finished)
            ctx.finished = ju.condition(ju.FAILED, finished["reason"], finished["message"], self.rt.clock.now)
        elif finished is not None and finished["type"] == ju.SUCCESS_CRITERIA_MET:
            if not ju.has_condition({"status": status}, ju.SUCCESS_CRITERIA_MET):
                conditions.append(finished)
            ctx.finished = ju.condition(ju.COMPLETE, finished["reason"], finished["message"], self.rt.clock.now)
        if not conditions:
            del status["conditions"]
        if jt.indexed(job):
            status["completedIndexes"] = ju.format_indexes(ctx.succeeded_indexes)
            status["succeeded"] = len(ctx.succeeded_indexes)
        live = self._write(job, status)
        for pod in to_release:
            with contextlib.suppress(NotFoundError):
                self.rt.api.remove_finalizer(pod, ju.TRACKING_FINALIZER)
        for kind in ("succeeded", "failed"):
            uids = uncounted.pop(kind, None) or []
            if uids and not (kind == "succeeded" and jt.indexed(job)):
                status[kind] = int(status.get(kind) or 0) + len(uids)
        if self._may_finish(ctx):
            self._finish(ctx)
        self._write(live, status)

    def _may_finish(self, ctx: jt.SyncContext) -> bool:
        return ctx.finished is not None and ctx.terminating == 0

    def _finish(self, ctx: jt.SyncContext) -> None:
        """enactJobFinished and its events."""
        cond, status = ctx.finished, ctx.status
        assert cond is not None
        conditions = status.setdefault("conditions", [])
        ju.ensure_condition(conditions, cond["type"], "True", cond["reason"], cond["message"], self.rt.clock.now)
        if cond["type"] == ju.COMPLETE:
            status["completionTime"] = rfc3339(self.rt.clock.now)
            completions = ctx.job["spec"].get("completions")
            if completions is not None and int(status.get("succeeded") or 0) > int(completions):
                self.event(ctx.job, "Warning", "TooManySucceededPods",
                           "Too many succeeded pods running after completion count reached")
            self.event(ctx.job, "Normal", "Completed", "Job completed")
        else:
            self.event(ctx.job, "Warning", cond["reason"], cond["message"])
        self.backoffs.pop((ctx.job["metadata"]["namespace"], ctx.job["metadata"]["name"]), None)

    def _write(self, job: Obj, status: Obj) -> Obj:
        return self.rt.api.write_status(job, deep_copy(jt.status_to_write(status)))


def _key(job: Obj) -> Key:
    return ("job", job["metadata"]["namespace"], job["metadata"]["name"])

