"""The DaemonSet controller: one pod per eligible node, kept in step with the template.

As `pkg/controller/daemon`: a node is eligible when the pod template's nodeSelector and required node affinity
match it and its NoSchedule/NoExecute taints are tolerated (with the tolerations Kubernetes adds to every
DaemonSet pod: not-ready and unreachable NoExecute; disk-, memory- and pid-pressure, unschedulable NoSchedule;
network-unavailable for hostNetwork pods). Each pod is pinned to its node by required node affinity on
`metadata.name` and bound by the default scheduler. The template's revisions are ControllerRevisions
(`<ds>-<hash>`); pods carry `controller-revision-hash` and `pod-template-generation`, the DaemonSet the
`deprecated.daemonset.template.generation` annotation. RollingUpdate replaces old pods node by node, never more
than maxUnavailable unavailable at once; OnDelete waits for the user to delete them.

Must not: bind pods or run them (the scheduler and the kubelet do).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from kube_magics.errors import AlreadyExistsError
from kube_magics.sim import names
from kube_magics.sim.controller import Controller
from kube_magics.sim.objects import deep_copy, owner_reference
from kube_magics.sim.scheduling import filters
from kube_magics.sim.scheduling.podinfo import PodInfo, QuantityCache, pod_info
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
GENERATION_ANNOTATION = "deprecated.daemonset.template.generation"

DAEMON_TOLERATIONS = (
    ("node.kubernetes.io/not-ready", "NoExecute"),
    ("node.kubernetes.io/unreachable", "NoExecute"),
    ("node.kubernetes.io/disk-pressure", "NoSchedule"),
    ("node.kubernetes.io/memory-pressure", "NoSchedule"),
    ("node.kubernetes.io/pid-pressure", "NoSchedule"),
    ("node.kubernetes.io/unschedulable", "NoSchedule"),
)


def daemon_tolerations(spec: Obj) -> list[Obj]:
    tolerations = list(spec.get("tolerations") or [])
    wanted = list(DAEMON_TOLERATIONS)
    if spec.get("hostNetwork"):
        wanted.append(("node.kubernetes.io/network-unavailable", "NoSchedule"))
    for key, effect in wanted:
        if not any(t.get("key") == key and t.get("effect") == effect for t in tolerations):
            tolerations.append({"effect": effect, "key": key, "operator": "Exists"})
    return tolerations


def pin_to_node(spec: Obj, node: str) -> None:
    """Required node affinity on metadata.name (`ReplaceDaemonSetPodNodeNameNodeAffinity`)."""
    affinity = dict(spec.get("affinity") or {})
    node_affinity = dict(affinity.get("nodeAffinity") or {})
    node_affinity["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": [node]}]}]}
    affinity["nodeAffinity"] = node_affinity
    spec["affinity"] = affinity


class DaemonSetController(Controller):
    name = "daemonset-controller"
    watches = ("DaemonSet", "Pod", "Node")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.quantities = QuantityCache()
        self._hashes: dict[tuple[Any, Any], str] = {}  # (uid, generation) -> template hash
        self._eligibility: dict[tuple[Any, ...], bool] = {}

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        obj = event.object
        if event.kind == "DaemonSet":
            return ((obj["metadata"]["namespace"], obj["metadata"]["name"]),)
        if event.kind == "Node":
            old = event.old
            if old is not None and old["metadata"].get("labels") == obj["metadata"].get("labels") \
                    and old["spec"] == obj["spec"]:
                return ()
            return [(d["metadata"]["namespace"], d["metadata"]["name"]) for d in self.rt.store.iter("DaemonSet")]
        for ref in obj["metadata"].get("ownerReferences") or ():
            if ref.get("kind") == "DaemonSet" and ref.get("controller"):
                return ((obj["metadata"]["namespace"], ref["name"]),)
        return ()

    def reconcile(self, key: Any) -> None:
        ds = self.rt.store.get("DaemonSet", *key)
        if ds is None or ds["metadata"].get("deletionTimestamp"):
            return
        ds, revision, hash_ = self._revision(ds)
        by_node = self._pods_by_node(ds)
        nodes = {n["metadata"]["name"]: n for n in self.rt.store.iter("Node")}
        info = self._template_info(ds)
        eligible = [name for name, node in sorted(nodes.items()) if self._eligible(info, node)]
        staying = 0
        for name in sorted(set(by_node) - set(eligible)):
            pods = by_node.pop(name)
            if name in nodes and _may_stay(info, nodes[name]):
                staying += 1  # misscheduled, but its NoExecute taints are tolerated: the pod keeps running
                continue
            for pod in pods:
                self._delete(ds, pod)
        for name in eligible:
            pods = by_node.get(name) or []
            for extra in pods[1:]:
                self._delete(ds, extra)
            if not pods:
                by_node[name] = [self._create(ds, name, revision, hash_)]
            else:
                by_node[name] = pods[:1]
        self._rolling_update(ds, hash_, by_node)
        self._write_status(ds, eligible, hash_, by_node, staying)

    # --- revisions -------------------------------------------------------------------------------------------------

    def _revision(self, ds: Obj) -> tuple[Obj, int, str]:
        """The ControllerRevision of the current template (created if new) and the template generation."""
        template = ds["spec"]["template"]
        memo = (ds["metadata"]["uid"], ds["metadata"].get("generation"))
        hash_ = self._hashes.get(memo) or names.pod_template_hash(template)
        self._hashes[memo] = hash_
        ns, name = ds["metadata"]["namespace"], ds["metadata"]["name"]
        existing = [r for r in self.rt.store.list("ControllerRevision", ns)
                    if any(o.get("uid") == ds["metadata"]["uid"] for o in r["metadata"].get("ownerReferences") or ())]
        mine = next((r for r in existing if r["metadata"]["name"] == f"{name}-{hash_}"), None)
        if mine is None:
            number = max((int(r.get("revision", 0)) for r in existing), default=0) + 1
            labels = dict(template.get("metadata", {}).get("labels") or {})
            labels["controller-revision-hash"] = hash_
            mine = self.rt.api.create({
                "apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": {"name": f"{name}-{hash_}", "namespace": ns, "labels": labels,
                             "annotations": {GENERATION_ANNOTATION: str(number)},
                             "ownerReferences": [owner_reference(ds)]},
                "data": {"spec": {"template": json.loads(json.dumps(template)) | {"$patch": "replace"}}},
                "revision": number,
            }, trusted=True)
        number = int(mine.get("revision", 1))
        annotations = ds["metadata"].get("annotations") or {}
        if annotations.get(GENERATION_ANNOTATION) != str(number):
            new = dict(ds)
            new["metadata"] = dict(ds["metadata"], annotations={**annotations, GENERATION_ANNOTATION: str(number)})
            ds = self.rt.api.write(new)
        return ds, number, hash_

    # --- pods -------------------------------------------------------------------------------------------------------

    def _pods_by_node(self, ds: Obj) -> dict[str, list[Obj]]:
        out: dict[str, list[Obj]] = {}
        for kind, ns, name in self.rt.store.dependents(ds["metadata"]["uid"]):
            if kind != "Pod":
                continue
            pod = self.rt.store.get("Pod", ns, name)
            if pod is None or pod["metadata"].get("deletionTimestamp"):
                continue
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                self._delete(ds, pod)
                continue
            node = pod["spec"].get("nodeName") or _pinned_node(pod)
            out.setdefault(node, []).append(pod)
        for pods in out.values():
            pods.sort(key=lambda p: (p["metadata"]["creationTimestamp"], p["metadata"]["name"]))
        return out

    def _eligible(self, info: PodInfo, node: Obj) -> bool:
        """`NodeShouldRunDaemonPod`, remembered per template shape and node version."""
        key = (info.signature, node["metadata"]["name"], node["metadata"].get("resourceVersion"))
        ok = self._eligibility.get(key)
        if ok is None:
            if len(self._eligibility) > 100_000:
                self._eligibility.clear()
            ok = self._eligibility[key] = (filters.taint_toleration(info, node) is None
                                           and filters.node_affinity(info, node) is None)
        return ok

    def _template_info(self, ds: Obj) -> PodInfo:
        """What the template asks of a node: a node should run the pod when its taints are tolerated and the
        template's nodeSelector and node affinity match it (`NodeShouldRunDaemonPod`)."""
        spec = dict(ds["spec"]["template"].get("spec") or {})
        spec["tolerations"] = daemon_tolerations(spec)
        return pod_info({"metadata": {"name": "", "namespace": ds["metadata"]["namespace"]}, "spec": spec},
                        self.quantities)

    def _create(self, ds: Obj, node: str, revision: int, hash_: str) -> Obj:
        template = deep_copy(ds["spec"]["template"])
        meta = template.get("metadata") or {}
        labels = dict(meta.get("labels") or {})
        labels["controller-revision-hash"] = hash_
        labels["pod-template-generation"] = str(revision)
        spec = template.get("spec") or {}
        spec["tolerations"] = daemon_tolerations(spec)
        pin_to_node(spec, node)
        pod_meta: Obj = {"generateName": f"{ds['metadata']['name']}-", "namespace": ds["metadata"]["namespace"],
                         "labels": labels, "ownerReferences": [owner_reference(ds)]}
        if meta.get("annotations"):
            pod_meta["annotations"] = dict(meta["annotations"])
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": pod_meta, "spec": spec}
        for _ in range(7):  # a generated name that is taken: the create is tried again with a new one
            try:
                created = self.rt.api.create(pod, trusted=True)
                break
            except AlreadyExistsError:
                pod_meta.pop("name", None)
        else:
            created = self.rt.api.create(pod, trusted=True)
        self.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {created['metadata']['name']}")
        return created

    def _delete(self, ds: Obj, pod: Obj) -> None:
        self.rt.api.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

    def _rolling_update(self, ds: Obj, hash_: str, by_node: dict[str, list[Obj]]) -> None:
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = _max_unavailable(strategy, len(by_node))
        unavailable = sum(1 for pods in by_node.values() if not any(_ready(p) for p in pods))
        for node in sorted(by_node):
            pods = by_node[node]
            old = [p for p in pods if (p["metadata"].get("labels") or {}).get("controller-revision-hash") != hash_]
            if not old:
                continue
            if not _ready(old[0]):
                self._delete(ds, old[0])  # an unavailable old pod goes at once
                pods.remove(old[0])
            elif unavailable < max_unavailable:
                self._delete(ds, old[0])
                pods.remove(old[0])
                unavailable += 1

    def _write_status(self, ds: Obj, eligible: list[str], hash_: str, by_node: dict[str, list[Obj]],
                      staying: int) -> None:
        wanted = set(eligible)
        scheduled = [n for n in eligible if any(p["spec"].get("nodeName") for p in by_node.get(n, []))]
        ready = [n for n in eligible if any(_ready(p) for p in by_node.get(n, []))]
        updated = [n for n in eligible if any((p["metadata"].get("labels") or {}).get("controller-revision-hash")
                                              == hash_ for p in by_node.get(n, []))]
        misscheduled = [n for n in by_node if n not in wanted and any(p["spec"].get("nodeName")
                                                                         for p in by_node[n])]
        status: Obj = {
            "currentNumberScheduled": len(scheduled),
            "desiredNumberScheduled": len(eligible),
            "numberAvailable": len(ready),
            "numberMisscheduled": len(misscheduled) + staying,
            "numberReady": len(ready),
            "observedGeneration": ds["metadata"].get("generation", 1),
            "updatedNumberScheduled": len(updated),
        }
        if len(eligible) - len(ready) > 0:
            status["numberUnavailable"] = len(eligible) - len(ready)
        if status != ds.get("status"):
            self.rt.api.write_status(ds, status)


def _may_stay(info: PodInfo, node: Obj) -> bool:
    """`NodeShouldRunDaemonPod`'s shouldContinueRunning for a node that should not run the pod: the node still
    matches, and only NoSchedule taints are not tolerated (a cordon, a failed node's `unreachable:NoSchedule`)."""
    if filters.node_affinity(info, node) is not None:
        return False
    no_execute = [t for t in (node.get("spec") or {}).get("taints") or () if t.get("effect") == "NoExecute"]
    return all(any(filters.tolerates(t, taint) for t in info.tolerations) for taint in no_execute)


def _pinned_node(pod: Obj) -> str:
    terms = ((((pod["spec"].get("affinity") or {}).get("nodeAffinity") or {})
              .get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms") or [])
    for term in terms:
        for f in term.get("matchFields") or ():
            if f.get("key") == "metadata.name" and f.get("values"):
                return str(f["values"][0])
    return ""


def _ready(pod: Obj) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _max_unavailable(strategy: Obj, total: int) -> int:
    value = (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1)
    if isinstance(value, str) and value.endswith("%"):
        import math

        return max(1, math.floor(total * int(value[:-1]) / 100))
    return max(1, int(value))
