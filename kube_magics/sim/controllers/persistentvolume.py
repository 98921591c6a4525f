"""Claims and volumes: the persistentvolume controller and kind's local-path provisioner, as a user sees them.

For a PersistentVolumeClaim of a class with `volumeBindingMode: WaitForFirstConsumer` (kind's `standard`):

1. While no pod that uses it is on a node, the claim stays Pending (WaitForFirstConsumer "waiting for first
   consumer to be created before binding").
2. Once one is, the claim is annotated with the node and handed to the class's provisioner
   (ExternalProvisioning), which provisions a volume `pvc-<claim uid>`: a local path on that node, pinned to it by
   node affinity (Provisioning, then ProvisioningSucceeded two seconds later, from the local-path-provisioner).
3. The volume and the claim are bound to each other: the claim is Bound with the volume's capacity and access
   modes.

A class with `Immediate` binding provisions at once. A claim whose class does not exist, or with no class and no
default class, stays Pending (ProvisioningFailed "storageclass.storage.k8s.io \"x\" not found", FailedBinding).
When a bound claim is deleted, its volume goes too (the reclaim policy Delete). Pods do not wait for their claims
here: the scheduler and the kubelet of this simulator do not model volumes.

Must not: schedule pods or create claims (the StatefulSet controller and users do).
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable
from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError
from kube_magics.sim.controller import Controller
from kube_magics.sim.objects import ref_to
from kube_magics.sim.storage import LOCAL_PATH
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
Key = tuple[str, str, str]

PROVISION_SECONDS = 2.0  # local-path's helper pod makes the directory on the node
SELECTED_NODE = "volume.kubernetes.io/selected-node"


class PersistentVolumeController(Controller):
    name = "persistentvolume-controller"
    watches = ("PersistentVolumeClaim", "Pod")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self._provisioning: set[tuple[str, str]] = set()

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        ns = obj["metadata"].get("namespace") or ""
        if event.kind == "PersistentVolumeClaim":
            if event.type == "DELETED":
                volume = (obj.get("spec") or {}).get("volumeName")
                return (("release", ns, volume),) if volume else ()
            return (("claim", ns, obj["metadata"]["name"]),)
        if not obj["spec"].get("nodeName") or (event.old is not None and event.old["spec"].get("nodeName")):
            return ()  # only a pod's binding to a node matters
        return [("claim", ns, v["persistentVolumeClaim"]["claimName"]) for v in obj["spec"].get("volumes") or ()
                if (v.get("persistentVolumeClaim") or {}).get("claimName")]

    def reconcile(self, key: Any) -> None:
        try:
            if key[0] == "release":
                self._release(key[2])
            elif key[0] == "provisioned":
                self._provisioned(key[1], key[2])
            else:
                self._sync_claim(key[1], key[2])
        except KubeMagicsError:
            self.queue.add_rate_limited(key)

    def _sync_claim(self, ns: str, name: str) -> None:
        claim = self.rt.store.get("PersistentVolumeClaim", ns, name)
        if claim is None or claim["metadata"].get("deletionTimestamp") or claim["spec"].get("volumeName"):
            return
        class_name = claim["spec"].get("storageClassName")
        sc = self.rt.store.get("StorageClass", "", class_name) if class_name else None
        if sc is None:
            if class_name:
                self.event(claim, "Warning", "ProvisioningFailed",
                           f'storageclass.storage.k8s.io "{class_name}" not found')
            else:
                self.event(claim, "Normal", "FailedBinding",
                           "no persistent volumes available for this claim and no storage class is set")
            return
        node = (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE)
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            node = self._consumer_node(claim)
            if node is None:
                self.event(claim, "Normal", "WaitForFirstConsumer",
                           "waiting for first consumer to be created before binding")
                return
        if (ns, name) not in self._provisioning:
            self._start(claim, sc, node)

    def _consumer_node(self, claim: Obj) -> str | None:
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        for pod in self.rt.store.list("Pod", ns):
            node = pod["spec"].get("nodeName")
            if node and any((v.get("persistentVolumeClaim") or {}).get("claimName") == name
                            for v in pod["spec"].get("volumes") or ()):
                return str(node)
        return None

    def _start(self, claim: Obj, sc: Obj, node: str | None) -> None:
        provisioner = sc.get("provisioner", "")
        meta = dict(claim["metadata"])
        annotations = dict(meta.get("annotations") or {})
        if node:
            annotations[SELECTED_NODE] = node
        annotations["volume.beta.kubernetes.io/storage-provisioner"] = provisioner
        annotations["volume.kubernetes.io/storage-provisioner"] = provisioner
        meta["annotations"] = annotations
        claim = self.rt.api.write({**claim, "metadata": meta})
        self.event(claim, "Normal", "ExternalProvisioning",
                   f"Waiting for a volume to be created either by the external provisioner '{provisioner}' or "
                   "manually by the system administrator. If volume creation is delayed, please verify that the "
                   "provisioner is running and correctly registered.")
        if provisioner != LOCAL_PATH:
            return  # no such provisioner runs here: the claim waits, as it would on a cluster without one
        ns, name = claim["metadata"]["namespace"], claim["metadata"]["name"]
        self._provisioning.add((ns, name))
        self._provisioner_event(claim, "Provisioning",
                                f'External provisioner is provisioning volume for claim "{ns}/{name}"')
        self.queue.add_after(("provisioned", ns, name), PROVISION_SECONDS)

    def _provisioned(self, ns: str, name: str) -> None:
        """The local-path provisioner's volume is ready: create it and bind it to the claim."""
        self._provisioning.discard((ns, name))
        claim = self.rt.store.get("PersistentVolumeClaim", ns, name)
        if claim is None or claim["spec"].get("volumeName"):
            return
        sc = self.rt.store.get("StorageClass", "", claim["spec"].get("storageClassName") or "")
        node = (claim["metadata"].get("annotations") or {}).get(SELECTED_NODE, "")
        volume = self.rt.api.create(_volume(claim, sc or {}, node), trusted=True)
        self._provisioner_event(claim, "ProvisioningSucceeded",
                                f"Successfully provisioned volume {volume['metadata']['name']}")
        self._bind(claim, volume)

    def _bind(self, claim: Obj, volume: Obj) -> None:
        meta = dict(claim["metadata"])
        meta["annotations"] = {**(meta.get("annotations") or {}), "pv.kubernetes.io/bind-completed": "yes",
                               "pv.kubernetes.io/bound-by-controller": "yes"}
        claim = self.rt.api.write({**claim, "metadata": meta,
                                   "spec": {**claim["spec"], "volumeName": volume["metadata"]["name"]}})
        self.rt.api.write_status(claim, {"accessModes": list(volume["spec"].get("accessModes") or ()),
                                         "capacity": dict(volume["spec"].get("capacity") or {}), "phase": "Bound"})
        ref = {k: v for k, v in ref_to(claim).items() if k != "fieldPath"}
        volume = self.rt.api.write({**volume, "spec": {**volume["spec"], "claimRef": ref}})
        self.rt.api.write_status(volume, {"phase": "Bound"})

    def _release(self, volume_name: str) -> None:
        """The claim of a volume with the Delete reclaim policy is gone: so is the volume."""
        volume = self.rt.store.get("PersistentVolume", "", volume_name)
        if volume is None or volume["spec"].get("persistentVolumeReclaimPolicy") != "Delete":
            return
        with contextlib.suppress(NotFoundError):
            self.rt.api.delete("PersistentVolume", "", volume_name)

    def _provisioner_event(self, claim: Obj, reason: str, message: str) -> None:
        """Events from the provisioner, named as the external provisioner names itself (`<driver>_<pod>_<id>`)."""
        pods = self.rt.store.list("Pod", "local-path-storage")
        pod = pods[0]["metadata"] if pods else {"name": "local-path-provisioner", "uid": ""}
        identity = uuid.uuid5(uuid.NAMESPACE_OID, str(pod.get("uid", "")))
        self.rt.events.record(claim, "Normal", reason, message, component=f"{LOCAL_PATH}_{pod['name']}_{identity}")


def _volume(claim: Obj, sc: Obj, node: str) -> Obj:
    """The volume local-path provisions: a directory on the node, `pvc-<claim uid>`."""
    meta, spec = claim["metadata"], claim["spec"]
    name = f"pvc-{meta['uid']}"
    requests = (spec.get("resources") or {}).get("requests") or {}
    volume: Obj = {
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": name, "annotations": {"pv.kubernetes.io/provisioned-by": sc.get("provisioner", "")}},
        "spec": {"accessModes": list(spec.get("accessModes") or ["ReadWriteOnce"]),
                 "capacity": {"storage": requests.get("storage", "0")},
                 "hostPath": {"path": f"/var/local-path-provisioner/{name}_{meta['namespace']}_{meta['name']}",
                              "type": "DirectoryOrCreate"},
                 "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy", "Delete"),
                 "storageClassName": spec.get("storageClassName", ""),
                 "volumeMode": spec.get("volumeMode", "Filesystem")},
    }
    if node:
        volume["metadata"]["annotations"]["local.path.provisioner/selected-node"] = node
        volume["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    return volume
