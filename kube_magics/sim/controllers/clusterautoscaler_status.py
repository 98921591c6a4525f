"""The `cluster-autoscaler-status` ConfigMap in kube-system: what the cluster autoscaler is doing, in the YAML
form cluster-autoscaler 1.30+ writes (cluster-wide health and node counts, scale-up and scale-down activity, the
same per node group), and the object its group-level events are about (ScaledUpGroup, ScaleDown,
ScaleDownEmpty).

cluster-autoscaler rewrites the ConfigMap on every loop, if only to move `lastProbeTime`; here it is written when
something it says changes (its probe times are then those of the write), which keeps an idle cluster quiet.
Must not: decide anything (the controller does).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from kube_magics.sim.objects import find_condition
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
NAME, NAMESPACE = "cluster-autoscaler-status", "kube-system"
COMPONENT = "cluster-autoscaler"
LAST_UPDATED = "cluster-autoscaler.kubernetes.io/last-updated"


class StatusBoard:
    def __init__(self, rt: Any, groups: Sequence[Any]) -> None:
        self.rt = rt
        self.groups = list(groups)
        self._said: tuple[Any, ...] | None = None
        self._since: dict[tuple[str, str], tuple[str, float]] = {}  # (section, key) -> (status, since)

    def ensure(self) -> Obj:
        cm = self.rt.store.get("ConfigMap", NAMESPACE, NAME)
        if cm is None:
            cm = self.rt.api.create({"apiVersion": "v1", "kind": "ConfigMap",
                                     "metadata": {"name": NAME, "namespace": NAMESPACE,
                                                  "annotations": {LAST_UPDATED: _go_time(self.rt.clock.now)}},
                                     "data": {"status": ""}}, trusted=True)
        return cm

    def event(self, reason: str, message: str) -> None:
        self.rt.events.record(self.ensure(), "Normal", reason, message, component=COMPONENT)

    def update(self, nodes: Mapping[str, Sequence[Obj]], upcoming: Mapping[str, Mapping[str, float]], *,
               scaling_up: bool, candidates: int, now: float) -> None:
        all_nodes = self.rt.store.list("Node")
        said = (_counts(all_nodes), scaling_up, candidates,
                tuple((g.name, _counts(nodes[g.name]), len(upcoming[g.name])) for g in self.groups))
        if said == self._said:
            return
        self._said = said
        lines = [f"time: {_go_time(now)}", "autoscalerStatus: Running", "clusterWide:"]
        lines += self._health("cluster", _counts(all_nodes), now, indent="  ")
        lines += self._activity("cluster", scaling_up, candidates, now, indent="  ")
        lines.append("nodeGroups:")
        for g in self.groups:
            group_up = bool(upcoming[g.name])
            lines.append(f"- name: {g.name}")
            lines += self._health(g.name, _counts(nodes[g.name]), now, indent="  ", group=g,
                                  target=len(nodes[g.name]) + len(upcoming[g.name]))
            lines += self._activity(g.name, group_up, candidates if not group_up else 0, now, indent="  ")
        cm = self.ensure()
        new = dict(cm)
        new["metadata"] = {**cm["metadata"], "annotations": {**(cm["metadata"].get("annotations") or {}),
                                                             LAST_UPDATED: _go_time(now)}}
        new["data"] = {"status": "\n".join(lines) + "\n"}
        self.rt.api.write(new)

    def _stamp(self, section: str, key: str, status: str, now: float, indent: str) -> list[str]:
        old = self._since.get((section, key))
        if old is None or old[0] != status:
            self._since[(section, key)] = (status, now)
        since = self._since[(section, key)][1]
        return [f'{indent}lastProbeTime: "{rfc3339(now)}"', f'{indent}lastTransitionTime: "{rfc3339(since)}"']

    def _health(self, section: str, counts: tuple[int, int, int], now: float, *, indent: str, group: Any = None,
                target: int = 0) -> list[str]:
        total, ready, not_started = counts
        status = "Healthy"
        out = [f"{indent}health:", f"{indent}  status: {status}", f"{indent}  nodeCounts:",
               f"{indent}    registered:", f"{indent}      total: {total}", f"{indent}      ready: {ready}",
               f"{indent}      notStarted: {not_started}", f"{indent}    longUnregistered: 0",
               f"{indent}    unregistered: 0"]
        if group is not None:
            out += [f"{indent}  cloudProviderTarget: {target}", f"{indent}  minSize: {group.min}",
                    f"{indent}  maxSize: {group.max}"]
        return out + self._stamp(section, "health", status, now, indent + "  ")

    def _activity(self, section: str, scaling_up: bool, candidates: int, now: float, *, indent: str) -> list[str]:
        up = "InProgress" if scaling_up else "NoActivity"
        down = "CandidatesPresent" if candidates else "NoCandidates"
        out = [f"{indent}scaleUp:", f"{indent}  status: {up}"]
        out += self._stamp(section, "scaleUp", up, now, indent + "  ")
        out += [f"{indent}scaleDown:", f"{indent}  status: {down}"]
        if candidates:
            out.append(f"{indent}  candidates: {candidates}")
        return out + self._stamp(section, "scaleDown", down, now, indent + "  ")


def _counts(nodes: Sequence[Obj]) -> tuple[int, int, int]:
    ready = sum(1 for n in nodes if (find_condition((n.get("status") or {}).get("conditions"), "Ready") or {})
                .get("status") == "True")
    return len(nodes), ready, 0


def _go_time(t: float) -> str:
    """time.Time's String(): `2026-01-05 09:00:00.5 +0000 UTC` (fraction only when there is one)."""
    dt = datetime.fromtimestamp(t, tz=timezone.utc)
    frac = f"{dt.microsecond / 1e6:.6f}"[1:].rstrip("0").rstrip(".") if dt.microsecond else ""
    return dt.strftime("%Y-%m-%d %H:%M:%S") + frac + " +0000 UTC"
