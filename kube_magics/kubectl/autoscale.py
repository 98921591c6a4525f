"""`kubectl autoscale`: a HorizontalPodAutoscaler (autoscaling/v2) for a Deployment, ReplicaSet, StatefulSet or
ReplicationController.

    %k8s autoscale deployment web --cpu=50% --min=2 --max=10
    horizontalpodautoscaler.autoscaling/web autoscaled

`--cpu` and `--memory` take a percentage of the pods' requests (`50%`, average utilization) or a quantity
(`500m`, `200Mi`, average value; a bare number is millicores or MiB), as kubectl 1.35 reads them.
"""

from __future__ import annotations

import re
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import created, fail, namespace, result
from kube_magics.kubectl.flags import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT,
    RECURSIVE,
    Command,
    Flag,
    Options,
    dry_run,
    parse,
)
from kube_magics.kubectl.resources import fetch, file_targets, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

AUTOSCALE = Command("autoscale", "kubectl autoscale (-f FILENAME | TYPE NAME | TYPE/NAME) [--min=MINPODS] "
                                 "--max=MAXPODS [--cpu=CPU] [--memory=MEMORY]", (
    *PRINT, DRY_RUN, FIELD_MANAGER, FILENAME, RECURSIVE, Flag("min", kind="int", default=-1),
    Flag("max", kind="int", default=-1), Flag("cpu-percent", kind="int", default=-1),
    Flag("cpu", kind="str", default=""), Flag("memory", kind="str", default=""), Flag("name", kind="str", default=""),
    Flag("save-config"),
))

SCALABLE = ("Deployment", "ReplicaSet", "StatefulSet", "ReplicationController")


@verb("autoscale")
def autoscale(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(AUTOSCALE, argv)
    _validate(o)
    strategy = dry_run(AUTOSCALE, o)
    backend = session.backend
    if o.filename:
        targets = file_targets(backend, o.filename, o.recursive)
    else:
        targets = parse_args(backend.catalogue, args, cmd="kubectl autoscale")
    if any(t.name is None for t in targets):
        raise UsageError("error: resource(s) were provided, but no name was specified")
    ns = namespace(session, o)
    found = fetch(backend, targets, namespace=ns)
    if found.errors:
        raise fail("", list(found.errors))
    if not found.objects:
        raise AUTOSCALE.error("no objects passed to autoscale")
    lines: list[str] = []
    made: list[Obj] = []
    for obj in found.objects:
        if obj["kind"] not in SCALABLE:
            raise fail("".join(lines), [UsageError(f"error: cannot autoscale a {obj['kind']}: no scale "
                                                   f"subresource for {obj['kind']}")], made)
        hpa = _hpa(o, obj)
        if o.was_set("namespace") or strategy != "client":
            hpa["metadata"]["namespace"] = ns
        text, out = created(session, hpa, output=o.output, strategy=strategy,
                            operation="created" if strategy == "client" else "autoscaled",
                            manager=o.field_manager or "kubectl-autoscale")
        lines.append(text)
        made.append(out)
    return result("".join(lines), objects=made)


def _validate(o: Options) -> None:
    if not o.was_set("max"):
        raise UsageError('error: required flag(s) "max" not set')
    if o.max < 1:
        raise AUTOSCALE.error(f"--max=MAXPODS is required and must be at least 1, max: {o.max}")
    if o.max < o.min:
        raise AUTOSCALE.error(f"--max=MAXPODS must be larger or equal to --min=MINPODS, max: {o.max}, min: {o.min}")
    if o.cpu_percent > 0 and o.cpu:
        raise AUTOSCALE.error("--cpu-percent and --cpu are mutually exclusive")
    for value, resource in ((o.cpu, "cpu"), (o.memory, "memory")):
        if value:
            _target(value, resource)


def _target(text: str, resource: str) -> Obj:
    """parseResourceInput: `50%` -> average utilization; `500m`, `200Mi` -> average value; `500` -> 500m / 500Mi."""
    text = text.strip()
    if text.endswith("%"):
        number = text[:-1]
        if not number.isdigit() or int(number) <= 0:
            raise AUTOSCALE.error(f"invalid percentage value: {text}")
        return {"averageUtilization": int(number), "type": "Utilization"}
    if re.fullmatch(r"\d+(\.\d+)?", text):
        number = text.rstrip("0").rstrip(".") if "." in text else text
        return {"averageValue": f"{number}{'m' if resource == 'cpu' else 'Mi'}", "type": "AverageValue"}
    if not re.fullmatch(r"\d+(\.\d+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?", text):
        raise AUTOSCALE.error("quantities must match the regular expression "
                              "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    return {"averageValue": text, "type": "AverageValue"}


def _hpa(o: Options, target: Obj) -> Obj:
    name = target["metadata"]["name"]
    metrics = []
    if o.cpu_percent > 0:
        metrics.append(_metric("cpu", {"averageUtilization": int(o.cpu_percent), "type": "Utilization"}))
    if o.cpu:
        metrics.append(_metric("cpu", _target(o.cpu, "cpu")))
    if o.memory:
        metrics.append(_metric("memory", _target(o.memory, "memory")))
    spec: Obj = {"maxReplicas": int(o.max),
                 "scaleTargetRef": {"apiVersion": target["apiVersion"], "kind": target["kind"], "name": name}}
    if metrics:
        spec["metrics"] = metrics
    if o.min > 0:
        spec["minReplicas"] = int(o.min)
    return {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {"name": o.name or name},
            "spec": spec, "status": {"desiredReplicas": 0}}


def _metric(resource: str, target: Obj) -> Obj:
    return {"resource": {"name": resource, "target": target}, "type": "Resource"}
