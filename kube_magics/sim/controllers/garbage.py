"""The garbage collector: dependents follow their owners (ownerReferences) when the owners go.

As Kubernetes' garbage collector, for every kind:
- Background (the default): the owner goes at once; then each dependent with no owner left is deleted, itself
  with the propagation its own finalizers ask for. Pods terminate gracefully (deletionTimestamp; the kubelet
  finishes them).
- Foreground: the owner stays, with a deletionTimestamp and the `foregroundDeletion` finalizer, until every
  dependent whose reference has `blockOwnerDeletion: true` is gone; dependents that have dependents of their own
  are deleted in the foreground too. Then the finalizer is removed and the owner goes.
- Orphan: the owner's `orphan` finalizer makes the collector remove the references to it from every dependent,
  then the finalizer; the dependents stay.
A dependent that still has a live owner keeps living; references to owners that are gone are removed from it.

Owners are found through the store's owner index (`Store.dependents`), never by scanning.

Must not: delete anything that has a live owner, or write events (the collector records none).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError, UnknownResourceError
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.ownership import without_owner
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
Key = tuple[str, str, str, str]  # (what, kind, namespace, name)

FOREGROUND = "foregroundDeletion"
ORPHAN = "orphan"


class GarbageCollector(Controller):
    name = "garbage-collector-controller"
    watches = ()  # every kind: subscribed in start()

    def start(self) -> None:
        # Events neither own nor are owned: leaving them out spares a call for every event recorded.
        self.rt.store.subscribe(self.on_event, None, skip=("Event",))
        for kind in self.rt.store.kinds():
            for obj in self.rt.store.iter(kind):
                for key in self.keys_for(WatchEvent("ADDED", kind, obj, None, 0)):
                    self.queue.add(key)

    # --- which objects a change concerns -------------------------------------------------------------------------

    def keys_for(self, event: WatchEvent) -> Iterable[Key]:
        obj, meta = event.object, event.object["metadata"]
        keys: list[Key] = []
        if event.type == "DELETED":
            # Its dependents may have lost their last owner; an owner in foreground deletion may be free to go.
            keys.extend(("dependent", *dep) for dep in self.rt.store.dependents(meta.get("uid", "")))
            keys.extend(("dependent", *owner) for owner in self._foreground_owners(obj))
            return keys
        finalizers = meta.get("finalizers") or ()
        if meta.get("deletionTimestamp") and (FOREGROUND in finalizers or ORPHAN in finalizers):
            keys.append((ORPHAN if ORPHAN in finalizers else "dependent", event.kind,
                         meta.get("namespace") or "", meta["name"]))
        refs = meta.get("ownerReferences")
        old_refs = event.old["metadata"].get("ownerReferences") if event.old is not None else None
        if refs and (event.old is None or refs is not old_refs) and self._needs_attention(obj):
            keys.append(("dependent", event.kind, meta.get("namespace") or "", meta["name"]))
        return keys

    def _owner_key(self, obj: Mapping[str, Any], ref: Mapping[str, Any]) -> tuple[str, str, str] | None:
        try:
            namespaced = self.rt.catalogue.by_kind(ref.get("kind", "")).namespaced
        except UnknownResourceError:
            return None
        ns = (obj["metadata"].get("namespace") or "") if namespaced else ""
        return ref.get("kind", ""), ns, ref.get("name", "")

    def _owner(self, obj: Mapping[str, Any], ref: Mapping[str, Any]) -> Obj | None:
        key = self._owner_key(obj, ref)
        owner = self.rt.store.get(*key) if key is not None else None
        if owner is None or owner["metadata"].get("uid") != ref.get("uid"):
            return None
        return owner

    def _needs_attention(self, obj: Mapping[str, Any]) -> bool:
        """Some owner of `obj` is gone or waits for its dependents to go."""
        for ref in obj["metadata"].get("ownerReferences") or ():
            if self._owner_key(obj, ref) is None:
                continue
            owner = self._owner(obj, ref)
            if owner is None or _deleting_dependents(owner):
                return True
        return False

    def _foreground_owners(self, obj: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        out = []
        for ref in obj["metadata"].get("ownerReferences") or ():
            owner = self._owner(obj, ref)
            if owner is not None and _deleting_dependents(owner):
                out.append((owner["kind"], owner["metadata"].get("namespace") or "", owner["metadata"]["name"]))
        return out

    # --- reconcile -----------------------------------------------------------------------------------------------

    def reconcile(self, key: Any) -> None:
        what, kind, ns, name = key
        obj = self.rt.store.get(kind, ns, name)
        if obj is None:
            return
        try:
            if what == ORPHAN:
                self._orphan_dependents(obj)
            else:
                self._attempt_to_delete(obj)
        except NotFoundError:
            pass
        except KubeMagicsError:
            self.queue.add_rate_limited(key)

    def _attempt_to_delete(self, obj: Obj) -> None:
        meta = obj["metadata"]
        if _deleting_dependents(obj):
            self._process_deleting_dependents(obj)
            return
        if meta.get("deletionTimestamp"):
            return
        refs = meta.get("ownerReferences") or ()
        if not refs:
            return
        solid, gone, waiting = self._classify(obj, refs)
        if solid:
            if gone or waiting:
                without_owner(self.rt, obj, {r.get("uid", "") for r in (*gone, *waiting)})
            return
        finalizers = meta.get("finalizers") or ()
        if waiting and self.rt.store.dependents(meta.get("uid", "")):
            policy = "Foreground"
        elif ORPHAN in finalizers:
            policy = "Orphan"
        elif FOREGROUND in finalizers:
            policy = "Foreground"
        else:
            policy = "Background"
        self.rt.api.delete(obj["kind"], meta.get("namespace") or "", meta["name"], propagation=policy)

    def _classify(self, obj: Obj, refs: Iterable[Mapping[str, Any]]) -> tuple[list[Any], list[Any], list[Any]]:
        """(refs to live owners, refs to owners that are gone, refs to owners waiting for their dependents)."""
        solid, gone, waiting = [], [], []
        for ref in refs:
            if self._owner_key(obj, ref) is None:
                solid.append(ref)  # a kind this cluster does not serve: leave it alone
                continue
            owner = self._owner(obj, ref)
            if owner is None:
                gone.append(ref)
            elif _deleting_dependents(owner):
                waiting.append(ref)
            else:
                solid.append(ref)
        return solid, gone, waiting

    def _process_deleting_dependents(self, owner: Obj) -> None:
        """Foreground deletion: delete the dependents; when none that blocks is left, let the owner go."""
        uid = owner["metadata"].get("uid", "")
        blocking = False
        for kind, ns, name in self.rt.store.dependents(uid):
            dep = self.rt.store.get(kind, ns, name)
            if dep is None:
                continue
            ref = next((r for r in dep["metadata"].get("ownerReferences") or () if r.get("uid") == uid), None)
            if ref is not None and ref.get("blockOwnerDeletion"):
                blocking = True
            if not dep["metadata"].get("deletionTimestamp"):
                self.queue.add(("dependent", kind, ns, name))
        if not blocking:
            self.rt.api.remove_finalizer(owner, FOREGROUND)

    def _orphan_dependents(self, owner: Obj) -> None:
        meta = owner["metadata"]
        if not meta.get("deletionTimestamp") or ORPHAN not in (meta.get("finalizers") or ()):
            return
        uid = meta.get("uid", "")
        for kind, ns, name in self.rt.store.dependents(uid):
            dep = self.rt.store.get(kind, ns, name)
            if dep is not None:
                without_owner(self.rt, dep, {uid})
        self.rt.api.remove_finalizer(owner, ORPHAN)


def _deleting_dependents(obj: Mapping[str, Any]) -> bool:
    meta = obj["metadata"]
    return bool(meta.get("deletionTimestamp")) and FOREGROUND in (meta.get("finalizers") or ())
