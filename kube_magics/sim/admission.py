"""Admission: what the API server changes or refuses after defaulting, before an object is stored.

The plugins a default kube-apiserver runs that users can see in objects: NamespaceLifecycle (no writes into a
missing or terminating namespace), ServiceAccount (the `kube-api-access-xxxxx` projected volume and its mount),
DefaultTolerationSeconds (the not-ready/unreachable tolerations of 300 s), Priority (`priority`,
`preemptionPolicy`); LimitRanger (`limitranger.py`), DefaultStorageClass (`storage.py`) and ResourceQuota
(`quota.py`).

Each plugin is a function `(rt, obj, old) -> None` that changes `obj` in place (a private copy) or raises.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kube_magics.errors import ForbiddenError, NotFoundError
from kube_magics.sim import names
from kube_magics.sim.limitranger import limit_ranger, limit_ranger_defaults
from kube_magics.sim.quota import resource_quota
from kube_magics.sim.storage import default_storage_class

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
Plugin = Callable[["Runtime", Obj, "Obj | None"], None]

SYSTEM_PRIORITIES = {"system-node-critical": 2000001000, "system-cluster-critical": 2000000000}


def namespace_lifecycle(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    ns = obj["metadata"].get("namespace")
    if not ns or old is not None or obj["kind"] == "Event":
        return
    live = rt.store.get("Namespace", "", ns)
    if live is None and ns in rt.api.planned_namespaces:
        return
    if live is None:
        raise NotFoundError(f'namespaces "{ns}" not found', kind="namespaces", name=ns)
    if live["metadata"].get("deletionTimestamp"):
        raise ForbiddenError(
            f'{obj["kind"].lower()}s "{obj["metadata"]["name"]}" is forbidden: unable to create new content in '
            f"namespace {ns} because it is being terminated",
            kind=obj["kind"].lower() + "s", name=obj["metadata"]["name"],
        )


def service_account(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    if obj["kind"] != "Pod" or old is not None:
        return
    if "kubernetes.io/config.mirror" in (obj["metadata"].get("annotations") or {}):
        return  # mirror pods of static pods get no service account (as the ServiceAccount plugin skips them)
    spec = obj["spec"]
    sa = spec.get("serviceAccountName") or spec.get("serviceAccount") or "default"
    spec["serviceAccountName"] = sa
    spec["serviceAccount"] = sa
    if spec.get("automountServiceAccountToken") is False:
        return
    volumes = spec.setdefault("volumes", [])
    if any(v.get("name", "").startswith("kube-api-access-") for v in volumes):
        return
    vol_name = "kube-api-access-" + names.random_suffix(rt.rng_names)
    volumes.append({
        "name": vol_name,
        "projected": {
            "defaultMode": 420,
            "sources": [
                {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                {"configMap": {"items": [{"key": "ca.crt", "path": "ca.crt"}], "name": "kube-root-ca.crt"}},
                {"downwardAPI": {"items": [
                    {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}, "path": "namespace"},
                ]}},
            ],
        },
    })
    mount = {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": vol_name, "readOnly": True}
    for group in ("initContainers", "containers"):
        for c in spec.get(group) or ():
            mounts = c.setdefault("volumeMounts", [])
            if not any(m.get("mountPath") == mount["mountPath"] for m in mounts):
                mounts.append(dict(mount))


def default_toleration_seconds(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    if obj["kind"] != "Pod" or old is not None:
        return
    tolerations = obj["spec"].setdefault("tolerations", [])
    for key in ("node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"):
        covered = any(
            (t.get("key") == key or (not t.get("key") and t.get("operator") == "Exists"))
            and t.get("effect") in (None, "", "NoExecute")
            for t in tolerations
        )
        if not covered:
            tolerations.append({"effect": "NoExecute", "key": key, "operator": "Exists", "tolerationSeconds": 300})


def priority(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    if obj["kind"] != "Pod" or old is not None:
        return
    spec = obj["spec"]
    cls = spec.get("priorityClassName")
    if cls in SYSTEM_PRIORITIES:
        spec.setdefault("priority", SYSTEM_PRIORITIES[cls])
    elif cls:
        pc = rt.store.get("PriorityClass", "", cls)
        if pc is None:
            raise ForbiddenError(
                f'pods "{obj["metadata"].get("name", "")}" is forbidden: no PriorityClass with name {cls} was found',
                kind="pods", name=obj["metadata"].get("name", ""),
            )
        spec.setdefault("priority", pc.get("value", 0))
    else:
        spec.setdefault("priority", 0)
    spec.setdefault("preemptionPolicy", "PreemptLowerPriority")


# As kube-apiserver orders them: the mutating plugins, then the validating ones (LimitRanger's checks, then
# ResourceQuota, which must see the defaults LimitRanger gave).
DEFAULT_CHAIN: tuple[Plugin, ...] = (namespace_lifecycle, limit_ranger_defaults, service_account,
                                     default_toleration_seconds, priority, default_storage_class, limit_ranger,
                                     resource_quota)
