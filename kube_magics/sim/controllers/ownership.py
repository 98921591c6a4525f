"""Controller references: which objects a controller owns, adopts and releases (client-go's ControllerRefManager).

A controller claims the objects of a kind that its selector matches: those it already controls stay, those that
no longer match are released (their controller reference removed), and orphans that match are adopted (a
`controller: true, blockOwnerDeletion: true` reference added), unless the controller is being deleted.

Lookups go through the store's owner index and a per-kind index of orphans by namespace, so a reconcile costs
what the controller owns, not what the cluster holds.

Must not: decide anything about replicas; it only keeps ownerReferences right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kube_magics.selectors import Selector, from_label_selector
from kube_magics.sim.objects import controller_ref, is_deleting, labels_of, owner_reference, uid_of

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
ORPHANS = "orphans-by-namespace"


def _orphan_namespace(obj: Obj) -> Iterable[str]:
    return () if controller_ref(obj) is not None else (obj["metadata"].get("namespace") or "",)


def ensure_orphan_index(rt: Runtime, kind: str) -> None:
    """Keep objects of `kind` without a controller findable by namespace (registered once per kind)."""
    try:
        rt.store.by_index(kind, ORPHANS, "")
    except KeyError:
        rt.store.add_index(kind, ORPHANS, _orphan_namespace)


def orphans(rt: Runtime, kind: str, namespace: str) -> list[Obj]:
    return rt.store.by_index(kind, ORPHANS, namespace)


def controlled_by(rt: Runtime, owner: Mapping[str, Any], kind: str) -> list[Obj]:
    """Objects of `kind` whose controller reference names `owner` (by uid), via the store's owner index."""
    uid = uid_of(owner)
    out = []
    for dep_kind, ns, name in rt.store.dependents(uid):
        if dep_kind != kind:
            continue
        obj = rt.store.get(kind, ns, name)
        if obj is None:
            continue
        ref = controller_ref(obj)
        if ref is not None and ref.get("uid") == uid:
            out.append(obj)
    return out


def selecting(rt: Runtime, kind: str, obj: Mapping[str, Any]) -> list[Obj]:
    """The objects of `kind` in `obj`'s namespace whose selector matches its labels: the controllers that might
    adopt it when it is an orphan (getPodReplicaSets, getDeploymentsForReplicaSet, getPodStatefulSets)."""
    labels = labels_of(obj)
    return [owner for owner in rt.store.list(kind, obj["metadata"].get("namespace") or "")
            if owner["spec"].get("selector") and from_label_selector(owner["spec"]["selector"]).matches(labels)]


def resolve_controller(rt: Runtime, obj: Mapping[str, Any], kind: str) -> Obj | None:
    """The live controller of `obj` if it is a `kind` with the referenced uid (resolveControllerRef)."""
    ref = controller_ref(obj)
    if ref is None or ref.get("kind") != kind:
        return None
    owner = rt.store.get(kind, obj["metadata"].get("namespace") or "", ref.get("name", ""))
    if owner is None or uid_of(owner) != ref.get("uid"):
        return None
    return owner


def claim(rt: Runtime, owner: Obj, kind: str, selector: Selector, *, keep: Any = None) -> list[Obj]:
    """ClaimObjects: the objects of `kind` that `owner` controls after adopting and releasing.

    `keep(obj)` filters candidates before claiming (the ReplicaSet controller claims only active pods).
    Returns them sorted by name, so that everything after is deterministic.
    """
    ns = owner["metadata"].get("namespace") or ""
    owner_uid = uid_of(owner)
    candidates = {o["metadata"]["name"]: o for o in controlled_by(rt, owner, kind)}
    for o in orphans(rt, kind, ns):
        candidates.setdefault(o["metadata"]["name"], o)
    claimed: list[Obj] = []
    for name in sorted(candidates):
        obj = candidates[name]
        if keep is not None and not keep(obj):
            continue
        ref = controller_ref(obj)
        matches = selector.matches(labels_of(obj))
        if ref is not None and ref.get("uid") == owner_uid:
            if matches:
                claimed.append(obj)
            elif not is_deleting(owner):
                release(rt, obj, owner_uid)
        elif ref is None and matches and not is_deleting(obj) and _can_adopt(rt, owner):
            claimed.append(adopt(rt, obj, owner))
    return claimed


def _can_adopt(rt: Runtime, owner: Mapping[str, Any]) -> bool:
    """RecheckDeletionTimestamp: adopt only for an owner that still exists, with the same uid, not deleting."""
    meta = owner["metadata"]
    live = rt.store.get(owner["kind"], meta.get("namespace") or "", meta["name"])
    return live is not None and uid_of(live) == uid_of(owner) and not is_deleting(live)


def adopt(rt: Runtime, obj: Obj, owner: Obj) -> Obj:
    meta = dict(obj["metadata"])
    meta["ownerReferences"] = [*(meta.get("ownerReferences") or ()), owner_reference(owner)]
    new = dict(obj)
    new["metadata"] = meta
    return rt.api.write(new)


def release(rt: Runtime, obj: Obj, owner_uid: str) -> Obj:
    return without_owner(rt, obj, {owner_uid})


def without_owner(rt: Runtime, obj: Obj, uids: set[str]) -> Obj:
    """Write `obj` without its ownerReferences to these uids (the garbage collector's patch, too)."""
    meta = dict(obj["metadata"])
    refs = [r for r in meta.get("ownerReferences") or () if r.get("uid") not in uids]
    if refs:
        meta["ownerReferences"] = refs
    else:
        meta.pop("ownerReferences", None)
    new = dict(obj)
    new["metadata"] = meta
    return rt.api.write(new)
