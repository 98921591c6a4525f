"""Storage as kind sets it up: the default `standard` StorageClass (rancher.io/local-path, WaitForFirstConsumer)
and the DefaultStorageClass admission plugin that gives a claim without a class the default one.

Must not: bind or provision volumes (the persistentvolume controller does, `controllers/persistentvolume.py`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"
LOCAL_PATH = "rancher.io/local-path"


def standard_class() -> Obj:
    """The StorageClass kind installs."""
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": "standard", "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
            "provisioner": LOCAL_PATH, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}


def default_class(rt: Runtime) -> Obj | None:
    """The default StorageClass; of several, the newest (then the first by name), as the plugin chooses."""
    defaults = [sc for sc in rt.store.list("StorageClass")
                if (sc["metadata"].get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true"]
    if not defaults:
        return None
    return max(defaults, key=lambda sc: (sc["metadata"].get("creationTimestamp", ""),
                                         [-ord(ch) for ch in sc["metadata"]["name"]]))


def default_storage_class(rt: Runtime, obj: Obj, old: Obj | None) -> None:
    """DefaultStorageClass: a new claim that names no class (the field absent, not "") gets the default one."""
    if obj["kind"] != "PersistentVolumeClaim" or old is not None:
        return
    spec = obj.setdefault("spec", {})
    if "storageClassName" in spec and spec["storageClassName"] is not None:
        return
    sc = default_class(rt)
    if sc is not None:
        spec["storageClassName"] = sc["metadata"]["name"]
