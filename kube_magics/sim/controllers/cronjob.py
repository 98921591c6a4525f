"""The CronJob controller: creates a Job each time a CronJob's schedule fires on the virtual clock.

As Kubernetes' `cronjob_controllerv2.go`, per sync: first remove finished Jobs beyond `successfulJobsHistoryLimit`
and `failedJobsHistoryLimit` (oldest start first; SuccessfulDelete "Deleted job x"), then:

- update `status.active` from the Jobs it owns (SawCompletedJob "Saw completed job: x, status: Complete",
  MissingJob) and `status.lastSuccessfulTime` from the latest completion;
- unless suspended or being deleted, find the most recent unmet scheduled time since `lastScheduleTime` (or the
  CronJob's creation); skip it if it is more than `startingDeadlineSeconds` late (MissSchedule), warn when more
  than 100 were missed (TooManyMissedTimes);
- apply `concurrencyPolicy`: Forbid skips the run while a Job is active (JobAlreadyActive), Replace deletes the
  active Jobs first, Allow runs them side by side;
- create the Job `<cronjob>-<scheduled time in minutes since the epoch>` from the template, with the
  `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation (SuccessfulCreate "Created job x"), add it to
  `status.active` and set `status.lastScheduleTime`.

It then looks again 100 ms after the next scheduled time, as the real controller does.

Must not: run the Job's pods (the Job controller does), or touch Jobs it does not control.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from kube_magics.errors import AlreadyExistsError, KubeMagicsError, NotFoundError
from kube_magics.sim import cron
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import ownership
from kube_magics.sim.controllers.job_util import COMPLETE, FAILED, has_condition, is_finished
from kube_magics.sim.objects import controller_ref, deep_copy, owner_reference, uid_of
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import parse_rfc3339, rfc3339

Obj = dict[str, Any]
Key = tuple[str, str]

NEXT_SCHEDULE_DELTA = 0.1  # nextScheduleDelta
SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp"


class CronJobController(Controller):
    name = "cronjob-controller"
    watches = ("CronJob", "Job")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        ns = obj["metadata"].get("namespace") or ""
        if event.kind == "CronJob":
            old = event.old
            if event.type == "MODIFIED" and old is not None and _schedule_changed(old, obj):
                self._requeue_for_next(obj)
                return ()
            return ((ns, obj["metadata"]["name"]),)
        keys: list[Key] = []
        for job in (obj, event.old) if event.old is not None else (obj,):
            owner = ownership.resolve_controller(self.rt, job, "CronJob")
            if owner is not None and _key(owner) not in keys:
                keys.append(_key(owner))
        return keys

    def _requeue_for_next(self, cj: Obj) -> None:
        try:
            schedule = cron.parse(cj["spec"].get("schedule", ""), cj["spec"].get("timeZone"))
        except cron.CronError:
            self.event(cj, "Warning", "UnParseableCronJobSchedule",
                       f"unparseable schedule for cronjob: {cj['spec'].get('schedule', '')}")
            return
        self.queue.add_after(_key(cj), self._until_next(cj, schedule, cj.get("status") or {}))

    # --- reconcile -----------------------------------------------------------------------------------------------

    def reconcile(self, key: Any) -> None:
        cj = self.rt.store.get("CronJob", *key)
        if cj is None:
            return
        jobs = sorted(ownership.controlled_by(self.rt, cj, "Job"), key=lambda j: j["metadata"]["name"])
        status = deep_copy(cj.get("status") or {})
        changed = self._cleanup(cj, status, jobs)
        try:
            requeue, synced = self._sync(cj, status, jobs)
        except KubeMagicsError:
            if changed:
                self._write(cj, status)
            self.queue.add_rate_limited(key)
            return
        if changed or synced:
            self._write(cj, status)
        self.queue.forget(key)
        if requeue is not None:
            self.queue.add_after(key, requeue)

    def _write(self, cj: Obj, status: Obj) -> None:
        if not status.get("active"):
            status.pop("active", None)
        self.rt.api.write_status(cj, status)

    # --- history -------------------------------------------------------------------------------------------------

    def _cleanup(self, cj: Obj, status: Obj, jobs: list[Obj]) -> bool:
        """cleanupFinishedJobs: keep the newest finished Jobs up to each history limit."""
        changed = False
        for kind, limit_key in ((COMPLETE, "successfulJobsHistoryLimit"), (FAILED, "failedJobsHistoryLimit")):
            limit = cj["spec"].get(limit_key)
            if limit is None:
                continue
            done = sorted((j for j in jobs if has_condition(j, kind)), key=_start_order)
            for job in done[:max(0, len(done) - int(limit))]:
                changed = self._delete_job(cj, status, job) or changed
        return changed

    def _delete_job(self, cj: Obj, status: Obj, job: Obj) -> bool:
        name = job["metadata"]["name"]
        try:
            self.rt.api.delete("Job", job["metadata"]["namespace"], name, propagation="Background")
        except NotFoundError:
            pass
        except KubeMagicsError as exc:
            self.event(cj, "Warning", "FailedDelete", f"Deleted job: {exc.message}")
            return False
        _drop_active(status, uid_of(job))
        self.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {name}")
        return True

    # --- scheduling ----------------------------------------------------------------------------------------------

    def _sync(self, cj: Obj, status: Obj, jobs: list[Obj]) -> tuple[float | None, bool]:
        """syncCronJob: (when to look again, whether the status changed)."""
        changed = self._observe(cj, status, jobs)
        spec = cj["spec"]
        if cj["metadata"].get("deletionTimestamp") or spec.get("suspend"):
            return None, changed
        try:
            schedule = cron.parse(spec.get("schedule", ""), spec.get("timeZone"))
        except cron.CronError as exc:
            if "time zone" in str(exc):
                self.event(cj, "Warning", "UnknownTimeZone", f'invalid timeZone: "{spec.get("timeZone")}": {exc}')
            else:
                self.event(cj, "Warning", "UnparseableSchedule",
                           f'unparseable schedule: "{spec.get("schedule", "")}" : {exc}')
            return None, changed
        now = self.rt.clock.now
        scheduled = self._unmet(cj, status, schedule, now)
        requeue = self._until_next(cj, schedule, status)
        if scheduled is None:
            return requeue, changed
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None and scheduled + int(deadline) < now:
            when = datetime.fromtimestamp(scheduled, tz=timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000")
            self.event(cj, "Warning", "MissSchedule", f"Missed scheduled time to start a job: {when}")
            return requeue, changed
        name = f"{cj['metadata']['name']}-{int(scheduled // 60)}"
        last = status.get("lastScheduleTime")
        if any(a.get("name") == name for a in status.get("active") or ()) or \
                (last and parse_rfc3339(last) == scheduled):
            return requeue, changed
        policy = spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and status.get("active"):
            self.event(cj, "Normal", "JobAlreadyActive",
                       "Not starting job because prior execution is running and concurrency policy is Forbid")
            return requeue, changed
        if policy == "Replace":
            for ref in list(status.get("active") or ()):
                job = self.rt.store.get("Job", ref.get("namespace", ""), ref.get("name", ""))
                if job is not None:
                    changed = self._delete_job(cj, status, job) or changed
        job = self._create_job(cj, name, scheduled)
        if job is None:
            return requeue, changed
        status.setdefault("active", []).append(_reference(job))
        status["lastScheduleTime"] = rfc3339(scheduled)
        return self._until_next(cj, schedule, status), True

    def _observe(self, cj: Obj, status: Obj, jobs: list[Obj]) -> bool:
        """The active list and lastSuccessfulTime from the Jobs the CronJob owns."""
        changed = False
        active_uids = {a.get("uid") for a in status.get("active") or ()}
        for job in jobs:
            uid, name = uid_of(job), job["metadata"]["name"]
            if uid not in active_uids and not is_finished(job):
                self.event(cj, "Warning", "UnexpectedJob",
                           f"Saw a job that the controller did not create or forgot: {name}")
            elif uid in active_uids and is_finished(job):
                outcome = COMPLETE if has_condition(job, COMPLETE) else FAILED
                _drop_active(status, uid)
                self.event(cj, "Normal", "SawCompletedJob", f"Saw completed job: {name}, status: {outcome}")
                changed = True
            elif has_condition(job, COMPLETE):
                done = (job.get("status") or {}).get("completionTime")
                last = status.get("lastSuccessfulTime")
                if done and (not last or parse_rfc3339(done) > parse_rfc3339(last)):
                    status["lastSuccessfulTime"] = done
                    changed = True
        present = {uid_of(j) for j in jobs}
        for ref in list(status.get("active") or ()):
            if ref.get("uid") not in present:
                self.event(cj, "Normal", "MissingJob", f"Active job went missing: {ref.get('name')}")
                _drop_active(status, ref.get("uid", ""))
                changed = True
        return changed

    def _unmet(self, cj: Obj, status: Obj, schedule: cron.Schedule, now: float) -> float | None:
        """nextScheduleTime: the most recent unmet scheduled time, if any."""
        earliest = _earliest(cj, status)
        deadline = cj["spec"].get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - int(deadline))
        try:
            scheduled, missed = cron.most_recent(schedule, earliest, now)
        except cron.CronError as exc:
            self.event(cj, "Warning", "InvalidSchedule", f"invalid schedule: {cj['spec'].get('schedule')} : {exc}")
            return None
        if missed > 100:
            self.event(cj, "Warning", "TooManyMissedTimes", "too many missed start times. Set or decrease "
                       ".spec.startingDeadlineSeconds or check clock skew")
        return scheduled

    def _until_next(self, cj: Obj, schedule: cron.Schedule, status: Obj) -> float:
        """nextScheduleTimeDuration: seconds until 100 ms after the next scheduled time."""
        now = self.rt.clock.now
        earliest = _earliest(cj, status)
        try:
            recent, _ = cron.most_recent(schedule, earliest, now)
        except cron.CronError:
            recent = now
        base = recent if recent is not None else earliest
        return max(0.0, schedule.next(base) + NEXT_SCHEDULE_DELTA - now)

    def _create_job(self, cj: Obj, name: str, scheduled: float) -> Obj | None:
        """getJobFromTemplate2 and the create; an existing Job of that name that the CronJob owns is kept."""
        template = cj["spec"].get("jobTemplate") or {}
        tmeta = template.get("metadata") or {}
        zone = cron.zone(cj["spec"].get("timeZone"))
        stamp = datetime.fromtimestamp(scheduled, tz=zone).isoformat().replace("+00:00", "Z")
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": name, "namespace": cj["metadata"]["namespace"],
                            "labels": dict(tmeta.get("labels") or {}),
                            "annotations": {**(tmeta.get("annotations") or {}), SCHEDULED_ANNOTATION: stamp},
                            "ownerReferences": [owner_reference(cj)]},
               "spec": deep_copy(template.get("spec") or {})}
        if not job["metadata"]["labels"]:
            del job["metadata"]["labels"]
        try:
            made = self.rt.api.create(job, trusted=True)
        except AlreadyExistsError:
            existing = self.rt.store.get("Job", cj["metadata"]["namespace"], name)
            ref = controller_ref(existing) if existing is not None else None
            return existing if ref is not None and ref.get("uid") == uid_of(cj) else None
        except KubeMagicsError as exc:
            if "because it is being terminated" not in exc.message:
                self.event(cj, "Warning", "FailedCreate", f"Error creating job: {exc.message}")
            raise
        self.event(cj, "Normal", "SuccessfulCreate", f"Created job {name}")
        return made


def _schedule_changed(old: Obj, new: Obj) -> bool:
    return (old["spec"].get("schedule"), old["spec"].get("timeZone")) != \
        (new["spec"].get("schedule"), new["spec"].get("timeZone"))


def _earliest(cj: Obj, status: Obj) -> float:
    last = status.get("lastScheduleTime")
    return parse_rfc3339(last) if last else parse_rfc3339(cj["metadata"]["creationTimestamp"])


def _start_order(job: Obj) -> tuple[bool, float, str]:
    """byJobStartTime: Jobs without a start time last; ties by name."""
    start = (job.get("status") or {}).get("startTime")
    return (start is None, parse_rfc3339(start) if start else 0.0, job["metadata"]["name"])


def _drop_active(status: Obj, uid: str) -> None:
    status["active"] = [a for a in status.get("active") or () if a.get("uid") != uid]


def _reference(job: Obj) -> Obj:
    meta = job["metadata"]
    return {"apiVersion": "batch/v1", "kind": "Job", "name": meta["name"], "namespace": meta["namespace"],
            "resourceVersion": meta["resourceVersion"], "uid": meta["uid"]}


def _key(cj: Obj) -> Key:
    return cj["metadata"]["namespace"], cj["metadata"]["name"]
