"""Cluster DNS: the names CoreDNS answers in a kind cluster, resolved as a pod in a namespace resolves them."""

from __future__ import annotations

import pytest

from kube_magics.errors import DnsError
from kube_magics.sim import SimCluster


@pytest.fixture(scope="module")
def c() -> SimCluster:
    c = SimCluster(workers=2)
    c.create({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}})
    c.apply("""
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{port: 5432}]
---
apiVersion: v1
kind: Service
metadata: {name: payments, namespace: shop}
spec:
  type: ExternalName
  externalName: payments.example.com
""")
    for i in range(2):
        c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"db-{i}", "labels": {"app": "db"}},
                  "spec": {"hostname": f"db-{i}", "subdomain": "db",
                           "containers": [{"name": "nginx", "image": "nginx:1.20"}]}})
    c.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "loose", "labels": {"app": "db"}},
              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}})
    c.advance(10)
    return c


def ip_of(c: SimCluster, pod: str, namespace: str = "default") -> str:
    return str(c.get("pod", pod, namespace=namespace)["status"]["podIP"])


def test_a_service_name_resolves_through_the_pods_search_list(c: SimCluster) -> None:
    ip = c.get("svc", "web")["spec"]["clusterIP"]
    for name in ("web", "web.default", "web.default.svc", "web.default.svc.cluster.local",
                 "web.default.svc.cluster.local.", "WEB.Default"):
        assert c.resolve(name) == {"name": "web.default.svc.cluster.local", "type": "A", "addresses": [ip]}
    assert c.resolve("web.default", namespace="shop")["addresses"] == [ip]
    with pytest.raises(DnsError) as err:
        c.resolve("web", namespace="shop")  # short names are looked up in the client's own namespace
    assert str(err.value) == "** server can't find web: NXDOMAIN"
    assert c.resolve("kubernetes.default")["addresses"] == ["10.96.0.1"]
    assert c.resolve("kube-dns.kube-system")["addresses"] == ["10.96.0.10"]


def test_a_headless_service_answers_with_its_pods(c: SimCluster) -> None:
    pods = sorted((ip_of(c, p) for p in ("db-0", "db-1", "loose")), key=lambda ip: tuple(map(int, ip.split("."))))
    assert c.resolve("db")["addresses"] == pods
    assert c.resolve("db-0.db")["addresses"] == [ip_of(c, "db-0")]
    assert c.resolve("db-1.db.default.svc.cluster.local")["addresses"] == [ip_of(c, "db-1")]
    dashed = ip_of(c, "loose").replace(".", "-")
    assert c.resolve(f"{dashed}.db")["addresses"] == [ip_of(c, "loose")]
    with pytest.raises(DnsError):
        c.resolve("db-7.db")


def test_external_names_are_aliases_and_pod_names_are_addresses(c: SimCluster) -> None:
    assert c.resolve("payments", namespace="shop") == {"name": "payments.shop.svc.cluster.local", "type": "CNAME",
                                                       "cname": "payments.example.com", "addresses": []}
    assert c.resolve("10-244-1-7.default.pod.cluster.local")["addresses"] == ["10.244.1.7"]
    with pytest.raises(DnsError) as err:
        c.resolve("example.com")
    assert str(err.value) == "** server can't find example.com: NXDOMAIN"


def test_a_headless_service_without_ready_pods_has_no_answer() -> None:
    c = SimCluster(workers=1)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
             "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}})
    with pytest.raises(DnsError, match="NXDOMAIN"):
        c.resolve("db")


def test_lookups_time_out_while_coredns_is_down() -> None:
    c = SimCluster(workers=1)
    c.scale("deploy", "coredns", 0, namespace="kube-system")
    c.advance(40)
    with pytest.raises(DnsError) as err:
        c.resolve("kubernetes")
    assert str(err.value) == ";; connection timed out; no servers could be reached"
    c.scale("deploy", "coredns", 2, namespace="kube-system")
    c.advance(30)
    assert c.resolve("kubernetes")["addresses"] == ["10.96.0.1"]
