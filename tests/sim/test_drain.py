"""`SimCluster.drain` and the Eviction API: kubectl drain's filters, lines and waits, PodDisruptionBudgets."""

from __future__ import annotations

import re

import pytest

from kube_magics.errors import DrainError, TooManyRequestsError
from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_DEPLOYMENT
from tests.sim.node_helpers import pod

NODE = "sim-worker"
PDB = {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "nginx"},
       "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "nginx"}}}}


def running() -> SimCluster:
    c = SimCluster(workers=2, seed=0)
    c.apply(SEED_DEPLOYMENT)
    c.advance(10)
    return c


def names(c: SimCluster, node: str, namespace: str | None = "default") -> list[str]:
    return sorted(p["metadata"]["name"] for p in c.list("pods", namespace) if p["spec"].get("nodeName") == node)


def test_drain_evicts_and_waits_and_leaves_daemonset_pods() -> None:
    c = running()
    mine, daemons = names(c, NODE), names(c, NODE, "kube-system")
    result = c.drain(NODE)
    assert str(result).splitlines() == [
        f"node/{NODE} cordoned",
        "Warning: ignoring DaemonSet-managed Pods: " + ", ".join(f"kube-system/{d}" for d in daemons),
        *(f"evicting pod default/{p}" for p in mine),
        *(f"pod/{p} evicted" for p in mine),
        f"node/{NODE} drained",
    ]
    assert result.evicted == mine
    assert names(c, NODE) == [] and names(c, NODE, "kube-system") == daemons
    assert c.get("node", NODE, "")["spec"]["unschedulable"] is True
    c.advance(5)
    pods = c.list("pods", selector="app=nginx")
    assert len(pods) == 3 and all(p["spec"]["nodeName"] == "sim-worker2" and p["status"]["phase"] == "Running"
                                  for p in pods)
    evicted = [e for e in c.events() if e["reason"] == "Killing"]
    assert len(evicted) == 2


def test_drain_refuses_daemonset_pods_without_ignore_daemonsets() -> None:
    c = running()
    mine, daemons = names(c, NODE), names(c, NODE, "kube-system")
    with pytest.raises(DrainError) as info:
        c.drain(NODE, ignore_daemonsets=False)
    problem = "cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): " + \
              ", ".join(f"kube-system/{d}" for d in daemons)
    assert info.value.message == problem
    assert info.value.output == f"node/{NODE} cordoned\nerror: unable to drain node \"{NODE}\" due to error: " \
                                f"{problem}, continuing command...\nThere are pending nodes to be drained:\n {NODE}\n"
    assert names(c, NODE) == mine  # nothing evicted, but the node is cordoned, as kubectl leaves it
    assert c.get("node", NODE, "")["spec"]["unschedulable"] is True


def test_bare_pods_and_emptydir_data_need_their_flags() -> None:
    c = SimCluster(workers=2, seed=0)
    c.apply([pod("bare", spec={"nodeName": NODE}),
             pod("scratch", spec={"nodeName": NODE, "volumes": [{"name": "tmp", "emptyDir": {}}]})])
    c.advance(5)
    with pytest.raises(DrainError) as info:
        c.drain(NODE)
    assert info.value.message == "[cannot delete Pods that declare no controller (use --force to override): " \
                                 "default/bare, cannot delete Pods with local storage (use --delete-emptydir-data " \
                                 "to override): default/scratch]"
    out = str(c.drain(NODE, force=True, delete_emptydir_data=True)).splitlines()
    assert out[0] == f"node/{NODE} already cordoned"
    # kubectl joins its warnings in a map's order; here in the order of the pods (default before kube-system).
    warned = out[1].removeprefix("Warning: ").split("; ")
    assert warned[0] == "deleting Pods that declare no controller: default/bare, default/scratch"
    assert warned[1].startswith("ignoring DaemonSet-managed Pods: kube-system/kindnet-")
    assert out[-1] == f"node/{NODE} drained" and names(c, NODE) == []


def test_mirror_pods_stay_silently() -> None:
    c = SimCluster(workers=2, seed=0)
    out = str(c.drain("sim-control-plane"))
    assert "etcd" not in out and "kube-apiserver" not in out
    static = [p["metadata"]["name"] for p in c.list("pods", "kube-system")
              if "kubernetes.io/config.mirror" in p["metadata"].get("annotations", {})]
    assert len(static) == 4 and all(p.endswith("sim-control-plane") for p in static)
    assert re.search(r"^evicting pod kube-system/coredns-", out, re.M)


def test_drain_honours_a_pod_disruption_budget() -> None:
    c = running()
    c.apply(PDB)
    first, second = names(c, NODE)
    out = str(c.drain(NODE)).splitlines()
    refused = f'error when evicting pods/"{second}" -n "default" (will retry after 5s): Cannot evict pod as it ' \
              "would violate the pod's disruption budget."
    assert out[2:] == [f"evicting pod default/{first}", f"evicting pod default/{second}", refused,
                       f"pod/{first} evicted", f"evicting pod default/{second}", f"pod/{second} evicted",
                       f"node/{NODE} drained"]


def test_the_eviction_api_answers_429_when_the_budget_allows_no_disruption() -> None:
    c = running()
    c.apply(dict(PDB, spec=dict(PDB["spec"], minAvailable=3)))
    victim = names(c, NODE)[0]
    with pytest.raises(TooManyRequestsError) as info:
        c.evict(victim)
    assert info.value.code == 429 and info.value.message == \
        "Cannot evict pod as it would violate the pod's disruption budget."
    assert info.value.causes[0].message == "The disruption budget nginx needs 3 healthy pods and has 3 currently"
    assert "deletionTimestamp" not in c.get("pod", victim)["metadata"]
    c.apply(dict(PDB, spec={"maxUnavailable": "34%", "selector": PDB["spec"]["selector"]}))
    gone = c.evict(victim)
    assert gone["metadata"]["deletionTimestamp"]
    cond = next(x for x in c.get("pod", victim)["status"]["conditions"] if x["type"] == "DisruptionTarget")
    assert (cond["reason"], cond["message"]) == ("EvictionByEvictionAPI", "Eviction API: evicting")


def test_draining_a_failed_node_times_out() -> None:
    c = running()
    c.fail_node(NODE)
    c.advance(60)
    mine = names(c, NODE)
    with pytest.raises(DrainError) as info:
        c.drain(NODE, timeout="30s")
    waits = [f'error when waiting for pod "{p}" in namespace "default" to terminate: context deadline exceeded'
             for p in mine]
    assert info.value.message == "[" + ", ".join(waits) + "]"
    lines = info.value.output.splitlines()
    assert lines[-len(mine) - 4:] == [
        f'There are pending pods in node "{NODE}" when an error occurred: {info.value.message}',
        *(f"pod/{p}" for p in mine),
        f'error: unable to drain node "{NODE}" due to error: {info.value.message}, continuing command...',
        "There are pending nodes to be drained:", f" {NODE}"]
