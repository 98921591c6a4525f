"""`%k8s cordon`, `uncordon` and `drain`."""

from __future__ import annotations

from tests.magics.k8s_cells import NGINX_DEPLOYMENT, NGINX_POD, clock, rows, text


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


def _daemonset_pods(ip, node: str) -> list[str]:  # type: ignore[no-untyped-def]
    pods = ip.ok(f"%k8s get pods -n kube-system --field-selector spec.nodeName={node} -o json").objects
    return sorted(f"kube-system/{p['metadata']['name']}" for p in pods
                  if (p["metadata"].get("ownerReferences") or [{}])[0].get("kind") == "DaemonSet")


def test_drain_a_node_with_only_daemonset_pods(ip) -> None:  # type: ignore[no-untyped-def]
    daemons = _daemonset_pods(ip, "sim-worker2")
    assert len(daemons) == 2  # kindnet and kube-proxy, as on kind
    assert text(ip.ok("%k8s drain sim-worker2 --ignore-daemonsets")) == (
        "node/sim-worker2 cordoned\n"
        f"Warning: ignoring DaemonSet-managed Pods: {', '.join(daemons)}\n"
        "node/sim-worker2 drained\n")
    message = ip.fails_showing("%k8s drain sim-worker")
    problem = f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): " \
              f"{', '.join(_daemonset_pods(ip, 'sim-worker'))}"
    assert message.splitlines() == [
        "node/sim-worker cordoned",
        f'error: unable to drain node "sim-worker" due to error: {problem}, continuing command...',
        "There are pending nodes to be drained:",
        " sim-worker",
        f"error: {problem}",
    ]


def test_drain_refuses_pods_no_controller_would_replace(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    node = ip.ok("%k8s get pod nginx-pod -o json").objects[0]["spec"]["nodeName"]
    message = ip.fails_showing(f"%k8s drain {node} --ignore-daemonsets")
    problem = "cannot delete Pods that declare no controller (use --force to override): default/nginx-pod"
    assert message.splitlines()[1] == f'error: unable to drain node "{node}" due to error: {problem}, ' \
                                      "continuing command..."
    ip.ok(f"%k8s uncordon {node}")
    daemons = ", ".join(_daemonset_pods(ip, node))
    dry = text(ip.ok(f"%k8s drain {node} --force --ignore-daemonsets --dry-run=client"))
    assert dry.splitlines() == [
        f"node/{node} cordoned (dry run)",
        # kubectl joins its warnings in Go's map order (random); here in the order of the pods they concern.
        f"Warning: deleting Pods that declare no controller: default/nginx-pod; ignoring DaemonSet-managed Pods: "
        f"{daemons}",
        "evicting pod default/nginx-pod (dry run)",
        f"node/{node} drained (dry run)",
    ]


def test_drain_evicts_and_waits_for_the_pods_to_go(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s rollout status deployment/nginx-deployment")
    pods = ip.ok("%k8s get pods -o json").objects
    node = pods[0]["spec"]["nodeName"]
    on_node = sorted(p["metadata"]["name"] for p in pods if p["spec"]["nodeName"] == node)
    start = clock(ip)
    lines = text(ip.ok(f"%k8s drain {node} --ignore-daemonsets")).splitlines()
    assert lines[0] == f"node/{node} cordoned"
    assert lines[1].startswith("Warning: ignoring DaemonSet-managed Pods: kube-system/")
    assert lines[2:2 + len(on_node)] == [f"evicting pod default/{name}" for name in on_node]
    assert sorted(lines[2 + len(on_node):-1]) == [f"pod/{name} evicted" for name in on_node]
    assert lines[-1] == f"node/{node} drained"
    assert clock(ip) > start  # nginx took its time to stop after SIGQUIT
    now = ip.ok("%k8s get pods -o json").objects
    assert not {p["metadata"]["name"] for p in now} & set(on_node)
    assert all(p["spec"].get("nodeName") != node for p in now)  # replacements avoid the cordoned node
    ip.ok("%k8s rollout status deployment/nginx-deployment")


def test_watch_a_deletion_with_event_types(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s rollout status deployment/nginx-deployment")
    victim = ip.ok("%k8s get pods -o name").objects[0]["metadata"]["name"]
    ip.ok(f"%k8s delete pod {victim} --wait=false")
    lines = [line.split() for line in text(ip.ok("%k8s get pods -w --output-watch-events")).splitlines()]
    assert lines[0] == ["EVENT", "NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert ["ADDED", victim, "1/1", "Terminating"] == lines[1][:4]
    assert ["DELETED", victim] in [line[:2] for line in lines]
    replacement = next(line[1] for line in lines[1:] if line[1] != victim and line[4] == "0" and
                       line[3] in ("Pending", "ContainerCreating"))
    assert ["MODIFIED", replacement, "1/1", "Running"] in [line[:4] for line in lines]


def test_drain_retries_an_eviction_a_disruption_budget_refuses(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%kube advance 30s")
    ip.ok("%%k8s\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: nginx\nspec:\n"
          "  minAvailable: 2\n  selector:\n    matchLabels:\n      app: nginx\n")
    pods = ip.ok("%k8s get pods -l app=nginx -o json").objects
    by_node: dict[str, list[str]] = {}
    for p in pods:
        by_node.setdefault(p["spec"]["nodeName"], []).append(p["metadata"]["name"])
    node, here = max(by_node.items(), key=lambda item: len(item[1]))
    assert len(here) >= 2  # three replicas on two workers: one node holds two, the budget allows one down at a time
    lines = text(ip.ok(f"%k8s drain {node} --ignore-daemonsets")).splitlines()
    refused = [line for line in lines if line.startswith("error when evicting")]
    assert refused and all(line.endswith("(will retry after 5s): Cannot evict pod as it would violate the pod's "
                                         "disruption budget.") for line in refused)
    assert sorted(line for line in lines if line.startswith("pod/")) == sorted(f"pod/{n} evicted" for n in here)
    assert lines[-1] == f"node/{node} drained"
    ready = [p for p in ip.ok("%k8s get pods -l app=nginx -o json").objects
             if p["spec"]["nodeName"] != node and p["status"].get("phase") == "Running"]
    assert len(ready) >= 2


def test_drain_keeps_only_the_last_filters_word_for_a_pod_that_goes(ip) -> None:  # type: ignore[no-untyped-def]
    # kubectl runs its filters in order and each verdict replaces the one before: a managed pod's local storage
    # stops the drain without --delete-emptydir-data, and with it goes without a warning.
    ip.ok("%%k8s\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: cache\nspec:\n  replicas: 1\n"
          "  selector:\n    matchLabels:\n      app: cache\n  template:\n    metadata:\n      labels:\n"
          "        app: cache\n"
          "    spec:\n      containers:\n      - name: c\n        image: nginx:1.25\n        volumeMounts:\n"
          "        - {name: scratch, mountPath: /scratch}\n      volumes:\n      - {name: scratch, emptyDir: {}}\n")
    ip.ok("%kube advance 20s")
    (pod,) = ip.ok("%k8s get pods -l app=cache -o json").objects
    node, name = pod["spec"]["nodeName"], pod["metadata"]["name"]
    refused = ip.fails(f"%k8s drain {node} --ignore-daemonsets")
    assert refused == "error: cannot delete Pods with local storage (use --delete-emptydir-data to override): " \
                      f"default/{name}"
    lines = text(ip.ok(f"%k8s drain {node} --ignore-daemonsets --delete-emptydir-data")).splitlines()
    warnings = [line for line in lines if line.startswith("Warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("Warning: ignoring DaemonSet-managed Pods: ")
    assert "local storage" not in warnings[0]
    assert f"pod/{name} evicted" in lines and lines[-1] == f"node/{node} drained"


def test_drain_gives_up_when_a_disruption_budget_never_allows_the_eviction(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%kube advance 30s")
    ip.ok("%%k8s\napiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: nginx\nspec:\n"
          "  minAvailable: 3\n  selector:\n    matchLabels:\n      app: nginx\n")
    (pod, *_) = ip.ok("%k8s get pods -l app=nginx -o json").objects
    node, name = pod["spec"]["nodeName"], pod["metadata"]["name"]
    printed, error = ip.fails_after(f"%k8s drain {node} --ignore-daemonsets --timeout=12s")
    retries = [line for line in printed.splitlines() if line.startswith("error when evicting")]
    assert len(retries) == 3  # refused at 0 s, 5 s and 10 s; after the third wait the 12 s are over
    assert f'error when evicting pods/"{name}" -n "default": global timeout reached: 12s' in error
    assert "Traceback" not in error
    assert ip.ok(f"%k8s get pod {name} -o json").objects[0]["metadata"].get("deletionTimestamp") is None
