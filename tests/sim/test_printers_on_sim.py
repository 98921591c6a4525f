"""The printers on what the simulator returns: its objects, its clock (a datetime), its `list` for describe."""

from __future__ import annotations

from kube_magics.printers import GetOptions, describe, get
from kube_magics.sim import SimCluster


def test_nodes_and_namespaces_of_a_fresh_cluster() -> None:
    c = SimCluster(workers=2, seed=0)
    nodes = get(c.list("nodes", None), now=c.now).text.splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [line.split()[:3] for line in nodes[1:]] == [["sim-control-plane", "Ready", "control-plane"],
                                                        ["sim-worker", "Ready", "<none>"],
                                                        ["sim-worker2", "Ready", "<none>"]]
    names = get(c.list("namespaces", None), now=c.now, options=GetOptions(output="name")).text
    assert "namespace/kube-system\n" in names


def test_describe_node_asks_the_cluster_for_its_pods() -> None:
    c = SimCluster(workers=1, seed=0)
    node = c.get("nodes", "sim-worker")
    lines = describe(node, now=c.now, related=c).splitlines()
    assert lines[0].split() == ["Name:", "sim-worker"]
    total = next(line for line in lines if line.startswith("Non-terminated Pods:"))
    listed = len(c.list("pods", None, field_selector="spec.nodeName=sim-worker"))
    assert total.split()[-3:] == [f"({listed}", "in", "total)"]
    assert "Allocated resources:" in lines
