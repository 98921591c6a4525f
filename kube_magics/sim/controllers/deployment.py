"""The Deployment controller: rolls a Deployment's pod template out through ReplicaSets.

As Kubernetes' `pkg/controller/deployment` (`deployment_controller.go`'s syncDeployment): claim the ReplicaSets
the selector matches, then, in this order, only write status for a Deployment being deleted, note a pause or a
resume in the Progressing condition, only resize for a paused Deployment or a scaling event (`spec.replicas`
changed), and otherwise roll out with the Deployment's strategy (`deployment_rolling`, `deployment_recreate`).

One ReplicaSet per pod template, named `<deployment>-<pod-template-hash>`, with revision, desired-replicas and
max-replicas annotations; events ScalingReplicaSet "Scaled up replica set x from 0 to 3".

Must not: touch pods (the ReplicaSet controller does), nor roll back (kubectl does that client-side, see
`kube_magics.rollout`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar

from kube_magics.errors import KubeMagicsError
from kube_magics.selectors import from_label_selector
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import ownership
from kube_magics.sim.controllers.deployment_recreate import rollout_recreate
from kube_magics.sim.controllers.deployment_rolling import rollout_rolling
from kube_magics.sim.controllers.deployment_sync import DeploymentSync
from kube_magics.sim.objects import controller_ref, is_deleting, labels_of
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
Key = tuple[str, str]


class DeploymentController(Controller):
    name = "deployment-controller"
    watches = ("Deployment", "ReplicaSet", "Pod")
    watch_types: ClassVar[dict[str, tuple[str, ...]]] = {"Pod": ("DELETED",)}  # nothing else of pods

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        ownership.ensure_orphan_index(rt, "ReplicaSet")

    # --- which Deployment a change concerns ----------------------------------------------------------------------

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        if event.kind == "Deployment":
            return (_key(event.object),)
        if event.kind == "ReplicaSet":
            return self._rs_keys(event)
        if event.type == "DELETED":
            return self._recreate_keys(event.object)
        return ()

    def _rs_keys(self, event: WatchEvent) -> list[Key]:
        rs, old = event.object, event.old
        if event.type == "DELETED" or (event.type == "ADDED" and is_deleting(rs)):
            return self._owner(rs)
        if event.type == "ADDED":
            return self._owner(rs) if controller_ref(rs) is not None else self._matching(rs)
        old = old or rs
        ref, old_ref = controller_ref(rs), controller_ref(old)
        keys = self._owner(old) if ref != old_ref and old_ref is not None else []
        if ref is not None:
            return keys + self._owner(rs)
        if ref != old_ref or labels_of(rs) != labels_of(old):
            keys.extend(self._matching(rs))
        return keys

    def _owner(self, rs: Obj) -> list[Key]:
        d = ownership.resolve_controller(self.rt, rs, "Deployment")
        return [] if d is None else [_key(d)]

    def _matching(self, rs: Obj) -> list[Key]:
        """Deployments that might adopt this orphan ReplicaSet (getDeploymentsForReplicaSet)."""
        return [_key(d) for d in ownership.selecting(self.rt, "Deployment", rs)]

    def _recreate_keys(self, pod: Obj) -> list[Key]:
        """A Recreate Deployment waits for its old pods to be gone: look again when the last one goes."""
        rs = ownership.resolve_controller(self.rt, pod, "ReplicaSet")
        d = ownership.resolve_controller(self.rt, rs, "Deployment") if rs is not None else None
        if d is None or (d["spec"].get("strategy") or {}).get("type") != "Recreate":
            return []
        for sibling in ownership.controlled_by(self.rt, d, "ReplicaSet"):
            if ownership.controlled_by(self.rt, sibling, "Pod"):
                return []
        return [_key(d)]

    # --- reconcile -----------------------------------------------------------------------------------------------

    def reconcile(self, key: Any) -> None:
        try:
            self._sync(key)
        except KubeMagicsError:
            self.queue.add_rate_limited(key)  # the API refused a write: look again later, as after a failed sync

    def _sync(self, key: Key) -> None:
        d = self.rt.store.get("Deployment", *key)
        if d is None:
            return
        selector = d["spec"].get("selector")
        if selector == {}:
            self._selecting_all(d)
            return
        rs_list = ownership.claim(self.rt, d, "ReplicaSet", from_label_selector(selector))
        s = DeploymentSync(self, d, rs_list)
        if is_deleting(d):
            s.sync_status_only()
            return
        s.check_paused_conditions()
        if d["spec"].get("paused") or s.is_scaling_event():
            s.sync()
            return
        if (d["spec"].get("strategy") or {}).get("type") == "Recreate":
            rollout_recreate(s)
        else:
            rollout_rolling(s)
        self.queue.forget(key)

    def _selecting_all(self, d: Obj) -> None:
        self.event(d, "Warning", "SelectingAll",
                   "This deployment is selecting all pods. A non-empty selector is required.")
        generation = d["metadata"].get("generation", 1)
        status = dict(d.get("status") or {})
        if int(status.get("observedGeneration") or 0) < generation:
            status["observedGeneration"] = generation
            self.rt.api.write_status(d, status)


def _key(obj: Mapping[str, Any]) -> Key:
    return obj["metadata"].get("namespace") or "", obj["metadata"]["name"]
