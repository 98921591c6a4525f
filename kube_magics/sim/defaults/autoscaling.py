"""HorizontalPodAutoscaler defaults (autoscaling/v2's, and v1's minReplicas) and the conversions between the
v1 and v2 shapes of the same object.
"""

from __future__ import annotations

from typing import Any

from kube_magics import quantity
from kube_magics.printers.hpaconv import from_v1_annotations
from kube_magics.sim.defaults.pods import child, children

Obj = dict[str, Any]

_SCALE_UP = {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4},
                          {"periodSeconds": 15, "type": "Percent", "value": 100}],
             "selectPolicy": "Max", "stabilizationWindowSeconds": 0}
_SCALE_DOWN = {"policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}], "selectPolicy": "Max"}


def hpa(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("minReplicas", 1)
    if obj.get("apiVersion") == "autoscaling/v1":
        return
    if not spec.get("metrics"):
        spec["metrics"] = [_cpu_metric(80)]
    for metric in children(spec, "metrics"):
        for source in metric.values():
            target = child(source, "target") if isinstance(source, dict) else None
            if target is not None:
                for key in ("value", "averageValue"):
                    if key in target and quantity.is_valid(target[key]):
                        target[key] = quantity.canonical(target[key])
    behavior = child(spec, "behavior")
    if behavior is not None:
        for key, default in (("scaleUp", _SCALE_UP), ("scaleDown", _SCALE_DOWN)):
            given = child(behavior, key) or {}
            rules = {k: v for k, v in default.items()}
            rules.update({k: v for k, v in given.items() if v is not None})
            behavior[key] = {k: (list(v) if isinstance(v, list) else v) for k, v in rules.items()}


def _cpu_metric(utilization: int) -> Obj:
    return {"resource": {"name": "cpu", "target": {"averageUtilization": utilization, "type": "Utilization"}},
            "type": "Resource"}


def hpa_as_v2(obj: Obj) -> Obj:
    """An autoscaling/v1 HPA as the API serves it through autoscaling/v2 (a new dict; v2 objects are returned
    as they are): targetCPUUtilizationPercentage becomes a Resource metric (80% when unset); the conditions and
    current metrics a v1 object keeps in annotations (`printers.hpaconv`) come back into the status."""
    if obj.get("apiVersion") != "autoscaling/v1":
        return obj
    spec = dict(obj.get("spec") or {})
    target = spec.pop("targetCPUUtilizationPercentage", None)
    spec["metrics"] = [_cpu_metric(target if isinstance(target, int) else 80)]
    spec.setdefault("minReplicas", 1)
    out = {**obj, "apiVersion": "autoscaling/v2", "spec": spec}
    status = obj.get("status")
    if isinstance(status, dict):
        new_status = {k: v for k, v in status.items() if k != "currentCPUUtilizationPercentage"}
        current = status.get("currentCPUUtilizationPercentage")
        if current is not None:
            new_status["currentMetrics"] = [{"resource": {"current": {"averageUtilization": current},
                                                          "name": "cpu"}, "type": "Resource"}]
        out["status"] = new_status
    annotations, kept = from_v1_annotations((obj.get("metadata") or {}).get("annotations"))
    if kept:
        out["status"] = {**(out.get("status") or {}), **kept}
        out["metadata"] = {k: v for k, v in obj["metadata"].items() if k != "annotations"}
        if annotations:
            out["metadata"]["annotations"] = annotations
    return out


def hpa_as_v1(obj: Obj) -> Obj:
    """An autoscaling/v2 HPA as autoscaling/v1 shows it: its CPU utilization target, if it has one."""
    if obj.get("apiVersion") == "autoscaling/v1":
        return obj
    spec = dict(obj.get("spec") or {})
    metrics = spec.pop("metrics", None) or []
    spec.pop("behavior", None)
    for metric in metrics:
        resource = metric.get("resource") or {}
        if metric.get("type") == "Resource" and resource.get("name") == "cpu":
            utilization = (resource.get("target") or {}).get("averageUtilization")
            if utilization is not None:
                spec["targetCPUUtilizationPercentage"] = utilization
    out = {**obj, "apiVersion": "autoscaling/v1", "spec": spec}
    status = obj.get("status")
    if isinstance(status, dict):
        new_status = {k: v for k, v in status.items() if k in ("currentReplicas", "desiredReplicas",
                                                                 "lastScaleTime", "observedGeneration")}
        for metric in status.get("currentMetrics") or []:
            current = ((metric.get("resource") or {}).get("current") or {}).get("averageUtilization")
            if metric.get("type") == "Resource" and current is not None:
                new_status["currentCPUUtilizationPercentage"] = current
        out["status"] = new_status
    return out


