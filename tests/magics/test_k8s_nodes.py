"""`%k8s cordon`, `uncordon` and `drain`."""

from __future__ import annotations

import yaml

from tests.magics.k8s_cells import NGINX_POD, backend, rows, text


def test_cordon_and_uncordon(ip) -> None:  # type: ignore[no-untyped-def]
    assert text(ip.ok("%k8s cordon sim-worker")) == "node/sim-worker cordoned\n"
    assert text(ip.ok("%k8s cordon sim-worker")) == "node/sim-worker already cordoned\n"
    status = {r[0]: r[1] for r in rows(ip.ok("%k8s get nodes"))[1:]}
    assert status["sim-worker"] == "Ready,SchedulingDisabled" and status["sim-worker2"] == "Ready"
    assert text(ip.ok("%k8s uncordon sim-worker --dry-run=client")) == "node/sim-worker uncordoned (dry run)\n"
    assert ip.ok("%k8s get node sim-worker -o json").objects[0]["spec"].get("unschedulable") is True
    assert text(ip.ok("%k8s uncordon sim-worker")) == "node/sim-worker uncordoned\n"
    assert "unschedulable" not in ip.ok("%k8s get node sim-worker -o json").objects[0]["spec"]
    assert ip.fails("%k8s cordon nope") == 'Error from server (NotFound): nodes "nope" not found'
    assert ip.fails("%k8s cordon") == "error: USAGE: cordon NODE [flags]\nSee 'kubectl cordon -h' for help " \
                                      "and examples"


def test_cordon_by_selector(ip) -> None:  # type: ignore[no-untyped-def]
    out = text(ip.ok("%k8s cordon -l node-role.kubernetes.io/control-plane"))
    assert out == "node/sim-control-plane cordoned\n"


def test_drain_an_empty_node(ip) -> None:  # type: ignore[no-untyped-def]
    assert text(ip.ok("%k8s drain sim-worker2 --ignore-daemonsets")) == \
        "node/sim-worker2 cordoned\nnode/sim-worker2 drained\n"


def test_drain_refuses_pods_no_controller_would_replace(ip) -> None:  # type: ignore[no-untyped-def]
    # A pod placed on the node through the API (spec.nodeName set at creation, as a binding would set it).
    pod = yaml.safe_load(NGINX_POD.split("\n", 1)[1])
    pod["spec"]["nodeName"] = "sim-worker"
    backend(ip).create(pod)
    message = ip.fails("%k8s drain sim-worker")
    assert message.splitlines() == [
        "node/sim-worker cordoned",
        'error: unable to drain node "sim-worker" due to error: cannot delete Pods that declare no controller '
        "(use --force to override): default/nginx-pod, continuing command...",
        "There are pending nodes to be drained:",
        " sim-worker",
        "error: cannot delete Pods that declare no controller (use --force to override): default/nginx-pod",
    ]
    dry = text(ip.ok("%k8s drain sim-worker --force --dry-run=client"))
    assert dry == ("node/sim-worker already cordoned (dry run)\n"
                   "Warning: deleting Pods that declare no controller: default/nginx-pod\n"
                   "evicting pod default/nginx-pod (dry run)\n"
                   "node/sim-worker drained (dry run)\n")
