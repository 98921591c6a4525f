"""The batch group: Jobs and CronJobs, validated as `pkg/apis/batch/validation` does. Their pods run to
completion (restartPolicy OnFailure or Never; the pod default Always is refused), counts are not negative, a
Job's template cannot change once created, and a CronJob's schedule must parse.
"""

from __future__ import annotations

import re
from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim import cron
from kube_magics.sim.validation.cron import schedule_error
from kube_magics.sim.validation.fields import (
    as_dict,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from kube_magics.sim.validation.meta import selector_matches, validate_label_selector
from kube_magics.sim.validation.pods import validate_pod_spec
from kube_magics.sim.validation.templates import validate_template_meta

Obj = dict[str, Any]

_COUNTS = ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit", "ttlSecondsAfterFinished")


def job(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes = job_spec(spec, "spec")
    if spec.get("manualSelector") is True:
        if spec.get("selector") is None:
            causes.append(required("spec.selector"))
        causes += validate_label_selector(spec.get("selector"), "spec.selector")
        labels = as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")
        if selector_matches(spec.get("selector"), labels) is False:
            causes.append(invalid("spec.template.metadata.labels", labels,
                                  "`selector` does not match template `labels`"))
    name = as_dict(obj.get("metadata")).get("name")
    if isinstance(name, str) and len(name) > 63 and spec.get("manualSelector") is not True:
        # The job-name label that the API server adds to the template holds the name: a label value.
        causes.append(invalid("spec.template.labels", name, "must be no more than 63 characters"))
    if old is not None:
        causes += _job_update(spec, as_dict(old.get("spec")))
    return causes


def job_spec(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key in _COUNTS:
        causes += nonnegative(f"{path}.{key}", spec.get(key))
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        causes.append(not_supported(f"{path}.completionMode", mode, ["NonIndexed", "Indexed"]))
    if mode == "Indexed" and spec.get("completions") is None:
        causes.append(required(f"{path}.completions", "when completion mode is Indexed"))
    template = as_dict(spec.get("template"))
    causes += validate_template_meta(template, f"{path}.template")
    pod_spec = as_dict(template.get("spec"))
    causes += validate_pod_spec(pod_spec, f"{path}.template.spec")
    policy = pod_spec.get("restartPolicy")
    if policy not in ("OnFailure", "Never"):
        causes.append(not_supported(f"{path}.template.spec.restartPolicy", policy or "", ["OnFailure", "Never"]))
    return causes


def _job_update(new: Obj, old: Obj) -> list[Cause]:
    causes = immutable("spec.selector", new.get("selector"), old.get("selector"))
    if new.get("completions") != old.get("completions") and new.get("completionMode") != "Indexed":
        causes += immutable("spec.completions", new.get("completions"), old.get("completions"))
    if old.get("suspend") is not True:
        causes += immutable("spec.template", new.get("template"), old.get("template"))
    return causes


def cronjob(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    schedule = spec.get("schedule")
    if not schedule:
        causes.append(required("spec.schedule"))
    else:
        problem = schedule_error(schedule)
        if problem:
            causes.append(invalid("spec.schedule", schedule, problem))
        old_schedule = as_dict(as_dict(old).get("spec")).get("schedule") if old else None
        if "TZ" in schedule and "TZ" not in str(old_schedule or ""):
            causes.append(invalid("spec.schedule", schedule,
                                  "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    causes += _time_zone(spec.get("timeZone"))
    causes += nonnegative("spec.startingDeadlineSeconds", spec.get("startingDeadlineSeconds"))
    policy = spec.get("concurrencyPolicy")
    if not policy:
        causes.append(required("spec.concurrencyPolicy"))
    elif policy not in ("Allow", "Forbid", "Replace"):
        causes.append(not_supported("spec.concurrencyPolicy", policy, ["Allow", "Forbid", "Replace"]))
    template = as_dict(spec.get("jobTemplate"))
    causes += job_spec(as_dict(template.get("spec")), "spec.jobTemplate.spec")
    if as_dict(template.get("spec")).get("selector") is not None:
        causes.append(invalid("spec.jobTemplate.spec.selector", template["spec"]["selector"],
                              "`selector` will be auto-generated"))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        causes += nonnegative(f"spec.{key}", spec.get(key))
    return causes


_TZ_PART = re.compile(r"^[A-Za-z\.\-_0-9+]{1,14}$")


def _time_zone(zone: Any) -> list[Cause]:
    """validateTimeZone: a name from the IANA database (as `time.LoadLocation` finds it), not `Local`."""
    if zone is None or not isinstance(zone, str):
        return []
    if not zone:
        return [invalid("spec.timeZone", zone, "timeZone must be nil or non-empty string")]
    for part in zone.split("/"):
        if part in (".", "..") or part.startswith("-") or not _TZ_PART.match(part):
            return [invalid("spec.timeZone", zone, f"unknown time zone {zone}")]
    try:
        cron.zone(zone)
    except cron.CronError as exc:
        return [invalid("spec.timeZone", zone, str(exc))]
    return []
