"""`%k8s cordon`, `uncordon` and `drain`."""

from __future__ import annotations

import yaml

from tests.magics.k8s_cells import NGINX_DEPLOYMENT, NGINX_POD, backend, clock, rows, run_pods, text


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


def test_drain_evicts_and_waits_for_the_pods_to_go(ip) -> None:  # type: ignore[no-untyped-def]
    run_pods(ip)
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s rollout status deployment/nginx-deployment")
    on_worker = sorted(p["metadata"]["name"] for p in ip.ok("%k8s get pods -o json").objects
                       if p["spec"]["nodeName"] == "sim-worker")
    assert on_worker
    start = clock(ip)
    lines = text(ip.ok("%k8s drain sim-worker --ignore-daemonsets")).splitlines()
    assert lines[0] == "node/sim-worker cordoned"
    assert lines[1:1 + len(on_worker)] == [f"evicting pod default/{name}" for name in on_worker]
    assert sorted(lines[1 + len(on_worker):-1]) == [f"pod/{name} evicted" for name in on_worker]
    assert lines[-1] == "node/sim-worker drained"
    assert clock(ip) - start == 1  # the stand-in finishes a deletion a second after it starts
    left = {p["metadata"]["name"] for p in ip.ok("%k8s get pods -o json").objects}
    assert not left & set(on_worker)


def test_watch_a_deletion_with_event_types(ip) -> None:  # type: ignore[no-untyped-def]
    run_pods(ip)
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s rollout status deployment/nginx-deployment")
    victim = ip.ok("%k8s get pods -o name").objects[0]["metadata"]["name"]
    ip.ok(f"%k8s delete pod {victim} --wait=false")
    lines = [line.split() for line in text(ip.ok("%k8s get pods -w --output-watch-events")).splitlines()]
    assert lines[0] == ["EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert ["ADDED", victim, "1/1", "Terminating"] == lines[1][:4]
    assert ["DELETED", victim, "1/1", "Terminating"] in [line[:4] for line in lines]
    replacement = next(line for line in lines[1:] if line[3] == "Pending")[1]
    assert lines[-1][:4] == ["MODIFIED", replacement, "1/1", "Running"]
