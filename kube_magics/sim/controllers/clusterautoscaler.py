"""cluster-autoscaler, for the node groups a simulated cluster is given (`SimConfig.node_groups`).

Every 10 s (`--scan-interval`) it does what cluster-autoscaler's RunOnce does, with its default flags:

- Scale-up. Pods the scheduler marked Unschedulable are first tried, in a what-if, on the existing nodes and on
  nodes already asked for (those are not a reason to ask again). For the rest, each group's template node is
  tried (`clusterautoscaler_fit`); the first group that fits some of them and is below its max grows by as many
  nodes as binpacking says (at most to max): a `ScaledUpGroup` event on the status ConfigMap, `TriggeredScaleUp`
  on each pod ("pod triggered scale-up: [{pool 2->3 (max: 5)}]"), and the new nodes join the cluster
  `join_seconds` later (60 s unless configured) as `<cluster>-<group>-<5 chars>`, Ready, with the DaemonSets'
  pods to come. Pods no group can take get `NotTriggerScaleUp` ("pod didn't trigger scale-up: 1 Insufficient
  cpu", "... 1 max node group size reached").
- Scale-down. A group's node is unneeded when its pods request less than 50% of its CPU and of its memory and
  every pod that is neither a DaemonSet's nor a mirror pod could move to another node (none in kube-system,
  none without a controller, none with local storage, none marked safe-to-evict "false"). After 10 minutes of
  being unneeded (and 10 minutes after the last scale-up) it is removed, if its group stays at or above min:
  tainted `ToBeDeletedByClusterAutoscaler`, its pods evicted ("deleting pod for node scale down"), then the
  Node deleted. Empty nodes go up to 10 at a time, nodes with pods to move one at a time.
- The `cluster-autoscaler-status` ConfigMap in kube-system says what it is doing, and carries the group events.

Choices where cluster-autoscaler has a random or cloud-specific part: the expander takes groups in the order they
are configured (the default expander is "random"), and names come from the cluster's seeded generator.
Must not: schedule pods (the scheduler does), or touch nodes outside its groups.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from random import Random
from typing import Any

from kube_magics.errors import ApiError
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import clusterautoscaler_fit as fit
from kube_magics.sim.controllers.clusterautoscaler_status import StatusBoard
from kube_magics.sim.controllers.daemonset import daemon_tolerations
from kube_magics.sim.names import random_suffix
from kube_magics.sim.nodes import make_node
from kube_magics.sim.scheduling.podinfo import QuantityCache, pod_info
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]

SCAN_INTERVAL = 10.0
UNNEEDED_TIME = 600.0  # --scale-down-unneeded-time
DELAY_AFTER_ADD = 600.0  # --scale-down-delay-after-add
UTILIZATION_THRESHOLD = 0.5  # --scale-down-utilization-threshold
MAX_EMPTY_BULK_DELETE = 10
MAX_GRACEFUL_TERMINATION = 600.0
SCALE_DOWN_DISABLED = "cluster-autoscaler.kubernetes.io/scale-down-disabled"


class ClusterAutoscaler(Controller):
    name = "cluster-autoscaler"
    watches = ()

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        c = rt.config
        self.groups = fit.node_groups(c.node_groups, cpu=c.node_cpu, memory=c.node_memory, pods=c.node_pods)
        self.rng = Random(f"{c.seed}/cluster-autoscaler")
        self.q = QuantityCache()
        self.upcoming: dict[str, dict[str, float]] = {g.name: {} for g in self.groups}  # group -> node -> joins at
        self.unneeded_since: dict[str, float] = {}
        self.draining: dict[str, tuple[float, bool]] = {}  # node -> (when its removal began, pods were moved)
        self.last_scale_up = float("-inf")
        self.board = StatusBoard(rt, self.groups)

    # --- the loop ----------------------------------------------------------------------------------------------

    def start(self) -> None:
        if self.groups:
            self.queue.add(("loop",))

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        return ()

    def reconcile(self, key: Any) -> None:
        if key[0] == "join":
            self._join(key[1], key[2])
            return
        self.queue.add_after(("loop",), SCAN_INTERVAL)
        self.board.ensure()
        now = self.rt.clock.now
        self._finish_drains(now)
        scaled_up = self._scale_up(now)
        candidates = 0 if scaled_up else self._scale_down(now)
        self.board.update(self._nodes_by_group(), self.upcoming, scaling_up=any(self.upcoming.values()),
                          candidates=candidates, now=now)

    # --- nodes of the groups -----------------------------------------------------------------------------------

    def _nodes_by_group(self) -> dict[str, list[Obj]]:
        out: dict[str, list[Obj]] = {g.name: [] for g in self.groups}
        for node in self.rt.store.list("Node"):
            group = (node["metadata"].get("labels") or {}).get(fit.GROUP_LABEL)
            if group in out:
                out[group].append(node)
        return out

    def _target_size(self, group: str, nodes: dict[str, list[Obj]]) -> int:
        return len(nodes[group]) + len(self.upcoming[group])

    def _template_node(self, group: fit.NodeGroup) -> Obj:
        name = f"template-node-for-{group.name}"
        return make_node(self.rt.config, name, 0, now=self.rt.clock.now, cpu=group.cpu, memory=group.memory,
                         pods=group.pods, labels=group_labels(group))

    def _join(self, group_name: str, name: str) -> None:
        if self.upcoming.get(group_name, {}).pop(name, None) is None:
            return
        group = next(g for g in self.groups if g.name == group_name)
        self.rt.api.create(group_node(self.rt, group, name), trusted=True)

    # --- scale-up --------------------------------------------------------------------------------------------

    def _scale_up(self, now: float) -> bool:
        pending = [p for p in self.rt.store.list("Pod", None) if fit.unschedulable(p)]
        if not pending:
            return False
        nodes = self._nodes_by_group()
        pending = self._not_placeable(pending)
        if not pending:
            return False
        daemon_pods = self._daemon_pods()
        rejected: dict[str, list[str]] = {p["metadata"]["uid"]: [] for p in pending}
        for group in self.groups:
            node, empty = fit.template(group, self._template_node(group), daemon_pods, self.q)
            current = self._target_size(group.name, nodes)
            fitting, needs = [], []
            for pod in pending:
                info = pod_info(pod, self.q)
                reason = fit.verdict(info, node, empty)
                if reason is None and current >= group.max:
                    reason = "max node group size reached"
                if reason is not None:
                    rejected[pod["metadata"]["uid"]].append(reason)
                    continue
                fitting.append(pod)
                needs.append(fit.needs(info))
            if fitting:
                new_size = min(group.max, current + max(1, fit.new_nodes_needed(needs, empty)))
                self._grow(group, current, new_size, fitting, now)
                return True
        for pod in pending:
            self._event(pod, "NotTriggerScaleUp",
                        f"pod didn't trigger scale-up: {_reasons(rejected[pod['metadata']['uid']])}")
        return False

    def _grow(self, group: fit.NodeGroup, current: int, new_size: int, pods: list[Obj], now: float) -> None:
        info = f"[{{{group.name} {current}->{new_size} (max: {group.max})}}]"
        self.board.event("ScaledUpGroup", f"Scale-up: setting group {group.name} size to {new_size} instead of "
                                          f"{current} (max: {group.max})")
        for _ in range(new_size - current):
            name = self._new_name(group)
            self.upcoming[group.name][name] = now + group.join_seconds
            self.queue.add_after(("join", group.name, name), group.join_seconds)
        for pod in pods:
            self._event(pod, "TriggeredScaleUp", f"pod triggered scale-up: {info}")
        self.last_scale_up = now

    def _new_name(self, group: fit.NodeGroup) -> str:
        taken = {n["metadata"]["name"] for n in self.rt.store.iter("Node")}
        taken.update(n for names in self.upcoming.values() for n in names)
        while True:
            name = f"{self.rt.config.name}-{group.name}-{random_suffix(self.rng)}"
            if name not in taken:
                return name

    def _not_placeable(self, pending: list[Obj]) -> list[Obj]:
        """The pending pods that fit neither an existing node nor one already on its way (filter_out_schedulable)."""
        slots: list[tuple[Obj, dict[str, int]]] = []
        by_node: dict[str, list[Obj]] = {}
        for pod in self.rt.store.list("Pod", None):
            if pod["spec"].get("nodeName") and fit.unfinished(pod):
                by_node.setdefault(pod["spec"]["nodeName"], []).append(pod)
        for node in self.rt.store.list("Node"):
            if fit.ready(node) and not fit.being_deleted(node):
                slots.append((node, fit.free_on(node, by_node.get(node["metadata"]["name"], []), self.q)))
        daemon_pods = self._daemon_pods()
        for group in self.groups:
            if self.upcoming[group.name]:
                node, empty = fit.template(group, self._template_node(group), daemon_pods, self.q)
                slots += [(node, dict(empty)) for _ in self.upcoming[group.name]]
        left = []
        for pod in pending:
            info = pod_info(pod, self.q)
            for node, free in slots:
                if fit.verdict(info, node, free) is None:
                    fit.take(free, fit.needs(info))
                    break
            else:
                left.append(pod)
        return left

    def _daemon_pods(self) -> list[Obj]:
        """A pod for each DaemonSet, as it would run on a new node."""
        out = []
        for ds in self.rt.store.list("DaemonSet", None):
            spec = dict(ds["spec"]["template"].get("spec") or {})
            spec["tolerations"] = daemon_tolerations(spec)
            out.append({"metadata": {"name": ds["metadata"]["name"], "namespace": ds["metadata"]["namespace"],
                                     "labels": (ds["spec"]["template"].get("metadata") or {}).get("labels") or {}},
                        "spec": spec})
        return out

    # --- scale-down ------------------------------------------------------------------------------------------

    def _scale_down(self, now: float) -> int:
        """Note the unneeded nodes and remove those unneeded long enough; returns how many are unneeded."""
        nodes = self._nodes_by_group()
        by_node: dict[str, list[Obj]] = {}
        for pod in self.rt.store.list("Pod", None):
            if pod["spec"].get("nodeName") and fit.unfinished(pod):
                by_node.setdefault(pod["spec"]["nodeName"], []).append(pod)
        unneeded: list[tuple[Obj, list[Obj]]] = []
        removing: set[str] = set(self.draining)
        for group in self.groups:
            if len(nodes[group.name]) <= group.min:
                continue  # a group at its min size has no candidates
            for node in nodes[group.name]:
                name = node["metadata"]["name"]
                movable = self._movable(node, by_node.get(name, []), by_node, removing)
                if movable is None:
                    self.unneeded_since.pop(name, None)
                    continue
                self.unneeded_since.setdefault(name, now)
                removing.add(name)
                unneeded.append((node, movable))
        still = {n["metadata"]["name"] for n, _ in unneeded}
        for name in [n for n in self.unneeded_since if n not in still]:
            del self.unneeded_since[name]
        if now - self.last_scale_up >= DELAY_AFTER_ADD and not self.draining:
            self._remove_unneeded(unneeded, nodes, now)
        return len(unneeded)

    def _movable(self, node: Obj, pods: list[Obj], by_node: dict[str, list[Obj]],
                 removing: set[str]) -> list[Obj] | None:
        """The pods to move if the node is unneeded (low utilization, all its pods can go elsewhere), else None."""
        name = node["metadata"]["name"]
        if name in self.draining or not fit.ready(node) or fit.being_deleted(node):
            return None
        if (node["metadata"].get("annotations") or {}).get(SCALE_DOWN_DISABLED) == "true":
            return None
        cpu, memory = fit.utilization(node, pods, self.q)
        if max(cpu, memory) >= UTILIZATION_THRESHOLD:
            return None
        to_move = [p for p in pods if not fit.daemon_or_mirror(p)]
        if any(fit.blocks(p) for p in to_move):
            return None
        slots = [(n, fit.free_on(n, by_node.get(n["metadata"]["name"], []), self.q))
                 for n in self.rt.store.list("Node")
                 if n["metadata"]["name"] != name and n["metadata"]["name"] not in removing and fit.ready(n)
                 and not fit.being_deleted(n) and not (n.get("spec") or {}).get("unschedulable")]
        for pod in to_move:
            info = pod_info({**pod, "spec": {**pod["spec"], "nodeName": ""}}, self.q)
            for other, free in slots:
                if fit.verdict(info, other, free) is None:
                    fit.take(free, fit.needs(info))
                    break
            else:
                return None
        return to_move

    def _remove_unneeded(self, unneeded: list[tuple[Obj, list[Obj]]], nodes: dict[str, list[Obj]], now: float) -> None:
        sizes = {g.name: len(nodes[g.name]) for g in self.groups}
        minimum = {g.name: g.min for g in self.groups}
        ripe = [(n, pods) for n, pods in unneeded
                if now - self.unneeded_since[n["metadata"]["name"]] >= UNNEEDED_TIME]
        empty = [(n, pods) for n, pods in ripe if not pods]
        done = 0
        for node, _ in empty:
            group = node["metadata"]["labels"][fit.GROUP_LABEL]
            if done >= MAX_EMPTY_BULK_DELETE or sizes[group] <= minimum[group]:
                continue
            sizes[group] -= 1
            done += 1
            self.board.event("ScaleDownEmpty", f'Scale-down: removing empty node "{node["metadata"]["name"]}"')
            self._begin_removal(node, [], now)
        if done:
            return
        for node, pods in ripe:
            group = node["metadata"]["labels"][fit.GROUP_LABEL]
            if not pods or sizes[group] <= minimum[group]:
                continue
            cpu, memory = fit.utilization(node, self._pods_on(node), self.q)
            top = ("cpu", cpu) if cpu >= memory else ("memory", memory)
            names = ",".join(p["metadata"]["name"] for p in pods)
            self.board.event("ScaleDown", f"Scale-down: removing node {node['metadata']['name']}, utilization: "
                                          f"{{{fit.go_float(cpu)} {fit.go_float(memory)} 0 {top[0]} "
                                          f"{fit.go_float(top[1])}}}, pods to reschedule: {names}")
            self._begin_removal(node, pods, now)
            return

    def _pods_on(self, node: Obj) -> list[Obj]:
        name = node["metadata"]["name"]
        return [p for p in self.rt.store.list("Pod", None) if p["spec"].get("nodeName") == name and fit.unfinished(p)]

    def _begin_removal(self, node: Obj, pods: list[Obj], now: float) -> None:
        name = node["metadata"]["name"]
        self.unneeded_since.pop(name, None)
        spec = dict(node.get("spec") or {})
        taint = {"effect": "NoSchedule", "key": fit.TO_BE_DELETED_TAINT, "value": str(int(now))}
        spec["taints"] = [t for t in spec.get("taints") or () if t.get("key") != fit.TO_BE_DELETED_TAINT] + [taint]
        self.rt.api.write({**node, "spec": spec})
        self._event(node, "ScaleDown", "marked the node as toBeDeleted/unschedulable")
        for pod in pods:
            self._event(pod, "ScaleDown", "deleting pod for node scale down")
            with contextlib.suppress(ApiError):  # already gone
                self.rt.api.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
        self.draining[name] = (now, bool(pods))
        self._finish_drains(now)

    def _finish_drains(self, now: float) -> None:
        """Delete the nodes whose pods have left (or that waited out the longest grace period)."""
        for name, (began, drained) in list(self.draining.items()):
            node = self.rt.store.get("Node", "", name)
            left = [p for p in self._pods_on(node) if not fit.daemon_or_mirror(p)] if node is not None else []
            if left and now - began < MAX_GRACEFUL_TERMINATION:
                continue
            del self.draining[name]
            if node is None:
                continue
            self.rt.api.delete("Node", "", name)
            for pod in self.rt.store.list("Pod", None):
                if pod["spec"].get("nodeName") == name:  # what the pod garbage collector does for a node gone
                    self.rt.api.delete("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"], grace=0)
            self.board.event("ScaleDown" if drained else "ScaleDownEmpty",
                             f"Scale-down: node {name} removed with drain" if drained else
                             f"Scale-down: empty node {name} removed")

    def _event(self, obj: Obj, reason: str, message: str) -> None:
        self.event(obj, "Normal", reason, message)


# --- helpers -----------------------------------------------------------------------------------------------------

def group_labels(group: fit.NodeGroup) -> dict[str, str]:
    return {**dict(group.labels), fit.GROUP_LABEL: group.name}


def group_node(rt: Any, group: fit.NodeGroup, name: str) -> Obj:
    """A new node of the group, as it registers itself: the group's size and labels, the next pod CIDR."""
    from kube_magics.sim import system

    node = make_node(rt.config, name, _next_index(rt), now=rt.clock.now, cpu=group.cpu, memory=group.memory,
                     pods=group.pods, labels=group_labels(group))
    node["status"]["images"] = [dict(i) for i in system.preloaded_images()]
    return node


def add_initial_nodes(rt: Any) -> list[Obj]:
    """Register the nodes each group starts with (its min), named as the autoscaler names the ones it adds. One
    at a time: each takes the pod CIDR and address after those of the nodes registered before it."""
    c = rt.config
    rng = Random(f"{c.seed}/node-groups")
    out = []
    for group in fit.node_groups(c.node_groups, cpu=c.node_cpu, memory=c.node_memory, pods=c.node_pods):
        for _ in range(group.min):
            node = group_node(rt, group, f"{c.name}-{group.name}-{random_suffix(rng)}")
            out.append(rt.api.create(node, trusted=True))
    return out


def _next_index(rt: Any) -> int:
    """The next node's index (its pod CIDR 10.244.<index>.0/24 and address): one past the highest in use."""
    used = [-1]
    for node in rt.store.iter("Node"):
        cidr = (node.get("spec") or {}).get("podCIDR") or ""
        parts = cidr.split(".")
        if len(parts) == 4 and parts[2].isdigit():
            used.append(int(parts[2]))
    return max(used) + 1


def _reasons(reasons: list[str]) -> str:
    """`ReasonsMessage`: each reason with how many groups gave it (sorted, where Go's map order is random)."""
    counts: dict[str, int] = {}
    for r in reasons:
        counts[r] = counts.get(r, 0) + 1
    return ", ".join(f"{n} {r}" for r, n in sorted(counts.items()))
