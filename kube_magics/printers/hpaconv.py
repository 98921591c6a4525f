"""What an autoscaling/v1 HorizontalPodAutoscaler carries for the v2 fields it has no place for.

autoscaling/v1 has one CPU target and one current CPU percentage. When the API server serves a v2 object to a v1
client it keeps the rest in annotations, and reads them back when the object returns as v2
(`pkg/apis/autoscaling/v1/conversion.go`): the status conditions in `autoscaling.alpha.kubernetes.io/conditions`
and every current metric in `autoscaling.alpha.kubernetes.io/current-metrics`, both as Go marshals its v1 types
(struct field order, compact, `<`, `>` and `&` escaped).

Imports nothing of kube_magics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

CONDITIONS_ANNOTATION = "autoscaling.alpha.kubernetes.io/conditions"
METRICS_ANNOTATION = "autoscaling.alpha.kubernetes.io/current-metrics"
_CONDITION_FIELDS = ("type", "status", "lastTransitionTime", "reason", "message")


def v1_annotations(status: Mapping[str, Any]) -> dict[str, str]:
    """The annotations a v1 view of an HPA with this (v2) status carries."""
    out = {}
    if status.get("currentMetrics"):
        out[METRICS_ANNOTATION] = _go_json([_metric_v1(m) for m in status["currentMetrics"]])
    if status.get("conditions"):
        out[CONDITIONS_ANNOTATION] = _go_json([{k: c[k] for k in _CONDITION_FIELDS if c.get(k) not in (None, "")}
                                               for c in status["conditions"]])
    return out


def from_v1_annotations(annotations: Mapping[str, str] | None) -> tuple[dict[str, str], dict[str, Any]]:
    """(the other annotations, the v2 status fields the round-trip annotations hold)."""
    rest = dict(annotations or {})
    status: dict[str, Any] = {}
    conditions = _loads(rest.pop(CONDITIONS_ANNOTATION, None))
    if isinstance(conditions, list):
        status["conditions"] = conditions
    metrics = _loads(rest.pop(METRICS_ANNOTATION, None))
    if isinstance(metrics, list):
        status["currentMetrics"] = [_metric_v2(m) for m in metrics if isinstance(m, dict)]
    return rest, status


def _metric_v1(m: Mapping[str, Any]) -> dict[str, Any]:
    kind = m.get("type", "")
    out: dict[str, Any] = {"type": kind}
    for key in ("resource", "containerResource"):
        src = m.get(key)
        if src is None:
            continue
        current = src.get("current") or {}
        v1: dict[str, Any] = {"name": src.get("name", "")}
        if key == "containerResource":
            v1["container"] = src.get("container", "")
        if current.get("averageUtilization") is not None:
            v1["currentAverageUtilization"] = current["averageUtilization"]
        v1["currentAverageValue"] = current.get("averageValue", "0")
        out[key] = v1
    return out


def _metric_v2(m: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"type": m.get("type", "")}
    for key in ("resource", "containerResource"):
        src = m.get(key)
        if not isinstance(src, dict):
            continue
        current: dict[str, Any] = {}
        if src.get("currentAverageUtilization") is not None:
            current["averageUtilization"] = src["currentAverageUtilization"]
        if src.get("currentAverageValue") is not None:
            current["averageValue"] = src["currentAverageValue"]
        v2: dict[str, Any] = {"current": current, "name": src.get("name", "")}
        if key == "containerResource":
            v2["container"] = src.get("container", "")
        out[key] = v2
    return out


def _loads(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _go_json(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
