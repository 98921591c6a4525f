"""`kubectl describe` for Deployments, ReplicaSets, ReplicationControllers, DaemonSets, StatefulSets, Jobs and
CronJobs, as kubectl's describers write them. Related objects (the Deployment's ReplicaSets, the pods a controller
owns) are passed in; `describe.describe` fetches them the way kubectl does.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.printers.describe.common import annotations_multiline, controlled_by, events_section, labels_multiline
from kube_magics.printers.describe.containers import pod_template
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, PrefixWriter
from kube_magics.printers.util import format_labels, format_selector, meta, rfc1123, selector_string, timestamp
from kube_magics.timefmt import human_duration

Obj = Mapping[str, Any]


def pod_phase_counts(pods: Sequence[Obj] | None, owner: Obj) -> tuple[int, int, int, int]:
    """Running, Waiting (Pending), Succeeded, Failed among the pods `owner` controls (getPodStatusForController)."""
    counts = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    uid = meta(owner).get("uid")
    for pod in pods or []:
        refs = [r for r in meta(pod).get("ownerReferences") or [] if r.get("controller")]
        if not refs or refs[0].get("uid") != uid:
            continue
        phase = (pod.get("status") or {}).get("phase")
        if phase in counts:
            counts[phase] += 1
    return counts["Running"], counts["Pending"], counts["Succeeded"], counts["Failed"]


def _pods_status(w: PrefixWriter, counts: tuple[int, int, int, int]) -> None:
    w.write(LEVEL_0, f"Pods Status:\t{counts[0]} Running / {counts[1]} Waiting / {counts[2]} Succeeded / "
                     f"{counts[3]} Failed\n")


def _name_ns(obj: Obj, w: PrefixWriter) -> None:
    w.write(LEVEL_0, f"Name:\t{meta(obj).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(obj).get('namespace', '')}\n")


def _strip_hash(template: Mapping[str, Any]) -> Any:
    t = copy.deepcopy(dict(template))
    labels = dict((t.get("metadata") or {}).get("labels") or {})
    labels.pop("pod-template-hash", None)
    md = dict(t.get("metadata") or {})
    if labels:
        md["labels"] = labels
    else:
        md.pop("labels", None)
    t["metadata"] = md
    return t


def split_replicasets(deployment: Obj, replicasets: Sequence[Obj]) -> tuple[list[Obj], list[Obj]]:
    """(old, new) ReplicaSets of a Deployment, as kubectl's deploymentutil finds them."""
    uid = meta(deployment).get("uid")
    owned = [rs for rs in replicasets
             if any(r.get("controller") and r.get("uid") == uid for r in meta(rs).get("ownerReferences") or [])]
    owned.sort(key=lambda rs: (timestamp(meta(rs).get("creationTimestamp")) or 0.0, str(meta(rs).get("name"))))
    wanted = _strip_hash((deployment.get("spec") or {}).get("template") or {})
    new = next((rs for rs in owned if _strip_hash((rs.get("spec") or {}).get("template") or {}) == wanted), None)
    old = [rs for rs in owned if rs is not new]
    return old, [new] if new is not None else []


def _rs_list(replicasets: Sequence[Obj]) -> str:
    texts = [f"{meta(rs).get('name')} ({(rs.get('status') or {}).get('replicas', 0) or 0}/"
             f"{(rs.get('spec') or {}).get('replicas', 0)} replicas created)" for rs in replicasets]
    return ", ".join(texts) or "<none>"


def _conditions(obj: Obj, w: PrefixWriter) -> None:
    conditions = (obj.get("status") or {}).get("conditions") or []
    if conditions:
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(LEVEL_1, "----\t------\t------\n")
        for c in conditions:
            w.write(LEVEL_1, f"{c.get('type', '')} \t{c.get('status', '')}\t{c.get('reason', '')}\n")


def describe_deployment(d: Obj, replicasets: Sequence[Obj] | None, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    w = PrefixWriter()
    _name_ns(d, w)
    w.write(LEVEL_0, f"CreationTimestamp:\t{rfc1123(meta(d).get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", meta(d).get("labels"))
    annotations_multiline(w, "Annotations", meta(d).get("annotations"))
    w.write(LEVEL_0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    counts = [status.get(k, 0) or 0 for k in ("updatedReplicas", "replicas", "availableReplicas",
                                               "unavailableReplicas")]
    w.write(LEVEL_0, f"Replicas:\t{spec.get('replicas', 1)} desired | {counts[0]} updated | {counts[1]} total | "
                     f"{counts[2]} available | {counts[3]} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(LEVEL_0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(LEVEL_0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0) or 0}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(LEVEL_0, f"RollingUpdateStrategy:\t{ru.get('maxUnavailable')} max unavailable, "
                         f"{ru.get('maxSurge')} max surge\n")
    pod_template(spec.get("template"), w)
    _conditions(d, w)
    if replicasets is not None:
        old, new = split_replicasets(d, replicasets)
        if old or new:
            w.write(LEVEL_0, f"OldReplicaSets:\t{_rs_list(old)}\n")
            w.write(LEVEL_0, f"NewReplicaSet:\t{_rs_list(new)}\n")
    events_section(w, events, now)
    return w.text()


def describe_replicaset(rs: Obj, pods: Sequence[Obj] | None, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = rs.get("spec") or {}, rs.get("status") or {}
    w = PrefixWriter()
    _name_ns(rs, w)
    if rs.get("kind") == "ReplicationController":
        w.write(LEVEL_0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    else:
        w.write(LEVEL_0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta(rs).get("labels"))
    annotations_multiline(w, "Annotations", meta(rs).get("annotations"))
    owner = controlled_by(rs) if rs.get("kind") != "ReplicationController" else ""
    if owner:
        w.write(LEVEL_0, f"Controlled By:\t{owner}\n")
    w.write(LEVEL_0, f"Replicas:\t{status.get('replicas', 0) or 0} current / {spec.get('replicas', 1)} desired\n")
    _pods_status(w, pod_phase_counts(pods, rs))
    pod_template(spec.get("template"), w)
    _conditions(rs, w)
    events_section(w, events, now)
    return w.text()


def describe_daemonset(ds: Obj, pods: Sequence[Obj] | None, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = ds.get("spec") or {}, ds.get("status") or {}
    template_spec = (spec.get("template") or {}).get("spec") or {}
    w = PrefixWriter()
    _name_ns(ds, w)
    w.write(LEVEL_0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    w.write(LEVEL_0, f"Node-Selector:\t{format_labels(template_spec.get('nodeSelector'))}\n")
    labels_multiline(w, "Labels", meta(ds).get("labels"))
    annotations_multiline(w, "Annotations", meta(ds).get("annotations"))
    for title, key in (("Desired Number of Nodes Scheduled", "desiredNumberScheduled"),
                       ("Current Number of Nodes Scheduled", "currentNumberScheduled"),
                       ("Number of Nodes Scheduled with Up-to-date Pods", "updatedNumberScheduled"),
                       ("Number of Nodes Scheduled with Available Pods", "numberAvailable"),
                       ("Number of Nodes Misscheduled", "numberMisscheduled")):
        w.write(LEVEL_0, f"{title}: {status.get(key, 0) or 0}\n")
    _pods_status(w, pod_phase_counts(pods, ds))
    pod_template(spec.get("template"), w)
    events_section(w, events, now)
    return w.text()


def describe_statefulset(sts: Obj, pods: Sequence[Obj] | None, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = sts.get("spec") or {}, sts.get("status") or {}
    w = PrefixWriter()
    _name_ns(sts, w)
    w.write(LEVEL_0, f"CreationTimestamp:\t{rfc1123(meta(sts).get('creationTimestamp'))}\n")
    w.write(LEVEL_0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta(sts).get("labels"))
    annotations_multiline(w, "Annotations", meta(sts).get("annotations"))
    if spec.get("serviceName"):
        w.write(LEVEL_0, f"Service Name:\t{spec['serviceName']}\n")
    if spec.get("podManagementPolicy"):
        w.write(LEVEL_0, f"Pod Management Policy:\t{spec['podManagementPolicy']}\n")
    w.write(LEVEL_0, f"Replicas:\t{spec.get('replicas', 1)} desired | {status.get('replicas', 0) or 0} total\n")
    strategy = spec.get("updateStrategy") or {}
    w.write(LEVEL_0, f"Update Strategy:\t{strategy.get('type', '')}\n")
    ru = strategy.get("rollingUpdate")
    if ru is not None and ru.get("partition") is not None:
        w.write(LEVEL_1, f"Partition:\t{ru['partition']}\n")
        if ru.get("maxUnavailable") is not None:
            w.write(LEVEL_1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if policy is not None:
        w.write(LEVEL_0, "Persistent Volume Claim Retention Policy:\n")
        w.write(LEVEL_1, f"WhenDeleted:\t{policy.get('whenDeleted', '')}\n")
        w.write(LEVEL_1, f"WhenScaled:\t{policy.get('whenScaled', '')}\n")
    _pods_status(w, pod_phase_counts(pods, sts))
    pod_template(spec.get("template"), w)
    _claim_templates(spec.get("volumeClaimTemplates") or [], w)
    events_section(w, events, now)
    return w.text()


def _claim_templates(templates: Sequence[Obj], w: PrefixWriter) -> None:
    if not templates:
        w.write(LEVEL_0, "Volume Claims:\t<none>\n")
        return
    w.write(LEVEL_0, "Volume Claims:\n")
    for pvc in templates:
        spec = pvc.get("spec") or {}
        w.write(LEVEL_1, f"Name:\t{meta(pvc).get('name', '')}\n")
        w.write(LEVEL_1, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
        labels_multiline(w, "Labels", meta(pvc).get("labels"), initial="  ")
        labels_multiline(w, "Annotations", meta(pvc).get("annotations"), initial="  ")
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        w.write(LEVEL_1, f"Capacity:\t{storage if storage is not None else '<default>'}\n")
        w.write(LEVEL_1, f"Access Modes:\t[{' '.join(spec.get('accessModes') or [])}]\n")


def describe_job(job: Obj, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = job.get("spec") or {}, job.get("status") or {}
    w = PrefixWriter()
    _name_ns(job, w)
    w.write(LEVEL_0, f"Selector:\t{selector_string(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", meta(job).get("labels"))
    annotations_multiline(w, "Annotations", meta(job).get("annotations"))
    owner = controlled_by(job)
    if owner:
        w.write(LEVEL_0, f"Controlled By:\t{owner}\n")
    _job_spec(spec, w)
    start, end = status.get("startTime"), status.get("completionTime")
    if start:
        w.write(LEVEL_0, f"Start Time:\t{rfc1123(start)}\n")
    if end:
        w.write(LEVEL_0, f"Completed At:\t{rfc1123(end)}\n")
    if start and end:
        w.write(LEVEL_0, f"Duration:\t{human_duration((timestamp(end) or 0) - (timestamp(start) or 0))}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(LEVEL_0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    counts = [status.get(k, 0) or 0 for k in ("active", "succeeded", "failed")]
    if status.get("ready") is None:
        w.write(LEVEL_0, f"Pods Statuses:\t{counts[0]} Active / {counts[1]} Succeeded / {counts[2]} Failed\n")
    else:
        w.write(LEVEL_0, f"Pods Statuses:\t{counts[0]} Active ({status['ready']} Ready) / {counts[1]} Succeeded / "
                         f"{counts[2]} Failed\n")
    if spec.get("completionMode") == "Indexed":
        w.write(LEVEL_0, f"Completed Indexes:\t{_indexes(str(status.get('completedIndexes') or ''))}\n")
    pod_template(spec.get("template"), w)
    events_section(w, events, now)
    return w.text()


def _job_spec(spec: Mapping[str, Any], w: PrefixWriter) -> None:
    if spec.get("parallelism") is not None:
        w.write(LEVEL_0, f"Parallelism:\t{spec['parallelism']}\n")
    w.write(LEVEL_0, f"Completions:\t{spec['completions'] if spec.get('completions') is not None else '<unset>'}\n")
    if spec.get("completionMode"):
        w.write(LEVEL_0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(LEVEL_0, f"Suspend:\t{str(spec['suspend']).lower()}\n")
    if spec.get("backoffLimit") is not None:
        w.write(LEVEL_0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(LEVEL_0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")


def _indexes(indexes: str, limit: int = 50) -> str:
    if not indexes:
        return "<none>"
    cut = indexes.find(",", limit)
    return indexes if cut < 0 else indexes[: cut + 1] + "..."


def describe_cronjob(cj: Obj, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = cj.get("spec") or {}, cj.get("status") or {}
    w = PrefixWriter()
    _name_ns(cj, w)
    labels_multiline(w, "Labels", meta(cj).get("labels"))
    annotations_multiline(w, "Annotations", meta(cj).get("annotations"))
    w.write(LEVEL_0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(LEVEL_0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    suspend = spec.get("suspend")
    w.write(LEVEL_0, f"Suspend:\t{'<unset>' if suspend is None else ('True' if suspend else 'False')}\n")
    w.write(LEVEL_0, f"Time Zone:\t{spec.get('timeZone') or '<unset>'}\n")
    for title, key in (("Successful Job History Limit", "successfulJobsHistoryLimit"),
                       ("Failed Job History Limit", "failedJobsHistoryLimit")):
        w.write(LEVEL_0, f"{title}:\t{spec[key] if spec.get(key) is not None else '<unset>'}\n")
    deadline = spec.get("startingDeadlineSeconds")
    w.write(LEVEL_0, f"Starting Deadline Seconds:\t{f'{deadline}s' if deadline is not None else '<unset>'}\n")
    job_spec = ((spec.get("jobTemplate") or {}).get("spec")) or {}
    sel = job_spec.get("selector")
    w.write(LEVEL_0, f"Selector:\t{selector_string(sel) if sel is not None else '<unset>'}\n")
    w.write(LEVEL_0, f"Parallelism:\t{job_spec.get('parallelism', '<unset>')}\n")
    w.write(LEVEL_0, f"Completions:\t{job_spec.get('completions', '<unset>')}\n")
    if job_spec.get("activeDeadlineSeconds") is not None:
        w.write(LEVEL_0, f"Active Deadline Seconds:\t{job_spec['activeDeadlineSeconds']}s\n")
    pod_template(job_spec.get("template"), w)
    last = status.get("lastScheduleTime")
    w.write(LEVEL_0, f"Last Schedule Time:\t{rfc1123(last) if last else '<unset>'}\n")
    active = status.get("active") or []
    w.write(LEVEL_0, "Active Jobs:\t")
    w.line(", ".join(str(j.get("name", "")) for j in active) if active else "<none>")
    events_section(w, events, now)
    return w.text()
