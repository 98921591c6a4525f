"""The API server's PATCH and server-side apply, on the simulator's API logic (`Api.apply`, `Api.patch`).

- Apply (`kubectl apply --server-side`, or a PATCH with `application/apply-patch+yaml`): the field manager merges
  the configuration into the live object (`merge.apply`), then the result goes through the same path as an update
  (defaults, admission, validation, the kind's strategy); creates the object when it does not exist.
- JSON patch, JSON merge patch, strategic merge patch: applied to the live object (`kube_magics.patch`), then
  written as an update by the patch's field manager (`kubectl-patch` unless given).
- Subresources: `status` (only the status changes), `scale` (an autoscaling/v1 Scale whose `spec.replicas` is the
  object's; its manager owns `.spec.replicas` in an entry with `subresource: scale`).

Must not: know how objects are stored or validated beyond calling the `Api`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.errors import BadRequestError, Cause, NotFoundError, invalid
from kube_magics.patch import apply_patch, decode, patch_type_of
from kube_magics.selectors import from_label_selector
from kube_magics.sim import managedfields as mf
from kube_magics.sim import merge
from kube_magics.sim.fieldmanagers import ignored_fields
from kube_magics.sim.objects import deep_copy
from kube_magics.sim.typed import merge as merge_values
from kube_magics.timefmt import rfc3339
from kube_magics.typeinfo import type_for

if TYPE_CHECKING:
    from kube_magics.sim.api import Api

Obj = dict[str, Any]

SCALABLE = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})
DEFAULT_PATCH_MANAGER = "kubectl-patch"
_REPLICAS: mf.Node = mf.from_paths(("f:spec", "f:replicas"))


def apply(api: Api, obj: Obj, *, manager: str, force: bool = False, dry_run: bool = False,
          subresource: str = "") -> tuple[Obj, str]:
    """Server-side apply of `obj` by `manager`: the object (with managedFields) and "created", "configured" or
    "unchanged"."""
    if not isinstance(obj, dict):
        raise BadRequestError(f"error decoding patch: json: cannot unmarshal {type(obj).__name__} into Go value of "
                              "type map[string]interface {}")
    config = deep_copy(obj)
    if (config.get("metadata") or {}).get("managedFields") is not None:
        raise BadRequestError("metadata.managedFields must be nil")
    rk = api._normalise(config)
    kind, meta = rk.kind, config["metadata"]
    live = api.rt.store.get(kind, meta.get("namespace", ""), meta.get("name", ""))
    t = type_for(config["apiVersion"], kind)
    key = mf.apply_key(manager, subresource)
    now = rfc3339(api.rt.clock.now)
    fm = api.rt.field_managers
    ignore = ignored_fields(kind, subresource)
    nulls = has_nulls(config)  # the live object has none: only the configuration can bring them
    if live is None:
        if subresource:
            raise NotFoundError(f'{rk.resource_group} "{meta.get("name", "")}" not found', kind=rk.plural,
                                name=meta.get("name", ""), group=rk.group)
        merged, managers = merge.apply({}, None, config, t, key, api_version=config["apiVersion"], time=now,
                                       force=force, ignore=ignore)
        created = api.create(drop_nulls(merged) if nulls else merged, dry_run=dry_run, manager=manager)
        if not dry_run:
            fm.replace(created, managers)
        return with_entries(created, managers), "created"
    before = fm.managers(live)
    merged, managers = merge.apply(before, live, config, t, key, api_version=config["apiVersion"], time=now,
                                   force=force, ignore=ignore)
    stored = _write(api, live, drop_nulls(merged) if nulls else merged, manager=manager, dry_run=dry_run,
                    subresource=subresource)
    action = "unchanged" if stored is live or api._same(stored, live) else "configured"
    if dry_run:
        return with_entries(stored, managers), action
    if stored is live and managers != before:
        stored = api.rt.store.update(dict(live))  # only the managed fields changed: still a write
    fm.replace(stored, managers)
    return with_entries(stored, managers), action


def _write(api: Api, live: Obj, new: Obj, *, manager: str, dry_run: bool, subresource: str) -> Obj:
    if new is live or new == live:
        return live
    if subresource == "status":
        if dry_run:
            return {**live, "status": new.get("status")}
        return api.write_status(live, new.get("status") or {}, manager=manager)
    new = dict(new)
    new["metadata"] = {**new["metadata"], "resourceVersion": live["metadata"]["resourceVersion"]}
    return api.update(new, dry_run=dry_run, manager=manager)


def patch(api: Api, kind: str, namespace: str, name: str, body: Any, *, patch_type: str,
          manager: str | None = None, force: bool = False, dry_run: bool = False,
          subresource: str = "") -> tuple[Obj, str]:
    """PATCH: the patched object (or Scale) and "patched" or "unchanged"."""
    rk = api.resource(kind)
    t = type_for(rk.api_version, rk.kind)
    ptype = patch_type_of(patch_type, strategic=t.name != "__untyped_deduced_" and t.kind != "untyped")
    _check_options(ptype, manager, force)
    if subresource not in ("", "status", "scale") or (subresource == "scale" and rk.kind not in SCALABLE):
        raise NotFoundError("the server could not find the requested resource")
    data = decode(body, ptype)
    namespace = namespace if rk.namespaced else ""
    if ptype == "apply" and subresource != "scale":
        config = _named(data, name, namespace, rk.namespaced)
        obj, action = apply(api, config, manager=manager or "", force=force, dry_run=dry_run, subresource=subresource)
        return obj, "patched" if action != "unchanged" else action
    live = api.get(rk.kind, namespace, name)
    if subresource == "scale":
        return _patch_scale(api, live, data, ptype, manager=manager or DEFAULT_PATCH_MANAGER, force=force,
                            dry_run=dry_run)
    fm = api.rt.field_managers
    before = fm.managed_fields(live)
    patched = apply_patch(deep_copy(fm.with_managed_fields(live)), data, ptype, t=t)
    entries = patched.setdefault("metadata", {}).pop("managedFields", None)
    _check_name(patched, name, namespace)
    who = manager or DEFAULT_PATCH_MANAGER
    if subresource == "status":
        if dry_run:
            stored = {**live, "status": patched.get("status")}
        else:
            stored = api.write_status(live, drop_nulls(patched.get("status") or {}), manager=who)
    else:
        check_rv = patched["metadata"].get("resourceVersion") not in (None, live["metadata"]["resourceVersion"])
        stored = api.update(drop_nulls(patched), dry_run=dry_run, manager=who, check_rv=check_rv)
        if not dry_run and entries != (before or None) and isinstance(entries, list):
            stored = _rewrite_entries(api, live, stored, entries, who)
    action = "unchanged" if stored is live or api._same(stored, live) else "patched"
    return (stored if dry_run else fm.with_managed_fields(stored)), action


def _rewrite_entries(api: Api, live: Obj, stored: Obj, entries: list[Any], manager: str) -> Obj:
    """A patch that rewrote `metadata.managedFields`: the API server takes the given entries (an empty list, or
    one empty entry, clears them) and then records this write's own changes on top."""
    base = {} if not entries or entries == [{}] else mf.decode([e for e in entries if isinstance(e, dict)])
    t = type_for(live["apiVersion"], live["kind"])
    managers = merge.update(base, live, stored, t, mf.update_key(manager, live["apiVersion"]),
                            time=rfc3339(api.rt.clock.now), ignore=ignored_fields(live["kind"])) if base else {}
    if stored is live:
        stored = api.rt.store.update(dict(live))  # only the managed fields changed: still a write
    api.rt.field_managers.replace(stored, managers)
    return stored


def _check_options(ptype: str, manager: str | None, force: bool) -> None:
    if ptype == "apply" and not manager:
        raise invalid("PatchOptions", "", [Cause("fieldManager", "Required value: is required for apply patch",
                                                 "FieldValueRequired")], group="meta.k8s.io")
    if ptype != "apply" and force:
        raise invalid("PatchOptions", "", [Cause("force", "Forbidden: may not be specified for non-apply patch",
                                                 "FieldValueForbidden")], group="meta.k8s.io")


def _named(data: Any, name: str, namespace: str, namespaced: bool) -> Obj:
    if not isinstance(data, dict):
        raise BadRequestError("error decoding patch: the patch is not a mapping")
    config = deep_copy(data)
    meta = config.setdefault("metadata", {})
    meta.setdefault("name", name)
    if namespaced:
        meta.setdefault("namespace", namespace)
    _check_name(config, name, namespace)
    return config


def _check_name(obj: Obj, name: str, namespace: str) -> None:
    meta = obj.get("metadata") or {}
    if meta.get("name") != name:
        raise BadRequestError(f"the name of the object ({meta.get('name')}) does not match the name on the URL "
                              f"({name})")
    if namespace and meta.get("namespace") not in (None, namespace):
        raise BadRequestError("the namespace of the provided object does not match the namespace sent on the "
                              "request")


# --- scale --------------------------------------------------------------------------------------------------------


def scale_of(obj: Obj) -> Obj:
    """The autoscaling/v1 Scale of a Deployment, ReplicaSet, StatefulSet or ReplicationController."""
    meta = obj["metadata"]
    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    text = str(from_label_selector(selector)) if obj["kind"] != "ReplicationController" else \
        ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
                     if k in meta},
        "spec": {"replicas": spec.get("replicas", 0)},
        "status": {"replicas": (obj.get("status") or {}).get("replicas", 0), "selector": text},
    }


def _patch_scale(api: Api, live: Obj, data: Any, ptype: str, *, manager: str, force: bool,
                 dry_run: bool) -> tuple[Obj, str]:
    scale = scale_of(live)
    t = type_for("autoscaling/v1", "Scale")
    new_scale = apply_patch(scale, data, ptype, t=t) if ptype != "apply" else merge_values(scale, data, t)
    replicas = (new_scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise invalid("Scale", live["metadata"]["name"],
                      [Cause("spec.replicas", f"Invalid value: {replicas}: must be greater than or equal to 0")],
                      group="autoscaling")
    fm = api.rt.field_managers
    before = fm.managers(live)
    operation = "Apply" if ptype == "apply" else "Update"
    key = mf.apply_key(manager, "scale") if operation == "Apply" else mf.update_key(manager, live["apiVersion"],
                                                                                    "scale")
    if replicas == (live.get("spec") or {}).get("replicas"):
        return scale, "unchanged"
    others = {k: c for k, e in before.items() if k != key and (c := mf.intersection(e.fields, _REPLICAS))}
    if others and operation == "Apply" and not force:
        raise merge.conflict_error(others, live)
    new = dict(live)
    new["spec"] = {**(live.get("spec") or {}), "replicas": replicas}
    stored = api.update(new, dry_run=dry_run, manager=manager)
    if dry_run:
        return scale_of(stored), "patched"
    managers = {k: e._replace(fields=f) for k, e in before.items() if (f := mf.difference(e.fields, _REPLICAS))}
    managers[key] = mf.Entry(_REPLICAS, live["apiVersion"], None)
    fm.replace(stored, managers)
    return scale_of(stored), "patched"


def with_entries(obj: Obj, managers: mf.Managers) -> Obj:
    """`obj` (shallow copy) with these managers as its managedFields."""
    if not managers:
        return obj
    out = dict(obj)
    out["metadata"] = {**obj["metadata"], "managedFields": mf.encode(managers)}
    return out


def has_nulls(value: Any) -> bool:
    if isinstance(value, dict):
        return any(v is None or has_nulls(v) for v in value.values())
    if isinstance(value, list):
        return any(has_nulls(v) for v in value)
    return False


def drop_nulls(value: Any) -> Any:
    """Null fields removed, as decoding into the API's types leaves them unset."""
    if isinstance(value, dict):
        if not any(v is None or isinstance(v, (dict, list)) for v in value.values()):
            return value
        return {k: drop_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [drop_nulls(v) for v in value]
    return value
