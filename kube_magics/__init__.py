"""kube-magics: Jupyter magics that teach and drive containers.

`%load_ext kube_magics` registers `%%dockerfile`, `%docker`, `%%k8s`, `%k8s` and `%kube`. By default the cells
talk to a simulated Kubernetes cluster that runs inside the kernel (`kube_magics.sim.SimCluster`), so that every
notebook works without Docker or a cluster and gives the same output on every run.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
