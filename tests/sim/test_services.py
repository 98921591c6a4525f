"""Services on the simulated API server: the four types, what is allocated (cluster IPs, node ports, load balancer
addresses), kept and released, and how `kubectl get` / `describe` show them next to a real 1.35 cluster's
recordings (tests/data/k8s-1.35/service.txt)."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

import pytest

from kube_magics.errors import InvalidError
from kube_magics.printers import GetOptions, describe, get
from kube_magics.sim import SimCluster
from tests.reference import DATA, objects, output

RECORDING = "service.txt"


def manifests(file: str) -> list[str]:
    return re.findall(r"<<EOF\n(.*?)EOF\n", (DATA / file).read_text(), re.S)


def shape(text: str) -> list[list[str]]:
    """A table's cells with what differs between clusters made alike: addresses, node ports, ages, the random
    suffix of slice names."""
    rows = []
    for line in text.splitlines():
        cells = []
        for cell in line.split():
            cell = re.sub(r"\d+\.\d+\.\d+\.\d+", "IP", cell)
            cell = re.sub(r"\b3\d{4}\b", "NODEPORT", cell)
            cell = re.sub(r"^(\d+[smhd])+$", "AGE", cell)
            cell = re.sub(r"^(web-[a-z]+)-[a-z0-9]{5}$", r"\1-XXXXX", cell)
            cells.append(cell)
        rows.append(cells)
    return rows


@pytest.fixture(scope="module")
def recorded() -> SimCluster:
    """The recording's steps: the nginx Deployment (3 pods, app=nginx) running, then the four Services."""
    c = SimCluster(workers=2, seed=0)
    c.apply(manifests("deployment.txt")[0])
    c.advance(30)
    for text in manifests(RECORDING)[:4]:
        c.apply(text)
    c.advance(2)
    return c


def test_get_svc_shows_the_four_types_as_a_real_cluster_does(recorded: SimCluster) -> None:
    ours = get(recorded.list("svc"), now=recorded.now).text
    assert shape(ours) == shape(output(RECORDING, "kubectl get svc"))
    wide = get(recorded.list("svc"), now=recorded.now, options=GetOptions(output="wide")).text
    assert shape(wide) == shape(output(RECORDING, "kubectl get svc -o wide"))
    assert "<pending>" in wide  # kind has no cloud: a LoadBalancer's address never comes


def test_a_node_port_service_records_what_the_api_server_allocated(recorded: SimCluster) -> None:
    svc = recorded.get("svc", "web-nodeport")
    real = objects(RECORDING, "kubectl get svc web-nodeport -o yaml")
    spec = svc["spec"]
    assert sorted(spec) == sorted(real["spec"])
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/16")
    assert spec["clusterIPs"] == [spec["clusterIP"]]
    assert (spec["ipFamilies"], spec["ipFamilyPolicy"]) == (real["spec"]["ipFamilies"], real["spec"]["ipFamilyPolicy"])
    assert 30000 <= spec["ports"][0]["nodePort"] <= 32767
    assert sorted(spec["ports"][0]) == sorted(real["spec"]["ports"][0])
    assert svc["status"] == real["status"] == {"loadBalancer": {}}


def test_describe_svc_matches_the_recording(recorded: SimCluster) -> None:
    ours = describe(recorded.get("svc", "web-clusterip"), now=recorded.now, related=recorded)
    ip = recorded.get("svc", "web-clusterip")["spec"]["clusterIP"]
    ips = sorted(p["status"]["podIP"] for p in recorded.list("pods", selector="app=nginx"))
    assert sorted(re.search(r"Endpoints:\s+(\S+)", ours).group(1).split(",")) == [f"{i}:80" for i in ips]  # type: ignore[union-attr]
    assert f"IP:                       {ip}\n" in ours
    def alike(text: str) -> str:
        return re.sub(r"\d+\.\d+\.\d+\.\d+", "IP", text)

    assert alike(ours) == alike(output(RECORDING, "kubectl describe svc web-clusterip"))


def test_get_endpoints_and_endpointslices_match_the_recording(recorded: SimCluster) -> None:
    eps = get(recorded.list("endpoints"), now=recorded.now).text
    real = shape(output(RECORDING, "kubectl get endpoints"))
    # The recorded control plane published no endpoints of its own; a kind cluster's API server does (port 6443).
    assert shape(eps) == [*real[:2], ["kubernetes", "IP:6443", "AGE"], *real[2:]]
    slices = get(recorded.list("endpointslices"), now=recorded.now).text
    real = shape(output(RECORDING, "kubectl get endpointslices"))
    assert shape(slices) == [*real[:1], ["kubernetes", "IPv4", "6443", "IP", "AGE"], *real[1:]]


def test_endpoints_object_has_the_recorded_shape(recorded: SimCluster) -> None:
    ours = recorded.get("endpoints", "web-clusterip")
    real = objects(RECORDING, "kubectl get endpoints web-clusterip -o yaml")
    assert ours["metadata"]["labels"] == real["metadata"]["labels"]
    assert sorted(ours["metadata"]["annotations"]) == sorted(real["metadata"]["annotations"])
    # The pods were ready before the Service came: the trigger time is the Service's creation, as recorded.
    assert ours["metadata"]["annotations"]["endpoints.kubernetes.io/last-change-trigger-time"] == \
        ours["metadata"]["creationTimestamp"]
    [subset], [real_subset] = ours["subsets"], real["subsets"]
    assert subset["ports"] == real_subset["ports"] == [{"port": 80, "protocol": "TCP"}]
    assert [sorted(a) for a in subset["addresses"]] == [sorted(a) for a in real_subset["addresses"]]
    assert [sorted(a["targetRef"]) for a in subset["addresses"]] == \
        [sorted(a["targetRef"]) for a in real_subset["addresses"]]
    assert [a["ip"] for a in subset["addresses"]] == sorted(a["ip"] for a in subset["addresses"])


# --- cluster IPs -----------------------------------------------------------------------------------------------

def service(name: str, **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


def test_the_api_servers_and_dns_services_have_kinds_addresses() -> None:
    c = SimCluster(workers=1)
    assert c.get("svc", "kubernetes")["spec"]["clusterIP"] == "10.96.0.1"
    assert c.get("svc", "kubernetes")["spec"]["ports"] == [{"name": "https", "port": 443, "protocol": "TCP",
                                                             "targetPort": 6443}]
    dns = c.get("svc", "kube-dns", namespace="kube-system")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    ep = c.get("endpoints", "kubernetes")
    assert ep["subsets"] == [{"addresses": [{"ip": "172.18.0.2"}], "ports": [{"name": "https", "port": 6443,
                                                                               "protocol": "TCP"}]}]


def test_cluster_ips_are_random_free_and_the_same_on_every_run() -> None:
    def ips(seed: int) -> list[str]:
        c = SimCluster(workers=1, seed=seed)
        for i in range(5):
            c.apply(service(f"s{i}"))
        return [c.get("svc", f"s{i}")["spec"]["clusterIP"] for i in range(5)]

    first = ips(0)
    assert first == ips(0)
    assert first != ips(1)
    assert len(set(first)) == 5
    # Dynamic addresses come from above the first 256, which are kept for addresses asked for (KEP-3070).
    assert all(ipaddress.ip_address(ip) >= ipaddress.ip_address("10.96.1.1") for ip in first)


def test_an_address_asked_for_is_given_or_refused_in_the_api_servers_words() -> None:
    c = SimCluster(workers=1)
    c.apply(service("a", clusterIP="10.96.5.5"))
    assert c.get("svc", "a")["spec"]["clusterIPs"] == ["10.96.5.5"]
    with pytest.raises(InvalidError) as err:
        c.apply(service("b", clusterIP="10.96.5.5"))
    assert err.value.message == ('The Service "b" is invalid: spec.clusterIPs: Invalid value: ["10.96.5.5"]: failed '
                                 "to allocate IP 10.96.5.5: provided IP is already allocated")
    with pytest.raises(InvalidError) as err:
        c.apply(service("b", clusterIP="10.96.0.10"))  # kube-dns's
    assert "provided IP is already allocated" in err.value.message
    with pytest.raises(InvalidError) as err:
        c.apply(service("b", clusterIP="192.168.1.1"))
    assert err.value.message.endswith("failed to allocate IP 192.168.1.1: the provided network does not match the "
                                      "current range")
    with pytest.raises(InvalidError) as err:
        c.apply(service("b", clusterIP="10.96.0.300"))
    assert err.value.message == ('The Service "b" is invalid: spec.clusterIPs[0]: Invalid value: "10.96.0.300": '
                                 "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")
    c.delete("svc", "a")
    c.apply(service("b", clusterIP="10.96.5.5"))  # released with the Service
    assert c.get("svc", "b")["spec"]["clusterIP"] == "10.96.5.5"


def test_a_dry_run_shows_the_address_the_write_gets() -> None:
    c = SimCluster(workers=1)
    [planned] = c.apply(service("web"), dry_run=True)
    [made] = c.apply(service("web"))
    assert planned.object["spec"]["clusterIP"] == made.object["spec"]["clusterIP"]


def test_headless_services_get_no_address_and_record_their_families() -> None:
    c = SimCluster(workers=1)
    c.apply(service("db", clusterIP="None"))
    spec = c.get("svc", "db")["spec"]
    assert (spec["clusterIP"], spec["clusterIPs"], spec["ipFamilyPolicy"], spec["ipFamilies"]) == \
        ("None", ["None"], "SingleStack", ["IPv4"])
    bare = service("peers", clusterIP="None")
    del bare["spec"]["selector"]
    c.apply(bare)
    spec = c.get("svc", "peers")["spec"]
    assert (spec["ipFamilyPolicy"], spec["ipFamilies"]) == ("RequireDualStack", ["IPv4", "IPv6"])
    with pytest.raises(InvalidError, match="this cluster is not configured for dual-stack services"):
        c.apply(service("dual", ipFamilyPolicy="RequireDualStack"))


def test_external_name_services_get_nothing_allocated() -> None:
    c = SimCluster(workers=1)
    c.apply(manifests(RECORDING)[3])
    spec = c.get("svc", "db")["spec"]
    assert spec == {"externalName": "db.example.com", "sessionAffinity": "None", "type": "ExternalName"}


# --- node ports and updates ------------------------------------------------------------------------------------

def test_node_ports_are_allocated_honoured_and_refused_on_a_clash() -> None:
    c = SimCluster(workers=1)
    c.apply(service("a", type="NodePort", ports=[{"port": 80, "nodePort": 31994}]))
    assert c.get("svc", "a")["spec"]["ports"][0]["nodePort"] == 31994
    with pytest.raises(InvalidError) as err:
        c.apply(service("b", type="NodePort", ports=[{"port": 80, "nodePort": 31994}]))
    assert err.value.message == ('The Service "b" is invalid: spec.ports[0].nodePort: Invalid value: 31994: '
                                 "provided port is already allocated")
    c.apply(service("b", type="NodePort", ports=[{"name": "http", "port": 80}, {"name": "https", "port": 443}]))
    ports = [p["nodePort"] for p in c.get("svc", "b")["spec"]["ports"]]
    assert len(set(ports)) == 2 and 31994 not in ports and all(30086 <= p <= 32767 for p in ports)
    c.apply(service("dns", type="NodePort", ports=[{"name": "udp", "port": 53, "protocol": "UDP"},
                                                   {"name": "tcp", "port": 53, "protocol": "TCP"}]))
    udp, tcp = (p["nodePort"] for p in c.get("svc", "dns")["spec"]["ports"])
    assert udp == tcp  # one number for both protocols of a port


def test_updates_keep_allocations_and_drop_what_the_new_type_does_not_need() -> None:
    c = SimCluster(workers=1)
    c.apply(service("web", type="NodePort"))
    before = c.get("svc", "web")["spec"]
    # A manifest that says nothing of the address or node port keeps them (kubectl apply, replace).
    c.apply({**service("web", type="NodePort"), "metadata": {"name": "web", "labels": {"tier": "front"}}})
    fresh = service("web", type="NodePort")
    fresh["metadata"]["labels"] = {"tier": "back"}
    c.replace(fresh)
    after = c.get("svc", "web")["spec"]
    assert (after["clusterIP"], after["ports"][0]["nodePort"]) == (before["clusterIP"], before["ports"][0]["nodePort"])
    c.patch("svc", "web", {"spec": {"type": "ClusterIP"}}, patch_type="merge")
    spec = c.get("svc", "web")["spec"]
    assert "nodePort" not in spec["ports"][0] and "externalTrafficPolicy" not in spec
    assert spec["clusterIP"] == before["clusterIP"]
    c.apply(service("other", type="NodePort", ports=[{"port": 80, "nodePort": before["ports"][0]["nodePort"]}]))
    c.patch("svc", "web", {"spec": {"type": "ExternalName", "externalName": "example.com"}}, patch_type="merge")
    assert "clusterIP" not in c.get("svc", "web")["spec"]
    c.apply(service("again", clusterIP=before["clusterIP"]))  # the address is free again


# --- load balancers ----------------------------------------------------------------------------------------------

def test_load_balancers_get_addresses_from_the_pool_and_give_them_back() -> None:
    c = SimCluster(workers=1, load_balancer_pool="172.18.255.200-172.18.255.201")
    for name in ("a", "b", "c"):
        c.apply(service(name, type="LoadBalancer"))
    ingress = {n: c.get("svc", n)["status"]["loadBalancer"].get("ingress") for n in ("a", "b", "c")}
    assert ingress == {"a": [{"ip": "172.18.255.200", "ipMode": "VIP"}],
                       "b": [{"ip": "172.18.255.201", "ipMode": "VIP"}], "c": None}
    assert c.get("svc", "a")["metadata"]["finalizers"] == ["service.kubernetes.io/load-balancer-cleanup"]
    reasons = [(e["reason"], e["source"]["component"]) for e in c.events(c.get("svc", "a"))]
    assert reasons == [("EnsuringLoadBalancer", "service-controller"), ("EnsuredLoadBalancer", "service-controller")]
    assert [e["reason"] for e in c.events(c.get("svc", "c"))][-1] == "SyncLoadBalancerFailed"
    table = get([c.get("svc", "a"), c.get("svc", "c")], now=c.now).text
    assert [row[3] for row in shape(table)[1:]] == ["IP", "<pending>"]
    c.delete("svc", "a")
    with pytest.raises(Exception, match='services "a" not found'):
        c.get("svc", "a")
    assert c.get("svc", "c")["status"]["loadBalancer"]["ingress"] == [{"ip": "172.18.255.200", "ipMode": "VIP"}]
