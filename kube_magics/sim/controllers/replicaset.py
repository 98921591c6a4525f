"""The ReplicaSet controller: keeps `spec.replicas` pods running from a ReplicaSet's template.

As Kubernetes' `pkg/controller/replicaset`: claim the active pods the selector matches (adopting orphans,
releasing pods whose labels no longer match), create the missing ones in slow-start batches (1, 2, 4, ...; a
failed batch stops the round) or delete the surplus in `ActivePodsWithRanks` order (see `podutil`), at most
500 per round, then write status: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas,
observedGeneration and the ReplicaFailure condition. Events: SuccessfulCreate "Created pod: x",
SuccessfulDelete "Deleted pod: x", FailedCreate "Error creating: ...".

Pods are found through the store's owner index and an index of orphan pods by namespace: a reconcile costs the
ReplicaSet's own pods, not the cluster's.

Must not: schedule or run pods, or touch pods it does not control.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError
from kube_magics.selectors import from_label_selector
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import ownership, podutil
from kube_magics.sim.controllers.deployment_util import replicas
from kube_magics.sim.objects import controller_ref, deep_copy, is_deleting, labels_of, owner_reference
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
Key = tuple[str, str]

BURST_REPLICAS = 500
FAILURE = "ReplicaFailure"


class ReplicaSetController(Controller):
    name = "replicaset-controller"
    watches = ("ReplicaSet", "Pod")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        ownership.ensure_orphan_index(rt, "Pod")

    # --- which ReplicaSet a change concerns ----------------------------------------------------------------------

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if event.kind == "ReplicaSet":
            meta = event.object["metadata"]
            return ((meta.get("namespace") or "", meta["name"]),)
        pod, old = event.object, event.old
        if event.type == "DELETED" or (event.type == "ADDED" and is_deleting(pod)):
            return self._owner_keys(pod)
        if event.type == "ADDED":
            return self._owner_keys(pod) if controller_ref(pod) is not None else self._matching(pod)
        return self._update_keys(pod, old or pod)

    def _update_keys(self, pod: Obj, old: Obj) -> list[Key]:
        labels_changed = labels_of(pod) != labels_of(old)
        if is_deleting(pod):
            keys = self._owner_keys(pod)
            return keys + self._owner_keys(old) if labels_changed else keys
        ref, old_ref = controller_ref(pod), controller_ref(old)
        ref_changed = ref != old_ref
        keys = self._owner_keys(old) if ref_changed and old_ref is not None else []
        if ref is not None:
            rs = ownership.resolve_controller(self.rt, pod, "ReplicaSet")
            if rs is None:
                return keys
            keys.append(_key(rs))
            mrs = int(rs["spec"].get("minReadySeconds") or 0)
            if mrs > 0 and podutil.is_ready(pod) and not podutil.is_ready(old):
                # Look again once the pod may count as available (plus a second, as Kubernetes does for skew).
                self.queue.add_after(_key(rs), mrs + 1)
            return keys
        if labels_changed or ref_changed:
            keys.extend(self._matching(pod))
        return keys

    def _owner_keys(self, pod: Obj) -> list[Key]:
        rs = ownership.resolve_controller(self.rt, pod, "ReplicaSet")
        return [] if rs is None else [_key(rs)]

    def _matching(self, pod: Obj) -> list[Key]:
        """ReplicaSets that might adopt this orphan (getPodReplicaSets)."""
        return [_key(rs) for rs in ownership.selecting(self.rt, "ReplicaSet", pod)]

    # --- reconcile -----------------------------------------------------------------------------------------------

    def reconcile(self, key: Any) -> None:
        try:
            self._sync(key)
        except KubeMagicsError:
            self.queue.add_rate_limited(key)  # the API refused a write: look again later, as after a failed sync

    def _sync(self, key: Key) -> None:
        ns, name = key
        rs = self.rt.store.get("ReplicaSet", ns, name)
        if rs is None:
            return
        selector = from_label_selector(rs["spec"].get("selector"))
        pods = ownership.claim(self.rt, rs, "Pod", selector, keep=podutil.is_active)
        error: KubeMagicsError | None = None
        if not is_deleting(rs):
            pods, error = self._manage(rs, pods)
        updated = self._write_status(rs, pods, error)
        if error is not None:
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)
        mrs = int(updated["spec"].get("minReadySeconds") or 0)
        status = updated.get("status") or {}
        if mrs > 0 and status.get("readyReplicas", 0) == replicas(updated) \
                and status.get("availableReplicas", 0) != replicas(updated):
            self.queue.add_after(key, mrs)

    def _manage(self, rs: Obj, pods: list[Obj]) -> tuple[list[Obj], KubeMagicsError | None]:
        diff = len(pods) - replicas(rs)
        if diff < 0:
            created, error = self._create(rs, min(-diff, BURST_REPLICAS))
            return pods + created, error
        if diff > 0:
            return self._delete(rs, pods, min(diff, BURST_REPLICAS))
        return pods, None

    # --- creating ------------------------------------------------------------------------------------------------

    def _create(self, rs: Obj, count: int) -> tuple[list[Obj], KubeMagicsError | None]:
        """slowStartBatch: batches of 1, 2, 4, ... pods; a batch with a failure ends the round."""
        created: list[Obj] = []
        batch, remaining = min(count, 1), count
        while batch > 0:
            first_error: KubeMagicsError | None = None
            for _ in range(batch):
                try:
                    created.append(self._create_one(rs))
                except KubeMagicsError as exc:
                    first_error = first_error or exc
            if first_error is not None:
                return created, first_error
            remaining -= batch
            batch = min(2 * batch, remaining)
        return created, None

    def _create_one(self, rs: Obj) -> Obj:
        template = rs["spec"].get("template") or {}
        tmeta = template.get("metadata") or {}
        meta: Obj = {"generateName": f"{rs['metadata']['name']}-", "namespace": rs["metadata"]["namespace"],
                     "labels": dict(tmeta.get("labels") or {}), "ownerReferences": [owner_reference(rs)]}
        if tmeta.get("annotations"):
            meta["annotations"] = dict(tmeta["annotations"])
        if tmeta.get("finalizers"):
            meta["finalizers"] = list(tmeta["finalizers"])
        pod = {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": deep_copy(template.get("spec") or {})}
        try:
            made = self.rt.api.create(pod, trusted=True)
        except KubeMagicsError as exc:
            # As Kubernetes: no event when the namespace is being deleted (every create would fail the same way).
            if "because it is being terminated" not in exc.message:
                self.event(rs, "Warning", "FailedCreate", f"Error creating: {exc.message}")
            raise
        self.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {made['metadata']['name']}")
        return made

    # --- deleting ------------------------------------------------------------------------------------------------

    def _delete(self, rs: Obj, pods: list[Obj], count: int) -> tuple[list[Obj], KubeMagicsError | None]:
        if count < len(pods):
            victims = podutil.deletion_order(pods, self._related_pods(rs), self.rt.clock.now)[:count]
        else:
            victims = pods[:count]
        gone = set()
        error: KubeMagicsError | None = None
        for pod in victims:
            name = pod["metadata"]["name"]
            try:
                self.rt.api.delete("Pod", pod["metadata"]["namespace"], name)
            except NotFoundError:
                pass
            except KubeMagicsError as exc:
                error = error or exc
                continue
            else:
                self.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {name}")
            gone.add(name)
        return [p for p in pods if p["metadata"]["name"] not in gone], error

    def _related_pods(self, rs: Obj) -> list[Obj]:
        """getIndirectlyRelatedPods: the pods of every ReplicaSet under this one's controller."""
        ref = controller_ref(rs)
        if ref is None:
            return []
        out: list[Obj] = []
        for kind, ns, name in self.rt.store.dependents(ref.get("uid", "")):
            sibling = self.rt.store.get(kind, ns, name) if kind == "ReplicaSet" else None
            if sibling is not None:
                out.extend(ownership.controlled_by(self.rt, sibling, "Pod"))
        return out

    # --- status --------------------------------------------------------------------------------------------------

    def _write_status(self, rs: Obj, pods: list[Obj], error: KubeMagicsError | None) -> Obj:
        status = calculate_status(rs, pods, error, self.rt.clock.now)
        return self.rt.api.write_status(rs, status)


def calculate_status(rs: Mapping[str, Any], pods: list[Obj], error: KubeMagicsError | None, now: float) -> Obj:
    """ReplicaSetStatus for these active pods (`replicas` always present, the other counts only when non-zero)."""
    template_labels = ((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}
    mrs = int(rs["spec"].get("minReadySeconds") or 0)
    fully = ready = available = 0
    for pod in pods:
        labels = labels_of(pod)
        if all(labels.get(k) == v for k, v in template_labels.items()):
            fully += 1
        if podutil.is_ready(pod):
            ready += 1
            if podutil.is_available(pod, mrs, now):
                available += 1
    old = rs.get("status") or {}
    conditions = list(old.get("conditions") or ())
    failure = next((c for c in conditions if c.get("type") == FAILURE), None)
    if error is not None and failure is None:
        reason = "FailedCreate" if len(pods) < replicas(rs) else "FailedDelete"
        conditions.append({"type": FAILURE, "status": "True", "lastTransitionTime": rfc3339(now),
                           "reason": reason, "message": error.message})
    elif error is None and failure is not None:
        conditions = [c for c in conditions if c.get("type") != FAILURE]
    status: Obj = {"replicas": len(pods)}
    for field, value in (("fullyLabeledReplicas", fully), ("readyReplicas", ready),
                         ("availableReplicas", available), ("observedGeneration", rs["metadata"].get("generation"))):
        if value:
            status[field] = value
    if conditions:
        status["conditions"] = conditions
    return status


def _key(obj: Mapping[str, Any]) -> Key:
    return obj["metadata"].get("namespace") or "", obj["metadata"]["name"]
