"""What workload controllers read from pods: active, ready, available, and which to delete first.

`deletion_order` ranks pods as Kubernetes' `ActivePodsWithRanks` does when a ReplicaSet scales down (with the
LogarithmicScaleDown and PodDeletionCost features on, as in 1.35):

1. unscheduled before scheduled;
2. Pending before Unknown before Running;
3. not ready before ready;
4. lower `controller.kubernetes.io/pod-deletion-cost` first;
5. pods doubled up on a node (more related pods there) first;
6. ready for less time first, compared in powers of two (a pod ready 3 s and one ready 2 s rank alike);
7. more container restarts first;
8. newer first, again in powers of two of their age; ties broken by uid.

Must not: write anything.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import cmp_to_key
from typing import Any

from kube_magics.sim.objects import find_condition
from kube_magics.timefmt import parse_rfc3339

Obj = dict[str, Any]

DELETION_COST = "controller.kubernetes.io/pod-deletion-cost"
_PHASE_ORDER = {"Pending": 0, "Unknown": 1, "Running": 2}


def is_active(pod: Mapping[str, Any]) -> bool:
    """IsPodActive: not finished and not being deleted."""
    if pod["metadata"].get("deletionTimestamp"):
        return False
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def ready_condition(pod: Mapping[str, Any]) -> Mapping[str, Any] | None:
    return find_condition((pod.get("status") or {}).get("conditions"), "Ready")


def is_ready(pod: Mapping[str, Any]) -> bool:
    cond = ready_condition(pod)
    return cond is not None and cond.get("status") == "True"


def ready_since(pod: Mapping[str, Any]) -> float | None:
    """When the pod last became ready (the Ready condition's lastTransitionTime), if it is ready."""
    cond = ready_condition(pod)
    if cond is None or cond.get("status") != "True" or not cond.get("lastTransitionTime"):
        return None
    return parse_rfc3339(cond["lastTransitionTime"])


def is_available(pod: Mapping[str, Any], min_ready_seconds: int, now: float) -> bool:
    """IsPodAvailable: ready, and for longer than minReadySeconds (strictly, as Time.Before)."""
    if not is_ready(pod):
        return False
    if min_ready_seconds == 0:
        return True
    since = ready_since(pod)
    return since is not None and since + min_ready_seconds < now


def max_restarts(pod: Mapping[str, Any]) -> tuple[int, int]:
    """(regular containers' highest restartCount, sidecar init containers' highest)."""
    status = pod.get("status") or {}
    regular = max((int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or ()), default=0)
    sidecars = {c.get("name") for c in pod["spec"].get("initContainers") or () if c.get("restartPolicy") == "Always"}
    sidecar = max((int(c.get("restartCount") or 0) for c in status.get("initContainerStatuses") or ()
                   if c.get("name") in sidecars), default=0)
    return regular, sidecar


def _deletion_cost(pod: Mapping[str, Any]) -> int:
    try:
        return int((pod["metadata"].get("annotations") or {}).get(DELETION_COST, "0"))
    except ValueError:
        return 0


def _log_rank(t: float, now: float) -> int:
    nanos = (now - t) * 1e9
    return int(math.log2(nanos)) if nanos > 0 else -1


def _created(pod: Mapping[str, Any]) -> float:
    stamp = pod["metadata"].get("creationTimestamp")
    return parse_rfc3339(stamp) if stamp else 0.0


def _compare_times(a: float | None, b: float | None, uid_a: str, uid_b: str, now: float) -> int | None:
    """Newer first, in powers of two of age; a missing time first. None when the times are equal."""
    if a == b:
        return None
    if not a or not b:
        return -1 if not a else 1
    diff = _log_rank(a, now) - _log_rank(b, now)
    if diff == 0:
        return -1 if uid_a < uid_b else (1 if uid_a > uid_b else 0)
    return -1 if diff < 0 else 1


def _less(a: Obj, b: Obj, rank_a: int, rank_b: int, now: float) -> int:
    node_a, node_b = a["spec"].get("nodeName") or "", b["spec"].get("nodeName") or ""
    if node_a != node_b and (not node_a or not node_b):
        return -1 if not node_a else 1
    phase_a = _PHASE_ORDER.get((a.get("status") or {}).get("phase", ""), 0)
    phase_b = _PHASE_ORDER.get((b.get("status") or {}).get("phase", ""), 0)
    if phase_a != phase_b:
        return -1 if phase_a < phase_b else 1
    ready_a, ready_b = is_ready(a), is_ready(b)
    if ready_a != ready_b:
        return -1 if not ready_a else 1
    cost_a, cost_b = _deletion_cost(a), _deletion_cost(b)
    if cost_a != cost_b:
        return -1 if cost_a < cost_b else 1
    if rank_a != rank_b:
        return -1 if rank_a > rank_b else 1
    uid_a, uid_b = a["metadata"].get("uid", ""), b["metadata"].get("uid", "")
    if ready_a and ready_b:
        by_ready = _compare_times(ready_since(a), ready_since(b), uid_a, uid_b, now)
        if by_ready:
            return by_ready
    restarts_a, restarts_b = max_restarts(a), max_restarts(b)
    for x, y in zip(restarts_a, restarts_b):
        if x != y:
            return -1 if x > y else 1
    return _compare_times(_created(a), _created(b), uid_a, uid_b, now) or 0


def deletion_order(pods: Sequence[Obj], related: Sequence[Obj], now: float) -> list[Obj]:
    """Pods in the order a ReplicaSet deletes them (first = deleted first).

    `related` are the pods of every ReplicaSet under the same controller; a pod's rank is how many of them that
    are active share its node.
    """
    on_node: dict[str, int] = {}
    for p in related:
        if is_active(p):
            node = p["spec"].get("nodeName") or ""
            on_node[node] = on_node.get(node, 0) + 1
    ranked = [(p, on_node.get(p["spec"].get("nodeName") or "", 0)) for p in pods]

    def compare(x: tuple[Obj, int], y: tuple[Obj, int]) -> int:
        return _less(x[0], y[0], x[1], y[1], now)

    ranked.sort(key=cmp_to_key(compare))
    return [p for p, _ in ranked]
