"""Pods by the node they are bound to, for the node lifecycle controller, the taint manager and the pod garbage
collector.

Real controllers keep an index (client-go's `spec.nodeName` indexer) because they ask often. Here they ask only
when a node changes state (NotReady, a NoExecute taint, a deleted Node), so a scan at those moments is cheaper than
keeping an index up to date on every pod write (10,000 pods starting make about 50,000 of them).

Must not: write anything.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


def pods_on(rt: Runtime, node: str) -> list[Obj]:
    """The pods bound to `node`, by namespace and name."""
    pods = [p for p in rt.store.iter("Pod") if p["spec"].get("nodeName") == node]
    pods.sort(key=lambda p: (p["metadata"]["namespace"], p["metadata"]["name"]))
    return pods
