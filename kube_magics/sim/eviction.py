"""The `pods/eviction` subresource (policy/v1 Eviction): a delete that respects PodDisruptionBudgets, which is how
`kubectl drain` (and `SimCluster.drain`) removes pods.

As the API server's eviction REST does: a pod that has finished, has not started (Pending) or is already
terminating is deleted without looking at budgets. Otherwise the one PodDisruptionBudget whose selector matches
the pod must allow a disruption, or the answer is 429 TooManyRequests "Cannot evict pod as it would violate the
pod's disruption budget." (with "The disruption budget B needs N healthy pods and has M currently" as its cause);
more than one matching budget is a 500. A pod that is not Ready may go while the budget is met. An eviction that
goes ahead adds the DisruptionTarget condition (EvictionByEvictionAPI) and deletes the pod gracefully.

The budget's numbers are its status when a disruption controller keeps it (observedGeneration current), or else
worked out as that controller would: healthy pods (Ready, not terminating) against the number `minAvailable` or
`maxUnavailable` asks for, percentages taken of what the pods' controllers want.

Must not: keep state between requests.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from kube_magics.errors import ApiError, Cause, TooManyRequestsError, not_found
from kube_magics.selectors import from_label_selector
from kube_magics.sim.controllers.podutil import is_ready
from kube_magics.sim.objects import set_condition
from kube_magics.timefmt import rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


def evict(rt: Runtime, namespace: str, name: str, *, grace: int | None = None, dry_run: bool = False) -> Obj:
    """Evict one pod; returns the pod as the delete left it. Raises NotFound, TooManyRequests or a 500."""
    pod = rt.store.get("Pod", namespace, name)
    if pod is None:
        raise not_found("pods", name)
    phase = (pod.get("status") or {}).get("phase")
    if not (phase in ("Succeeded", "Failed", "Pending") or pod["metadata"].get("deletionTimestamp")):
        budget = _budget_for(rt, pod)
        if budget is not None:
            _check(rt, budget, pod)
    if dry_run:
        return pod
    status = dict(pod.get("status") or {})
    cond = {"lastProbeTime": None, "lastTransitionTime": rfc3339(rt.clock.now), "message": "Eviction API: evicting",
            "reason": "EvictionByEvictionAPI", "status": "True", "type": "DisruptionTarget"}
    conditions = set_condition(status.get("conditions"), cond)
    if not pod["metadata"].get("deletionTimestamp") and conditions != status.get("conditions"):
        rt.api.write_status(pod, dict(status, conditions=conditions))
    return rt.api.delete("Pod", namespace, name, grace=grace)


def _budget_for(rt: Runtime, pod: Obj) -> Obj | None:
    labels = pod["metadata"].get("labels") or {}
    found = [b for b in rt.store.list("PodDisruptionBudget", pod["metadata"]["namespace"])
             if (b.get("spec") or {}).get("selector") is not None
             and from_label_selector(b["spec"]["selector"]).matches(labels)]
    if len(found) > 1:
        raise ApiError("This pod has more than one PodDisruptionBudget, which the eviction subresource does not "
                       "support.", kind="pods", name=pod["metadata"]["name"])
    return found[0] if found else None


def _check(rt: Runtime, budget: Obj, pod: Obj) -> None:
    allowed, desired, healthy = budget_numbers(rt, budget)
    if allowed > 0 or (not is_ready(pod) and healthy >= desired > 0):
        return
    message = f"The disruption budget {budget['metadata']['name']} needs {desired} healthy pods and has " \
              f"{healthy} currently"
    raise TooManyRequestsError(VIOLATION, kind="pods", name=pod["metadata"]["name"],
                               causes=[Cause("", message, "DisruptionBudget")])


def budget_numbers(rt: Runtime, budget: Obj) -> tuple[int, int, int]:
    """(disruptionsAllowed, desiredHealthy, currentHealthy) of a PodDisruptionBudget."""
    status = budget.get("status") or {}
    if status.get("observedGeneration", -1) >= budget["metadata"].get("generation", 1):
        return status.get("disruptionsAllowed", 0), status.get("desiredHealthy", 0), status.get("currentHealthy", 0)
    spec = budget.get("spec") or {}
    selector = from_label_selector(spec.get("selector"))
    pods = [p for p in rt.store.list("Pod", budget["metadata"]["namespace"])
            if selector.matches(p["metadata"].get("labels")) and not p["metadata"].get("deletionTimestamp")]
    healthy = sum(1 for p in pods if is_ready(p))
    expected = _expected(rt, pods)
    if spec.get("minAvailable") is not None:
        desired = _scaled(spec["minAvailable"], expected)
    elif spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected))
    else:
        desired = 0
    return max(0, healthy - desired), desired, healthy


def _scaled(value: Any, total: int) -> int:
    """An int-or-percent of `total`, rounded up (as the disruption controller rounds)."""
    if isinstance(value, str) and value.endswith("%"):
        return math.ceil(int(value[:-1]) * total / 100)
    return int(value)


def _expected(rt: Runtime, pods: list[Obj]) -> int:
    """How many pods the budget's pods' controllers want (a Deployment's replicas over its ReplicaSets'); a pod
    without a controller counts itself."""
    total, seen = 0, set()
    for p in pods:
        owner = _scale_owner(rt, p)
        if owner is None:
            total += 1
        elif owner["metadata"]["uid"] not in seen:
            seen.add(owner["metadata"]["uid"])
            total += int((owner.get("spec") or {}).get("replicas", 1))
    return total


def _scale_owner(rt: Runtime, pod: Obj) -> Obj | None:
    ns = pod["metadata"]["namespace"]
    ref = next((r for r in pod["metadata"].get("ownerReferences") or () if r.get("controller")), None)
    owner = None if ref is None else rt.store.get(ref["kind"], ns, ref["name"])
    if owner is not None and owner["kind"] == "ReplicaSet":
        parent = next((r for r in owner["metadata"].get("ownerReferences") or () if r.get("controller")), None)
        if parent is not None and parent["kind"] == "Deployment":
            owner = rt.store.get("Deployment", ns, parent["name"]) or owner
    if owner is not None and owner["kind"] not in ("ReplicaSet", "Deployment", "StatefulSet",
                                                   "ReplicationController"):
        return None  # DaemonSets and Jobs have no scale: their pods count themselves
    return owner
