"""The simulator's API server logic: every write goes through here, as through kube-apiserver.

Create: name generation, defaulting, the kind's create strategy (status reset, allocations), admission,
validation, then the store. Update: the same, keeping what clients cannot change (status, through the main
resource; uid; immutable fields). Delete: graceful for pods (`deletionTimestamp` = now + grace period),
finalizers, propagation policy (the garbage collector does the cascading). Apply and patch: server-side apply
with field managers, JSON / merge / strategic merge patches (`patchapi.py`, `merge.py`).

Every write is reported to the field managers (`fieldmanagers.py`), which keep `metadata.managedFields`: a write
by a user names its manager (`kubectl-create`, `kubectl-replace`, or as given); a controller's write is
attributed to the controller running it.

Controllers write through here too, with `trusted=True` to skip validation of objects they built themselves
(what they build is valid by construction, and skipping it keeps 10,000-pod scenarios fast).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics import schema
from kube_magics.errors import AlreadyExistsError, BadRequestError, invalid, not_found
from kube_magics.kinds import ResourceKind
from kube_magics.sim import defaults, names, patchapi, validation
from kube_magics.sim.objects import deep_copy
from kube_magics.sim.strategies import strategy_for
from kube_magics.timefmt import rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]

# Metadata that only the server sets; a client's values are ignored on create and carried over on update.
_SYSTEM_META = ("uid", "resourceVersion", "creationTimestamp", "generation", "deletionTimestamp",
                "deletionGracePeriodSeconds", "managedFields", "selfLink")


class Api:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        # Namespaces that a batch being checked will create: they count as existing during its dry run.
        self.planned_namespaces: set[str] = set()

    # --- reads ---------------------------------------------------------------------------------------------------

    def resource(self, kind: str) -> ResourceKind:
        return self.rt.catalogue.by_kind(kind)

    def get(self, kind: str, namespace: str, name: str) -> Obj:
        obj = self.rt.store.get(kind, namespace if self.resource(kind).namespaced else "", name)
        if obj is None:
            raise not_found(self.resource(kind).resource_group, name)
        return obj

    # --- create --------------------------------------------------------------------------------------------------

    def create(self, obj: Obj, *, dry_run: bool = False, trusted: bool = False, manager: str | None = None) -> Obj:
        """Create `obj`. Untrusted input is copied first; trusted callers hand over a fresh dict.

        `manager` is the field manager (default: `kubectl-create`, or the running controller's for trusted writes).
        """
        if not trusted:
            obj = deep_copy(obj)
            schema.check(obj, catalogue=self.rt.catalogue)  # decoding: the request body must fit the types
        rk = self._normalise(obj)
        meta = obj["metadata"]
        if not meta.get("name") and meta.get("generateName"):
            meta["name"] = self._generated_name(rk.kind, meta.get("namespace", ""), meta["generateName"])
        for field in _SYSTEM_META:
            meta.pop(field, None)
        ns = meta.get("namespace", "")
        if meta.get("name") and self.rt.store.get(rk.kind, ns, meta["name"]) is not None:
            raise AlreadyExistsError(f'{rk.resource_group} "{meta["name"]}" already exists',
                                     kind=rk.plural, name=meta["name"], group=rk.group)
        strategy = strategy_for(rk.kind)
        defaults.apply_defaults(obj)
        # The creator's fields, before admission adds its own (controllers' creates are worked out when read).
        fields = None if dry_run or trusted else self.rt.field_managers.create_fields(obj)
        strategy.prepare_create(self.rt, obj)
        for plugin in self.rt.admission:
            plugin(self.rt, obj, None)
        if not trusted:
            self._validate(rk, obj, None)
        strategy.allocate(self.rt, obj, None, dry_run=dry_run)
        if dry_run:
            return self._dry_run_view(obj)
        stored = self.rt.store.create(obj)
        self.rt.field_managers.on_create(stored, fields, manager or (None if trusted else "kubectl-create"))
        return stored

    # --- update --------------------------------------------------------------------------------------------------

    def update(self, obj: Obj, *, dry_run: bool = False, trusted: bool = False, check_rv: bool = False,
               manager: str | None = None) -> Obj:
        """Replace an object's spec and metadata (its status stays, as through the main resource).

        `manager` is the field manager (default: `kubectl-replace`, or the running controller's for trusted writes).
        """
        if not trusted:
            obj = deep_copy(obj)
            schema.check(obj, catalogue=self.rt.catalogue)
        rk = self._normalise(obj)
        meta = obj["metadata"]
        old = self.rt.store.get(rk.kind, meta.get("namespace", ""), meta["name"])
        if old is None:
            raise not_found(rk.resource_group, meta["name"])
        expect = meta.get("resourceVersion") if check_rv else None
        for field in _SYSTEM_META:
            if field in old["metadata"]:
                meta[field] = old["metadata"][field]
            else:
                meta.pop(field, None)
        strategy = strategy_for(rk.kind)
        if not trusted:
            defaults.apply_defaults(obj)
        strategy.prepare_update(self.rt, obj, old)
        if not trusted:
            for plugin in self.rt.admission:
                plugin(self.rt, obj, old)
            self._validate(rk, obj, old)
        strategy.allocate(self.rt, obj, old, dry_run=dry_run)
        if dry_run:
            return self._dry_run_view(obj)
        if self._same(obj, old):
            return old
        stored = self.rt.store.update(obj, expect_rv=expect)
        self.rt.field_managers.on_update(old, stored, manager or (None if trusted else "kubectl-replace"))
        self._finish_if_done(stored)
        return stored

    def write_status(self, obj: Obj, status: Obj, *, manager: str | None = None) -> Obj:
        """The status subresource: replace `status` of the live object named by `obj`; no-op if unchanged."""
        meta = obj["metadata"]
        live = self.rt.store.get(obj["kind"], meta.get("namespace", ""), meta["name"])
        if live is None:
            raise not_found(self.resource(obj["kind"]).resource_group, meta["name"])
        if live.get("status") == status:
            return live
        new = dict(live)
        new["status"] = status
        stored = self.rt.store.update(new)
        self.rt.field_managers.on_update(live, stored, manager, subresource="status", status_only=True)
        return stored

    def write(self, obj: Obj, *, manager: str | None = None, subresource: str = "") -> Obj:
        """A trusted controller's write of a whole object it derived from the live one (spec, metadata, status).

        `subresource` names the endpoint a real controller would use: "status" when it also changes metadata
        through `/status` (as the deployment controller does with its revision annotation), "binding" for the
        scheduler's binding (which, as on a real API server, leaves managedFields alone)."""
        meta = obj["metadata"]
        live = self.rt.store.get(obj["kind"], meta.get("namespace", ""), meta["name"])
        if live is None:
            raise not_found(self.resource(obj["kind"]).resource_group, meta["name"])
        if self._same(obj, live):
            return live
        stored = self.rt.store.update(obj)
        self.rt.field_managers.on_update(live, stored, manager, subresource=subresource)
        self._finish_if_done(stored)
        return stored

    # --- apply ---------------------------------------------------------------------------------------------------

    def apply(self, obj: Obj, *, manager: str = "kube-magics", force: bool = False, dry_run: bool = False,
              subresource: str = "") -> tuple[Obj, str]:
        """Server-side apply of a manifest by field manager `manager`; returns the object (with its managedFields)
        and "created", "configured" or "unchanged". A field another manager owns with another value is a
        ConflictError (409) unless `force`."""
        return patchapi.apply(self, obj, manager=manager, force=force, dry_run=dry_run, subresource=subresource)

    def patch(self, kind: str, namespace: str, name: str, patch: Any, *, patch_type: str = "strategic",
              manager: str | None = None, force: bool = False, dry_run: bool = False,
              subresource: str = "") -> tuple[Obj, str]:
        """PATCH an object (or its `status` or `scale`): "json", "merge", "strategic" or "apply" (or their content
        types); returns the object (a Scale for `scale`) and "patched" or "unchanged"."""
        return patchapi.patch(self, kind, namespace, name, patch, patch_type=patch_type, manager=manager,
                              force=force, dry_run=dry_run, subresource=subresource)

    # --- delete --------------------------------------------------------------------------------------------------

    def delete(self, kind: str, namespace: str, name: str, *, grace: int | None = None,
               propagation: str | None = None, dry_run: bool = False) -> Obj:
        """Delete as the API server does: graceful for scheduled pods, held by finalizers, cascaded by the GC."""
        rk = self.resource(kind)
        ns = namespace if rk.namespaced else ""
        live = self.rt.store.get(kind, ns, name)
        if live is None:
            raise not_found(rk.resource_group, name)
        if dry_run:
            return live
        strategy = strategy_for(kind)
        meta = dict(live["metadata"])
        finalizers = list(meta.get("finalizers") or [])
        policy = propagation or strategy.default_propagation
        if policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        elif policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        period = strategy.grace_period(self.rt, live, grace)
        if meta.get("deletionTimestamp"):
            # Already terminating: a shorter grace period may still cut it short (kubectl delete --force).
            if period is not None and period < (meta.get("deletionGracePeriodSeconds") or 0):
                meta["deletionGracePeriodSeconds"] = period
                meta["deletionTimestamp"] = rfc3339(self.rt.clock.now + period)
                new = dict(live)
                new["metadata"] = meta
                stored = self.rt.store.update(new)
                if period == 0 and not finalizers:
                    return self.rt.store.remove(kind, ns, name) or stored
                return stored
            return live
        if not finalizers and not period:
            return self.rt.store.remove(kind, ns, name) or live
        meta["finalizers"] = finalizers or None
        if meta["finalizers"] is None:
            del meta["finalizers"]
        meta["deletionTimestamp"] = rfc3339(self.rt.clock.now + (period or 0))
        meta["deletionGracePeriodSeconds"] = period or 0
        new = dict(live)
        new["metadata"] = meta
        return self.rt.store.update(new)

    def bind(self, pod: Obj, node_name: str) -> Obj:
        """The pods/binding subresource: set spec.nodeName and the PodScheduled condition (no new generation)."""
        from kube_magics.errors import ConflictError

        live = self.rt.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        if live is None:
            raise not_found("pods", pod["metadata"]["name"])
        if live["spec"].get("nodeName"):
            raise ConflictError(f'pod {live["metadata"]["name"]} is already assigned to node '
                                f'"{live["spec"]["nodeName"]}"', kind="pods", name=live["metadata"]["name"])
        status = dict(live.get("status") or {})
        cond = {"lastProbeTime": None, "lastTransitionTime": rfc3339(self.rt.clock.now), "status": "True",
                "type": "PodScheduled"}
        status["conditions"] = [c for c in status.get("conditions") or () if c.get("type") != "PodScheduled"] + [cond]
        new = dict(live)
        new["spec"] = dict(live["spec"], nodeName=node_name)
        new["status"] = status
        return self.rt.store.update(new, keep_generation=True)

    def finish_deletion(self, kind: str, namespace: str, name: str) -> None:
        """What the kubelet (or a controller) calls when a terminating object may go: removes it, unless
        finalizers still hold it."""
        live = self.rt.store.get(kind, namespace, name)
        if live is None:
            return
        if live["metadata"].get("finalizers"):
            # As the kubelet's final DELETE with a grace period of 0: the object goes once the last finalizer does.
            if live["metadata"].get("deletionGracePeriodSeconds"):
                new = dict(live)
                new["metadata"] = dict(live["metadata"], deletionGracePeriodSeconds=0)
                self.rt.store.update(new)
            return
        self.rt.store.remove(kind, namespace, name)

    def remove_finalizer(self, obj: Obj, finalizer: str) -> None:
        meta = obj["metadata"]
        live = self.rt.store.get(obj["kind"], meta.get("namespace", ""), meta["name"])
        if live is None or finalizer not in (live["metadata"].get("finalizers") or ()):
            return
        new_meta = dict(live["metadata"])
        new_meta["finalizers"] = [f for f in new_meta["finalizers"] if f != finalizer]
        if not new_meta["finalizers"]:
            del new_meta["finalizers"]
        new = dict(live)
        new["metadata"] = new_meta
        stored = self.rt.store.update(new)
        self._finish_if_done(stored)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _normalise(self, obj: Obj) -> ResourceKind:
        kind = obj.get("kind")
        if not kind:
            raise BadRequestError("Object 'Kind' is missing")
        rk = self.rt.catalogue.for_kind(obj.get("apiVersion", ""), kind) if obj.get("apiVersion") \
            else self.resource(kind)
        obj["apiVersion"] = rk.api_version if obj.get("apiVersion") != "autoscaling/v1" else "autoscaling/v1"
        meta = obj.get("metadata")
        if not isinstance(meta, dict):
            meta = obj["metadata"] = {}
        if rk.namespaced:
            meta["namespace"] = meta.get("namespace") or "default"
        else:
            meta.pop("namespace", None)
        return rk

    def _generated_name(self, kind: str, namespace: str, base: str) -> str:
        """`generateName`: the base cut to 58 characters plus 5 random ones; drawn again on a clash (up to 8
        tries), as the API server does since Kubernetes 1.30."""
        name = ""
        for _ in range(8):
            name = base[:58] + names.random_suffix(self.rt.rng_names)
            if self.rt.store.get(kind, namespace, name) is None:
                break
        return name

    def _validate(self, rk: ResourceKind, obj: Obj, old: Obj | None) -> None:
        causes = validation.validate(obj, old)
        if causes:
            raise invalid(rk.kind, obj["metadata"].get("name", ""), causes, group=rk.group)

    def _same(self, new: Obj, old: Obj) -> bool:
        if new is old:
            return True
        a, b = dict(new), dict(old)
        ma, mb = dict(a["metadata"]), dict(b["metadata"])
        for m in (ma, mb):
            m.pop("resourceVersion", None)
            m.pop("managedFields", None)
            m.pop("generation", None)
        a["metadata"], b["metadata"] = ma, mb
        return a == b

    def _finish_if_done(self, stored: Obj) -> None:
        meta = stored["metadata"]
        if meta.get("deletionTimestamp") and not meta.get("finalizers") and (
                not strategy_for(stored["kind"]).graceful or meta.get("deletionGracePeriodSeconds") == 0):
            self.rt.store.remove(stored["kind"], meta.get("namespace", ""), meta["name"])

    def _dry_run_view(self, obj: Obj) -> Obj:
        meta = obj["metadata"]
        meta.setdefault("uid", "00000000-0000-0000-0000-000000000000")
        meta.setdefault("creationTimestamp", rfc3339(self.rt.clock.now))
        return obj
