"""The StatefulSet controller: pods with a stable identity, `<set>-0` to `<set>-N-1`, each with its own claims.

As Kubernetes' `pkg/controller/statefulset` (`stateful_set_control.go`), per sync:

1. Revisions: the pod template's ControllerRevision `<set>-<hash>` (created, or an equal older one renumbered on
   a rollback); the current revision is `status.currentRevision`, the update revision the template's.
2. Replicas, in ordinal order: a Failed or Succeeded pod is deleted to be recreated (RecreatingFailedPod /
   RecreatingTerminatedPod); a missing one is created, with its claims first (SuccessfulCreate
   "create Claim data-db-0 Pod db-0 in StatefulSet db success", "create Pod db-0 in StatefulSet db successful"),
   below the partition from the current revision's template, at or above it from the update revision's. With
   `podManagementPolicy: OrderedReady` (the default) the sync stops at the first pod that was just created, is
   terminating, or is not Running and Ready (and available for `minReadySeconds`): one pod at a time, in order.
   `Parallel` creates them all at once. A pod that is terminating still holds its identity: no replacement is
   made until it is gone.
3. Scale down, highest ordinal first, one at a time with OrderedReady, only once all the others are healthy
   (SuccessfulDelete "delete Pod db-2 in StatefulSet db successful"). Claims are kept (the default retention).
4. RollingUpdate: the highest-ordinal pod at or above `partition` that is not at the update revision is deleted
   (it is recreated from the new template by step 2); the update waits for each to be Running and Ready.
   OnDelete leaves pods alone until someone deletes them.
5. Status: replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas, the two revisions,
   collisionCount, observedGeneration; when every pod is updated and ready, the update revision becomes current.

Must not: bind or run pods, or delete claims.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kube_magics.errors import AlreadyExistsError, KubeMagicsError, NotFoundError
from kube_magics.selectors import from_label_selector
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import ownership, podutil
from kube_magics.sim.controllers import statefulset_util as su
from kube_magics.sim.objects import controller_ref, labels_of
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
Key = tuple[str, str]


@dataclass
class Plan:
    """One sync's view of a set: its revisions and its pods by ordinal (built pods where none exists)."""

    set: Obj
    current: Obj
    update: Obj
    collisions: int
    replicas: list[Obj | None]  # None where no pod exists yet (built when its turn comes)
    condemned: list[Obj] = field(default_factory=list)


class StatefulSetController(Controller):
    name = "statefulset-controller"
    watches = ("StatefulSet", "Pod")

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        ownership.ensure_orphan_index(rt, "Pod")

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj = event.object
        ns = obj["metadata"].get("namespace") or ""
        if event.kind == "StatefulSet":
            return ((ns, obj["metadata"]["name"]),)
        ref = controller_ref(obj)
        if ref is not None and ref.get("kind") != "StatefulSet" and (
                event.old is None or controller_ref(event.old) == ref):
            return ()  # another controller's pod (the common case: a quick way out)
        keys: list[Key] = []
        for pod in (obj, event.old) if event.old is not None else (obj,):
            owner = ownership.resolve_controller(self.rt, pod, "StatefulSet")
            if owner is not None and (ns, owner["metadata"]["name"]) not in keys:
                keys.append((ns, owner["metadata"]["name"]))
        adoptable = event.type == "ADDED" or (event.type == "MODIFIED" and event.old is not None
                                              and labels_of(event.old) != labels_of(obj))
        if not keys and adoptable and ref is None:
            keys.extend((ns, set_["metadata"]["name"]) for set_ in ownership.selecting(self.rt, "StatefulSet", obj))
        return keys

    def reconcile(self, key: Any) -> None:
        set_ = self.rt.store.get("StatefulSet", *key)
        if set_ is None:
            return
        try:
            self._sync(set_)
        except KubeMagicsError:
            self.queue.add_rate_limited(key)
            return
        self.queue.forget(key)

    def _sync(self, set_: Obj) -> None:
        pods = ownership.claim(self.rt, set_, "Pod", from_label_selector(set_["spec"].get("selector")))
        revisions = self._revisions_of(set_)
        current, update, collisions = self._revisions(set_, revisions)
        plan = self._plan(set_, current, update, collisions, pods)
        try:
            if not set_["metadata"].get("deletionTimestamp"):
                self._update(plan)
        finally:
            status = self._status(plan)
            if status != (set_.get("status") or {}):
                self.rt.api.write_status(set_, status)
            self._truncate_history(set_, pods, revisions, current, update)
        mrs = int(set_["spec"].get("minReadySeconds") or 0)
        if mrs > 0 and status.get("readyReplicas", 0) != status.get("availableReplicas", 0):
            self.queue.add_after((set_["metadata"]["namespace"], set_["metadata"]["name"]), mrs)

    # --- revisions -------------------------------------------------------------------------------------------------

    def _revisions_of(self, set_: Obj) -> list[Obj]:
        owned = ownership.controlled_by(self.rt, set_, "ControllerRevision")
        return sorted(owned, key=lambda r: (int(r.get("revision", 0)), r["metadata"]["name"]))

    def _revisions(self, set_: Obj, revisions: list[Obj]) -> tuple[Obj, Obj, int]:
        """getStatefulSetRevisions: (current, update, collision count)."""
        collisions = int((set_.get("status") or {}).get("collisionCount") or 0)
        data = su.revision_data(set_)
        number = int(revisions[-1].get("revision", 0)) + 1 if revisions else 1
        equal = [r for r in revisions if r.get("data") == data]
        if equal and equal[-1] is revisions[-1]:
            update = revisions[-1]
        elif equal:
            update = self.rt.api.write(dict(equal[-1], revision=number))  # a rollback renumbers the old one
        else:
            update, collisions = self._create_revision(set_, number, collisions)
        name = (set_.get("status") or {}).get("currentRevision")
        current = next((r for r in revisions if r["metadata"]["name"] == name), update)
        return current, update, collisions

    def _create_revision(self, set_: Obj, number: int, collisions: int) -> tuple[Obj, int]:
        while True:
            revision = su.new_revision(set_, number, collisions)
            try:
                return self.rt.api.create(revision, trusted=True), collisions
            except AlreadyExistsError:
                existing = self.rt.store.get("ControllerRevision", set_["metadata"]["namespace"],
                                             revision["metadata"]["name"])
                if existing is not None and existing.get("data") == revision["data"]:
                    return existing, collisions
                collisions += 1

    def _truncate_history(self, set_: Obj, pods: list[Obj], revisions: list[Obj], current: Obj, update: Obj) -> None:
        live = {current["metadata"]["name"], update["metadata"]["name"]} | {su.revision_of(p) for p in pods}
        old = [r for r in revisions if r["metadata"]["name"] not in live]
        limit = int(set_["spec"].get("revisionHistoryLimit", 10))
        for revision in old[:max(0, len(old) - limit)]:
            with contextlib.suppress(NotFoundError):
                self.rt.api.delete("ControllerRevision", revision["metadata"]["namespace"],
                                   revision["metadata"]["name"])

    # --- pods --------------------------------------------------------------------------------------------------

    def _plan(self, set_: Obj, current: Obj, update: Obj, collisions: int, pods: list[Obj]) -> Plan:
        count, start = int(set_["spec"].get("replicas", 1)), su.start_ordinal(set_)
        plan = Plan(set_, current, update, collisions, [None] * count)
        for pod in pods:
            ord_ = su.ordinal(set_, pod)
            if start <= ord_ < start + count:
                plan.replicas[ord_ - start] = pod
            elif ord_ >= 0:
                plan.condemned.append(pod)
        plan.condemned.sort(key=lambda p: -su.ordinal(set_, p))
        return plan

    def _build(self, plan: Plan, ord_: int) -> Obj:
        """newVersionedStatefulSetPod: below the partition from the current revision, else the update one."""
        strategy = plan.set["spec"].get("updateStrategy") or {}
        partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
        if strategy.get("type", "RollingUpdate") == "RollingUpdate" and ord_ < partition:
            revision = plan.current
        else:
            revision = plan.update
        return su.new_pod(plan.set, su.template_of(revision), ord_, revision["metadata"]["name"])

    def _update(self, plan: Plan) -> None:
        """updateStatefulSet: replicas in order, then the condemned, then the rolling update."""
        set_, now = plan.set, self.rt.clock.now
        monotonic = set_["spec"].get("podManagementPolicy", "OrderedReady") != "Parallel"
        mrs = int(set_["spec"].get("minReadySeconds") or 0)
        for i in range(len(plan.replicas)):
            if self._replica(plan, i, monotonic, mrs) and monotonic:
                return
        replicas = [p for p in plan.replicas if p is not None]
        unhealthy = [p for p in replicas + plan.condemned[::-1] if su.unavailable(p, mrs, now)] \
            if plan.condemned else []
        first_unhealthy = min(unhealthy, key=lambda p: su.ordinal(set_, p)) if unhealthy else None
        for pod in plan.condemned:
            if su.is_terminating(pod):
                if monotonic:
                    return
                continue
            if monotonic and not su.running_and_available(pod, mrs, now) and pod is not first_unhealthy:
                return
            self._delete(set_, pod)
            if monotonic:
                return
        strategy = set_["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") == "RollingUpdate":
            self._rolling_update(plan, int((strategy.get("rollingUpdate") or {}).get("partition") or 0), mrs)

    def _replica(self, plan: Plan, i: int, monotonic: bool, mrs: int) -> bool:
        """processReplica: True when an OrderedReady set must wait before going on to the next ordinal."""
        set_, pod = plan.set, plan.replicas[i]
        if pod is None:
            pod = plan.replicas[i] = self._build(plan, su.start_ordinal(set_) + i)
        if su.phase(pod) in ("Failed", "Succeeded") and not su.is_terminating(pod):
            which = ("Warning", "RecreatingFailedPod", "failed") if su.phase(pod) == "Failed" else \
                ("Normal", "RecreatingTerminatedPod", "terminated")
            self.event(set_, which[0], which[1], f"StatefulSet {set_['metadata']['namespace']}/"
                       f"{set_['metadata']['name']} is recreating {which[2]} Pod {pod['metadata']['name']}")
            self._delete(set_, pod)
            return True  # the pod is recreated once it is gone
        if not su.is_created(pod):
            self._create(set_, pod)
            return True
        if su.is_terminating(pod):
            return True
        if not su.running_and_available(pod, mrs, self.rt.clock.now):
            return True
        if not su.identity_matches(set_, pod):
            self.rt.api.write(su.with_identity(set_, pod))
            self.event(set_, "Normal", "SuccessfulUpdate",
                       f"update Pod {pod['metadata']['name']} in StatefulSet {set_['metadata']['name']} successful")
        return False

    def _create(self, set_: Obj, pod: Obj) -> None:
        """CreateStatefulPod: the pod's claims first, then the pod."""
        set_name, pod_name = set_["metadata"]["name"], pod["metadata"]["name"]
        for claim in su.claims_for(set_, su.ordinal(set_, pod)):
            claim_name = claim["metadata"]["name"]
            existing = self.rt.store.get("PersistentVolumeClaim", claim["metadata"]["namespace"], claim_name)
            if existing is not None:
                if existing["metadata"].get("deletionTimestamp"):
                    raise KubeMagicsError(f"pvc {claim_name} is being deleted")
                continue
            try:
                self.rt.api.create(claim, trusted=True)
            except KubeMagicsError as exc:
                self.event(set_, "Warning", "FailedCreate", f"create Claim {claim_name} for Pod {pod_name} in "
                           f"StatefulSet {set_name} failed error: {exc.message}")
                raise
            self.event(set_, "Normal", "SuccessfulCreate",
                       f"create Claim {claim_name} Pod {pod_name} in StatefulSet {set_name} success")
        try:
            self.rt.api.create(pod, trusted=True)
        except AlreadyExistsError:
            return
        except KubeMagicsError as exc:
            self.event(set_, "Warning", "FailedCreate",
                       f"create Pod {pod_name} in StatefulSet {set_name} failed error: {exc.message}")
            raise
        self.event(set_, "Normal", "SuccessfulCreate", f"create Pod {pod_name} in StatefulSet {set_name} successful")

    def _delete(self, set_: Obj, pod: Obj) -> None:
        name = pod["metadata"]["name"]
        try:
            self.rt.api.delete("Pod", pod["metadata"]["namespace"], name)
        except NotFoundError:
            return
        except KubeMagicsError as exc:
            self.event(set_, "Warning", "FailedDelete",
                       f"delete Pod {name} in StatefulSet {set_['metadata']['name']} failed error: {exc.message}")
            raise
        self.event(set_, "Normal", "SuccessfulDelete",
                   f"delete Pod {name} in StatefulSet {set_['metadata']['name']} successful")

    def _rolling_update(self, plan: Plan, partition: int, mrs: int) -> None:
        """The highest-ordinal pod at or above the partition that is not at the update revision goes first; the
        update waits for each replacement to be Running and Ready."""
        update = plan.update["metadata"]["name"]
        start = su.start_ordinal(plan.set)
        for pod in reversed(plan.replicas[max(0, partition - start):]):
            if pod is None:
                return
            if su.revision_of(pod) != update and not su.is_terminating(pod):
                self._delete(plan.set, pod)
                return
            if su.unavailable(pod, mrs, self.rt.clock.now):
                return

    # --- status ------------------------------------------------------------------------------------------------

    def _status(self, plan: Plan) -> Obj:
        set_, now = plan.set, self.rt.clock.now
        mrs = int(set_["spec"].get("minReadySeconds") or 0)
        current, update = plan.current["metadata"]["name"], plan.update["metadata"]["name"]
        pods = [p for p in plan.replicas + plan.condemned if p is not None and self.rt.store.get(
            "Pod", p["metadata"]["namespace"], p["metadata"]["name"]) is p]
        counts = {"replicas": 0, "readyReplicas": 0, "availableReplicas": 0, "currentReplicas": 0,
                  "updatedReplicas": 0}
        for pod in pods:
            created = su.is_created(pod)
            counts["replicas"] += created
            if su.phase(pod) == "Running" and podutil.is_ready(pod):
                counts["readyReplicas"] += 1
                counts["availableReplicas"] += su.running_and_available(pod, mrs, now)
            if created and not su.is_terminating(pod):
                counts["currentReplicas"] += su.revision_of(pod) == current
                counts["updatedReplicas"] += su.revision_of(pod) == update
        strategy = (set_["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy == "RollingUpdate" and counts["updatedReplicas"] == counts["replicas"] == \
                counts["readyReplicas"]:
            counts["currentReplicas"], current = counts["updatedReplicas"], update
        status: Obj = {"availableReplicas": counts["availableReplicas"], "collisionCount": plan.collisions,
                       "currentRevision": current, "observedGeneration": set_["metadata"].get("generation", 1),
                       "replicas": counts["replicas"], "updateRevision": update}
        for key in ("readyReplicas", "currentReplicas", "updatedReplicas"):
            if counts[key]:
                status[key] = counts[key]
        return status
