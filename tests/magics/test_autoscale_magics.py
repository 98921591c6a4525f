"""`%kube use sim --node-group`: a simulated cluster whose worker nodes the cluster autoscaler manages."""

from __future__ import annotations

import re

from tests.sim.autoscale_helpers import WEB as WEB_AND_SERVICE


def _nodes(ip) -> list[str]:  # type: ignore[no-untyped-def]
    status = str(ip.ok("%kube status"))
    return re.findall(r"^Node: +(\S+) +Ready$", status, re.M)


def test_kube_use_sim_with_a_node_group(ip) -> None:  # type: ignore[no-untyped-def]
    out = str(ip.ok("%kube use sim --node-group min=2,max=5"))
    assert out == ("Using a fresh simulated cluster: sim (3 nodes: 1 control plane, 2 workers; autoscaled node "
                   "groups: pool (2 to 5 nodes)), clock 2026-01-05T09:00:00Z")
    names = _nodes(ip)
    assert names[0] == "sim-control-plane" and len(names) == 3
    assert all(re.fullmatch(r"sim-pool-\w{5}", n) for n in names[1:])


def test_named_node_groups_with_their_node_size_and_workers(ip) -> None:  # type: ignore[no-untyped-def]
    out = str(ip.ok("%kube use sim --workers 1 --node-group gpu:min=0,max=2,cpu=8,memory=32Gi "
                    "--node-group pool:min=1,max=3"))
    assert "autoscaled node groups: gpu (0 to 2 nodes), pool (1 to 3 nodes)" in out
    names = _nodes(ip)
    assert "sim-worker" in names
    assert len([n for n in names if n.startswith("sim-pool-")]) == 1
    assert not any(n.startswith("sim-gpu-") for n in names)  # min 0: none until a pod needs one


def test_a_node_group_needs_a_max(ip) -> None:  # type: ignore[no-untyped-def]
    message = ip.fails("%kube use sim --node-group min=2")
    assert "--node-group min=2: max= is required" in message
    message = ip.fails("%kube use kind --node-group min=1,max=2")
    assert "--node-group works with %kube use sim only" in message


WEB = "%%k8s\n" + WEB_AND_SERVICE


def test_top_and_an_autoscaled_deployment_through_the_magics(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(WEB)
    ip.ok("%kube advance 30s")
    top = str(ip.ok("%k8s top pods -l app=web"))
    lines = top.splitlines()
    assert lines[0].split() == ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    assert len(lines) == 4 and all(line.split()[1:] == ["1m", "6Mi"] for line in lines[1:])
    nodes = str(ip.ok("%k8s top nodes")).splitlines()
    assert nodes[0].split() == ["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"] and len(nodes) == 4
    assert str(ip.ok("%k8s autoscale deployment web --cpu=50% --min=2 --max=10")).strip() == \
        "horizontalpodautoscaler.autoscaling/web autoscaled"
    ip.ok("%kube advance 20s")
    hpa = str(ip.ok("%k8s get hpa")).splitlines()
    assert hpa[1].split()[:7] == ["web", "Deployment/web", "cpu:", "1%/50%", "2", "10", "3"]
