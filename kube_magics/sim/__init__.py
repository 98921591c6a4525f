"""The simulated Kubernetes cluster: a tiny Kubernetes that runs inside the Python process.

    from kube_magics.sim import SimCluster
    c = SimCluster(workers=2, seed=0)
"""

from __future__ import annotations

from kube_magics.sim.cluster import ApplyResult, SimCluster
from kube_magics.sim.runtime import SimConfig

__all__ = ["ApplyResult", "SimCluster", "SimConfig"]
