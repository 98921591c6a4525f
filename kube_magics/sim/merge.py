"""Server-side apply and update bookkeeping: who owns which fields, as the API server's field manager decides.

- `update(managers, old, new, ...)`: a non-apply write (create, update, patch, a controller's status write). The
  fields it adds or changes go to its manager (an `Update` entry, merged with that manager's earlier entry) and
  are taken from everyone else without conflict; fields it removes are removed from every entry.
- `apply(managers, live, config, ...)`: server-side apply. The applier's entry becomes exactly the fields of its
  configuration (defaulted fields are not its); the configuration is merged into the live object; fields the
  applier applied last time and no longer applies are removed from the object unless some other entry owns them;
  a changed field that another manager owns is a conflict (409) unless `force`, which takes it.

Fields the API server resets (`status` through the main resource, `spec` through `/status`) and object identity
(`metadata.name`, `uid`, `resourceVersion`, ...) are never owned. Entries left empty disappear.

Must not: store anything, or know how objects are validated; `fieldmanagers.py` keeps the entries per object.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import Cause, ConflictError
from kube_magics.sim import managedfields as mf
from kube_magics.sim.managedfields import Entry, ManagerKey, Managers, Node
from kube_magics.sim.typed import ABSENT, compare, field_set, item_pe, merge
from kube_magics.typeinfo import TypeNode, deduced, zero_value

Obj = dict[str, Any]

# Never owned (the field manager strips them from every entry it writes).
STRIP: Node = mf.union(
    {"f:apiVersion": mf.MEMBER, "f:kind": mf.MEMBER},
    {"f:metadata": {".": {}, **{mf.field_pe(f): mf.MEMBER for f in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName", "generation", "managedFields",
        "resourceVersion")}}},
)
MAX_UPDATE_MANAGERS = 10


def reset_fields(paths: tuple[tuple[str, ...], ...]) -> Node:
    """The set of fields a strategy resets, from dotted paths: (("status",),) -> {"f:status": MEMBER}."""
    return mf.from_paths(*(tuple(mf.field_pe(p) for p in path) for path in paths))


# --- update -------------------------------------------------------------------------------------------------------


def update(managers: Managers, old: Any, new: Any, t: TypeNode, key: ManagerKey, *, time: str | None,
           ignore: Node = mf.EMPTY) -> Managers:
    """Managers after a non-apply write by `key` turned `old` (ABSENT for a create) into `new`."""
    added, modified, removed = compare(old, new, t)
    return update_with(managers, added, modified, removed, key, time=time, ignore=ignore)


def update_with(managers: Managers, added: Node, modified: Node, removed: Node, key: ManagerKey, *,
                time: str | None, ignore: Node = mf.EMPTY) -> Managers:
    if ignore:
        added = mf.recursive_difference(added, ignore)
        modified = mf.recursive_difference(modified, ignore)
        removed = mf.recursive_difference(removed, ignore)
    changed = mf.union(added, modified)
    out = _take(managers, changed, removed, keep=None)
    mine = mf.difference(changed, STRIP)
    if mine:
        prev = out.get(key)
        out[key] = Entry(mf.union(prev.fields, mine) if prev else mine, key.api_version, time)
    return cap_update_managers(out)


def _take(managers: Managers, changed: Node, removed: Node, *, keep: ManagerKey | None) -> Managers:
    """Every entry but `keep` without `changed` and `removed`; empty entries dropped."""
    if not changed and not removed:
        return dict(managers)
    out: Managers = {}
    for k, e in managers.items():
        if k == keep:
            out[k] = e
            continue
        fields = mf.difference(mf.difference(e.fields, changed), removed)
        if fields:
            out[k] = e if fields is e.fields else e._replace(fields=fields)
    return out


def cap_update_managers(managers: Managers) -> Managers:
    """At most ten Update entries: the oldest are merged, per apiVersion, into an `ancient-changes` entry."""
    updaters = [k for k in managers if k.operation == "Update"]
    if len(updaters) <= MAX_UPDATE_MANAGERS:
        return managers
    out = dict(managers)
    updaters.sort(key=lambda k: (out[k].time or "", k.identifier()))
    first_of_version: dict[str, ManagerKey] = {}
    length = len(updaters)
    for k in updaters:
        if length <= MAX_UPDATE_MANAGERS:
            break
        entry = out[k]
        bucket = mf.update_key("ancient-changes", entry.api_version)
        first = first_of_version.get(entry.api_version)
        if first is None:
            first_of_version[entry.api_version] = k
            continue
        if bucket not in out:
            out[bucket] = out.pop(first)
        out[bucket] = Entry(mf.union(entry.fields, out[bucket].fields), entry.api_version, entry.time)
        del out[k]
        length -= 1
    return out


# --- apply --------------------------------------------------------------------------------------------------------


def apply(managers: Managers, live: Obj | None, config: Obj, t: TypeNode, key: ManagerKey, *, api_version: str,
          time: str, force: bool = False, ignore: Node = mf.EMPTY) -> tuple[Obj, Managers]:
    """The merged object and the managers after `key` applies `config` to `live` (None: the object is new).

    The merged object is `live` itself when applying changes nothing. Raises ConflictError (409) when the apply
    would change fields other managers own, unless `force`.
    """
    base: Any = ABSENT if live is None else live
    managers = dict(managers)
    if not managers and live is not None:
        # An object nobody tracked yet: what it has belongs to "before-first-apply".
        managers = update({}, zero_value(t), live, t, mf.update_key("before-first-apply", api_version), time=time,
                          ignore=ignore)
    merged = merge(base, config, t)
    last = managers.get(key)
    mine = field_set(config, t)
    if ignore:
        mine = mf.recursive_difference(mine, ignore)
    managers[key] = Entry(mine, api_version, last.time if last else None)
    if last is not None and last.fields:
        owned = mf.EMPTY
        for e in managers.values():
            owned = mf.union(owned, e.fields)
        merged = prune(merged, t, last.fields, owned)
    added, modified, removed = compare(base, merged, t)
    if ignore:
        added = mf.recursive_difference(added, ignore)
        modified = mf.recursive_difference(modified, ignore)
        removed = mf.recursive_difference(removed, ignore)
    changed = mf.union(added, modified)
    conflicts = {k: c for k, e in managers.items() if k != key and (c := mf.intersection(e.fields, changed))}
    if conflicts and not force:
        raise conflict_error(conflicts, config)
    managers = _take(managers, changed, removed, keep=key)
    fields = mf.difference(managers[key].fields, STRIP)
    if not fields:
        del managers[key]
    else:
        managers[key] = Entry(fields, api_version, time if merged != base else managers[key].time)
    return (base if merged is ABSENT else merged), managers


def prune(merged: Any, t: TypeNode, last: Node, owned: Node) -> Any:
    """`merged` without what the applier applied last time (`last`) and nobody owns now (`owned`).

    As structured-merge-diff prunes: a path of `last` goes, with everything below it, when it or one of its
    ancestors that lies within `last` is not owned by any entry (struct fields count as owned when something below
    them is).
    """
    return _prune(merged, t, last, owned, under_last=False, covered=False)


def _prune(value: Any, t: TypeNode, last: Node, owned: Node | None, *, under_last: bool, covered: bool) -> Any:
    t = deduced(value, t)
    if t.atomic or t.kind not in ("map", "list"):
        return value
    if isinstance(value, dict):
        out = None
        for key, child in value.items():
            pe = mf.field_pe(key)
            child_last = last.get(pe)
            if child_last is None:
                continue
            keep = _prune_child(child, t.field(key), child_last, owned, pe, under_last, covered,
                                named=t.has_field(key))
            if keep is not child:
                if out is None:
                    out = dict(value)
                if keep is ABSENT:
                    del out[key]
                else:
                    out[key] = keep
        return value if out is None else out
    if isinstance(value, list):
        elem = t.element()
        items = []
        changed = False
        for item in value:
            ipe = item_pe(item, t)
            child_last = last.get(ipe) if ipe is not None else None
            keep = item if child_last is None else _prune_child(item, elem, child_last, owned, ipe or "",
                                                                under_last, covered, named=False)
            changed = changed or keep is not item
            if keep is not ABSENT:
                items.append(keep)
        return items if changed else value
    return value


def _prune_child(value: Any, t: TypeNode, last: Node, owned: Node | None, pe: str, under_last: bool,
                 covered: bool, *, named: bool) -> Any:
    in_last = "." in last or (named and bool(last))
    child_owned = owned.get(pe) if owned else None
    in_owned = child_owned is not None and ("." in child_owned or (named and bool(child_owned)))
    under = under_last or in_last
    cov = covered or (under and not in_owned)
    if in_last and cov:
        return ABSENT
    pruned = _prune(value, t, last, child_owned, under_last=under, covered=cov)
    if pruned is not value and isinstance(pruned, (dict, list)) and not pruned:
        return ABSENT  # emptied by pruning: gone, as a null is
    return pruned


# --- conflicts ------------------------------------------------------------------------------------------------------


def conflict_error(conflicts: dict[ManagerKey, Node], config: Obj) -> ConflictError:
    """`Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas`,
    or the several-conflicts form, grouped by manager."""
    managers = sorted(conflicts, key=lambda k: k.identifier())
    listed = [(k, path) for k in managers for path in mf.iter_paths(conflicts[k])]
    causes = [Cause(field=mf.path_string(p), message=f"conflict with {k.describe()}", reason="FieldManagerConflict")
              for k, p in listed]
    if len(listed) == 1:
        k, p = listed[0]
        message = f"Apply failed with 1 conflict: conflict with {k.describe()}: {mf.path_string(p)}"
    else:
        lines = []
        for k in managers:
            lines.append(f"conflicts with {k.describe()}:")
            lines.extend(f"- {mf.path_string(p)}" for p in mf.iter_paths(conflicts[k]))
        message = f"Apply failed with {len(listed)} conflicts: " + "\n".join(lines)
    meta = config.get("metadata") or {}
    return ConflictError(message, kind=config.get("kind"), name=meta.get("name"), causes=causes,
                         hint="take the fields with --force-conflicts, leave them out of the manifest, or apply "
                              "the values they have now to share them")
