"""Taints on nodes and tolerations on pods, as the node lifecycle controller and the taint manager read them.

- The taints the node lifecycle controller keeps in step with a node's conditions (`node.kubernetes.io/not-ready`
  for Ready=False, `unreachable` for Ready=Unknown, `memory-pressure`, `disk-pressure`, `pid-pressure`,
  `network-unavailable`) and with `spec.unschedulable` (`node.kubernetes.io/unschedulable`), all NoSchedule; and
  its two NoExecute templates (not-ready and unreachable).
- Adding and removing taints on a Node object (`SwapNodeControllerTaint`): added taints carry `timeAdded`, a taint
  already there (same key and effect) is replaced in place, new ones go at the end.
- Which of a pod's tolerations match a set of taints (`GetMatchingTolerations`: the first toleration that
  tolerates each taint), and how long they let the pod stay.

Pure functions on API-shaped dicts: nothing here reads or writes the store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kube_magics.sim.objects import find_condition
from kube_magics.sim.scheduling.filters import tolerates
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]

NOT_READY = "node.kubernetes.io/not-ready"
UNREACHABLE = "node.kubernetes.io/unreachable"
UNSCHEDULABLE = "node.kubernetes.io/unschedulable"
OUT_OF_SERVICE = "node.kubernetes.io/out-of-service"

NOT_READY_NO_EXECUTE: Obj = {"key": NOT_READY, "effect": "NoExecute"}
UNREACHABLE_NO_EXECUTE: Obj = {"key": UNREACHABLE, "effect": "NoExecute"}

# nodeConditionToTaintKeyStatusMap: (condition type, status) -> the NoSchedule taint's key.
CONDITION_TAINTS: dict[tuple[str, str], str] = {
    ("Ready", "False"): NOT_READY,
    ("Ready", "Unknown"): UNREACHABLE,
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
    ("NetworkUnavailable", "True"): "node.kubernetes.io/network-unavailable",
    ("PIDPressure", "True"): "node.kubernetes.io/pid-pressure",
}
_CONDITION_TAINT_KEYS = frozenset(CONDITION_TAINTS.values())


def taints_of(node: Mapping[str, Any]) -> list[Obj]:
    return list((node.get("spec") or {}).get("taints") or ())


def has_taint(taints: Iterable[Mapping[str, Any]], template: Mapping[str, Any]) -> bool:
    """`TaintExists`: a taint with the template's key and effect (values and times aside)."""
    return any(t.get("key") == template["key"] and t.get("effect") == template["effect"] for t in taints)


def ready_status(node: Mapping[str, Any]) -> str | None:
    """The Ready condition's status ("True", "False", "Unknown"), None if the node has none."""
    cond = find_condition((node.get("status") or {}).get("conditions"), "Ready")
    return None if cond is None else str(cond.get("status"))


def wanted_no_schedule(node: Mapping[str, Any]) -> list[Obj]:
    """The NoSchedule taints the node's conditions and `spec.unschedulable` call for, in condition order."""
    out: list[Obj] = []
    for cond in (node.get("status") or {}).get("conditions") or ():
        key = CONDITION_TAINTS.get((cond.get("type"), cond.get("status")))
        if key is not None:
            out.append({"key": key, "effect": "NoSchedule"})
    if (node.get("spec") or {}).get("unschedulable"):
        out.append({"key": UNSCHEDULABLE, "effect": "NoSchedule"})
    return out


def no_schedule_diff(node: Mapping[str, Any]) -> tuple[list[Obj], list[Obj]]:
    """(taints to add, taints to remove) to bring the controller's NoSchedule taints in step with the node."""
    wanted = wanted_no_schedule(node)
    present = [t for t in taints_of(node) if t.get("effect") == "NoSchedule"
               and (t.get("key") == UNSCHEDULABLE or t.get("key") in _CONDITION_TAINT_KEYS)]
    add = [t for t in wanted if not has_taint(present, t)]
    remove = [t for t in present if not has_taint(wanted, t)]
    return add, remove


def with_taints(node: Obj, add: Sequence[Mapping[str, Any]], remove: Sequence[Mapping[str, Any]],
                now: float) -> Obj | None:
    """The node with `add` (stamped `timeAdded`) and without `remove`; None when nothing would change."""
    taints = taints_of(node)
    before = list(taints)
    stamp = rfc3339(now)
    for template in add:
        new = {"effect": template["effect"], "key": template["key"], "timeAdded": stamp}
        if "value" in template:
            new["value"] = template["value"]
        at = next((i for i, t in enumerate(taints)
                   if t.get("key") == new["key"] and t.get("effect") == new["effect"]), None)
        if at is None:
            taints.append(new)
        elif taints[at] != new:
            taints[at] = new
    taints = [t for t in taints if not has_taint(remove, t)]
    if taints == before:
        return None
    spec = dict(node.get("spec") or {})
    if taints:
        spec["taints"] = taints
    else:
        spec.pop("taints", None)
    out = dict(node)
    out["spec"] = spec
    return out


def no_execute_taints(node: Mapping[str, Any] | None) -> list[Obj]:
    return [t for t in taints_of(node or {}) if t.get("effect") == "NoExecute"]


def matching_tolerations(taints: Sequence[Mapping[str, Any]],
                         tolerations: Sequence[Mapping[str, Any]]) -> tuple[bool, list[Mapping[str, Any]]]:
    """`GetMatchingTolerations`: whether every taint is tolerated, and the first toleration found for each."""
    if not taints:
        return True, []
    used: list[Mapping[str, Any]] = []
    for taint in taints:
        match = next((t for t in tolerations if tolerates(t, taint)), None)
        if match is None:
            return False, []
        used.append(match)
    return True, used


def min_toleration_seconds(tolerations: Sequence[Mapping[str, Any]]) -> float:
    """How long the tolerations let a pod stay: the smallest `tolerationSeconds` (0 or less: not at all), or -1
    when none sets one (forever). No tolerations at all means 0."""
    if not tolerations:
        return 0.0
    smallest: float | None = None
    for t in tolerations:
        seconds = t.get("tolerationSeconds")
        if seconds is None:
            continue
        if int(seconds) <= 0:
            return 0.0
        smallest = float(seconds) if smallest is None else min(smallest, float(seconds))
    return -1.0 if smallest is None else smallest
