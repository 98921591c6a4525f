"""Apply semantics: merging what a field manager applies into the live object.

A manager owns the fields it applied. Applying again sets those it names now, removes those it named last time
and no longer names, and leaves alone what others set (defaults, status, other managers' fields). Lists of
objects merge by their key (containers by name, ports by containerPort, env by name ...), as server-side apply
and strategic merge patch do; other lists are replaced whole.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.sim.objects import deep_copy

if TYPE_CHECKING:
    pass

Obj = dict[str, Any]

# Lists whose items are merged by a key (the API's x-kubernetes-list-map-keys / patch merge keys).
MERGE_KEYS: dict[str, str] = {
    "containers": "name",
    "initContainers": "name",
    "ephemeralContainers": "name",
    "env": "name",
    "volumes": "name",
    "volumeMounts": "mountPath",
    "ports": "containerPort",
    "imagePullSecrets": "name",
    "hostAliases": "ip",
    "conditions": "type",
}
# Service ports are keyed by port, not containerPort.
_SERVICE_PORT_KEY = "port"


def three_way(last: Obj | None, applied: Obj, live: Obj, *, force: bool = False,
              others: list[Obj] | None = None) -> Obj:
    """The object after `applied` replaces `last` (this manager's previous configuration) within `live`."""
    result = deep_copy(live)
    result.pop("status", None)
    meta = result.get("metadata") or {}
    meta.pop("managedFields", None)
    return _merge_map(last or {}, applied, result, path=())


def _merge_map(last: Obj, applied: Obj, live: Obj, *, path: tuple[str, ...]) -> Obj:
    out = dict(live)
    for key in last:
        if key not in applied:
            out.pop(key, None)
    for key, value in applied.items():
        prev = last.get(key) if isinstance(last, dict) else None
        cur = live.get(key)
        if isinstance(value, dict) and isinstance(cur, dict):
            out[key] = _merge_map(prev if isinstance(prev, dict) else {}, value, cur, path=(*path, key))
        elif isinstance(value, list) and isinstance(cur, list):
            out[key] = _merge_list(prev if isinstance(prev, list) else [], value, cur, path=(*path, key))
        else:
            out[key] = deep_copy(value)
    return out


def _list_key(path: tuple[str, ...], items: list[Any]) -> str | None:
    name = path[-1] if path else ""
    if name == "ports" and "spec" in path and path[-2:] == ("spec", "ports") and len(path) == 2:
        return _SERVICE_PORT_KEY
    key = MERGE_KEYS.get(name)
    if key is None or not all(isinstance(i, dict) and key in i for i in items):
        return None
    return key


def _merge_list(last: list[Any], applied: list[Any], live: list[Any], *, path: tuple[str, ...]) -> list[Any]:
    key = _list_key(path, applied + live)
    if key is None:
        return deep_copy(applied)
    live_by = {i[key]: i for i in live}
    last_by = {i[key]: i for i in last if isinstance(i, dict) and key in i}
    applied_keys = {i[key] for i in applied}
    out = []
    # Applied order first (as server-side apply orders the items a manager owns), then items others own.
    for item in applied:
        cur = live_by.get(item[key])
        if cur is None:
            out.append(deep_copy(item))
        else:
            out.append(_merge_map(last_by.get(item[key], {}), item, cur, path=path))
    for item in live:
        k = item[key]
        if k in applied_keys or k in last_by:
            continue
        out.append(item)
    return out


class FieldManagers:
    """Per object (by uid), the configuration each manager last applied."""

    def __init__(self) -> None:
        self._applied: dict[tuple[str, str], Obj] = {}

    def record(self, obj: Obj, manager: str, applied: Obj) -> None:
        self._applied[(obj["metadata"]["uid"], manager)] = deep_copy(applied)

    def last_applied(self, live: Obj, manager: str) -> Obj | None:
        return self._applied.get((live["metadata"]["uid"], manager))

    def others(self, live: Obj, manager: str) -> list[Obj]:
        uid = live["metadata"]["uid"]
        return [v for (u, m), v in self._applied.items() if u == uid and m != manager]

    def forget(self, uid: str) -> None:
        for k in [k for k in self._applied if k[0] == uid]:
            del self._applied[k]
