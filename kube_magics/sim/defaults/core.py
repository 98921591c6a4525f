"""Defaults of Services, Secrets (with `stringData` folded into `data`), Namespaces, PersistentVolumeClaims,
ResourceQuotas and LimitRanges.
"""

from __future__ import annotations

import base64
from typing import Any

from kube_magics.sim.defaults.pods import canonical_quantities, child, children

Obj = dict[str, Any]


def service(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("sessionAffinity", "None")
    if spec["sessionAffinity"] == "None":
        spec.pop("sessionAffinityConfig", None)
    spec.setdefault("type", "ClusterIP")
    for p in children(spec, "ports"):
        p.setdefault("protocol", "TCP")
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    kind = spec["type"]
    if kind in ("NodePort", "LoadBalancer") or (kind == "ClusterIP" and spec.get("externalIPs")):
        spec.setdefault("externalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        spec.setdefault("internalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        spec.setdefault("allocateLoadBalancerNodePorts", True)


def secret(obj: Obj) -> None:
    """Type Opaque; `stringData` folded into base64 `data` (it is write-only: the API never returns it)."""
    obj.setdefault("type", "Opaque")
    plain = obj.pop("stringData", None)
    if isinstance(plain, dict) and plain:
        data: Obj = obj["data"] if isinstance(obj.get("data"), dict) else {}
        for key, value in plain.items():
            text = value if isinstance(value, str) else ""
            data[key] = base64.b64encode(text.encode("utf-8")).decode("ascii")
        obj["data"] = data


def namespace(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("finalizers", ["kubernetes"])
    meta = obj.setdefault("metadata", {})
    name = meta.get("name")
    if isinstance(name, str) and name:
        labels = meta.get("labels") if isinstance(meta.get("labels"), dict) else {}
        labels["kubernetes.io/metadata.name"] = name
        meta["labels"] = labels


def pvc(obj: Obj) -> None:
    spec = obj.setdefault("spec", {})
    spec.setdefault("volumeMode", "Filesystem")
    resources = child(spec, "resources")
    if resources is not None:
        canonical_quantities(resources.get("requests"))
        canonical_quantities(resources.get("limits"))
    status = obj.setdefault("status", {})
    if isinstance(status, dict):
        status.setdefault("phase", "Pending")


def resource_quota(obj: Obj) -> None:
    spec = child(obj, "spec")
    if spec is not None:
        canonical_quantities(spec.get("hard"))


def limit_range(obj: Obj) -> None:
    """SetDefaults_LimitRangeItem: a container's default limit is its max, its default request its default
    limit, else its min."""
    for item in children(obj.setdefault("spec", {}), "limits"):
        for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
            canonical_quantities(item.get(key))
        if item.get("type") != "Container":
            continue
        default = dict(item.get("default") or {})
        request = dict(item.get("defaultRequest") or {})
        for k, v in (item.get("max") or {}).items():
            default.setdefault(k, v)
        for k, v in default.items():
            request.setdefault(k, v)
        for k, v in (item.get("min") or {}).items():
            request.setdefault(k, v)
        if default:
            item["default"] = default
        if request:
            item["defaultRequest"] = request


