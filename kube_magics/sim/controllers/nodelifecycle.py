"""The node lifecycle controller ("node-controller"), as kube-controller-manager 1.35 runs it with default flags.

Every `--node-monitor-period` (5 s) a monitor pass looks at every node:

- It keeps a probe time per node: the pass that first saw a newer Lease `renewTime` (the kubelet renews it every
  10 s) or a new Ready `lastHeartbeatTime`. When a pass finds the probe `--node-monitor-grace-period` (50 s) old,
  it sets Ready, MemoryPressure, DiskPressure and PIDPressure to Unknown (reason NodeStatusUnknown, "Kubelet
  stopped posting node status.", `lastHeartbeatTime` kept), records NodeNotReady on the node ("Node X status is
  now: NodeNotReady"), turns the Ready condition of the node's pods False with a NodeNotReady event on each
  ("Node is not ready"), which takes them out of Services' endpoints, and marks the node for a NoExecute taint.
- The status write wakes the controller's node-update worker, which keeps the NoSchedule taints in step with the
  conditions (`unreachable` for Unknown, `not-ready` for False, the pressure taints) and with `spec.unschedulable`
  (`node.kubernetes.io/unschedulable`, which is how a cordon shows as a taint).
- A node marked for a NoExecute taint gets it (`unreachable:NoExecute`, or `not-ready:NoExecute` for Ready=False)
  at the next tainting pass (every 100 ms), at the rate its zone allows (`nodelifecycle_zones.py`). The taint
  manager (`taintmanager.py`) evicts pods from there.
- A node that is Ready again loses its NoExecute taints at the next pass (its NoSchedule taints go as soon as the
  kubelet posts Ready); a new node gets a RegisteredNode event, a deleted one RemovingNode.

Timing, compared with `reference/k8s-1.35/node-failure.txt` (a kubelet stopped at 0 s; Ready Unknown with the
NoSchedule taint at 52.2 s, the NoExecute taint by 54.3 s, pods evicted 300 s after that): since Kubernetes 1.29
the pass that finds a node silent also queues its NoExecute taint (it used to wait a pass more), so both taints
come within a fraction of a second of the status change. Here the passes run 2 s after the kubelets' Lease
renewals (renewals at 0, 10, 20 ... s of `SimCluster.elapsed`, passes at 2, 7, 12 ...): a kubelet that dies just
after renewing is seen silent by the pass 52 s later, which sets Ready Unknown and the NoSchedule taint, and the
NoExecute taint follows 0.1 s later (the next tainting pass). A real controller's passes drift later by their own
running time, so the pass 50 s after the probe already finds it older than the grace period: here a probe exactly
50 s old counts as expired.

Must not: delete pods (the taint manager does), or change what kubelets report beyond the Unknown conditions.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kube_magics.sim.clock import quantize
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.nodelifecycle_zones import TAINT_PASS, Zones, zone_of
from kube_magics.sim.controllers.nodepods import pods_on
from kube_magics.sim.objects import find_condition
from kube_magics.sim.store import WatchEvent
from kube_magics.sim.taints import (
    NOT_READY_NO_EXECUTE,
    UNREACHABLE_NO_EXECUTE,
    has_taint,
    no_schedule_diff,
    ready_status,
    taints_of,
    with_taints,
)
from kube_magics.timefmt import parse_rfc3339, rfc3339

Obj = dict[str, Any]

MONITOR_PERIOD = 5.0  # --node-monitor-period
MONITOR_PHASE = 2.0  # the passes' offset from the kubelets' Lease renewals (see the module docstring)
GRACE = 50.0  # --node-monitor-grace-period
STARTUP_GRACE = 60.0  # --node-startup-grace-period, for a node that never posted a Ready condition
UNKNOWN_TYPES = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
EXCLUDE_DISRUPTION = "node.kubernetes.io/exclude-disruption"


@dataclass
class Health:
    """What the controller last saw of a node (`nodeHealthData`), and what it read from the Node object (kept
    while the stored object is the same one: most passes find nothing changed)."""

    probe: float  # when it last saw the kubelet alive
    heartbeat: str | None  # the Ready condition's lastHeartbeatTime
    renewed: str | None  # the Lease's renewTime
    ready: str | None  # the Ready status after the last pass
    node: Obj | None = None  # the Node object the fields below were read from
    condition: Mapping[str, Any] | None = None  # its Ready condition
    zone: str = ""
    counted: bool = True  # in its zone's disruption count (no exclude-disruption label)
    no_execute: bool = False  # carries one of the controller's NoExecute taints


class NodeLifecycleController(Controller):
    name = "node-controller"
    watches = ("Node", "Pod")
    requires = ("kubelet",)  # without kubelets nothing renews the Leases: every node would go NotReady

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.health: dict[str, Health] = {}
        self.known: dict[str, str] = {}  # node name -> uid (knownNodeSet)
        self.zones = Zones()
        self.next_pass = rt.clock.now + MONITOR_PHASE
        rt.services["node-lifecycle"] = self

    # --- informers -------------------------------------------------------------------------------------------------

    def start(self) -> None:
        for node in self.rt.store.list("Node"):
            self.queue.add(("taints", node["metadata"]["name"]))
        self.queue.add_after(("monitor",), MONITOR_PHASE)

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        obj, old = event.object, event.old
        if event.kind == "Node":
            if event.type == "DELETED":
                return ()
            if old is not None and old["spec"] == obj["spec"] and \
                    (old.get("status") or {}).get("conditions") == (obj.get("status") or {}).get("conditions"):
                return ()
            return (("taints", obj["metadata"]["name"]),)
        if old is not None and old["spec"] is obj["spec"]:
            return ()  # a status write: no new binding
        node = obj["spec"].get("nodeName")
        if not node or event.type == "DELETED" or (old is not None and old["spec"].get("nodeName") == node):
            return ()
        health = self.health.get(node)  # a pod just bound to a node this controller holds not ready
        if health is None or health.ready in (None, "True"):
            return ()
        return (("pod", obj["metadata"]["namespace"], obj["metadata"]["name"]),)

    def reconcile(self, key: Any) -> None:
        if key[0] == "monitor":
            self._monitor()
            self.next_pass = quantize(self.rt.clock.now + MONITOR_PERIOD)
            self.queue.add_after(("monitor",), MONITOR_PERIOD)
        elif key[0] == "taints":
            self._no_schedule_pass(key[1])
        elif key[0] == "taint":
            self._no_execute_pass(key[1])
        elif key[0] == "pod":
            pod = self.rt.store.get("Pod", key[1], key[2])
            if pod is not None:
                self._mark_not_ready(pod, self.rt.clock.now)

    # --- the monitor pass ------------------------------------------------------------------------------------------

    def _monitor(self) -> None:
        now = self.rt.clock.now
        nodes = self.rt.store.list("Node")
        self._classify(nodes, now)
        ready_by_zone: dict[str, list[str | None]] = {}
        pending = {name for t in self.zones.tainters.values() for name in t.pending}
        for node in nodes:
            name = node["metadata"]["name"]
            observed, current = self._update_health(node, now)
            health = self.health[name]
            if health.counted:
                ready_by_zone.setdefault(health.zone, []).append(current)
            if current is None:
                continue
            if current != "True" or health.no_execute or name in pending:
                self._taint_for(name, current, now)
            if current != "True" and observed == "True":
                self._node_event(node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady")
                for pod in pods_on(self.rt, name):
                    self._mark_not_ready(pod, now)
        transition = self.zones.handle_disruption(ready_by_zone, now)
        if transition == "enter":
            for node in nodes:
                self._mark_reachable(node["metadata"]["name"])
        elif transition == "exit":
            for health in self.health.values():
                health.probe = now

    def _classify(self, nodes: list[Obj], now: float) -> None:
        """RegisteredNode for nodes seen for the first time, RemovingNode for those gone."""
        names = set()
        for node in nodes:
            name = node["metadata"]["name"]
            names.add(name)
            if name in self.known:
                continue
            self.known[name] = node["metadata"]["uid"]
            self._node_event(node, "Normal", "RegisteredNode",
                             f"Node {name} event: Registered Node {name} in Controller")
            self.zones.tainter(zone_of(node), now)
            self._mark_reachable(name)
        for name in [n for n in self.known if n not in names]:
            uid = self.known.pop(name)
            self.health.pop(name, None)
            gone = {"metadata": {"name": name, "uid": uid}}
            self._node_event(gone, "Normal", "RemovingNode",
                             f"Node {name} event: Removing Node {name} from Controller")

    def _update_health(self, node: Obj, now: float) -> tuple[str, str | None]:
        """`tryUpdateNodeHealth`: (the Ready status observed, the Ready status after this pass, None if the node
        has no Ready condition and is still within its startup grace period)."""
        name = node["metadata"]["name"]
        health = self.health.get(name)
        if health is None or health.node is not node:
            ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
            heartbeat = None if ready is None else ready.get("lastHeartbeatTime")
            if health is None:
                created = parse_rfc3339(node["metadata"]["creationTimestamp"])
                health = self.health[name] = Health(now if ready is not None else created, heartbeat, None, None)
            elif ready is not None and heartbeat != health.heartbeat:
                health.probe, health.heartbeat = now, heartbeat
            taints = taints_of(node)
            health.node, health.condition, health.zone = node, ready, zone_of(node)
            health.counted = EXCLUDE_DISRUPTION not in (node["metadata"].get("labels") or {})
            health.no_execute = has_taint(taints, UNREACHABLE_NO_EXECUTE) or has_taint(taints, NOT_READY_NO_EXECUTE)
        ready = health.condition
        lease = self.rt.store.get("Lease", "kube-node-lease", name)
        renewed = None if lease is None else (lease.get("spec") or {}).get("renewTime")
        if renewed and (health.renewed is None or health.renewed < renewed):
            health.probe, health.renewed = now, renewed
        observed = "Unknown" if ready is None else str(ready.get("status"))
        current = None if ready is None else observed
        grace = GRACE if ready is not None else STARTUP_GRACE
        if now - health.probe >= grace:
            current = "Unknown"
            if observed != "Unknown" or ready is None:
                self.rt.api.write_status(node, _with_unknown_conditions(node, now))
        health.ready = current
        return observed, current

    # --- taints ----------------------------------------------------------------------------------------------------

    def _taint_for(self, name: str, current: str, now: float) -> None:
        """`processTaintBaseEviction` with the Ready status after this pass."""
        node = self.rt.store.get("Node", "", name)
        if node is None:
            return
        taints = taints_of(node)
        if current == "True":
            self._mark_reachable(name)
            return
        wanted, other = (NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE) if current == "False" else \
            (UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE)
        if has_taint(taints, other):
            self._swap(node, [wanted], [other], now)  # the opposite taint is swapped at once
        elif not has_taint(taints, wanted):
            zone = zone_of(node)
            tainter = self.zones.tainter(zone, now)
            if name not in tainter.pending:
                tainter.pending[name] = None
                self.queue.add_after(("taint", zone), TAINT_PASS)

    def _no_execute_pass(self, zone: str) -> None:
        """`doNoExecuteTaintingPass` for one zone: as many queued nodes as the zone's token bucket allows."""
        tainter = self.zones.tainters.get(zone)
        now = self.rt.clock.now
        while tainter is not None and tainter.pending:
            if not tainter.try_accept(now):
                retry = tainter.next_try(now)
                if retry is not None:
                    self.queue.add_after(("taint", zone), retry - now)
                return
            name = next(iter(tainter.pending))
            del tainter.pending[name]
            node = self.rt.store.get("Node", "", name)
            status = None if node is None else ready_status(node)
            if node is None or status not in ("False", "Unknown"):
                continue  # gone, or Ready again: nothing to taint
            wanted, other = (NOT_READY_NO_EXECUTE, UNREACHABLE_NO_EXECUTE) if status == "False" else \
                (UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE)
            self._swap(node, [wanted], [other], now)

    def _mark_reachable(self, name: str) -> None:
        """`markNodeAsReachable`: no NoExecute taint of the controller's, nothing queued."""
        node = self.rt.store.get("Node", "", name)
        if node is None:
            return
        for tainter in self.zones.tainters.values():
            tainter.pending.pop(name, None)
        self._swap(node, [], [UNREACHABLE_NO_EXECUTE, NOT_READY_NO_EXECUTE], self.rt.clock.now)

    def _no_schedule_pass(self, name: str) -> None:
        """`doNoScheduleTaintingPass`: the NoSchedule taints that the conditions and `spec.unschedulable` call for."""
        node = self.rt.store.get("Node", "", name)
        if node is None:
            return
        add, remove = no_schedule_diff(node)
        if add or remove:
            self._swap(node, add, remove, self.rt.clock.now)

    def _swap(self, node: Obj, add: list[Obj], remove: list[Obj], now: float) -> None:
        new = with_taints(node, add, remove, now)
        if new is not None:
            self.rt.api.write(new)

    # --- pods and events -------------------------------------------------------------------------------------------

    def _mark_not_ready(self, pod: Obj, now: float) -> None:
        """`MarkPodsNotReady` for one pod: its Ready condition False, and a NodeNotReady event."""
        status = pod.get("status") or {}
        conditions = status.get("conditions") or []
        ready = find_condition(conditions, "Ready")
        if ready is None or ready.get("status") == "False":
            return
        new = dict(ready, status="False", lastTransitionTime=rfc3339(now))
        self.rt.api.write_status(pod, dict(status, conditions=[new if c is ready else c for c in conditions]))
        self.event(pod, "Warning", "NodeNotReady", "Node is not ready")

    def _node_event(self, node: Obj, type_: str, reason: str, message: str) -> None:
        ref = {"apiVersion": "v1", "kind": "Node",
               "metadata": {"name": node["metadata"]["name"], "uid": node["metadata"].get("uid", "")}}
        self.event(ref, type_, reason, message)

    # --- for SimCluster.fail_node ----------------------------------------------------------------------------------

    def silent_deadline(self, name: str) -> float | None:
        """When a monitor pass will find `name` silent for the grace period, if its kubelet says nothing more
        from now on (None for a node the controller has not seen)."""
        health = self.health.get(name)
        node = self.rt.store.get("Node", "", name)
        if health is None or node is None:
            return None
        probe = health.probe
        lease = self.rt.store.get("Lease", "kube-node-lease", name)
        renewed = None if lease is None else (lease.get("spec") or {}).get("renewTime")
        ready = find_condition((node.get("status") or {}).get("conditions"), "Ready")
        if (renewed and (health.renewed is None or health.renewed < renewed)) or \
                (ready is not None and ready.get("lastHeartbeatTime") != health.heartbeat):
            probe = self._pass_at_or_after(self.rt.clock.now)  # the next pass will see what is new
        return self._pass_at_or_after(probe + GRACE)

    def _pass_at_or_after(self, t: float) -> float:
        if t <= self.next_pass:
            return self.next_pass
        return quantize(self.next_pass + math.ceil(round((t - self.next_pass) / MONITOR_PERIOD, 6)) * MONITOR_PERIOD)


def _with_unknown_conditions(node: Obj, now: float) -> Obj:
    """The node's status with Ready and the pressure conditions Unknown, as the controller posts it."""
    status = dict(node.get("status") or {})
    conditions = [dict(c) for c in status.get("conditions") or ()]
    stamp = rfc3339(now)
    for ctype in UNKNOWN_TYPES:
        cond = next((c for c in conditions if c.get("type") == ctype), None)
        if cond is None:
            conditions.append({"lastHeartbeatTime": node["metadata"]["creationTimestamp"], "lastTransitionTime": stamp,
                               "message": "Kubelet never posted node status.", "reason": "NodeStatusNeverUpdated",
                               "status": "Unknown", "type": ctype})
        elif cond.get("status") != "Unknown":
            cond.update(status="Unknown", reason="NodeStatusUnknown", message="Kubelet stopped posting node status.",
                        lastTransitionTime=stamp)
    status["conditions"] = conditions
    return status
