"""The cluster autoscaler's what-if scheduling, as pure functions: node groups, node templates, whether a pod
would fit a node, how many new nodes a set of pods needs, and how full a node is.

Like cluster-autoscaler, it asks the scheduler's questions (the filters of `sim/scheduling/filters.py` and the
resource fit) of nodes that do not exist yet: a template of the group's node, with the DaemonSet pods every new
node gets already counted.

    fits({"cpu": 3000, "pods": 1}, {"cpu": 3900, "memory": ..., "pods": 108})   -> None (it fits)
    fits({"cpu": 3000, "pods": 1}, {"cpu": 900, ...})                          -> "Insufficient cpu"
    new_nodes_needed([{"cpu": 3000, "pods": 1}] * 3, template_free)              -> 3 (one pod per 4-CPU node)

Must not: read or write the store (callers pass objects in).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics import quantity
from kube_magics.errors import UsageError
from kube_magics.sim.objects import controller_ref, find_condition
from kube_magics.sim.scheduling.filters import static_verdict
from kube_magics.sim.scheduling.podinfo import PodInfo, QuantityCache, pod_info

Obj = Mapping[str, Any]
Resources = dict[str, int]  # cpu in millicores, memory and the rest in units, "pods" in pods

GROUP_LABEL = "kube-magics.io/node-group"  # which group a node belongs to (clouds have their own: GKE's
# cloud.google.com/gke-nodepool, EKS's eks.amazonaws.com/nodegroup)
DEFAULT_JOIN_SECONDS = 60.0
TO_BE_DELETED_TAINT = "ToBeDeletedByClusterAutoscaler"
SAFE_TO_EVICT = "cluster-autoscaler.kubernetes.io/safe-to-evict"
_KEYS = ("name", "min", "max", "cpu", "memory", "pods", "labels", "join_seconds")


@dataclass(frozen=True)
class NodeGroup:
    """A pool of identical nodes the autoscaler may grow up to `max` and shrink down to `min`; new nodes have
    `cpu`, `memory` and `pods` and join `join_seconds` after the autoscaler asks for them."""

    name: str
    min: int
    max: int
    cpu: str
    memory: str
    pods: int
    join_seconds: float = DEFAULT_JOIN_SECONDS
    labels: Mapping[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.name


def node_groups(specs: Iterable[Mapping[str, Any]], *, cpu: str, memory: str, pods: int) -> list[NodeGroup]:
    """Node groups from SimConfig.node_groups (dicts), checked; `cpu`, `memory`, `pods` are the defaults."""
    out: list[NodeGroup] = []
    for i, spec in enumerate(specs):
        unknown = sorted(set(spec) - set(_KEYS))
        if unknown:
            raise UsageError(f"node group {i}: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})")
        name = str(spec.get("name") or "pool")
        try:
            low, high = int(spec.get("min", 0)), int(spec.get("max", spec.get("min", 0)))
            join = float(spec.get("join_seconds", DEFAULT_JOIN_SECONDS))
        except (TypeError, ValueError):
            raise UsageError(f"node group {name}: min, max and join_seconds must be numbers") from None
        if low < 0 or high < low or high == 0:
            raise UsageError(f"node group {name}: need 0 <= min <= max and max >= 1 (got min={low}, max={high})")
        if any(g.name == name for g in out):
            raise UsageError(f"node group {name} is given twice")
        for key in ("cpu", "memory"):
            if key in spec and not quantity.is_valid(spec[key]):
                raise UsageError(f"node group {name}: {key}={spec[key]!r} is not a quantity")
        out.append(NodeGroup(name, low, high, str(spec.get("cpu", cpu)), str(spec.get("memory", memory)),
                             int(spec.get("pods", pods)), join, dict(spec.get("labels") or {})))
    return out


def parse_node_group(text: str) -> dict[str, Any]:
    """`%kube use sim --node-group` values: `min=2,max=5`, `pool:min=2,max=5,cpu=4,memory=8Gi,join_seconds=30`."""
    name, sep, rest = text.partition(":")
    if not sep:
        name, rest = "", text
    spec: dict[str, Any] = {"name": name} if name else {}
    for item in filter(None, (p.strip() for p in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or key not in _KEYS[1:] or key == "labels":
            raise UsageError(f"--node-group: cannot read {item!r}",
                             hint="e.g. --node-group min=2,max=5 or --node-group pool:min=1,max=4,cpu=2,memory=4Gi")
        spec[key] = value
    if "max" not in spec:
        raise UsageError(f"--node-group {text}: max= is required", hint="e.g. --node-group min=2,max=5")
    return spec


# --- what a pod needs and what a node has -------------------------------------------------------------------

def needs(info: PodInfo) -> Resources:
    return {**{k: v for k, v in info.requests.items() if v}, "pods": 1}


def allocatable(node: Obj, q: QuantityCache) -> Resources:
    alloc = (node.get("status") or {}).get("allocatable") or {}
    return {k: (q.milli(v) if k == "cpu" else q.integer(v)) for k, v in alloc.items()}


def free_on(node: Obj, pods: Iterable[Obj], q: QuantityCache) -> Resources:
    """What is left of a node's allocatable after the requests of the pods on it."""
    free = allocatable(node, q)
    for pod in pods:
        take(free, needs(pod_info(pod, q)))
    return free


def take(free: Resources, need: Mapping[str, int]) -> None:
    for k, v in need.items():
        free[k] = free.get(k, 0) - v


def fits(need: Mapping[str, int], free: Mapping[str, int]) -> str | None:
    """None if the needs fit in what is free, else the scheduler's reason (the first resource short)."""
    if need.get("pods", 0) > free.get("pods", 0):
        return "Too many pods"
    ordered = [k for k in ("cpu", "memory", "ephemeral-storage") if k in need]
    ordered += sorted(k for k in need if k not in ("cpu", "memory", "ephemeral-storage", "pods"))
    for k in ordered:
        if need[k] > free.get(k, 0):
            return f"Insufficient {k}"
    return None


def verdict(info: PodInfo, node: Obj, free: Mapping[str, int]) -> str | None:
    """Why the pod would not fit this node now (a filter's reason), or None."""
    static = static_verdict(info, node)
    if static is not None:
        return static[0]
    return fits(needs(info), free)


def template(group: NodeGroup, node: dict[str, Any], daemon_pods: Sequence[Obj],
             q: QuantityCache) -> tuple[dict[str, Any], Resources]:
    """A group's template node (`node` is a node object with the group's shape) and what is free on it once the
    DaemonSets that would run there have their pods."""
    free = allocatable(node, q)
    for pod in daemon_pods:
        info = pod_info(pod, q)
        if static_verdict(info, node) is None:
            take(free, needs(info))
    return node, free


def new_nodes_needed(pod_needs: Sequence[Mapping[str, int]], empty: Mapping[str, int]) -> int:
    """The binpacking estimator: pods, largest first, go to the first new node with room; how many nodes.

    Worked example: three pods of 3 CPUs and one of 1 CPU on 4-CPU nodes: 3 | 3 | 3 -> the 1-CPU pod fits the
    first node's remaining CPU -> 3 nodes."""
    order = sorted(range(len(pod_needs)),
                   key=lambda i: (-pod_needs[i].get("cpu", 0), -pod_needs[i].get("memory", 0), i))
    nodes: list[Resources] = []
    for i in order:
        need = pod_needs[i]
        for free in nodes:
            if fits(need, free) is None:
                take(free, need)
                break
        else:
            free = dict(empty)
            if fits(need, free) is not None:
                continue  # would not fit even an empty node
            take(free, need)
            nodes.append(free)
    return len(nodes)


def utilization(node: Obj, pods: Iterable[Obj], q: QuantityCache) -> tuple[float, float]:
    """(CPU, memory) requested over allocatable: what cluster-autoscaler compares with 0.5."""
    alloc = allocatable(node, q)
    cpu = memory = 0
    for pod in pods:
        info = pod_info(pod, q)
        cpu += info.requests.get("cpu", 0)
        memory += info.requests.get("memory", 0)
    return (cpu / alloc["cpu"] if alloc.get("cpu") else 0.0,
            memory / alloc["memory"] if alloc.get("memory") else 0.0)


# --- pods and nodes as the autoscaler sees them ------------------------------------------------------------

def unschedulable(pod: Obj) -> bool:
    if pod["spec"].get("nodeName") or pod["metadata"].get("deletionTimestamp"):
        return False
    cond = find_condition((pod.get("status") or {}).get("conditions"), "PodScheduled")
    return cond is not None and cond.get("status") == "False" and cond.get("reason") == "Unschedulable"


def unfinished(pod: Obj) -> bool:
    return (pod.get("status") or {}).get("phase") not in ("Succeeded", "Failed")


def ready(node: Obj) -> bool:
    cond = find_condition((node.get("status") or {}).get("conditions"), "Ready")
    return cond is not None and cond.get("status") == "True"


def being_deleted(node: Obj) -> bool:
    return any(t.get("key") == TO_BE_DELETED_TAINT for t in (node.get("spec") or {}).get("taints") or ())


def daemon_or_mirror(pod: Obj) -> bool:
    if "kubernetes.io/config.mirror" in (pod["metadata"].get("annotations") or {}):
        return True
    ref = controller_ref(pod)
    return ref is not None and ref.get("kind") == "DaemonSet"


def blocks(pod: Obj) -> bool:
    """A pod that keeps its node (cluster-autoscaler's drain rules with the default flags)."""
    annotations = pod["metadata"].get("annotations") or {}
    if annotations.get(SAFE_TO_EVICT) == "true":
        return False
    if annotations.get(SAFE_TO_EVICT) == "false" or controller_ref(pod) is None:
        return True
    if pod["metadata"].get("namespace") == "kube-system":
        return True
    return any(v.get("emptyDir") is not None or v.get("hostPath") is not None
               for v in pod["spec"].get("volumes") or ())


def go_float(value: float) -> str:
    """A float as Go's %v prints it (shortest form that reads back the same): 0.0875, 0, 1e-05."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exp = text.partition("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").rjust(2, "0")
        return f"{mantissa}e{sign}{digits}"
    return text
