"""Objects between the versions the store keeps and the versions the API serves.

The simulator stores every Event as a core/v1 Event; the API also serves them as `events.k8s.io/v1` Events, the
same objects with other field names (as the API server converts between the two):

    involvedObject -> regarding      message -> note              source -> deprecatedSource
    reportingComponent -> reportingController    firstTimestamp / lastTimestamp / count -> deprecated*

`to_served` converts a stored object for a resource; `to_stored` converts a request's object back. Field selectors
of events.k8s.io name the new fields; `stored_field` maps them back.

Owns: the conversions. Must not: touch the simulator.
"""

from __future__ import annotations

from typing import Any

from kube_magics.kinds import ResourceKind

Obj = dict[str, Any]
EVENTS_GROUP = "events.k8s.io"

# core/v1 field -> events.k8s.io/v1 field
_RENAMED = {"involvedObject": "regarding", "message": "note", "source": "deprecatedSource",
            "reportingComponent": "reportingController", "firstTimestamp": "deprecatedFirstTimestamp",
            "lastTimestamp": "deprecatedLastTimestamp", "count": "deprecatedCount"}
_BACK = {v: k for k, v in _RENAMED.items()}


def is_events_v1(r: ResourceKind) -> bool:
    return r.kind == "Event" and r.group == EVENTS_GROUP


def to_served(obj: Obj, r: ResourceKind) -> Obj:
    """A stored object as resource `r` serves it (a new dict only when something changes)."""
    if not is_events_v1(r):
        return obj
    out: Obj = {"apiVersion": r.api_version, "kind": "Event"}
    for key, value in obj.items():
        if key in ("apiVersion", "kind") or (key in _RENAMED and value in (None, "", 0, {})):
            continue
        out[_RENAMED.get(key, key)] = value
    return out


def to_stored(obj: Obj, r: ResourceKind) -> Obj:
    """A request's object (of resource `r`) as the store keeps it."""
    if not is_events_v1(r):
        return obj
    out: Obj = {"apiVersion": "v1", "kind": "Event"}
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        out[_BACK.get(key, key)] = value
    return out


def stored_field(path: str, r: ResourceKind) -> str:
    """A field selector's path in the stored object's terms (`regarding.name` -> `involvedObject.name`)."""
    if not is_events_v1(r):
        return path
    head, dot, rest = path.partition(".")
    return _BACK.get(head, head) + dot + rest


def patch_to_stored(body: bytes, patch_type: str, r: ResourceKind) -> Any:
    """A PATCH body for resource `r` in the store's terms: top-level fields renamed for events.k8s.io (in a JSON
    patch, the first segment of each path). Other resources' bodies are passed on as they came."""
    if not is_events_v1(r):
        return body
    from kube_magics.patch import decode

    data = decode(body, patch_type)
    if isinstance(data, dict):
        return to_stored(data, r)
    if isinstance(data, list):
        out = []
        for op in data:
            if isinstance(op, dict):
                op = dict(op)
                for key in ("path", "from"):
                    if isinstance(op.get(key), str):
                        head, _, rest = op[key].lstrip("/").partition("/")
                        op[key] = "/" + _BACK.get(head, head) + ("/" + rest if rest else "")
            out.append(op)
        return out
    return data
