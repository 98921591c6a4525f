"""SimCluster verbs: Nodes and containers: logs, node faults (fail, recover, cordon, uncordon, drain)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class NodeOps:
    rt: Runtime
