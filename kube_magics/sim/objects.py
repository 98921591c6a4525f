"""Small helpers for Kubernetes objects as plain dicts (the exact API shape).

Objects in the simulator's store are never mutated once written: a change builds new dicts along the changed path
and shares the rest (`with_path`, `with_status`). That keeps internal reads cheap (no copies) while every object a
caller outside the simulator receives is a deep copy (`deep_copy`).
"""

from __future__ import annotations

import marshal
from collections.abc import Mapping, Sequence
from typing import Any

Obj = dict[str, Any]


def deep_copy(obj: Any) -> Any:
    """A deep copy of JSON-shaped data (dicts, lists, strings, numbers, bools, None); 3x faster than deepcopy."""
    return marshal.loads(marshal.dumps(obj))


def name_of(obj: Mapping[str, Any]) -> str:
    return obj["metadata"]["name"]


def namespace_of(obj: Mapping[str, Any]) -> str:
    return obj["metadata"].get("namespace") or ""


def uid_of(obj: Mapping[str, Any]) -> str:
    return obj["metadata"].get("uid", "")


def labels_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("labels") or {}


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    return obj["metadata"].get("annotations") or {}


def is_deleting(obj: Mapping[str, Any]) -> bool:
    return obj["metadata"].get("deletionTimestamp") is not None


def controller_ref(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ownerReference with `controller: true`, if any."""
    for ref in obj["metadata"].get("ownerReferences") or ():
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: Mapping[str, Any], *, controller: bool = True, block: bool = True) -> dict[str, Any]:
    """An ownerReference to `owner`, as controllers set it on what they create."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": block,
    }


def with_path(obj: Mapping[str, Any], path: Sequence[str], value: Any) -> Obj:
    """A new object equal to `obj` but with `value` at `path` (dict keys only); unchanged parts are shared."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    new = dict(obj)
    new[head] = with_path(obj.get(head) or {}, rest, value) if rest else value
    return new


def without_path(obj: Mapping[str, Any], path: Sequence[str]) -> Obj:
    """A new object equal to `obj` without the key at `path`."""
    head, rest = path[0], path[1:]
    new = dict(obj)
    if not rest:
        new.pop(head, None)
    elif isinstance(obj.get(head), Mapping):
        new[head] = without_path(obj[head], rest)
    return new


def with_status(obj: Mapping[str, Any], status: Mapping[str, Any]) -> Obj:
    new = dict(obj)
    new["status"] = status
    return new


def get_path(obj: Any, path: Sequence[str | int], default: Any = None) -> Any:
    cur = obj
    for part in path:
        try:
            cur = cur[part]
        except (KeyError, IndexError, TypeError):
            return default
        if cur is None:
            return default
    return cur


def find_condition(conditions: Sequence[Mapping[str, Any]] | None, ctype: str) -> Mapping[str, Any] | None:
    for c in conditions or ():
        if c.get("type") == ctype:
            return c
    return None


def set_condition(
    conditions: Sequence[Mapping[str, Any]] | None,
    new: Mapping[str, Any],
    *,
    keep_transition_if_same_status: bool = True,
) -> list[dict[str, Any]]:
    """A new conditions list with `new` replacing the condition of its type.

    As in Kubernetes, `lastTransitionTime` moves only when the status changes; other fields are replaced.
    """
    out: list[dict[str, Any]] = []
    found = False
    for c in conditions or ():
        if c.get("type") == new["type"]:
            merged = dict(new)
            if keep_transition_if_same_status and c.get("status") == new.get("status") and "lastTransitionTime" in c:
                merged["lastTransitionTime"] = c["lastTransitionTime"]
            out.append(merged)
            found = True
        else:
            out.append(dict(c))
    if not found:
        out.append(dict(new))
    return out


def ref_to(obj: Mapping[str, Any]) -> dict[str, Any]:
    """An ObjectReference (events' involvedObject)."""
    meta = obj["metadata"]
    ref = {"apiVersion": obj.get("apiVersion", "v1"), "kind": obj["kind"], "name": meta["name"]}
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    if meta.get("resourceVersion"):
        ref["resourceVersion"] = meta["resourceVersion"]
    if meta.get("uid"):
        ref["uid"] = meta["uid"]
    return ref
