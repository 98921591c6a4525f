"""What a kubelet posts about its own Node when it comes back (after `SimCluster.recover_node`), and the events it
records about the Node.

A kubelet compares the conditions it would report with those on the Node object. After a failure the node
controller has set them Unknown, so a kubelet that reaches the API server again posts MemoryPressure,
DiskPressure and PIDPressure False and Ready True, with `lastTransitionTime` moved for each one that changes and
`lastHeartbeatTime` now, and records one event per change, in the order of its status setters
(NodeHasSufficientMemory, NodeHasNoDiskPressure, NodeHasSufficientPID, NodeReady: "Node sim-worker2 status is now:
NodeReady"). It also records NodeNotSchedulable / NodeSchedulable when `spec.unschedulable` changes (a cordon).
Its events are about `{kind: Node, name: N, uid: N}`: the kubelet's node reference carries the node's name as
its uid (kubectl describe node looks events up both ways).

Must not: touch pods beyond asking for their status to be written again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kube_magics.timefmt import rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController

Obj = dict[str, Any]

# (condition, status a healthy kubelet reports, reason, message, the event recorded when it becomes so)
HEALTHY = (
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure", "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "NodeHasSufficientPID"),
    ("Ready", "True", "KubeletReady", "kubelet is posting ready status", "NodeReady"),
)


def node_ref(name: str) -> Obj:
    """The kubelet's reference to its Node (no apiVersion; the name as uid)."""
    return {"kind": "Node", "name": name, "uid": name}


def reported_status(node: Obj, now: float) -> tuple[Obj, list[str]]:
    """The status a healthy kubelet posts over `node`'s, and the events for the conditions that change."""
    status = dict(node.get("status") or {})
    conditions = [dict(c) for c in status.get("conditions") or ()]
    stamp = rfc3339(now)
    events = []
    for ctype, value, reason, message, event in HEALTHY:
        cond = next((c for c in conditions if c.get("type") == ctype), None)
        if cond is None:
            cond = {"type": ctype}
            conditions.append(cond)
        if cond.get("status") != value:
            cond["lastTransitionTime"] = stamp
            events.append(event)
        cond.update(status=value, reason=reason, message=message, lastHeartbeatTime=stamp)
    status["conditions"] = conditions
    return status, events


def schedulable_event(unschedulable: bool) -> str:
    return "NodeNotSchedulable" if unschedulable else "NodeSchedulable"


def come_back(kubelet: KubeletController, name: str) -> None:
    """A kubelet that reaches the API server again: it posts its node status and renews its Lease (a real one does
    both within its 10 s sync; here at once), and writes every pod's status anew, since the node controller turned
    their Ready condition False meanwhile."""
    rt = kubelet.rt
    node = rt.store.get("Node", "", name)
    if node is not None:
        status, events = reported_status(node, rt.clock.now)
        rt.api.write_status(node, status)
        for event in events:
            record(kubelet, node, event)
    lease = rt.store.get("Lease", "kube-node-lease", name)
    if lease is not None:
        rt.store.update(dict(lease, spec=dict(lease["spec"], renewTime=rfc3339_micro(rt.clock.now))))
    for prt in kubelet.pods.values():
        if prt.node == name:
            prt.written = None
            kubelet.queue.add(("pod", prt.namespace, prt.name))


def note_schedulable(kubelet: KubeletController, node: Obj) -> None:
    """NodeNotSchedulable / NodeSchedulable when a live kubelet sees `spec.unschedulable` change."""
    nr = kubelet.nodes.get(node["metadata"]["name"])
    unschedulable = bool((node.get("spec") or {}).get("unschedulable"))
    if nr is not None and nr.alive and nr.unschedulable != unschedulable:
        nr.unschedulable = unschedulable
        record(kubelet, node, schedulable_event(unschedulable))


def record(kubelet: KubeletController, node: Obj, event: str) -> None:
    name = node["metadata"]["name"]
    kubelet.rt.events.record(node, "Normal", event, f"Node {name} status is now: {event}", component="kubelet",
                             host=name, ref=node_ref(name))
