"""The HorizontalPodAutoscaler's replica calculator, as pure functions (Kubernetes' `replica_calculator.go`).

The formula is desired = ceil(currentMetricValue / target x pods counted), with three refinements that decide
most of what one sees in practice:

1. Tolerance. If the ratio current/target is within 10% of 1 (0.9 <= ratio <= 1.1), nothing changes.
   Worked example: target 50%, pods at 54% -> ratio 1.08 -> keep the replicas; at 56% -> 1.12 -> ceil(1.12 x 3)
   = 4 pods.
2. Pods that are not counted as they are. Pods being deleted or failed are ignored; Pending pods and (for CPU)
   pods that are not ready yet, or whose metrics were taken before they had been ready for one whole metric
   window, are "unready"; running pods with no metrics are "missing". If the ratio says scale up, unready and
   missing pods are counted as using 0% (they may be about to take load); if it says scale down, missing pods
   are counted as using 100% of their request (so that a pod that cannot be measured never drives a scale-down).
   The ratio is then computed again; if it is now within tolerance or points the other way, nothing changes.
   Worked example: 3 pods at 200% of request and 3 new pods without metrics, target 50%: first ratio 4.0 (scale
   up), so the new pods count as 0% -> (3 x 200 + 3 x 0) / 6 = 100% -> ratio 2.0 -> ceil(2.0 x 6) = 12.
3. Rounding. Utilization is an integer percentage, truncated (as Go's integer division does), and the replica
   count is rounded up: 3 pods using 400 m in all of the 300 m they request are at 133%, target 50% -> ratio
   2.66 -> ceil(7.98) = 8.

Errors carry the messages the controller puts into events and conditions (`CalcError`). Must not: read the
store or the clock (everything comes in as arguments).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kube_magics import quantity
from kube_magics.sim.controllers.podutil import ready_condition
from kube_magics.timefmt import parse_rfc3339

Obj = Mapping[str, Any]

TOLERANCE = 0.1  # --horizontal-pod-autoscaler-tolerance
CPU_INITIALIZATION_PERIOD = 300.0  # --horizontal-pod-autoscaler-cpu-initialization-period
INITIAL_READINESS_DELAY = 30.0  # --horizontal-pod-autoscaler-initial-readiness-delay


class CalcError(Exception):
    """Why no replica count could be computed, in the controller's words."""


@dataclass(frozen=True)
class PodMetric:
    """One pod's usage of a resource, in thousandths (millicores, or milli-bytes), and when it was measured."""

    value: int
    timestamp: float
    window: float


def within_tolerance(ratio: float, tolerance: float = TOLERANCE) -> bool:
    """Whether a usage ratio is close enough to 1 to leave the replicas alone: 1.1 is, 1.11 is not."""
    return 1.0 - tolerance <= ratio <= 1.0 + tolerance


def pod_metrics_from_api(items: Sequence[Obj], resource: str, container: str = "") -> dict[str, PodMetric]:
    """PodMetrics objects as the HPA's metrics client reads them: the sum over the pod's containers (or the one
    named), in thousandths (Quantity.MilliValue, rounded up); a pod missing the resource in any container is
    left out."""
    out: dict[str, PodMetric] = {}
    for m in items:
        meta = m.get("metadata") or {}
        total, missing, found = 0, not m.get("containers"), False
        for c in m.get("containers") or ():
            if container and c.get("name") != container:
                continue
            value = (c.get("usage") or {}).get(resource)
            if value is None:
                missing = True
                break
            total += quantity.milli(value)
            found = True
        if container and not found:
            raise CalcError(f"container {container} not present in metrics for pod {meta.get('namespace')}/"
                            f"{meta.get('name')}")
        if not missing:
            out[str(meta.get("name"))] = PodMetric(total, parse_rfc3339(m["timestamp"]), _seconds(m.get("window")))
    return out


def group_pods(pods: Sequence[Obj], metrics: Mapping[str, PodMetric], resource: str, now: float, *,
               cpu_initialization: float = CPU_INITIALIZATION_PERIOD,
               readiness_delay: float = INITIAL_READINESS_DELAY) -> tuple[int, set[str], set[str], set[str]]:
    """`groupPods`: (ready pods counted, unready pods, pods missing metrics, ignored pods)."""
    ready, unready, missing, ignored = 0, set(), set(), set()
    for pod in pods:
        name = pod["metadata"]["name"]
        phase = (pod.get("status") or {}).get("phase")
        if pod["metadata"].get("deletionTimestamp") or phase == "Failed":
            ignored.add(name)
            continue
        if phase == "Pending":
            unready.add(name)
            continue
        metric = metrics.get(name)
        if metric is None:
            missing.add(name)
            continue
        if resource == "cpu" and _cpu_unready(pod, metric, now, cpu_initialization, readiness_delay):
            unready.add(name)
            continue
        ready += 1
    return ready, unready, missing, ignored


def _cpu_unready(pod: Obj, metric: PodMetric, now: float, cpu_initialization: float, readiness_delay: float) -> bool:
    condition = ready_condition(pod)
    started = (pod.get("status") or {}).get("startTime")
    if condition is None or not started:
        return True
    start = parse_rfc3339(started)
    transition = parse_rfc3339(condition["lastTransitionTime"]) if condition.get("lastTransitionTime") else start
    if start + cpu_initialization > now:
        # Still starting up: its CPU counts once it is ready and a whole window was measured after that.
        return condition.get("status") == "False" or metric.timestamp < transition + metric.window
    # Long started: ignored only if it is unready and has never been ready since it started.
    return condition.get("status") == "False" and start + readiness_delay > transition


def pod_requests(pods: Sequence[Obj], resource: str, container: str = "") -> dict[str, int]:
    """Each pod's request for `resource`, in thousandths, summed over its containers (or the one named)."""
    out: dict[str, int] = {}
    for pod in pods:
        spec = pod.get("spec") or {}
        containers = list(spec.get("containers") or [])
        containers += [c for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"]
        total, found = 0, False
        for c in containers:
            if container and c.get("name") != container:
                continue
            request = ((c.get("resources") or {}).get("requests") or {}).get(resource)
            if request is None:
                raise CalcError(f"missing request for {resource} in container {c.get('name')} of Pod "
                                f"{pod['metadata']['name']}")
            total += quantity.milli(request)
            found = True
        if container and not found:
            raise CalcError(f"container {container} not found in Pod {pod['metadata']['name']}")
        out[pod["metadata"]["name"]] = total
    return out


def utilization_ratio(metrics: Mapping[str, PodMetric], requests: Mapping[str, int],
                      target: int) -> tuple[float, int, int]:
    """`GetResourceUtilizationRatio`: (ratio to the target, utilization % truncated, average raw value)."""
    used = requested = counted = 0
    for name in sorted(metrics):
        if name in requests:
            used += metrics[name].value
            requested += requests[name]
            counted += 1
    if requested == 0:
        raise CalcError("no metrics returned matched known pods")
    utilization = used * 100 // requested
    return utilization / target, utilization, used // counted


def usage_ratio(metrics: Mapping[str, PodMetric], target: int) -> tuple[float, int]:
    """`GetMetricUsageRatio`: (ratio of the average to the target, the average, truncated)."""
    average = sum(m.value for m in metrics.values()) // len(metrics)
    return average / target, average


def resource_replicas(current: int, target_utilization: int, resource: str, pods: Sequence[Obj],
                      metrics: dict[str, PodMetric], now: float, *, container: str = "") -> tuple[int, int, int]:
    """`GetResourceReplicas`: (proposed replicas, utilization %, average raw value) for a Utilization target."""
    if not pods:
        raise CalcError("no pods returned by selector while calculating replica count")
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now)
    metrics = {k: v for k, v in metrics.items() if k not in ignored and k not in unready}
    if not metrics:
        raise CalcError("did not receive metrics for targeted pods (pods might be unready)")
    requests = pod_requests(pods, resource, container)
    ratio, utilization, raw = utilization_ratio(metrics, requests, target_utilization)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if within_tolerance(ratio):
            return current, utilization, raw
        return math.ceil(ratio * ready), utilization, raw
    # On a scale-down a missing pod counts as using its request (or the target, if the target is above 100%).
    fallback = max(100, target_utilization)
    for name in missing:
        if ratio < 1.0:
            metrics[name] = PodMetric(requests[name] * fallback // 100, now, 0.0)
        elif ratio > 1.0:
            metrics[name] = PodMetric(0, now, 0.0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0, now, 0.0)
    new_ratio, _, _ = utilization_ratio(metrics, requests, target_utilization)
    return _rebalanced(current, ratio, new_ratio, len(metrics)), utilization, raw


def plain_replicas(current: int, target_value: int, resource: str, pods: Sequence[Obj],
                   metrics: dict[str, PodMetric], now: float) -> tuple[int, int]:
    """`calcPlainMetricReplicas`: (proposed replicas, average usage) for an AverageValue target."""
    if not pods:
        raise CalcError("no pods returned by selector while calculating replica count")
    ready, unready, missing, ignored = group_pods(pods, metrics, resource, now)
    metrics = {k: v for k, v in metrics.items() if k not in ignored and k not in unready}
    if not metrics:
        raise CalcError("did not receive metrics for targeted pods (pods might be unready)")
    ratio, usage = usage_ratio(metrics, target_value)
    scale_up_with_unready = bool(unready) and ratio > 1.0
    if not scale_up_with_unready and not missing:
        if within_tolerance(ratio):
            return current, usage
        return math.ceil(ratio * ready), usage
    for name in missing:
        if ratio < 1.0:
            metrics[name] = PodMetric(target_value, now, 0.0)  # a missing pod uses exactly the target
        elif ratio > 1.0:
            metrics[name] = PodMetric(0, now, 0.0)
    if scale_up_with_unready:
        for name in unready:
            metrics[name] = PodMetric(0, now, 0.0)
    new_ratio, _ = usage_ratio(metrics, target_value)
    return _rebalanced(current, ratio, new_ratio, len(metrics)), usage


def _rebalanced(current: int, ratio: float, new_ratio: float, counted: int) -> int:
    """The second pass: keep the replicas if the new ratio is within tolerance or turns the direction round."""
    if within_tolerance(new_ratio) or (ratio < 1.0 < new_ratio) or (ratio > 1.0 > new_ratio):
        return current
    proposed = math.ceil(new_ratio * counted)
    if (new_ratio < 1.0 and proposed > current) or (new_ratio > 1.0 and proposed < current):
        return current
    return proposed


def _seconds(duration: Any) -> float:
    """A Go duration string from the metrics API (`15s`, `12.5s`, `1m0s`, `330ms`) in seconds."""
    text = str(duration or "0s")
    total, number = 0.0, ""
    units = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isdigit() or ch == ".":
            number += ch
            i += 1
            continue
        unit = "ms" if text.startswith("ms", i) else ch
        total += float(number or 0) * units.get(unit, 0.0)
        number = ""
        i += len(unit)
    return total
