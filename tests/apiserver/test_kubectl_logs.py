"""`kubectl logs` against the served simulator with its own kubelets: what the simulated kubelet kept of a
container's output, all of it, its tail, and followed while the clock moves."""

from __future__ import annotations

import time
from typing import Any

from kube_magics.apiserver import Server
from tests.apiserver.conftest import Kubectl, advance, running

TICKER = ["run", "ticker", "--image=busybox", "--", "sh", "-c", "i=0; while true; do echo tick $i; sleep 1; done"]


def _kept(served: Server, **options: Any) -> str:
    with served.lock:
        return served.cluster.logs("ticker", namespace="default", **options)


def test_logs_all_and_tail(kubectl_kubelets: Kubectl, served_kubelets: Server) -> None:
    kubectl, served = kubectl_kubelets, served_kubelets
    assert kubectl(*TICKER).text == "pod/ticker created\n"
    running(served)
    advance(served, 5)
    everything = kubectl("logs", "ticker")
    assert everything.rc == 0 and everything.out == _kept(served) and everything.out.count("\n") >= 5
    assert kubectl("logs", "ticker", "--tail=2").out == _kept(served, tail=2)
    missing = kubectl("logs", "nope")
    assert (missing.rc, missing.err) == (1, 'error: error from server (NotFound): pods "nope" not found in namespace '
                                            '"default"\n')


def test_logs_follow_streams_what_the_container_prints_next(kubectl_kubelets: Kubectl, served_kubelets: Server) -> None:
    kubectl, served = kubectl_kubelets, served_kubelets
    kubectl(*TICKER)
    running(served)
    before = _kept(served)
    proc = kubectl.start("logs", "-f", "ticker")
    assert proc.stdout is not None
    assert proc.stdout.read(len(before)) == before
    for _ in range(5):
        advance(served, 1)
        time.sleep(0.3)
    time.sleep(0.5)
    proc.terminate()
    rest, _ = proc.communicate(timeout=10)
    after = _kept(served)
    assert len(after) > len(before) and rest == after[len(before):]
