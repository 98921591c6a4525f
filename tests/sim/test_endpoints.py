"""Endpoints and EndpointSlices follow the pods a Service selects: readiness, deletion, named target ports,
publishNotReadyAddresses, slices of 100, the placeholder slice, and what the controllers record."""

from __future__ import annotations

import re
from typing import Any

from kube_magics.printers import get
from kube_magics.sim import SimCluster

FLAKY = """
apiVersion: v1
kind: Pod
metadata: {name: flaky, labels: {app: web}}
spec:
  containers:
  - name: web
    image: busybox:1.36
    command: [sh, -c, "touch /tmp/ready; sleep 20; rm /tmp/ready; sleep 3600"]
    readinessProbe:
      exec: {command: [cat, /tmp/ready]}
      periodSeconds: 2
"""


def deployment(name: str = "web", replicas: int = 3, **container: Any) -> dict[str, Any]:
    labels = {"app": name}
    spec = {"name": "nginx", "image": "nginx:1.20", **container}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                     "template": {"metadata": {"labels": labels}, "spec": {"containers": [spec]}}}}


def service(name: str = "web", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"selector": {"app": name}, "ports": [{"port": 80}], **spec}}


def slices(c: SimCluster, name: str = "web") -> list[dict[str, Any]]:
    return c.list("endpointslices", selector=f"kubernetes.io/service-name={name}")


def slice_endpoints(c: SimCluster, name: str = "web") -> dict[str, dict[str, Any]]:
    return {e["targetRef"]["name"]: e for s in slices(c, name) for e in s.get("endpoints") or ()}


def addresses(c: SimCluster, name: str = "web", key: str = "addresses") -> list[str]:
    return [a["targetRef"]["name"] for s in c.get("endpoints", name).get("subsets") or () for a in s.get(key) or ()]


def test_a_pod_that_turns_not_ready_moves_to_not_ready_addresses() -> None:
    c = SimCluster(workers=1)
    c.apply(FLAKY)
    c.apply(service())
    c.advance(10)
    assert addresses(c) == ["flaky"]
    assert slice_endpoints(c)["flaky"]["conditions"] == {"ready": True, "serving": True, "terminating": False}
    c.advance(25)  # the file is gone at 20 s; three failed probes later the pod is not ready
    assert addresses(c) == [] and addresses(c, key="notReadyAddresses") == ["flaky"]
    assert slice_endpoints(c)["flaky"]["conditions"] == {"ready": False, "serving": False, "terminating": False}


def test_publish_not_ready_addresses_lists_every_pod_as_ready() -> None:
    c = SimCluster(workers=1)
    c.apply(FLAKY)
    c.apply(service(publishNotReadyAddresses=True))
    c.advance(40)
    assert addresses(c) == ["flaky"]
    assert slice_endpoints(c)["flaky"]["conditions"] == {"ready": True, "serving": False, "terminating": False}


def test_a_deleted_pod_leaves_the_endpoints_and_stays_in_its_slice_while_terminating() -> None:
    c = SimCluster(workers=2)
    c.apply(deployment(replicas=2))
    c.apply(service())
    c.advance(30)
    victim = sorted(addresses(c))[0]
    c.delete("pod", victim)
    assert victim not in addresses(c)
    assert slice_endpoints(c)[victim]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    c.advance(5)  # nginx exits within a second of SIGQUIT; the pod is gone and its replacement ready
    assert victim not in slice_endpoints(c)
    assert len(addresses(c)) == 2 and len(slice_endpoints(c)) == 2


def test_a_named_target_port_resolves_in_each_pod() -> None:
    c = SimCluster(workers=2)
    c.apply(deployment(ports=[{"containerPort": 80, "name": "web-port"}]))
    c.apply(service(ports=[{"name": "http", "port": 8080, "targetPort": "web-port"}]))
    # A pod the selector matches that has no port of that name serves the Service on no port.
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "bare", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}})
    c.advance(30)
    [subset] = c.get("endpoints", "web")["subsets"]
    assert subset["ports"] == [{"name": "http", "port": 80, "protocol": "TCP"}]
    assert len(subset["addresses"]) == 3 and "bare" not in addresses(c)
    by_ports = sorted((s["ports"] or [], len(s["endpoints"])) for s in slices(c))
    assert by_ports == [([], 1), ([{"name": "http", "port": 80, "protocol": "TCP"}], 3)]


def test_what_the_controllers_record_on_endpoints_and_slices() -> None:
    c = SimCluster(workers=2)
    c.apply(deployment())
    svc = service()
    svc["metadata"]["labels"] = {"team": "a"}
    c.apply(svc)
    c.advance(30)
    ep = c.get("endpoints", "web")
    assert ep["metadata"]["labels"] == {"team": "a", "endpoints.kubernetes.io/managed-by": "endpoint-controller"}
    [s] = slices(c)
    meta = s["metadata"]
    assert re.fullmatch(r"web-[a-z0-9]{5}", meta["name"]) and meta["generateName"] == "web-"
    assert meta["labels"] == {"team": "a", "kubernetes.io/service-name": "web",
                              "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}
    assert list(meta["annotations"]) == ["endpoints.kubernetes.io/last-change-trigger-time"]
    owner = meta["ownerReferences"][0]
    assert (owner["kind"], owner["name"], owner["controller"]) == ("Service", "web", True)
    assert s["addressType"] == "IPv4" and s["ports"] == [{"name": "", "port": 80, "protocol": "TCP"}]
    pods = {p["metadata"]["name"]: p for p in c.list("pods")}
    for name, e in slice_endpoints(c).items():
        assert e["addresses"] == [pods[name]["status"]["podIP"]]
        assert e["nodeName"] == pods[name]["spec"]["nodeName"]
    c.delete("svc", "web")
    assert c.list("endpoints", field_selector="metadata.name=web") == []
    assert slices(c) == []


def test_a_service_without_pods_has_a_placeholder_slice_reused_when_pods_come() -> None:
    c = SimCluster(workers=1)
    c.apply(service())
    [placeholder] = slices(c)
    assert placeholder["endpoints"] is None and placeholder["ports"] is None
    row = get([placeholder], now=c.now).text.splitlines()[1].split()
    assert row[2:4] == ["<unset>", "<unset>"]
    assert c.get("endpoints", "web").get("subsets") is None
    c.apply(deployment(replicas=2))
    c.advance(30)
    [s] = slices(c)
    assert s["metadata"]["name"] == placeholder["metadata"]["name"]
    assert len(s["endpoints"]) == 2


def test_services_without_a_selector_are_left_to_their_owner() -> None:
    c = SimCluster(workers=1)
    svc = service("external")
    del svc["spec"]["selector"]
    c.apply(svc)
    c.apply({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "external"},
             "subsets": [{"addresses": [{"ip": "192.168.1.10"}], "ports": [{"port": 80}]}]})
    c.advance(5)
    assert slices(c, "external") == []
    ep = c.get("endpoints", "external")
    assert ep["subsets"][0]["addresses"] == [{"ip": "192.168.1.10"}]
    assert "labels" not in ep["metadata"]


def test_slices_hold_at_most_100_endpoints() -> None:
    c = SimCluster(workers=3, node_pods=110)
    c.apply(deployment(replicas=130, resources={"requests": {"cpu": "10m"}}))
    c.apply(service())
    c.advance(60)
    sizes = sorted(len(s["endpoints"]) for s in slices(c))
    assert sizes == [30, 100]
    assert sum(len(s.get("addresses") or ()) for s in c.get("endpoints", "web")["subsets"]) == 130
    c.scale("deploy", "web", 120)
    c.advance(30)
    sizes = [len(s["endpoints"]) for s in slices(c)]
    assert len(sizes) == 2 and sum(sizes) == 120 and max(sizes) <= 100


def test_headless_service_endpoints_carry_the_pods_hostnames() -> None:
    c = SimCluster(workers=1)
    c.apply(service("db", clusterIP="None"))
    for i in range(2):
        c.apply({"apiVersion": "v1", "kind": "Pod",
                 "metadata": {"name": f"db-{i}", "labels": {"app": "db"}},
                 "spec": {"hostname": f"db-{i}", "subdomain": "db",
                          "containers": [{"name": "nginx", "image": "nginx:1.20"}]}})
    c.advance(10)
    assert sorted(e["hostname"] for e in slice_endpoints(c, "db").values()) == ["db-0", "db-1"]
    [subset] = c.get("endpoints", "db")["subsets"]
    assert sorted(a["hostname"] for a in subset["addresses"]) == ["db-0", "db-1"]
    assert c.get("endpoints", "db")["metadata"]["labels"]["service.kubernetes.io/headless"] == ""
