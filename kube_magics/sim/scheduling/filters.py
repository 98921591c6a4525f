"""Filter plugins of the default profile, as pure functions, in the order the scheduler runs them.

Each per-node filter returns None (the node passes) or `(reason, unresolvable)`: the reason is the string the
scheduler puts in FailedScheduling ("node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }");
unresolvable means preemption cannot help on that node. NodeResourcesFit works on whole arrays of nodes at once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from kube_magics.sim.scheduling.podinfo import PodInfo

Node = Mapping[str, Any]
Verdict = tuple[str, bool] | None

UNSCHEDULABLE = "node(s) were unschedulable"
NODE_NAME = "node(s) didn't match the requested node name"
AFFINITY = "node(s) didn't match Pod's node affinity/selector"


def tolerates(toleration: Mapping[str, Any], taint: Mapping[str, Any]) -> bool:
    """`Toleration.ToleratesTaint`."""
    effect = toleration.get("effect") or ""
    if effect and effect != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    return (toleration.get("value") or "") == (taint.get("value") or "")


def node_unschedulable(pod: PodInfo, node: Node) -> Verdict:
    if not (node.get("spec") or {}).get("unschedulable"):
        return None
    taint = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
    if any(tolerates(t, taint) for t in pod.tolerations):
        return None
    return UNSCHEDULABLE, True


def node_name(pod: PodInfo, node: Node) -> Verdict:
    if pod.node_name and pod.node_name != node["metadata"]["name"]:
        return NODE_NAME, True
    return None


def taint_toleration(pod: PodInfo, node: Node) -> Verdict:
    for taint in (node.get("spec") or {}).get("taints") or ():
        if taint.get("effect") not in ("NoSchedule", "NoExecute"):
            continue
        if not any(tolerates(t, taint) for t in pod.tolerations):
            return f"node(s) had untolerated taint {{{taint.get('key', '')}: {taint.get('value', '')}}}", True
    return None


def _requirement(req: Mapping[str, Any], value: str | None) -> bool:
    op, values = req.get("operator"), [str(v) for v in req.get("values") or ()]
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt") and value is not None and values:
        try:
            a, b = int(value), int(values[0])
        except ValueError:
            return False
        return a > b if op == "Gt" else a < b
    return False


def term_matches(term: Mapping[str, Any], node: Node) -> bool:
    """A NodeSelectorTerm: all its expressions (on labels) and fields (metadata.name) hold."""
    labels = node["metadata"].get("labels") or {}
    exprs, fields = term.get("matchExpressions") or (), term.get("matchFields") or ()
    if not exprs and not fields:
        return False
    if not all(_requirement(e, labels.get(e.get("key", ""))) for e in exprs):
        return False
    name = node["metadata"]["name"]
    return all(_requirement(f, name if f.get("key") == "metadata.name" else None) for f in fields)


def node_affinity(pod: PodInfo, node: Node) -> Verdict:
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in pod.node_selector.items()):
        return AFFINITY, True
    terms = pod.required_terms
    if terms is not None and not any(term_matches(t, node) for t in terms):
        return AFFINITY, True
    return None


STATIC_FILTERS: tuple[Callable[[PodInfo, Node], Verdict], ...] = (
    node_unschedulable, node_name, taint_toleration, node_affinity,
)


def static_verdict(pod: PodInfo, node: Node) -> Verdict:
    """The first failing filter that depends only on the node object (not on the pods already there)."""
    for f in STATIC_FILTERS:
        verdict = f(pod, node)
        if verdict is not None:
            return verdict
    return None


# --- NodeResourcesFit over arrays ---------------------------------------------------------------------------

def resource_reasons(pod: PodInfo, alloc: Mapping[str, np.ndarray], used: Mapping[str, np.ndarray],
                     pod_counts: np.ndarray, allowed_pods: np.ndarray) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """For each reason NodeResourcesFit can give: (reason, the nodes it applies to, the nodes where it cannot
    be resolved by preemption because the request exceeds the node's allocatable itself)."""
    out = [("Too many pods", pod_counts + 1 > allowed_pods, np.zeros(len(pod_counts), dtype=bool))]
    for name, amount in _ordered(pod.requests):
        if amount <= 0:
            continue
        cap = alloc.get(name)
        if cap is None:
            cap = np.zeros(len(pod_counts), dtype=np.int64)
        have = used.get(name)
        free = cap - have if have is not None else cap
        out.append((f"Insufficient {name}", amount > free, amount > cap))
    return out


def _ordered(requests: Mapping[str, int]) -> Sequence[tuple[str, int]]:
    base = [(k, requests[k]) for k in ("cpu", "memory", "ephemeral-storage") if k in requests]
    return base + sorted((k, v) for k, v in requests.items() if k not in ("cpu", "memory", "ephemeral-storage"))


def taint_prefer_count(pod: PodInfo, node: Node) -> int:
    """TaintToleration's score input: PreferNoSchedule taints the pod does not tolerate."""
    tols = [t for t in pod.tolerations if (t.get("effect") or "") in ("", "PreferNoSchedule")]
    return sum(1 for taint in (node.get("spec") or {}).get("taints") or ()
               if taint.get("effect") == "PreferNoSchedule" and not any(tolerates(t, taint) for t in tols))


def preferred_affinity(pod: PodInfo, node: Node) -> int:
    """NodeAffinity's score input: the weights of the preferred terms the node matches."""
    return sum(int(p.get("weight") or 0) for p in pod.preferred_terms if term_matches(p.get("preference") or {}, node))
