"""The `pods/eviction` subresource (`policy/v1` Eviction): a delete that respects PodDisruptionBudgets, which is
how `kubectl drain` removes pods.

As the API server's eviction REST: a pod that is already terminating, or has finished, or has not started
(Pending) is deleted at once; otherwise the one PodDisruptionBudget whose selector matches the pod must allow a
disruption, or the answer is 429 TooManyRequests (`Cannot evict pod as it would violate the pod's disruption
budget.`, with the budget's numbers as the cause); more than one matching budget is a 500. The budget's numbers are
its status when a disruption controller keeps it (observedGeneration current), else worked out now as that
controller would: healthy pods (Ready, not terminating) against the desired number from `minAvailable` or
`maxUnavailable` and the pods' controllers' replica counts. An eviction that goes ahead counts the disruption in
the budget's status (disruptionsAllowed minus one, the pod under disruptedPods).

Owns: eviction. Must not: keep state between requests.
"""

from __future__ import annotations

import math
from typing import Any

from kube_magics.apiserver import protocol, writes
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import ApiError, BadRequestError, Cause, not_found
from kube_magics.selectors import from_label_selector
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
VIOLATION = "Cannot evict pod as it would violate the pod's disruption budget."


class TooManyRequestsError(ApiError):
    reason = "TooManyRequests"
    code = 429


class InternalError(ApiError):
    reason = "InternalError"
    code = 500


def evict(host: Host, req: Request, namespace: str, name: str) -> Response:
    body = req.decoded_body()
    if not isinstance(body, dict) or body.get("kind") not in (None, "Eviction"):
        raise BadRequestError("the body of the request must be a policy/v1 Eviction")
    if (body.get("metadata") or {}).get("name") not in (None, name):
        raise BadRequestError("name in URL does not match name in Eviction object")
    options = body.get("deleteOptions") or {}
    dry = writes.dry_run(req) or options.get("dryRun") == ["All"]
    with host.lock:
        pod = host.rt.store.get("Pod", namespace, name)
        if pod is None:
            raise not_found("pods", name)
        budget = None if _ignores_budget(pod) else _budget_for(host, pod)
        counts = _check(host, budget, pod) if budget is not None else None
        host.rt.api.delete("Pod", namespace, name, grace=options.get("gracePeriodSeconds"),
                           propagation=options.get("propagationPolicy"), dry_run=dry)
        if budget is not None and counts is not None and not dry:
            _count_disruption(host, budget, counts, name)
        if not dry:
            host.settle()
    return protocol.respond({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                             "code": 201}, status=201)


def _ignores_budget(pod: Obj) -> bool:
    phase = (pod.get("status") or {}).get("phase")
    return bool(pod["metadata"].get("deletionTimestamp")) or phase in ("Succeeded", "Failed", "Pending")


def _budget_for(host: Host, pod: Obj) -> Obj | None:
    labels = pod["metadata"].get("labels") or {}
    ns = pod["metadata"]["namespace"]
    found = [b for b in host.rt.store.list("PodDisruptionBudget", ns)
             if (b.get("spec") or {}).get("selector") is not None
             and from_label_selector(b["spec"]["selector"]).matches(labels)]
    if len(found) > 1:
        raise InternalError("This pod has more than one PodDisruptionBudget, which the eviction subresource does "
                            "not support.")
    return found[0] if found else None


def _check(host: Host, budget: Obj, pod: Obj) -> tuple[int, int, int]:
    name = budget["metadata"]["name"]
    allowed, desired, healthy = counts = numbers(host, budget)
    if allowed > 0 or (not _ready(pod) and healthy >= desired):
        return counts
    message = f"The disruption budget {name} needs {desired} healthy pods and has {healthy} currently"
    raise TooManyRequestsError(VIOLATION, causes=[Cause("", message, "DisruptionBudget")])


def numbers(host: Host, budget: Obj) -> tuple[int, int, int]:
    """(disruptionsAllowed, desiredHealthy, currentHealthy) of a budget."""
    status = budget.get("status") or {}
    if status.get("observedGeneration") is not None and \
            status["observedGeneration"] >= budget["metadata"].get("generation", 1):
        return (status.get("disruptionsAllowed", 0), status.get("desiredHealthy", 0),
                status.get("currentHealthy", 0))
    spec = budget.get("spec") or {}
    selector = from_label_selector(spec.get("selector"))
    pods = [p for p in host.rt.store.list("Pod", budget["metadata"]["namespace"])
            if selector.matches(p["metadata"].get("labels")) and not p["metadata"].get("deletionTimestamp")]
    healthy = sum(1 for p in pods if _ready(p))
    expected = _expected(host, pods)
    if spec.get("minAvailable") is not None:
        desired = _scaled(spec["minAvailable"], expected, up=True)
    elif spec.get("maxUnavailable") is not None:
        desired = max(0, expected - _scaled(spec["maxUnavailable"], expected, up=True))
    else:
        desired = 0
    return max(0, healthy - desired), desired, healthy


def _scaled(value: Any, total: int, *, up: bool) -> int:
    if isinstance(value, str) and value.endswith("%"):
        share = int(value[:-1]) * total / 100
        return math.ceil(share) if up else math.floor(share)
    return int(value)


def _expected(host: Host, pods: list[Obj]) -> int:
    """How many pods the budget's pods' controllers want (pods without a controller count themselves)."""
    store = host.rt.store
    total, seen = 0, set()
    for p in pods:
        ref = next((r for r in p["metadata"].get("ownerReferences") or () if r.get("controller")), None)
        if ref is None:
            total += 1
            continue
        owner = store.get(ref["kind"], p["metadata"]["namespace"], ref["name"])
        if owner is not None and owner["kind"] == "ReplicaSet":
            parent = next((r for r in owner["metadata"].get("ownerReferences") or () if r.get("controller")), None)
            if parent is not None and parent["kind"] == "Deployment":
                owner = store.get("Deployment", p["metadata"]["namespace"], parent["name"]) or owner
        if owner is None:
            total += 1
        elif owner["metadata"]["uid"] not in seen:
            seen.add(owner["metadata"]["uid"])
            total += (owner.get("spec") or {}).get("replicas", 1)
    return total


def _ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _count_disruption(host: Host, budget: Obj, counts: tuple[int, int, int], pod_name: str) -> None:
    allowed, desired, healthy = counts
    status = dict(budget.get("status") or {})
    status.update(disruptionsAllowed=max(0, allowed - 1), desiredHealthy=desired, currentHealthy=healthy)
    status["disruptedPods"] = {**(status.get("disruptedPods") or {}), pod_name: rfc3339(host.rt.now)}
    host.rt.api.write_status(budget, status)
