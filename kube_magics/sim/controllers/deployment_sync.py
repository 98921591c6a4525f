"""One sync of one Deployment: the shared steps of Kubernetes' `sync.go`.

`DeploymentSync` holds the Deployment as the controller sees it during one reconcile and offers what every
strategy needs: find or create the new ReplicaSet and keep revisions in step, scale a ReplicaSet and record the
ScalingReplicaSet event, scale proportionally when the Deployment itself is resized mid-rollout, clean up old
ReplicaSets beyond revisionHistoryLimit, and write status.

Kubernetes' controller writes the Deployment at most once per sync that succeeds: a status write made midway
(the new revision, a paused condition) is sent without the object it returns, so a later write in the same sync
fails on its stale resourceVersion and the sync runs again. `write()` keeps that: the second write of a sync is
dropped, and the first write's own watch event brings the Deployment back to the queue. This is what makes the
sequence of Deployment updates (`kubectl get deploy -w`) the same as a real cluster's.

Must not: touch pods; that is the ReplicaSet controller's work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.errors import AlreadyExistsError, KubeMagicsError
from kube_magics.rollout import HASH_LABEL, equal_ignore_hash
from kube_magics.sim import names
from kube_magics.sim.controllers import deployment_status as ds
from kube_magics.sim.controllers import deployment_util as du
from kube_magics.sim.objects import controller_ref, deep_copy, owner_reference, uid_of
from kube_magics.timefmt import rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.controllers.deployment import DeploymentController

Obj = dict[str, Any]


def working_copy(d: Obj) -> Obj:
    """A Deployment whose annotations and status may be changed in place (the stored dicts stay untouched)."""
    out = dict(d)
    meta = dict(d["metadata"])
    meta["annotations"] = dict(meta.get("annotations") or {})
    out["metadata"] = meta
    out["status"] = dict(d.get("status") or {})
    return out


class DeploymentSync:
    def __init__(self, ctrl: DeploymentController, d: Obj, rs_list: list[Obj]) -> None:
        self.ctrl = ctrl
        self.rt = ctrl.rt
        self.d = working_copy(d)
        self.rs_list = rs_list
        self.wrote = False

    @property
    def now(self) -> str:
        return rfc3339(self.rt.clock.now)

    @property
    def key(self) -> tuple[str, str]:
        return self.d["metadata"]["namespace"], self.d["metadata"]["name"]

    # --- writing the Deployment ------------------------------------------------------------------------------------

    def write(self, d: Obj | None = None) -> None:
        """UpdateStatus: the first write of a sync lands; a later one would conflict and is dropped."""
        if self.wrote:
            return
        obj = d if d is not None else self.d
        meta = obj["metadata"]
        if not meta.get("annotations"):
            obj = dict(obj)
            obj["metadata"] = {k: v for k, v in meta.items() if k != "annotations"}
        before = self.rt.store.get("Deployment", *self.key)
        stored = self.rt.api.write(obj, subresource="status")
        # An update that changes nothing leaves the resourceVersion alone, so it cannot make a later one conflict.
        self.wrote = stored is not before
        self.d = working_copy(stored)

    def set_revision(self, revision: str) -> bool:
        annotations = self.d["metadata"]["annotations"]
        if annotations.get(du.REVISION) == revision:
            return False
        annotations[du.REVISION] = revision
        return True

    # --- the new ReplicaSet and revisions --------------------------------------------------------------------------

    def all_rss_and_sync_revision(self, *, create: bool) -> tuple[Obj | None, list[Obj]]:
        """getAllReplicaSetsAndSyncRevision: (new ReplicaSet or None, every old one)."""
        old = du.find_old(self.d, self.rs_list)
        return self.new_rs(old, create=create), old

    def new_rs(self, old_rss: list[Obj], *, create: bool) -> Obj | None:
        existing = du.find_new(self.d, self.rs_list)
        new_revision = du.max_revision(old_rss) + 1
        if existing is not None:
            return self._sync_existing(existing, new_revision)
        if not create:
            return None
        return self._create_rs(old_rss, new_revision)

    def _sync_existing(self, rs: Obj, new_revision: int) -> Obj:
        annotations = dict(rs["metadata"].get("annotations") or {})
        changed = du.set_new_rs_annotations(self.d, annotations, new_revision, exists=True)
        mrs = self.d["spec"].get("minReadySeconds") or 0
        if changed or (rs["spec"].get("minReadySeconds") or 0) != mrs:
            new = dict(rs)
            new["metadata"] = {**rs["metadata"], "annotations": annotations}
            spec = dict(rs["spec"])
            if mrs:
                spec["minReadySeconds"] = mrs
            else:
                spec.pop("minReadySeconds", None)
            new["spec"] = spec
            return self.rt.api.update(new, trusted=True)
        needs_update = self.set_revision(annotations.get(du.REVISION, ""))
        if ds.has_progress_deadline(self.d) and ds.get_condition(self.d["status"], "Progressing") is None:
            msg = f'Found new replica set "{rs["metadata"]["name"]}"'
            ds.set_condition(self.d["status"], ds.condition("Progressing", "True", ds.FOUND_NEW_RS, msg, self.now))
            needs_update = True
        if needs_update:
            self.write()
        return rs

    def _create_rs(self, old_rss: list[Obj], new_revision: int) -> Obj | None:
        d = self.d
        template = deep_copy(d["spec"]["template"])
        collisions = d["status"].get("collisionCount")
        pth = names.pod_template_hash(template, collisions)
        tmeta = template.setdefault("metadata", {})
        tmeta["labels"] = {**(tmeta.get("labels") or {}), HASH_LABEL: pth}
        selector = deep_copy(d["spec"]["selector"])
        selector["matchLabels"] = {**(selector.get("matchLabels") or {}), HASH_LABEL: pth}
        spec: Obj = {"replicas": 0, "selector": selector, "template": template}
        if d["spec"].get("minReadySeconds"):
            spec["minReadySeconds"] = d["spec"]["minReadySeconds"]
        rs: Obj = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
                   "metadata": {"name": f"{d['metadata']['name']}-{pth}", "namespace": d["metadata"]["namespace"],
                                "labels": dict(tmeta["labels"]), "ownerReferences": [owner_reference(d)]},
                   "spec": spec}
        count = du.new_rs_new_replicas(d, [*old_rss, rs], rs)
        spec["replicas"] = count
        annotations: dict[str, str] = {}
        du.set_new_rs_annotations(d, annotations, new_revision, exists=False)
        rs["metadata"]["annotations"] = annotations
        try:
            created = self.rt.api.create(rs, trusted=True)
        except AlreadyExistsError:
            live = self._existing_or_collision(rs)
            if live is not None and self.set_revision(str(new_revision)):
                self.write()
            return live
        except KubeMagicsError as exc:
            self._create_failed(rs, exc)
            return None
        if count > 0:
            self.ctrl.event(self.d, "Normal", "ScalingReplicaSet",
                            f"Scaled up replica set {created['metadata']['name']} from 0 to {count}")
        self.set_revision(str(new_revision))
        if ds.has_progress_deadline(d):
            msg = f'Created new replica set "{created["metadata"]["name"]}"'
            ds.set_condition(d["status"], ds.condition("Progressing", "True", ds.NEW_RS_CREATED, msg, self.now))
        self.write()
        return created

    def _existing_or_collision(self, rs: Obj) -> Obj | None:
        meta = rs["metadata"]
        live = self.rt.store.get("ReplicaSet", meta["namespace"], meta["name"])
        if live is None:
            return None
        ref = controller_ref(live)
        if ref is not None and ref.get("uid") == uid_of(self.d) and equal_ignore_hash(
                self.d["spec"]["template"], live["spec"].get("template") or {}):
            return live
        # A hash collision: move the collision count on, so that the next sync computes another hash.
        self.d["status"]["collisionCount"] = int(self.d["status"].get("collisionCount") or 0) + 1
        self.write()
        return None

    def _create_failed(self, rs: Obj, exc: KubeMagicsError) -> None:
        msg = f'Failed to create new replica set "{rs["metadata"]["name"]}": {exc.message}'
        if ds.has_progress_deadline(self.d):
            ds.set_condition(self.d["status"], ds.condition("Progressing", "False", ds.FAILED_RS_CREATE, msg,
                                                            self.now))
            self.write()
        self.ctrl.event(self.d, "Warning", ds.FAILED_RS_CREATE, msg)

    # --- scaling ReplicaSets ---------------------------------------------------------------------------------------

    def scale_and_record(self, rs: Obj, new_scale: int) -> tuple[bool, Obj]:
        """scaleReplicaSetAndRecordEvent."""
        current = du.replicas(rs)
        if current == new_scale:
            return False, rs
        return self.scale_rs(rs, new_scale, "up" if current < new_scale else "down")

    def scale_rs(self, rs: Obj, new_scale: int, operation: str) -> tuple[bool, Obj]:
        """Set a ReplicaSet's replicas and its desired/max annotations; the event only when the size changed."""
        d = self.d
        desired, maximum = du.replicas(d), du.replicas(d) + du.max_surge(d)
        size_changes = du.replicas(rs) != new_scale
        if not size_changes and not du.replicas_annotations_need_update(rs, desired, maximum):
            return False, rs
        old_scale = du.replicas(rs)
        annotations = dict(rs["metadata"].get("annotations") or {})
        du.set_replicas_annotations(annotations, desired, maximum)
        new = dict(rs)
        new["metadata"] = {**rs["metadata"], "annotations": annotations}
        new["spec"] = {**rs["spec"], "replicas": new_scale}
        updated = self.rt.api.update(new, trusted=True)
        if size_changes:
            self.ctrl.event(d, "Normal", "ScalingReplicaSet",
                            f"Scaled {operation} replica set {rs['metadata']['name']} from {old_scale} to {new_scale}")
        return size_changes, updated

    # --- scaling events and paused Deployments (sync) --------------------------------------------------------------

    def is_scaling_event(self) -> bool:
        new, old = self.all_rss_and_sync_revision(create=False)
        for rs in du.active([*old, new]):
            desired = (rs["metadata"].get("annotations") or {}).get(du.DESIRED_REPLICAS)
            if desired is not None and desired.isdigit() and int(desired) != du.replicas(self.d):
                return True
        return False

    def sync(self) -> None:
        """Reconcile a scaling event or a paused Deployment: resize, clean up, write status."""
        new, old = self.all_rss_and_sync_revision(create=False)
        self.scale(new, old)
        if self.d["spec"].get("paused"):
            self.cleanup(old)
        self.sync_status([*old, new], new)

    def sync_status_only(self) -> None:
        new, old = self.all_rss_and_sync_revision(create=False)
        self.sync_status([*old, new], new)

    def scale(self, new: Obj | None, old: list[Obj]) -> None:
        want = du.replicas(self.d)
        only = du.find_active_or_latest(new, old)
        if only is not None:
            if du.replicas(only) != want:
                self.scale_and_record(only, want)
            return
        if du.is_saturated(self.d, new):
            for rs in du.active(old):
                self.scale_and_record(rs, 0)
            return
        if du.is_rolling(self.d):
            self._scale_proportionally(du.active([*old, new]))

    def _scale_proportionally(self, rss: list[Obj]) -> None:
        """Share an added or removed number of replicas among the active ReplicaSets by their size.

        Worked example: 10 replicas (maxSurge 3) mid-rollout, old 8 and new 5 (13 pods, max-replicas 13),
        scaled to 15 (max 19): 6 more to share; old gets round(8 * 19 / 13) - 8 = 4, new the remaining 2.
        """
        want = du.replicas(self.d)
        allowed = want + du.max_surge(self.d) if want > 0 else 0
        to_add = allowed - du.spec_total(rss)
        operation = ""
        if to_add > 0:
            rss, operation = du.size_then_newer(rss), "up"
        elif to_add < 0:
            rss, operation = du.size_then_older(rss), "down"
        sizes: list[int] = []
        added = 0
        for rs in rss:
            share = du.proportion(self.d, rs, to_add, added) if to_add else 0
            sizes.append(du.replicas(rs) + share)
            added += share
        for i, rs in enumerate(rss):
            if i == 0 and to_add:
                sizes[0] = max(0, sizes[0] + to_add - added)
            self.scale_rs(rs, sizes[i], operation)

    def cleanup(self, old_rss: list[Obj]) -> None:
        """cleanupDeployment: delete the oldest unused ReplicaSets beyond revisionHistoryLimit."""
        limit = self.d["spec"].get("revisionHistoryLimit")
        if limit is None:
            return
        alive = [rs for rs in old_rss if not rs["metadata"].get("deletionTimestamp")]
        surplus = len(alive) - int(limit)
        if surplus <= 0:
            return
        for rs in sorted(alive, key=du.by_revision)[:surplus]:
            status = rs.get("status") or {}
            if status.get("replicas") or du.replicas(rs) or \
                    rs["metadata"].get("generation", 1) > status.get("observedGeneration", 0):
                continue
            try:
                self.rt.api.delete("ReplicaSet", rs["metadata"]["namespace"], rs["metadata"]["name"])
            except KubeMagicsError:
                return

    def sync_status(self, all_rss: list[Obj | None], new: Obj | None) -> None:
        """syncDeploymentStatus: write the calculated status if it differs."""
        status = ds.calculate_status(all_rss, new, self.d, self.now)
        if status != self.d["status"]:
            self.write({**self.d, "status": status})

    def check_paused_conditions(self) -> None:
        if not ds.has_progress_deadline(self.d):
            return
        cond = ds.get_condition(self.d["status"], "Progressing")
        if cond is not None and cond.get("reason") == ds.TIMED_OUT:
            return
        paused_cond = cond is not None and cond.get("reason") == ds.PAUSED
        if self.d["spec"].get("paused") and not paused_cond:
            new = ds.condition("Progressing", "Unknown", ds.PAUSED, "Deployment is paused", self.now)
        elif not self.d["spec"].get("paused") and paused_cond:
            new = ds.condition("Progressing", "Unknown", ds.RESUMED, "Deployment is resumed", self.now)
        else:
            return
        ds.set_condition(self.d["status"], new)
        self.write()
