"""%kube fail-node and recover-node through a real IPython shell."""

from __future__ import annotations

from tests.magics.k8s_cells import NGINX_DEPLOYMENT


def node_line(status: str, node: str) -> str:
    return next(line for line in status.splitlines() if line.startswith("Node:") and f" {node} " in line + " ")


def test_fail_and_recover_a_node(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%kube advance 30s")
    out = str(ip.ok("%kube fail-node sim-worker2"))
    assert out == "sim-worker2 stopped reporting: NotReady in 52s (node-monitor-grace-period 50s), pods evicted " \
                  "300s after that"
    assert node_line(str(ip.ok("%kube status")), "sim-worker2").split()[-1] == "Ready"
    ip.ok("%kube advance 52s")
    assert node_line(str(ip.ok("%kube status")), "sim-worker2").split()[-1] == "NotReady"
    assert str(ip.ok("%kube fail-node sim-worker2")) == "sim-worker2 is already down"
    out = str(ip.ok("%kube recover-node sim-worker2"))
    assert out == "sim-worker2 is reporting again: Ready now, taints removed within 5s"
    assert node_line(str(ip.ok("%kube status")), "sim-worker2").split()[-1] == "Ready"


def test_fault_commands_check_their_arguments(ip) -> None:  # type: ignore[no-untyped-def]
    assert "usage: %kube fail-node NODE" in ip.fails("%kube fail-node")
    assert "usage: %kube recover-node NODE" in ip.fails("%kube recover-node a b")
    message = ip.fails("%kube fail-node sim-worker9")
    assert 'nodes "sim-worker9" not found' in message and "Traceback" not in message
