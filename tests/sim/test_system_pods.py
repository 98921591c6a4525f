"""A new SimCluster looks like a new kind cluster: kube-system, local-path-storage, leases, preloaded images."""

from __future__ import annotations

from kube_magics.sim import SimCluster
from kube_magics.sim.controllers import CONTROLLERS


def test_kube_system_holds_the_control_plane_and_a_proxy_and_cni_pod_per_node() -> None:
    c = SimCluster(workers=2)
    pods = c.list("pods", namespace="kube-system")
    names = [p["metadata"]["name"] for p in pods]
    for component in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"):
        assert f"{component}-sim-control-plane" in names
        static = c.get("pod", f"{component}-sim-control-plane", namespace="kube-system")
        assert static["spec"]["nodeName"] == "sim-control-plane" and static["spec"]["hostNetwork"]
        assert static["metadata"]["ownerReferences"][0]["kind"] == "Node"
        assert static["metadata"]["annotations"]["kubernetes.io/config.source"] == "file"
        assert static["status"]["podIP"] == "172.18.0.2"
        assert static["spec"]["priority"] == 2000001000
        assert not any(v["name"].startswith("kube-api-access") for v in static["spec"].get("volumes") or [])
    for ds in ("kube-proxy", "kindnet"):
        on = sorted(p["spec"]["nodeName"] for p in pods if p["metadata"]["name"].startswith(ds + "-"))
        assert on == ["sim-control-plane", "sim-worker", "sim-worker2"]
    assert all(p["status"]["phase"] == "Running" for p in pods)
    assert all(p["status"]["containerStatuses"][0]["ready"] for p in pods)
    assert c.elapsed == 0


def test_coredns_and_the_local_path_provisioner_are_deployed() -> None:
    c = SimCluster()
    assert c.get("deploy", "coredns", namespace="kube-system")["spec"]["replicas"] == 2
    assert c.get("deploy", "local-path-provisioner", namespace="local-path-storage")
    if any(cls.__name__ == "DeploymentController" for cls in CONTROLLERS):
        c.advance(30)
        dns = c.list("pods", namespace="kube-system", selector="k8s-app=kube-dns")
        assert len(dns) == 2 and all(p["status"]["phase"] == "Running" for p in dns)
        assert all(p["metadata"]["name"].startswith("coredns-") for p in dns)
        local = c.list("pods", namespace="local-path-storage")
        assert len(local) == 1 and local[0]["status"]["phase"] == "Running"


def test_nodes_have_leases_and_kinds_images() -> None:
    c = SimCluster(workers=1)
    leases = c.list("leases", namespace="kube-node-lease")
    assert [le["metadata"]["name"] for le in leases] == ["sim-control-plane", "sim-worker"]
    lease = c.get("lease", "sim-worker", namespace="kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "sim-worker" and lease["spec"]["leaseDurationSeconds"] == 40
    before = lease["spec"]["renewTime"]
    c.advance(10)
    after = c.get("lease", "sim-worker", namespace="kube-node-lease")["spec"]["renewTime"]
    assert after > before
    images = [n for i in c.get("node", "sim-worker")["status"]["images"] for n in i["names"]]
    assert "registry.k8s.io/kube-proxy:v1.35.0" in images
    assert "registry.k8s.io/coredns/coredns:v1.13.1" in images


def test_system_pods_start_from_preloaded_images_and_the_cluster_is_deterministic() -> None:
    def snapshot() -> list[tuple[str, str, str]]:
        c = SimCluster(workers=2, seed=1)
        return [(p["metadata"]["name"], p["spec"]["nodeName"], p["status"]["podIP"])
                for p in c.list("pods", namespace=None)]

    first = snapshot()
    assert first == snapshot()
    c = SimCluster(workers=1)
    proxy = next(p for p in c.list("pods", namespace="kube-system") if p["metadata"]["name"].startswith("kube-proxy"))
    reasons = [e["message"] for e in c.events(proxy) if e["reason"] == "Pulled"]
    assert reasons == ['Container image "registry.k8s.io/kube-proxy:v1.35.0" already present on machine and can '
                       "be accessed by the pod"]
