"""The apps group: Deployments, ReplicaSets, DaemonSets and StatefulSets, validated as `pkg/apis/apps/validation`
does. Their pods restart always; their selectors must match their templates' labels and may not change.

    missing selector:      spec.selector: Required value
                           spec.template.metadata.labels: Invalid value: {"a":"b"}: `selector` does not match
                           template `labels`     (a nil selector matches nothing, so both are reported)
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import (
    as_dict,
    forbidden,
    immutable,
    invalid,
    is_int,
    nonnegative,
    not_supported,
    percent,
    required,
)
from kube_magics.sim.validation.meta import selector_is_empty, selector_matches, validate_label_selector
from kube_magics.sim.validation.pods import validate_pod_spec
from kube_magics.sim.validation.templates import validate_template_meta

Obj = dict[str, Any]

_MISMATCH = "`selector` does not match template `labels`"


def deployment(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes = nonnegative("spec.replicas", spec.get("replicas"))
    causes += _selector(spec, "deployment")
    causes += _template(spec, "Deployment")
    causes += _strategy(as_dict(spec.get("strategy")))
    causes += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    causes += nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    deadline = spec.get("progressDeadlineSeconds")
    if is_int(deadline):
        causes += nonnegative("spec.progressDeadlineSeconds", deadline)
        if deadline <= (spec.get("minReadySeconds") or 0):
            causes.append(invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"))
    return causes + _selector_update(obj, old)


def replicaset(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes = nonnegative("spec.replicas", spec.get("replicas"))
    causes += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    causes += _selector(spec, "deployment")  # sic: the API server says "deployment" for ReplicaSets too
    causes += _template(spec, "ReplicaSet")
    return causes + _selector_update(obj, old)


def daemonset(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    if spec.get("selector") is None:
        causes.append(required("spec.selector"))
    causes += validate_label_selector(spec.get("selector"), "spec.selector")
    template = as_dict(spec.get("template"))
    labels = as_dict(template.get("metadata")).get("labels")
    if selector_matches(spec.get("selector"), labels) is False:
        causes.append(invalid("spec.template.metadata.labels", labels, _MISMATCH))
    if spec.get("selector") is not None and selector_is_empty(spec.get("selector")):
        causes.append(invalid("spec.selector", spec.get("selector"), "empty selector is invalid for daemonset"))
    causes += _pod_template(template, "DaemonSet")
    causes += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    strategy = as_dict(spec.get("updateStrategy"))
    if strategy.get("type") not in ("RollingUpdate", "OnDelete"):
        causes.append(not_supported("spec.updateStrategy.type", strategy.get("type") or "",
                                    ["OnDelete", "RollingUpdate"]))
    causes += nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit"))
    return causes + _selector_update(obj, old)


def statefulset(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    causes: list[Cause] = []
    policy = spec.get("podManagementPolicy")
    if not policy:
        causes.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        causes.append(invalid("spec.podManagementPolicy", policy, "must be 'OrderedReady' or 'Parallel'"))
    kind = as_dict(spec.get("updateStrategy")).get("type")
    if kind not in ("RollingUpdate", "OnDelete"):
        causes.append(invalid("spec.updateStrategy", kind or "", "must be 'RollingUpdate' or 'OnDelete'"))
    causes += nonnegative("spec.replicas", spec.get("replicas"))
    causes += nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    causes += _selector(spec, "statefulset")
    causes += _template(spec, "StatefulSet")
    if old is not None:
        causes += _statefulset_update(spec, as_dict(old.get("spec")))
    return causes


def _selector(spec: Obj, word: str) -> list[Cause]:
    selector = spec.get("selector")
    if selector is None:
        return [required("spec.selector")]
    causes = validate_label_selector(selector, "spec.selector")
    if selector_is_empty(selector):
        causes.append(invalid("spec.selector", selector, f"empty selector is invalid for {word}"))
    return causes


def _template(spec: Obj, kind: str) -> list[Cause]:
    """The selector-matches-labels check (a nil selector matches nothing; an empty one is not checked), then the
    pod template itself."""
    template = spec.get("template")
    if not isinstance(template, dict):
        return [required("spec.template")]
    labels = as_dict(template.get("metadata")).get("labels")
    selector = spec.get("selector")
    causes: list[Cause] = []
    empty = selector is not None and selector_is_empty(selector)
    if not empty and selector_matches(selector, labels) is False:
        causes.append(invalid("spec.template.metadata.labels", labels, _MISMATCH))
    return causes + _pod_template(template, kind)


def _pod_template(template: Obj, kind: str) -> list[Cause]:
    causes = validate_template_meta(template, "spec.template")
    pod_spec = as_dict(template.get("spec"))
    causes += validate_pod_spec(pod_spec, "spec.template.spec")
    policy = pod_spec.get("restartPolicy")
    if policy and policy != "Always":
        causes.append(not_supported("spec.template.spec.restartPolicy", policy, ["Always"]))
    if pod_spec.get("activeDeadlineSeconds") is not None:
        field = "spec.template.spec.activeDeadlineSeconds"
        if kind == "StatefulSet":
            causes.append(forbidden(field, "activeDeadlineSeconds in StatefulSet is not Supported"))
        else:
            causes.append(invalid(field, pod_spec["activeDeadlineSeconds"],
                                  f"activeDeadlineSeconds in {kind} is not Supported"))
    return causes


def _strategy(strategy: Obj) -> list[Cause]:
    kind = strategy.get("type")
    if kind == "Recreate":
        if strategy.get("rollingUpdate") is not None:
            return [forbidden("spec.strategy.rollingUpdate",
                              "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [not_supported("spec.strategy", strategy, ["Recreate", "RollingUpdate"])]
    rolling = as_dict(strategy.get("rollingUpdate"))
    causes: list[Cause] = []
    for key in ("maxUnavailable", "maxSurge"):
        causes += _int_or_percent(rolling.get(key), f"spec.strategy.rollingUpdate.{key}")
    if _amount(rolling.get("maxUnavailable")) == 0 and _amount(rolling.get("maxSurge")) == 0:
        causes.append(invalid("spec.strategy.rollingUpdate.maxUnavailable", rolling.get("maxUnavailable"),
                              "may not be 0 when `maxSurge` is 0"))
    unavailable = rolling.get("maxUnavailable")
    if isinstance(unavailable, str) and not percent(unavailable) and int(unavailable[:-1]) > 100:
        causes.append(invalid("spec.strategy.rollingUpdate.maxUnavailable", unavailable,
                              "must not be greater than 100%"))
    return causes


def _int_or_percent(value: Any, field: str) -> list[Cause]:
    if isinstance(value, str):
        return [invalid(field, value, m) for m in percent(value)]
    return nonnegative(field, value)


def _amount(value: Any) -> int | None:
    if is_int(value):
        return int(value)
    if isinstance(value, str) and not percent(value):
        return int(value[:-1])
    return None


def _selector_update(obj: Obj, old: Obj | None) -> list[Cause]:
    if old is None:
        return []
    new_sel = as_dict(obj.get("spec")).get("selector")
    return immutable("spec.selector", new_sel, as_dict(old.get("spec")).get("selector"))


_STS_MUTABLE = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                "minReadySeconds", "revisionHistoryLimit")


def _statefulset_update(new: Obj, old: Obj) -> list[Cause]:
    strip = lambda spec: {k: v for k, v in spec.items() if k not in _STS_MUTABLE}  # noqa: E731
    if strip(new) != strip(old):
        return [forbidden("spec", "updates to statefulset spec for fields other than 'replicas', 'ordinals', "
                                  "'template', 'updateStrategy', 'revisionHistoryLimit', "
                                  "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")]
    return []
