"""HorizontalPodAutoscalers (autoscaling/v2, and v1 read through v2's rules), validated as
`pkg/apis/autoscaling/validation` does: replica bounds, the scale target, and each metric's source and target.
"""

from __future__ import annotations

from typing import Any

from kube_magics import quantity
from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import (
    Bare,
    as_dict,
    as_list,
    forbidden,
    invalid,
    is_int,
    not_supported,
    required,
)

Obj = dict[str, Any]

_SOURCES = ["Object", "Pods", "Resource", "External", "ContainerResource"]
_FIELD_OF = {"Object": "object", "Pods": "pods", "Resource": "resource", "External": "external",
             "ContainerResource": "containerResource"}


def hpa(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    low, high = spec.get("minReplicas"), spec.get("maxReplicas")
    if is_int(low) and low < 1:
        causes.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if not is_int(high) or high < 1:
        causes.append(invalid("spec.maxReplicas", high if high is not None else 0, "must be greater than 0"))
    elif is_int(low) and high < low:
        causes.append(invalid("spec.maxReplicas", high, "must be greater than or equal to `minReplicas`"))
    ref = as_dict(spec.get("scaleTargetRef"))
    ref_causes = [required(f"spec.scaleTargetRef.{key}") for key in ("kind", "name") if not ref.get(key)]
    if ref_causes:
        return causes + ref_causes
    if obj.get("apiVersion") == "autoscaling/v1":
        target = spec.get("targetCPUUtilizationPercentage")
        if is_int(target) and target < 1:
            causes.append(invalid("spec.metrics[0].resource.target.averageUtilization", target,
                                  "must be greater than 0"))
        return causes
    for i, metric in enumerate(as_list(spec.get("metrics"))):
        causes += _metric(as_dict(metric), f"spec.metrics[{i}]")
    return causes


def _metric(metric: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    kind = metric.get("type")
    if not kind:
        causes.append(required(f"{path}.type", "must specify a metric source type"))
    if kind not in _SOURCES:
        causes.append(not_supported(f"{path}.type", kind or "", _SOURCES))
        return causes
    present = [f for f in _FIELD_OF.values() if metric.get(f) is not None]
    expected = _FIELD_OF[kind]
    if metric.get(expected) is None:
        causes.append(required(f"{path}.{expected}", "must populate information for the given metric source"))
    if len(present) != 1:
        causes += [forbidden(f"{path}.{f}", "must populate the given metric source only")
                   for f in sorted(present) if f != expected]
    if kind in ("Resource", "ContainerResource") and isinstance(metric.get(expected), dict):
        causes += _resource_source(metric[expected], f"{path}.{expected}")
    return causes


def _resource_source(src: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if not src.get("name"):
        causes.append(required(f"{path}.name", "must specify a resource name"))
    target = as_dict(src.get("target"))
    kind = target.get("type")
    if not kind:
        causes.append(required(f"{path}.target.type", "must specify a metric target type"))
    if kind not in ("Utilization", "Value", "AverageValue"):
        causes.append(invalid(f"{path}.target.type", kind or "", "must be either Utilization, Value, or AverageValue"))
    for key in ("value", "averageValue"):
        value = target.get(key)
        if value is not None and quantity.is_valid(value) and quantity.parse(value)[0] <= 0:
            causes.append(invalid(f"{path}.target.{key}", Bare(quantity.canonical(value)), "must be positive"))
    utilization = target.get("averageUtilization")
    if is_int(utilization) and utilization < 1:
        causes.append(invalid(f"{path}.target.averageUtilization", utilization, "must be greater than 0"))
    if utilization is None and target.get("averageValue") is None:
        causes.append(required(f"{path}.target.averageUtilization",
                               "must set either a target raw value or a target utilization"))
    if utilization is not None and target.get("averageValue") is not None:
        causes.append(forbidden(f"{path}.target.averageValue",
                                "may not set both a target raw value and a target utilization"))
    return causes
