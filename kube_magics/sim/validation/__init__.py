"""API-server validation: what a Kubernetes API server rejects as Invalid (422), in its words.

`validate(obj, old)` returns the causes (field path and message, e.g. `metadata.name: Invalid value:
"Nginx_Pod": a lowercase RFC 1123 subdomain must consist of ...`), all of them, in the API server's order; the
API layer raises them as one InvalidError. Runs after defaulting, as the real API server does; `old` is the live
object on an update (immutable fields are checked then). Shape errors (unknown fields, wrong types) are found
earlier by the schema check (`kube_magics.schema`).

One module per API group: `core` (Pods, ConfigMaps, Secrets, claims, quotas), `services`, `apps`, `batch`,
`autoscaling`, `networking`; `pods` checks pod specs for all of them; `meta` names, labels and selectors;
`fields` words the errors. Other modules may add checks for a kind with `register(kind)`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim.validation import apps, autoscaling, batch, core, networking, services
from kube_magics.sim.validation.fields import (
    DNS1035_MSG,
    LABEL_MSG,
    SUBDOMAIN_MSG,
    duplicate,
    invalid,
    quote,
    required,
)
from kube_magics.sim.validation.meta import validate_name, validate_object_meta

Obj = dict[str, Any]
Validator = Callable[[Obj, "Obj | None"], list[Cause]]

# Kept for callers of the first version of this module.
invalid_value = invalid

# Per-kind validators, run after the metadata checks. Registration table: the group modules' own first.
VALIDATORS: dict[str, list[Validator]] = {
    "Pod": [core.pod],
    "ConfigMap": [core.config_map],
    "Secret": [core.secret],
    "PersistentVolumeClaim": [core.pvc],
    "ResourceQuota": [core.resource_quota],
    "LimitRange": [core.limit_range],
    "Service": [services.service],
    "Deployment": [apps.deployment],
    "ReplicaSet": [apps.replicaset],
    "DaemonSet": [apps.daemonset],
    "StatefulSet": [apps.statefulset],
    "Job": [batch.job],
    "CronJob": [batch.cronjob],
    "HorizontalPodAutoscaler": [autoscaling.hpa],
    "Ingress": [networking.ingress],
}

CLUSTER_SCOPED = frozenset({"Namespace", "Node", "PersistentVolume", "StorageClass", "PriorityClass",
                            "ClusterRole", "ClusterRoleBinding", "IngressClass", "CustomResourceDefinition"})


def register(kind: str) -> Callable[[Validator], Validator]:
    def deco(fn: Validator) -> Validator:
        VALIDATORS.setdefault(kind, []).append(fn)
        return fn

    return deco


def validate(obj: Obj, old: Obj | None = None) -> list[Cause]:
    """Every reason the API server would refuse `obj` (as created, or as an update of `old`), deduplicated."""
    kind = obj.get("kind", "")
    causes = validate_name(obj) if old is None else []
    causes += validate_object_meta(obj, namespaced=kind not in CLUSTER_SCOPED)
    for fn in VALIDATORS.get(kind, ()):
        causes.extend(fn(obj, old))
    unique: dict[tuple[str, str], Cause] = {}
    for cause in causes:
        unique.setdefault((cause.field, cause.message), cause)
    return list(unique.values())


__all__ = [
    "DNS1035_MSG",
    "LABEL_MSG",
    "SUBDOMAIN_MSG",
    "VALIDATORS",
    "duplicate",
    "invalid",
    "invalid_value",
    "quote",
    "register",
    "required",
    "validate",
    "validate_name",
]
