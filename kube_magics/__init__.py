"""kube-magics: Jupyter magics that teach and drive containers.

`%load_ext kube_magics` registers `%%dockerfile`, `%docker`, `%%k8s`, `%k8s` and `%kube`. By default the cells
talk to a simulated Kubernetes cluster that runs inside the kernel (`kube_magics.sim.SimCluster`), so that every
notebook works without Docker or a cluster and gives the same output on every run.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "get_session", "load_ipython_extension", "unload_ipython_extension"]

_session: Any = None  # the one per-kernel session handle (kube_magics.session.Session)


def load_ipython_extension(ipython: Any) -> None:
    """`%load_ext kube_magics`: register the magics and say which cluster the cells will talk to."""
    global _session
    from kube_magics.magics import KubeMagics

    magics = KubeMagics(shell=ipython)
    _session = magics.session
    ipython.register_magics(magics)
    print(_session.describe_target())


def unload_ipython_extension(ipython: Any) -> None:
    global _session
    _session = None


def get_session() -> Any:
    """The notebook's kube-magics session (its `.backend` is the cluster the cells talk to), for Python code
    beside the magics: `kube_magics.get_session().backend.list("pods")`. Without %load_ext, a new session."""
    global _session
    if _session is None:
        from kube_magics.session import Session

        _session = Session()
    return _session
