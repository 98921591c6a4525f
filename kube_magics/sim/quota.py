"""Resource quotas: what an object costs against a namespace's ResourceQuotas, and the ResourceQuota admission.

As Kubernetes' quota evaluators (`pkg/quota/v1/evaluator/core`) and the ResourceQuota admission plugin:

- A pod costs `pods` and `count/pods` (1), and its requests and limits: `cpu`/`requests.cpu`, `limits.cpu`,
  `memory`/`requests.memory`, `limits.memory`, `ephemeral-storage`..., hugepages and extended resources (the sum
  over its containers, or an init container's if larger). A pod that has finished (Succeeded, Failed) or whose
  grace period has run out costs only `count/pods`.
- Any other object costs `count/<resource>[.<group>]` (1); Services, ConfigMaps, Secrets, PVCs, ... also their
  legacy names (`services`), NodePort and LoadBalancer Services `services.nodeports` and `services.loadbalancers`,
  PersistentVolumeClaims `requests.storage`.
- A quota with `scopes` or a `scopeSelector` counts only the pods that match them (Terminating, NotTerminating,
  BestEffort, NotBestEffort, PriorityClass); nothing else.

Admission (`resource_quota`, last in the chain): a create is refused when a quota that covers cpu or memory finds a
container that does not say how much it wants (`failed quota: compute: must specify limits.cpu for: app`), or when
the namespace's usage plus the new object's would pass a quota's hard limit (`exceeded quota: compute, requested:
requests.cpu=500m, used: requests.cpu=1500m, limited: requests.cpu=2`). Usage is counted from the objects stored
now, so the check is exact even before the quota controller has written `status.used`. Updates are not charged.

Must not: write anything; `status.used` is the quota controller's (`controllers/resourcequota.py`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kube_magics import quantity
from kube_magics.errors import ForbiddenError
from kube_magics.sim.strategies import qos_class
from kube_magics.timefmt import parse_rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
Amount = tuple[Fraction, str]  # an exact value and the quantity format it prints in

POD_RESOURCES = frozenset({"pods", "count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu",
                           "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory",
                           "limits.ephemeral-storage"})
# Quota on these makes every container say how much it wants (a compatibility rule of the pod evaluator).
MUST_SPECIFY = frozenset({"cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"})
LEGACY_COUNTS = {"services": "Service", "configmaps": "ConfigMap", "secrets": "Secret",
                 "persistentvolumeclaims": "PersistentVolumeClaim", "replicationcontrollers": "ReplicationController",
                 "resourcequotas": "ResourceQuota"}
_NATIVE = ("cpu", "memory", "ephemeral-storage", "storage", "pods", "hugepages-")
ONE: Amount = (Fraction(1), "DecimalSI")


def is_pod_resource(name: str) -> bool:
    if name in POD_RESOURCES or name.startswith(("hugepages-", "requests.hugepages-")):
        return True
    return name.startswith("requests.") and "/" in name  # an extended resource, e.g. requests.nvidia.com/gpu


def hard_of(quota: Mapping[str, Any]) -> dict[str, str]:
    return dict((quota.get("spec") or {}).get("hard") or {})


def printed(amount: Amount) -> str:
    return quantity.format_amount(*amount)


# --- what an object costs ----------------------------------------------------------------------------------------

def count_name(rt: Runtime, kind: str) -> str:
    rk = rt.catalogue.by_kind(kind)
    return f"count/{rk.plural}" + (f".{rk.group}" if rk.group else "")


def usage(rt: Runtime, obj: Mapping[str, Any], now: float) -> dict[str, Amount]:
    """What `obj` costs (the evaluators' Usage)."""
    kind = obj["kind"]
    out: dict[str, Amount] = {count_name(rt, kind): ONE}
    if kind == "Pod":
        if charged(obj, now):
            out.update(pod_compute(obj))
        return out
    for legacy, legacy_kind in LEGACY_COUNTS.items():
        if legacy_kind == kind:
            out[legacy] = ONE
    spec = obj.get("spec") or {}
    if kind == "Service" and spec.get("type") in ("NodePort", "LoadBalancer"):
        out["services.nodeports"] = (Fraction(len(spec.get("ports") or ())), "DecimalSI")
        if spec.get("type") == "LoadBalancer":
            out["services.loadbalancers"] = ONE
    if kind == "PersistentVolumeClaim":
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        if storage is not None and quantity.is_valid(storage):
            out["requests.storage"] = quantity.parse(storage)
    return out


def charged(pod: Mapping[str, Any], now: float) -> bool:
    """QuotaV1Pod: a pod's compute resources count until it finishes or its grace period runs out."""
    if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
        return False
    meta = pod["metadata"]
    if meta.get("deletionTimestamp") and meta.get("deletionGracePeriodSeconds") is not None:
        return now <= parse_rfc3339(meta["deletionTimestamp"]) + float(meta["deletionGracePeriodSeconds"])
    return True


def pod_compute(pod: Mapping[str, Any]) -> dict[str, Amount]:
    """podComputeUsageHelper over the pod's requests and limits (PodRequests, PodLimits)."""
    requests, limits = pod_resources(pod, "requests"), pod_resources(pod, "limits")
    out: dict[str, Amount] = {"pods": ONE}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests:
            out[name] = out[f"requests.{name}"] = requests[name]
        if name in limits:
            out[f"limits.{name}"] = limits[name]
    for name, amount in requests.items():
        if name.startswith("hugepages-"):
            out[name] = out[f"requests.{name}"] = amount
        elif not name.startswith(_NATIVE) and "/" in name:
            out[f"requests.{name}"] = amount
    return out


def pod_resources(pod: Mapping[str, Any], which: str) -> dict[str, Amount]:
    """The sum over containers (and restartable init containers), or an init container's own if larger."""
    spec = pod.get("spec") or {}
    total: dict[str, Amount] = {}
    inits = spec.get("initContainers") or ()
    for c in list(spec.get("containers") or ()) + [i for i in inits if i.get("restartPolicy") == "Always"]:
        _add_into(total, _container(c, which))
    for c in inits:
        if c.get("restartPolicy") != "Always":
            for name, amount in _container(c, which).items():
                if name not in total or amount[0] > total[name][0]:
                    total[name] = amount
    return total


def _container(c: Mapping[str, Any], which: str) -> dict[str, Amount]:
    values = ((c.get("resources") or {}).get(which) or {})
    return {k: quantity.parse(v) for k, v in values.items() if quantity.is_valid(v)}


def _add_into(total: dict[str, Amount], more: Mapping[str, Amount]) -> None:
    for name, (amount, fmt) in more.items():
        have = total.get(name)
        total[name] = (amount, fmt) if have is None else (have[0] + amount, have[1])


# --- which quotas an object counts against -----------------------------------------------------------------------

def scopes_match(quota: Mapping[str, Any], obj: Mapping[str, Any]) -> bool:
    """No scopes match everything; scopes match only pods, and only those they describe."""
    spec = quota.get("spec") or {}
    selectors = [{"scopeName": s, "operator": "Exists"} for s in spec.get("scopes") or ()]
    selectors += list((spec.get("scopeSelector") or {}).get("matchExpressions") or ())
    if not selectors:
        return True
    return obj["kind"] == "Pod" and all(_scope(sel, obj) for sel in selectors)


def _scope(selector: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    spec = pod.get("spec") or {}
    name = selector.get("scopeName")
    terminating = isinstance(spec.get("activeDeadlineSeconds"), int) and spec["activeDeadlineSeconds"] >= 0
    best_effort = qos_class(spec) == "BestEffort"
    if name == "Terminating":
        return terminating
    if name == "NotTerminating":
        return not terminating
    if name == "BestEffort":
        return best_effort
    if name == "NotBestEffort":
        return not best_effort
    if name == "PriorityClass":
        cls = spec.get("priorityClassName")
        op, values = str(selector.get("operator")), selector.get("values") or ()
        return {"Exists": bool(cls), "DoesNotExist": not cls, "In": cls in values,
                "NotIn": bool(cls) and cls not in values}.get(op, False)
    if name == "CrossNamespacePodAffinity":
        return False
    return False


def covered_kinds(rt: Runtime, names: Iterable[str]) -> set[str]:
    """The kinds whose objects count towards these resource names."""
    kinds: set[str] = set()
    for name in names:
        if is_pod_resource(name):
            kinds.add("Pod")
        elif name in LEGACY_COUNTS:
            kinds.add(LEGACY_COUNTS[name])
        elif name.startswith("services."):
            kinds.add("Service")
        elif name == "requests.storage":
            kinds.add("PersistentVolumeClaim")
        elif name.startswith("count/"):
            plural, _, group = name[len("count/"):].partition(".")
            kinds.update(rk.kind for rk in rt.catalogue if rk.plural == plural and rk.group == group)
    return kinds


def used(rt: Runtime, quota: Mapping[str, Any], now: float) -> dict[str, Amount]:
    """The namespace's usage of every resource the quota limits (zero where nothing uses it)."""
    hard = hard_of(quota)
    ns = quota["metadata"].get("namespace") or ""
    total: dict[str, Amount] = {}
    for kind in sorted(covered_kinds(rt, hard)):
        for obj in rt.store.iter(kind):
            if (obj["metadata"].get("namespace") or "") == ns and scopes_match(quota, obj):
                _add_into(total, {k: v for k, v in usage(rt, obj, now).items() if k in hard})
    for name, value in hard.items():
        total.setdefault(name, (Fraction(0), quantity.parse(value)[1] if quantity.is_valid(value) else "DecimalSI"))
    return total


# --- admission ---------------------------------------------------------------------------------------------------

def resource_quota(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    """The ResourceQuota admission plugin, for creates."""
    ns = obj["metadata"].get("namespace")
    if old is not None or not ns or obj["kind"] == "Event":
        return
    quotas = rt.store.list("ResourceQuota", ns)
    if not quotas:
        return
    now = rt.clock.now
    cost = usage(rt, obj, now)
    for q in quotas:
        hard = hard_of(q)
        if not scopes_match(q, obj) or not any(name in cost or _pod_limit(obj, name) for name in hard):
            continue
        if obj["kind"] == "Pod":
            _constraints(rt, obj, q, hard)
        requested = {k: v for k, v in cost.items() if k in hard and v[0] != 0}
        if not requested:
            continue
        current = used(rt, q, now)
        over = sorted(k for k, v in requested.items()
                      if quantity.is_valid(hard[k]) and current[k][0] + v[0] > quantity.parse(hard[k])[0])
        if over:
            raise forbidden(rt, obj, f"exceeded quota: {q['metadata']['name']}, "
                                  f"requested: {_listing({k: requested[k] for k in over})}, "
                                  f"used: {_listing({k: current[k] for k in over})}, "
                                  f"limited: {','.join(f'{k}={quantity.canonical(hard[k])}' for k in over)}")


def _pod_limit(obj: Obj, name: str) -> bool:
    return obj["kind"] == "Pod" and is_pod_resource(name)


def _constraints(rt: Runtime, pod: Obj, q: Obj, hard: Mapping[str, str]) -> None:
    """A quota on cpu or memory needs every container to ask for them."""
    required = sorted(set(hard) & MUST_SPECIFY)
    missing: dict[str, list[str]] = {}
    spec = pod.get("spec") or {}
    for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
        has = pod_compute({"spec": {"containers": [c]}})
        for name in required:
            if name not in has:
                missing.setdefault(name, []).append(c.get("name", ""))
    if missing:
        parts = [f"{name} for: {','.join(sorted(set(who)))}" for name, who in sorted(missing.items())]
        raise forbidden(rt, pod, f"failed quota: {q['metadata']['name']}: must specify {'; '.join(parts)}")


def _listing(values: Mapping[str, Amount]) -> str:
    return ",".join(f"{k}={printed(values[k])}" for k in sorted(values))


def forbidden(rt: Runtime, obj: Obj, message: str) -> ForbiddenError:
    """Admission's refusal, in its words: `pods "web-1" is forbidden: ...`."""
    rk = rt.catalogue.by_kind(obj["kind"])
    name = obj["metadata"].get("name") or obj["metadata"].get("generateName", "")
    return ForbiddenError(f'{rk.resource_group} "{name}" is forbidden: {message}', kind=rk.plural, name=name,
                          group=rk.group)
