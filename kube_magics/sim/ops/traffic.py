"""SimCluster verbs: Traffic: requests to Services and sustained load, from inside the cluster or outside."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class TrafficOps:
    rt: Runtime
