"""Columns and cells of the workload kinds, as the API server's table printers (printers.go) define them.

Pods, Deployments, ReplicaSets, DaemonSets, StatefulSets, Jobs, CronJobs, ControllerRevisions,
ReplicationControllers and HorizontalPodAutoscalers. Each builder returns every cell including the `-o wide` ones
(priority 1), as the server does; the text printer drops the wide ones unless asked.

Imports only the bottom layer of kube_magics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_magics.printers.hpaconv import from_v1_annotations
from kube_magics.printers.pods import pod_cells
from kube_magics.printers.table import Column
from kube_magics.printers.util import (
    age,
    bool_ptr_text,
    containers_cells,
    format_labels,
    format_selector,
    meta,
    selector_string,
    since,
    timestamp,
)
from kube_magics.timefmt import human_duration

Obj = Mapping[str, Any]

W = 1  # priority of the -o wide columns

POD_COLUMNS = [Column("Name", format="name"), Column("Ready"), Column("Status"), Column("Restarts"), Column("Age"),
               Column("IP", priority=W), Column("Node", priority=W), Column("Nominated Node", priority=W),
               Column("Readiness Gates", priority=W)]
_TEMPLATE_WIDE = [Column("Containers", priority=W), Column("Images", priority=W), Column("Selector", priority=W)]
DEPLOYMENT_COLUMNS = [Column("Name", format="name"), Column("Ready"), Column("Up-to-date"), Column("Available"),
                      Column("Age"), *_TEMPLATE_WIDE]
REPLICASET_COLUMNS = [Column("Name", format="name"), Column("Desired", "integer"), Column("Current", "integer"),
                      Column("Ready", "integer"), Column("Age"), *_TEMPLATE_WIDE]
DAEMONSET_COLUMNS = [Column("Name", format="name"), Column("Desired", "integer"), Column("Current", "integer"),
                     Column("Ready", "integer"), Column("Up-to-date", "integer"), Column("Available", "integer"),
                     Column("Node Selector"), Column("Age"), *_TEMPLATE_WIDE]
STATEFULSET_COLUMNS = [Column("Name", format="name"), Column("Ready"), Column("Age"),
                       Column("Containers", priority=W), Column("Images", priority=W)]
JOB_COLUMNS = [Column("Name", format="name"), Column("Status"), Column("Completions"), Column("Duration"),
               Column("Age"), *_TEMPLATE_WIDE]
CRONJOB_COLUMNS = [Column("Name", format="name"), Column("Schedule"), Column("Timezone"), Column("Suspend", "boolean"),
                   Column("Active", "integer"), Column("Last Schedule"), Column("Age"), *_TEMPLATE_WIDE]
CONTROLLERREVISION_COLUMNS = [Column("Name", format="name"), Column("Controller"), Column("Revision"), Column("Age")]
HPA_COLUMNS = [Column("Name", format="name"), Column("Reference"), Column("Targets"), Column("MinPods"),
               Column("MaxPods"), Column("Replicas"), Column("Age")]


def _template(obj: Obj) -> Mapping[str, Any]:
    return ((obj.get("spec") or {}).get("template") or {}).get("spec") or {}


def _wide(obj: Obj, selector: str | None = None) -> list[Any]:
    names, images = containers_cells(_template(obj).get("containers"))
    sel = (obj.get("spec") or {}).get("selector")
    return [names, images, format_selector(sel) if selector is None else selector]


def pod_row(obj: Obj, now: float) -> list[Any]:
    return pod_cells(obj, now)


def deployment_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas", 1) if spec.get("replicas") is not None else 1
    ready = f"{status.get('readyReplicas', 0) or 0}/{desired}"
    return [meta(obj).get("name", ""), ready, status.get("updatedReplicas", 0) or 0,
            status.get("availableReplicas", 0) or 0, age(obj, now),
            *_wide(obj, selector_string(spec.get("selector")))]


def replicaset_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas") if spec.get("replicas") is not None else 1
    return [meta(obj).get("name", ""), desired, status.get("replicas", 0) or 0, status.get("readyReplicas", 0) or 0,
            age(obj, now), *_wide(obj)]


def replicationcontroller_row(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    row = replicaset_row(obj, now)
    row[-1] = format_labels(spec.get("selector"))
    return row


def daemonset_row(obj: Obj, now: float) -> list[Any]:
    status = obj.get("status") or {}
    counts = [status.get(k, 0) or 0 for k in ("desiredNumberScheduled", "currentNumberScheduled", "numberReady",
                                               "updatedNumberScheduled", "numberAvailable")]
    return [meta(obj).get("name", ""), *counts, format_labels(_template(obj).get("nodeSelector")), age(obj, now),
            *_wide(obj)]


def statefulset_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    desired = spec.get("replicas") if spec.get("replicas") is not None else 1
    names, images = containers_cells(_template(obj).get("containers"))
    return [meta(obj).get("name", ""), f"{status.get('readyReplicas', 0) or 0}/{desired}", age(obj, now),
            names, images]


def _job_condition(obj: Obj, kind: str) -> bool:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == kind:
            return c.get("status") == "True"
    return False


def job_status(obj: Obj) -> str:
    if _job_condition(obj, "Complete"):
        return "Complete"
    if _job_condition(obj, "Failed"):
        return "Failed"
    if meta(obj).get("deletionTimestamp") is not None:
        return "Terminating"
    if _job_condition(obj, "Suspended"):
        return "Suspended"
    if _job_condition(obj, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def job_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    succeeded = status.get("succeeded", 0) or 0
    if spec.get("completions") is not None:
        completions = f"{succeeded}/{spec['completions']}"
    elif (spec.get("parallelism") or 0) > 1:
        completions = f"{succeeded}/1 of {spec['parallelism']}"
    else:
        completions = f"{succeeded}/1"
    start, end = timestamp(status.get("startTime")), timestamp(status.get("completionTime"))
    duration = "" if start is None else human_duration((end if end is not None else now) - start)
    return [meta(obj).get("name", ""), job_status(obj), completions, duration, age(obj, now), *_wide(obj)]


def cronjob_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    last = status.get("lastScheduleTime")
    job_spec = (spec.get("jobTemplate") or {}).get("spec") or {}
    names, images = containers_cells(((job_spec.get("template") or {}).get("spec") or {}).get("containers"))
    return [meta(obj).get("name", ""), spec.get("schedule", ""), spec.get("timeZone") or "<none>",
            bool_ptr_text(spec.get("suspend")), len(status.get("active") or []),
            since(last, now) if last else "<none>", age(obj, now), names, images,
            format_selector(job_spec.get("selector"))]


def controllerrevision_row(obj: Obj, now: float) -> list[Any]:
    controller = "<none>"
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            group = str(ref.get("apiVersion", "")).rpartition("/")[0]
            kind = f"{ref.get('kind', '')}.{group}" if group else str(ref.get("kind", ""))
            controller = f"{kind.lower()}/{ref.get('name', '')}"
            break
    return [meta(obj).get("name", ""), controller, obj.get("revision", 0), age(obj, now)]


def _metric(spec: Mapping[str, Any], status: Mapping[str, Any] | None) -> str:
    kind = spec.get("type")
    source_key = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods",
                  "Object": "object", "External": "external"}.get(str(kind))
    if source_key is None:
        return "<unknown type>"
    src = spec.get(source_key) or {}
    target = src.get("target") or {}
    current = ((status or {}).get(source_key) or {}).get("current") if status else None
    if source_key in ("resource", "containerResource"):
        name = src.get("name", "")
        if target.get("averageValue") is not None:
            cur = (current or {}).get("averageValue") if current is not None else None
            return f"{name}: {cur if cur is not None else '<unknown>'}/{target['averageValue']}"
        util = (current or {}).get("averageUtilization") if current is not None else None
        cur_text = f"{util}%" if util is not None else "<unknown>"
        goal = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
        return f"{name}: {cur_text}/{goal}"
    if source_key == "pods":
        cur = (current or {}).get("averageValue") if current is not None else None
        return f"{cur if cur is not None else '<unknown>'}/{target.get('averageValue', '')}"
    if target.get("averageValue") is not None:
        cur = (current or {}).get("averageValue") if current is not None else None
        return f"{cur if cur is not None else '<unknown>'}/{target['averageValue']} (avg)"
    cur = (current or {}).get("value") if current is not None else None
    return f"{cur if cur is not None else '<unknown>'}/{target.get('value', '')}"


def hpa_as_v2(obj: Obj) -> dict[str, Any]:
    """An autoscaling/v1 HPA as the API server serves it in autoscaling/v2 (what kubectl reads): the CPU target
    becomes a Resource metric, 80% when none was given; the conditions and current metrics that v1 keeps in
    annotations (`hpaconv`) come back into the status."""
    if obj.get("apiVersion") != "autoscaling/v1":
        return dict(obj)
    spec, status = dict(obj.get("spec") or {}), dict(obj.get("status") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    spec["metrics"] = [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 80 if target is None else target}}}]
    util = status.pop("currentCPUUtilizationPercentage", None)
    if util is not None:
        status["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
            "averageUtilization": util}}}]
    metadata = dict(meta(obj))
    annotations, kept = from_v1_annotations(metadata.get("annotations"))
    status.update(kept)
    metadata.pop("annotations", None)
    if annotations:
        metadata["annotations"] = annotations
    return {**obj, "apiVersion": "autoscaling/v2", "metadata": metadata, "spec": spec, "status": status}


def hpa_targets(obj: Obj) -> str:
    """`formatHPAMetrics`: `cpu: 45%/50%`, at most two, then `+ N more...`."""
    hpa = hpa_as_v2(obj)
    metrics = (hpa.get("spec") or {}).get("metrics")
    current = (hpa.get("status") or {}).get("currentMetrics") or []
    if not metrics:
        return "<none>"
    texts = [_metric(m, current[i] if i < len(current) else None) for i, m in enumerate(metrics)]
    if len(texts) > 2:
        return f"{', '.join(texts[:2])} + {len(texts) - 2} more..."
    return ", ".join(texts)


def hpa_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    min_pods = spec.get("minReplicas")
    return [meta(obj).get("name", ""), f"{ref.get('kind', '')}/{ref.get('name', '')}", hpa_targets(obj),
            "<unset>" if min_pods is None else str(min_pods), spec.get("maxReplicas", 0),
            status.get("currentReplicas", 0) or 0, age(obj, now)]
