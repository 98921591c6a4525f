"""The LimitRanger admission plugin: a namespace's LimitRanges fill in and bound what pods and claims ask for.

As Kubernetes' `plugin/pkg/admission/limitranger`, on create:

- Defaults: a container (or init container) without a request or limit for a resource that a `Container` item
  gives a `defaultRequest` or `default` for gets it, and the pod is annotated with what was set:
  `kubernetes.io/limit-ranger: "LimitRanger plugin set: cpu, memory request for container app; cpu limit for
  container app"`. (The LimitRange's own defaulting has already made `default` fall back to `max`, and
  `defaultRequest` to `default`, then `min`.)
- Checks: each container against a `Container` item's `min`, `max` and `maxLimitRequestRatio`, the pod's totals
  against a `Pod` item's, a claim's requested storage against a `PersistentVolumeClaim` item's `min`/`max`. A
  violation refuses the create: `pods "web" is forbidden: maximum cpu usage per Container is 1, but limit is 2`
  (several are listed in brackets, as Go's error aggregate prints them).

Must not: touch updates (containers' resources cannot change through an update), or other kinds.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from kube_magics import quantity
from kube_magics.sim.quota import Amount, forbidden, pod_resources, printed
from kube_magics.sim.strategies import qos_class

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
ANNOTATION = "kubernetes.io/limit-ranger"
ZERO: Amount = (Fraction(0), "DecimalSI")


def limit_ranger_defaults(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    """The plugin's mutating half: default requests and limits for pods' containers."""
    if obj["kind"] != "Pod" or old is not None:
        return
    for lr in rt.store.list("LimitRange", obj["metadata"].get("namespace") or ""):
        _apply_defaults(lr, obj)


def limit_ranger(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    """The plugin's validating half: min, max and ratio for pods, min and max for claims."""
    if obj["kind"] not in ("Pod", "PersistentVolumeClaim") or old is not None:
        return
    errors: list[str] = []
    for lr in rt.store.list("LimitRange", obj["metadata"].get("namespace") or ""):
        errors += pod_violations(lr, obj) if obj["kind"] == "Pod" else claim_violations(lr, obj)
    if errors:
        raise forbidden(rt, obj, errors[0] if len(errors) == 1 else f"[{', '.join(errors)}]")


# --- defaults ------------------------------------------------------------------------------------------------------

def _apply_defaults(lr: Mapping[str, Any], pod: Obj) -> None:
    requests: dict[str, str] = {}
    limits: dict[str, str] = {}
    for item in (lr.get("spec") or {}).get("limits") or ():
        if item.get("type") == "Container":
            requests.update(item.get("defaultRequest") or {})
            limits.update(item.get("default") or {})
    if not requests and not limits:
        return
    notes: list[str] = []
    spec = pod["spec"]
    for group, word in (("containers", "container"), ("initContainers", "init container")):
        for c in spec.get(group) or ():
            res = c.setdefault("resources", {})
            set_limits = _fill(res, "limits", limits)
            set_requests = _fill(res, "requests", requests)
            if set_requests:
                notes.append(f"{', '.join(set_requests)} request for {word} {c.get('name', '')}")
            if set_limits:
                notes.append(f"{', '.join(set_limits)} limit for {word} {c.get('name', '')}")
    if notes:
        if isinstance(pod.get("status"), dict) and "qosClass" in pod["status"]:
            # kube-apiserver computes the QoS class after mutating admission, so it reflects these defaults.
            pod["status"]["qosClass"] = qos_class(spec)
        meta = pod["metadata"]
        meta["annotations"] = {**(meta.get("annotations") or {}), ANNOTATION: "LimitRanger plugin set: " +
                               "; ".join(notes)}


def _fill(resources: Obj, which: str, defaults: Mapping[str, str]) -> list[str]:
    have = resources.get(which) or {}
    added = sorted(k for k in defaults if k not in have)
    if added:
        resources[which] = {**have, **{k: defaults[k] for k in added}}
    return added


# --- checks --------------------------------------------------------------------------------------------------------

def pod_violations(lr: Mapping[str, Any], pod: Mapping[str, Any]) -> list[str]:
    errors: list[str] = []
    spec = pod.get("spec") or {}
    for item in (lr.get("spec") or {}).get("limits") or ():
        if item.get("type") == "Container":
            for c in list(spec.get("containers") or ()) + list(spec.get("initContainers") or ()):
                res = c.get("resources") or {}
                errors += _bounds(item, "Container", _amounts(res.get("requests")), _amounts(res.get("limits")))
        elif item.get("type") == "Pod":
            errors += _bounds(item, "Pod", pod_resources(pod, "requests"), pod_resources(pod, "limits"))
    return errors


def claim_violations(lr: Mapping[str, Any], claim: Mapping[str, Any]) -> list[str]:
    """PersistentVolumeClaimValidateLimitFunc: only what the claim requests counts."""
    errors: list[str] = []
    requests = _amounts(((claim.get("spec") or {}).get("resources") or {}).get("requests"))
    for item in (lr.get("spec") or {}).get("limits") or ():
        if item.get("type") != "PersistentVolumeClaim":
            continue
        errors += _minimums(item, "PersistentVolumeClaim", requests, {})
        for name, value in sorted((item.get("max") or {}).items()):
            if name not in requests:
                errors.append(f"maximum {name} usage per PersistentVolumeClaim is {value}.  No request is "
                              "specified.")
            elif requests[name][0] > quantity.parse(value)[0]:
                errors.append(f"maximum {name} usage per PersistentVolumeClaim is {value}, but request is "
                              f"{printed(requests[name])}.")
    return errors


def _amounts(values: Mapping[str, Any] | None) -> dict[str, Amount]:
    return {k: quantity.parse(v) for k, v in (values or {}).items() if quantity.is_valid(v)}


def _bounds(item: Mapping[str, Any], what: str, requests: Mapping[str, Amount],
            limits: Mapping[str, Amount]) -> list[str]:
    """minConstraint, maxConstraint and limitRequestRatioConstraint for one item, in that order."""
    errors = _minimums(item, what, requests, limits)
    for name, value in sorted((item.get("max") or {}).items()):
        high = quantity.parse(value)[0]
        if name not in limits:
            errors.append(f"maximum {name} usage per {what} is {value}.  No limit is specified.")
        elif limits[name][0] > high:
            errors.append(f"maximum {name} usage per {what} is {value}, but limit is {printed(limits[name])}.")
        elif name in requests and requests[name][0] > high:
            errors.append(f"maximum {name} usage per {what} is {value}, but request is {printed(requests[name])}.")
    for name, value in sorted((item.get("maxLimitRequestRatio") or {}).items()):
        request, limit = requests.get(name, ZERO)[0], limits.get(name, ZERO)[0]
        if not request:
            errors.append(f"{name} max limit to request ratio per {what} is {value}, but no request is specified "
                          "or request is 0.")
        elif not limit:
            errors.append(f"{name} max limit to request ratio per {what} is {value}, but no limit is specified "
                          "or limit is 0.")
        elif limit / request > quantity.parse(value)[0]:
            errors.append(f"{name} max limit to request ratio per {what} is {value}, but provided ratio is "
                          f"{float(limit / request):f}.")
    return errors


def _minimums(item: Mapping[str, Any], what: str, requests: Mapping[str, Amount],
              limits: Mapping[str, Amount]) -> list[str]:
    errors: list[str] = []
    for name, value in sorted((item.get("min") or {}).items()):
        low = quantity.parse(value)[0]
        if name not in requests:
            errors.append(f"minimum {name} usage per {what} is {value}.  No request is specified.")
        elif requests[name][0] < low:
            errors.append(f"minimum {name} usage per {what} is {value}, but request is {printed(requests[name])}.")
        elif name in limits and limits[name][0] < low:
            errors.append(f"minimum {name} usage per {what} is {value}, but limit is {printed(limits[name])}.")
    return errors
