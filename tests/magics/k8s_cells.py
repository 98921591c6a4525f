"""Cells the %k8s tests share: manifests from the kubectl 1.35 recordings, and a helper to read a result's text."""

from __future__ import annotations

from typing import Any

from tests.seed_manifests import SEED_CONFIG, SEED_DEPLOYMENT, SEED_POD

NGINX_POD = "%%k8s\n" + SEED_POD

NGINX_DEPLOYMENT = "%%k8s\n" + SEED_DEPLOYMENT

CONFIG = "%%k8s\n" + SEED_CONFIG


def text(result: Any) -> str:
    """What the cell printed (a TextResult's text)."""
    return str(result.text)


def rows(result: Any) -> list[list[str]]:
    """A table's lines split into cells (for tables whose widths depend on the names)."""
    return [line.split() for line in text(result).splitlines()]


def backend(ip: Any) -> Any:
    """The backend the notebook's cells talk to."""
    return ip.shell.magics_manager.registry["KubeMagics"].session.backend


def clock(ip: Any) -> float:
    """The cluster's time (virtual on the simulator)."""
    return float(backend(ip).now())


def run_pods(ip: Any) -> Any:
    """A fresh simulated cluster whose pods are placed and run by the stand-in the recordings were made with
    (tests/sim/standin.py: bound at once, Running and Ready a second later, gone a second after their deletion)
    instead of the scheduler and the kubelets, so that rollouts step as in reference/k8s-1.35."""
    from tests.sim.standin import StandinKubelet

    session = ip.shell.magics_manager.registry["KubeMagics"].session
    backend = session.use_sim(workers=2, seed=0, controllers=("*", "-default-scheduler", "-kubelet"))
    backend.sim.rt.add_controller(StandinKubelet)
    return ip
