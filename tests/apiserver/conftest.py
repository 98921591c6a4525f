"""Fixtures for the served API: a simulated cluster served on 127.0.0.1, a client for it, and kubectl 1.35.

The cluster's clock starts at the current time (so that kubectl's own ages, computed from the wall clock, read as
on a real cluster) and, unless a test asks for real time, stands still: tests move it with `advance`, under the
server's lock, at the moments they choose. As in the recordings' setup, pods are placed and run by the workload
tests' stand-in for the scheduler and the kubelets (ready a second after binding); `served_kubelets` serves a
cluster with the simulator's own.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from kube_magics.apiserver import Server, serve
from kube_magics.sim import SimCluster
from kube_magics.timefmt import rfc3339
from tests.apiserver.client import Api
from tests.apiserver.kubectl_bin import WHY_MISSING, kubectl_path
from tests.sim.standin import StandinKubelet


def make_cluster(*, workers: int = 2, seed: int = 0, standin: bool = True) -> SimCluster:
    start = rfc3339(int(time.time()))
    if not standin:
        return SimCluster(workers=workers, seed=seed, start=start)
    cluster = SimCluster(workers=workers, seed=seed, start=start, controllers=("*", "-default-scheduler", "-kubelet"))
    cluster.rt.add_controller(StandinKubelet)
    return cluster


def advance(server: Server, seconds: float) -> None:
    """Move the served cluster's clock, taking turns with the server's requests."""
    with server.lock:
        server.cluster.advance(seconds)


def running(server: Server, *, timeout: float = 600) -> None:
    """Move the clock until every pod of the default namespace is ready (or gone) and every Deployment there has
    rolled out, however long the cluster's kubelets take to pull and start."""
    store = server.cluster.rt.store

    def settled() -> bool:
        pods = [p for p in store.list("Pod", "default") if not p["metadata"].get("deletionTimestamp")]
        return all(_ready(p) for p in pods) and all(_rolled_out(d) for d in store.list("Deployment", "default"))

    with server.lock:
        assert server.cluster.rt.run_until(settled, timeout=timeout), "the workloads did not settle"


def _ready(pod: dict) -> bool:
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (pod.get("status") or {}).get("conditions") or ())


def _rolled_out(d: dict) -> bool:
    spec, status = d.get("spec") or {}, d.get("status") or {}
    want = spec.get("replicas", 1)
    return (status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1)
            and status.get("updatedReplicas", 0) == want == status.get("availableReplicas", 0)
            and status.get("replicas", 0) == want)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Server]:
    server = serve(make_cluster(), kubeconfig=tmp_path / "kubeconfig", speed=0)
    yield server
    server.stop()


@pytest.fixture
def served_kubelets(tmp_path: Path) -> Iterator[Server]:
    server = serve(make_cluster(standin=False), kubeconfig=tmp_path / "kubeconfig", speed=0)
    yield server
    server.stop()


@pytest.fixture
def api(served: Server) -> Api:
    return Api(served)


@dataclass
class Result:
    rc: int
    out: str
    err: str

    @property
    def text(self) -> str:
        """What a terminal shows: standard output, then standard error."""
        return self.out + self.err


class Kubectl:
    """kubectl 1.35 pointed at the served simulator through its kubeconfig."""

    def __init__(self, binary: Path, server: Server, home: Path) -> None:
        self.binary = binary
        self.server = server
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home),
                    "KUBECONFIG": str(server.kubeconfig), "KUBECACHEDIR": str(home / "cache")}

    def __call__(self, *args: str, stdin: str | None = None, timeout: float = 60) -> Result:
        r = subprocess.run([str(self.binary), *args], input=stdin, capture_output=True, text=True, env=self.env,
                           timeout=timeout)
        return Result(r.returncode, r.stdout, r.stderr)

    def start(self, *args: str, stdin: bool = False) -> subprocess.Popen[str]:
        return subprocess.Popen([str(self.binary), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL, text=True, env=self.env)

    def advancing(self, *args: str, stdin: str | None = None, step: float = 0.5, limit: float = 120) -> Result:
        """kubectl while the clock moves `step` virtual seconds every few milliseconds (for commands that wait,
        like `delete`, until the cluster has done something), at most `limit` virtual seconds."""
        proc = self.start(*args, stdin=stdin is not None)
        if stdin is not None and proc.stdin is not None:
            proc.stdin.write(stdin)
            proc.stdin.close()
            proc.stdin = None
        moved = 0.0
        while proc.poll() is None and moved < limit:
            time.sleep(0.02)
            advance(self.server, step)
            moved += step
        out, err = proc.communicate(timeout=30)
        return Result(proc.returncode, out, err)


@pytest.fixture(scope="session")
def kubectl_binary() -> Path:
    path = kubectl_path()
    if path is None:
        pytest.skip(WHY_MISSING)
    return path


@pytest.fixture
def kubectl(kubectl_binary: Path, served: Server, tmp_path: Path) -> Kubectl:
    home = tmp_path / "home"
    home.mkdir()
    return Kubectl(kubectl_binary, served, home)


@pytest.fixture
def kubectl_kubelets(kubectl_binary: Path, served_kubelets: Server, tmp_path: Path) -> Kubectl:
    home = tmp_path / "home-kubelets"
    home.mkdir()
    return Kubectl(kubectl_binary, served_kubelets, home)
