"""What the StatefulSet controller builds and reads: pure functions over StatefulSets, their pods and revisions.

As Kubernetes' `stateful_set_utils.go`: a pod's identity is its ordinal (`<set>-<ordinal>`), kept in its name, its
hostname and subdomain (the governing Service), and the `statefulset.kubernetes.io/pod-name` and
`apps.kubernetes.io/pod-index` labels; its storage is one PersistentVolumeClaim per `volumeClaimTemplates` entry,
`<claim>-<set>-<ordinal>`, mounted under the template's name; its revision is the `controller-revision-hash`
label, the name of a ControllerRevision `<set>-<hash>` whose data is the pod template.

Must not: write anything.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kube_magics.sim import names
from kube_magics.sim.controllers import podutil
from kube_magics.sim.objects import deep_copy, owner_reference

Obj = dict[str, Any]

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"
HASH_LABEL = "controller.kubernetes.io/hash"


def ordinal(set_: Mapping[str, Any], pod: Mapping[str, Any]) -> int:
    """The pod's ordinal, or -1 if its name is not `<set>-<n>`."""
    prefix, name = set_["metadata"]["name"] + "-", pod["metadata"]["name"]
    digits = name[len(prefix):]
    if not name.startswith(prefix) or not digits.isdigit() or not digits.isascii():
        return -1
    return int(digits)


def start_ordinal(set_: Mapping[str, Any]) -> int:
    return int(((set_["spec"].get("ordinals") or {}).get("start")) or 0)


def revision_of(pod: Mapping[str, Any]) -> str:
    return (pod["metadata"].get("labels") or {}).get(REVISION_LABEL, "")


def is_created(pod: Mapping[str, Any]) -> bool:
    """isCreated: the pod exists (a pod built this sync has no phase yet)."""
    return bool((pod.get("status") or {}).get("phase"))


def is_terminating(pod: Mapping[str, Any]) -> bool:
    return pod["metadata"].get("deletionTimestamp") is not None


def phase(pod: Mapping[str, Any]) -> str:
    return str((pod.get("status") or {}).get("phase") or "")


def running_and_ready(pod: Mapping[str, Any]) -> bool:
    return phase(pod) == "Running" and podutil.is_ready(pod)


def running_and_available(pod: Mapping[str, Any], min_ready: int, now: float) -> bool:
    return phase(pod) == "Running" and podutil.is_available(pod, min_ready, now)


def unavailable(pod: Mapping[str, Any], min_ready: int, now: float) -> bool:
    return not running_and_available(pod, min_ready, now) or is_terminating(pod)


def claim_name(claim: Mapping[str, Any], set_: Mapping[str, Any], ord_: int) -> str:
    return f"{claim['metadata']['name']}-{set_['metadata']['name']}-{ord_}"


def claims_for(set_: Mapping[str, Any], ord_: int) -> list[Obj]:
    """getPersistentVolumeClaims: the claims a pod of this ordinal uses, labelled with the set's selector."""
    out = []
    selector = (set_["spec"].get("selector") or {}).get("matchLabels") or {}
    for template in set_["spec"].get("volumeClaimTemplates") or ():
        claim = deep_copy(dict(template))
        meta = claim.setdefault("metadata", {})
        meta["name"] = claim_name(template, set_, ord_)
        meta["namespace"] = set_["metadata"]["namespace"]
        meta["labels"] = {**(meta.get("labels") or {}), **selector}
        claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
        claim.pop("status", None)
        out.append(claim)
    return out


def new_pod(set_: Mapping[str, Any], template: Mapping[str, Any], ord_: int, revision: str) -> Obj:
    """newStatefulSetPod: the template with the pod's identity, storage and revision."""
    tmeta = template.get("metadata") or {}
    name = f"{set_['metadata']['name']}-{ord_}"
    labels = {**(tmeta.get("labels") or {}), POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ord_),
              REVISION_LABEL: revision}
    meta: Obj = {"name": name, "namespace": set_["metadata"]["namespace"], "labels": labels,
                 "ownerReferences": [owner_reference(set_)]}
    if tmeta.get("annotations"):
        meta["annotations"] = dict(tmeta["annotations"])
    if tmeta.get("finalizers"):
        meta["finalizers"] = list(tmeta["finalizers"])
    spec = deep_copy(template.get("spec") or {})
    spec["hostname"] = name
    if set_["spec"].get("serviceName"):
        spec["subdomain"] = set_["spec"]["serviceName"]
    claims = {c["metadata"]["name"]: claim_name(c, set_, ord_) for c in set_["spec"].get("volumeClaimTemplates") or ()}
    if claims:
        volumes = [v for v in spec.get("volumes") or () if v.get("name") not in claims]
        volumes += [{"name": vol, "persistentVolumeClaim": {"claimName": claim}} for vol, claim in claims.items()]
        spec["volumes"] = volumes
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def identity_matches(set_: Mapping[str, Any], pod: Mapping[str, Any]) -> bool:
    labels = pod["metadata"].get("labels") or {}
    ord_ = ordinal(set_, pod)
    return ord_ >= 0 and labels.get(POD_NAME_LABEL) == pod["metadata"]["name"] and \
        labels.get(POD_INDEX_LABEL) == str(ord_)


def with_identity(set_: Mapping[str, Any], pod: Obj) -> Obj:
    """updateIdentity: the pod with its identity labels restored."""
    meta = dict(pod["metadata"])
    meta["labels"] = {**(meta.get("labels") or {}), POD_NAME_LABEL: meta["name"],
                      POD_INDEX_LABEL: str(ordinal(set_, pod))}
    out = dict(pod)
    out["metadata"] = meta
    return out


# --- revisions ---------------------------------------------------------------------------------------------------

def revision_data(set_: Mapping[str, Any]) -> Obj:
    """getPatch: what a ControllerRevision of a StatefulSet holds, its pod template replacing the old one."""
    template = json.loads(json.dumps(set_["spec"].get("template") or {}))
    return {"spec": {"template": {**template, "$patch": "replace"}}}


def template_of(revision: Mapping[str, Any]) -> Obj:
    """ApplyRevision: the pod template a revision records."""
    template = dict(((revision.get("data") or {}).get("spec") or {}).get("template") or {})
    template.pop("$patch", None)
    return template


def new_revision(set_: Mapping[str, Any], number: int, collisions: int) -> Obj:
    """NewControllerRevision: named `<set>-<hash>`, labelled with the template's labels and the hash."""
    data = revision_data(set_)
    hash_ = names.pod_template_hash(data, collisions or None)
    labels = {**((set_["spec"].get("template") or {}).get("metadata") or {}).get("labels", {}), HASH_LABEL: hash_}
    return {"apiVersion": "apps/v1", "kind": "ControllerRevision",
            "metadata": {"name": f"{set_['metadata']['name']}-{hash_}", "namespace": set_["metadata"]["namespace"],
                         "labels": labels, "ownerReferences": [owner_reference(set_)]},
            "data": data, "revision": number}
