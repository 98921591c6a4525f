"""The FailedScheduling message, as the scheduler's FitError words it.

    0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: },
    2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not
    helpful for scheduling.

(one line). Reasons are counted over nodes (a node can give several: "Insufficient cpu" and "Insufficient
memory"), written "<count> <reason>" and sorted as strings (so "10 ..." sorts before "2 ..."), as FitError sorts
its histogram. The PostFilter part follows: DynamicResources has no claims to free, and preemption finds that
removing pods cannot help where a filter said so (or the request is more than the node's allocatable), and no
lower-priority victims elsewhere.
"""

from __future__ import annotations

from collections import Counter

NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


def histogram(counts: Counter[str]) -> str:
    return ", ".join(sorted(f"{n} {reason}" for reason, n in counts.items() if n))


def fit_error(total_nodes: int, reasons: Counter[str], preemption: Counter[str]) -> str:
    head = f"0/{total_nodes} nodes are available"
    msg = f"{head}: {histogram(reasons)}." if reasons else f"{head}."
    return f"{msg} no new claims to deallocate, preemption: {head}: {histogram(preemption)}."
