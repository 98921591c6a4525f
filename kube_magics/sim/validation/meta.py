"""ObjectMeta and label selectors, validated as `ValidateObjectMeta` and `ValidateLabelSelector` do.

Names follow each kind's rule: a DNS-1123 subdomain for most kinds, a DNS-1123 label for Namespaces, a DNS-1035
label for Services (they become DNS names that must start with a letter), and CronJob names at most 52
characters (the controller appends an 11-character suffix to name its Jobs).
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import Cause
from kube_magics.selectors import SelectorError, from_label_selector
from kube_magics.sim.validation.fields import (
    as_dict,
    dns1035_label,
    dns1123_label,
    dns1123_subdomain,
    forbidden,
    invalid,
    label_value,
    qualified_name,
    required,
    too_long,
)

Obj = dict[str, Any]

LABEL_NAMED = frozenset({"Namespace"})
DNS1035_NAMED = frozenset({"Service"})
_TOTAL_ANNOTATIONS = 256 * 1024


def name_errors(kind: str, name: str) -> list[str]:
    if kind in LABEL_NAMED:
        return dns1123_label(name)
    if kind in DNS1035_NAMED:
        return dns1035_label(name)
    return dns1123_subdomain(name)


def validate_name(obj: Obj) -> list[Cause]:
    meta = as_dict(obj.get("metadata"))
    name = meta.get("name")
    if not name:
        if meta.get("generateName"):
            return []
        return [required("metadata.name", "name or generateName is required")]
    if not isinstance(name, str):
        return []
    causes = [invalid("metadata.name", name, msg) for msg in name_errors(obj.get("kind", ""), name)]
    if obj.get("kind") == "CronJob" and len(name) > 52:
        causes.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return causes


def validate_object_meta(obj: Obj, *, namespaced: bool = True) -> list[Cause]:
    """Name (on create), namespace, labels and annotations."""
    meta = as_dict(obj.get("metadata"))
    causes: list[Cause] = []
    ns = meta.get("namespace")
    if namespaced and isinstance(ns, str) and ns:
        causes.extend(invalid("metadata.namespace", ns, m) for m in dns1123_label(ns))
    causes.extend(validate_labels(meta.get("labels"), "metadata.labels"))
    causes.extend(validate_annotations(meta.get("annotations"), "metadata.annotations"))
    return causes


def validate_labels(labels: Any, field: str) -> list[Cause]:
    """ValidateLabels: each key a qualified name, each value a label value; reported at the map's path."""
    causes: list[Cause] = []
    for key, value in sorted(as_dict(labels).items()):
        causes.extend(invalid(field, key, m) for m in qualified_name(key))
        if isinstance(value, str):
            causes.extend(invalid(field, value, m) for m in label_value(value))
    return causes


def validate_annotations(annotations: Any, field: str) -> list[Cause]:
    items = as_dict(annotations)
    causes: list[Cause] = []
    for key in sorted(items):
        causes.extend(invalid(field, key, m) for m in qualified_name(key.lower()))
    total = sum(len(k) + len(v) for k, v in items.items() if isinstance(v, str))
    if total > _TOTAL_ANNOTATIONS:
        causes.append(too_long(field, _TOTAL_ANNOTATIONS))
    return causes


def validate_label_selector(selector: Any, field: str) -> list[Cause]:
    """ValidateLabelSelector: matchLabels as labels, each matchExpression's operator, key and values."""
    if not isinstance(selector, dict):
        return []
    causes = validate_labels(selector.get("matchLabels"), f"{field}.matchLabels")
    for i, expr in enumerate(selector.get("matchExpressions") or []):
        if not isinstance(expr, dict):
            continue
        here = f"{field}.matchExpressions[{i}]"
        op, values = expr.get("operator"), expr.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{here}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{here}.values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(f"{here}.operator", op or "", "not a valid selector operator"))
        causes.extend(invalid(f"{here}.key", expr.get("key", ""), m) for m in qualified_name(expr.get("key") or ""))
        for j, value in enumerate(values):
            if isinstance(value, str):
                causes.extend(invalid(f"{here}.values[{j}]", value, m) for m in label_value(value))
    return causes


def selector_matches(selector: Any, labels: Any) -> bool | None:
    """Whether a LabelSelector matches labels (a nil selector matches nothing); None if it does not compile."""
    try:
        sel = from_label_selector(selector if isinstance(selector, dict) else None)
    except (SelectorError, KeyError, TypeError):
        return None
    return sel.matches(as_dict(labels))


def selector_is_empty(selector: Any) -> bool:
    sel = as_dict(selector)
    return not sel.get("matchLabels") and not sel.get("matchExpressions")
