"""The traffic model: requests spread over ready endpoints as kube-proxy spreads them, failures when nothing
listens, node ports and load balancers from outside, sustained load as CPU demand, and access lines in logs."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kube_magics.errors import NotFoundError
from kube_magics.sim import SimCluster

ACCESS = re.compile(r'^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d) \+0000\] "GET (\S+) HTTP/1\.1" (\d+) (\d+) "-" '
                    r'"([^"]+)" "-"$')


def web(c: SimCluster, replicas: int = 3, *, service: dict[str, Any] | None = None, **pod: Any) -> None:
    labels = {"app": "web"}
    c.apply([{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": replicas, "selector": {"matchLabels": labels},
                       "template": {"metadata": {"labels": labels, **pod.pop("meta", {})},
                                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20", **pod}]}}}},
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
              "spec": {"selector": labels, "ports": [{"port": 80}], **(service or {})}}])
    c.advance(30)


def access_lines(c: SimCluster, pod: str) -> list[re.Match[str]]:
    return [m for m in map(ACCESS.match, c.logs(pod).splitlines()) if m]


class RecordingMetrics:
    """Stands in for the metrics API: records what the traffic model reports."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, float]] = []
        self.now: dict[str, float] = {}

    def set_demand(self, pod_uid: str, source: str, millicores: float) -> None:
        self.calls.append((pod_uid, source, millicores))
        self.now[pod_uid] = millicores


def demand_by_pod(c: SimCluster, metrics: RecordingMetrics) -> dict[str, float]:
    names = {p["metadata"]["uid"]: p["metadata"]["name"] for p in c.list("pods")}
    return {names[uid]: m for uid, m in metrics.now.items() if m and uid in names}


# --- requests now --------------------------------------------------------------------------------------------------

def test_300_requests_spread_over_three_pods() -> None:
    c = SimCluster(workers=2)
    web(c)
    result = c.send_requests("svc/web", count=300)
    assert result["failed"] == 0
    assert len(result["served"]) == 3 and sum(result["served"].values()) == 300
    assert all(50 <= n <= 150 for n in result["served"].values())
    assert sorted(result["served"]) == sorted(p["metadata"]["name"] for p in c.list("pods"))


def test_the_spread_is_the_same_on_every_run_and_differs_by_seed() -> None:
    def spread(seed: int) -> list[int]:
        c = SimCluster(workers=2, seed=seed)
        web(c)
        return list(c.send_requests("svc/web", count=60)["served"].values())

    assert spread(0) == spread(0)
    assert spread(0) != spread(3)


def test_without_ready_endpoints_every_request_fails() -> None:
    c = SimCluster(workers=2)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert c.send_requests("svc/web", count=50) == {"served": {}, "failed": 50}
    web(c)
    c.scale("deploy", "web", 0)
    c.advance(5)
    assert c.send_requests("svc/web", count=10) == {"served": {}, "failed": 10}
    with pytest.raises(NotFoundError, match='services "nope" not found'):
        c.send_requests("svc/nope")


def test_a_target_port_nothing_listens_on_is_refused() -> None:
    c = SimCluster(workers=2)
    web(c, service={"ports": [{"port": 80, "targetPort": 8080}]})  # nginx listens on 80
    result = c.send_requests("svc/web", count=30)
    assert result["failed"] == 30 and sum(result["served"].values()) == 0


def test_names_addresses_and_ports_reach_the_same_pods() -> None:
    c = SimCluster(workers=2)
    web(c)
    ip = c.get("svc", "web")["spec"]["clusterIP"]
    pods = set(c.send_requests("svc/web", 10)["served"])
    for target in ("web", "web.default.svc.cluster.local", f"{ip}:80", f"http://{ip}/", "svc/web:80"):
        result = c.send_requests(target, 30)
        assert set(result["served"]) == pods and result["failed"] == 0, target
    assert c.send_requests(f"{ip}:81", 5)["failed"] == 5
    assert c.send_requests("web.default", 30, namespace="kube-system")["failed"] == 0


def test_requests_through_a_node_port_from_outside() -> None:
    c = SimCluster(workers=2)
    web(c, service={"type": "NodePort"})
    node_port = c.get("svc", "web")["spec"]["ports"][0]["nodePort"]
    result = c.send_requests(f"node/sim-worker:{node_port}", count=90)
    assert result["failed"] == 0 and len(result["served"]) == 3
    # The pods see the node's address: kube-proxy masquerades traffic from outside (externalTrafficPolicy Cluster).
    clients = {m.group(1) for p in result["served"] for m in access_lines(c, p)}
    assert clients == {c.get("node", "sim-worker")["status"]["addresses"][0]["address"]}
    node_ip = c.get("node", "sim-worker2")["status"]["addresses"][0]["address"]
    assert c.send_requests(f"{node_ip}:{node_port}", 10)["failed"] == 0
    assert c.send_requests("node/sim-worker:30001", 10)["failed"] == 10  # no Service there


def test_external_traffic_policy_local_keeps_to_the_nodes_own_pods() -> None:
    c = SimCluster(workers=2)
    web(c, replicas=4, service={"type": "NodePort", "externalTrafficPolicy": "Local"})
    node_port = c.get("svc", "web")["spec"]["ports"][0]["nodePort"]
    local = {p["metadata"]["name"] for p in c.list("pods", field_selector="spec.nodeName=sim-worker")}
    result = c.send_requests(f"node/sim-worker:{node_port}", count=40)
    assert set(result["served"]) == local and result["failed"] == 0
    assert {m.group(1) for p in local for m in access_lines(c, p)} == {"172.18.0.1"}  # the client's own address


def test_requests_to_a_load_balancer_ip() -> None:
    c = SimCluster(workers=2, load_balancer_pool="172.18.255.200/29")
    web(c, service={"type": "LoadBalancer"})
    [ingress] = c.get("svc", "web")["status"]["loadBalancer"]["ingress"]
    assert ingress["ip"] == "172.18.255.201"  # the first usable address of the /29
    result = c.send_requests(f"http://{ingress['ip']}:80/", count=60)
    assert result["failed"] == 0 and len(result["served"]) == 3


def test_client_ip_affinity_sends_one_clients_requests_to_one_pod() -> None:
    c = SimCluster(workers=2)
    web(c, service={"sessionAffinity": "ClientIP"})
    served = c.send_requests("svc/web", count=40)["served"]
    assert sorted(served.values()) == [0, 0, 40]


def test_served_requests_are_access_lines_in_the_pods_logs() -> None:
    c = SimCluster(workers=2)
    web(c)
    result = c.send_requests("svc/web", count=30, path="/index.html")
    c.send_requests("http://web/missing", count=3)
    for pod, n in result["served"].items():
        lines = access_lines(c, pod)
        ok = [m for m in lines if m.group(3) == "/index.html"]
        assert len(ok) == n
        assert {(m.group(1), m.group(2), m.group(4), m.group(5), m.group(6)) for m in ok} == {
            ("10.244.0.1", "05/Jan/2026:09:00:30", "200", "612", "curl/8.11.1")}
        assert all(m.group(4) == "404" for m in lines if m.group(3) == "/missing")
        assert c.logs(pod).startswith("/docker-entrypoint.sh:")  # after nginx's own start-up lines


# --- sustained load ------------------------------------------------------------------------------------------------

def test_sustained_load_becomes_cpu_demand_that_follows_the_endpoints() -> None:
    c = SimCluster(workers=2)
    metrics = RecordingMetrics()
    c.rt.services["metrics"] = metrics
    web(c)
    summary = c.set_load("svc/web", rps=600)
    assert summary["failed"] == 0 and set(summary["served"].values()) == {200.0}
    assert sorted(demand_by_pod(c, metrics).values()) == [200.0] * 3
    assert {s for _, s, _ in metrics.calls} == {"traffic"}
    c.scale("deploy", "web", 6)
    c.advance(30)
    assert sorted(demand_by_pod(c, metrics).values()) == [100.0] * 6  # new pods share the load
    gone = c.list("pods")[0]
    c.delete("pod", gone["metadata"]["name"])
    assert metrics.now[gone["metadata"]["uid"]] == 0  # a terminating pod gets no new requests
    c.advance(30)
    assert sorted(demand_by_pod(c, metrics).values()) == [100.0] * 6  # its replacement took its part
    c.set_load("svc/web", rps=0)
    assert not demand_by_pod(c, metrics)
    assert c.loads() == []


def test_a_pod_that_leaves_the_selector_stops_getting_load() -> None:
    c = SimCluster(workers=2)
    metrics = RecordingMetrics()
    c.rt.services["metrics"] = metrics
    web(c)
    c.set_load("svc/web", rps=300)
    pod = c.list("pods")[0]["metadata"]["name"]
    c.patch("pod", pod, {"metadata": {"labels": {"app": "debug"}}}, patch_type="merge")
    assert demand_by_pod(c, metrics).get(pod) is None
    assert set(c.loads()[0]["served"].values()) == {150.0}
    c.advance(10)  # the ReplicaSet made another pod, which takes its part once ready
    served = c.loads()[0]["served"]
    assert pod not in served and set(served.values()) == {100.0}


def test_the_cost_of_a_request_can_be_set_by_annotation() -> None:
    c = SimCluster(workers=2)
    metrics = RecordingMetrics()
    c.rt.services["metrics"] = metrics
    web(c, meta={"annotations": {"kube-magics.io/cpu-per-request": "2500u"}})
    summary = c.set_load("svc/web", rps=300)
    assert set(summary["cpu_millicores"].values()) == {250.0}
    assert sorted(demand_by_pod(c, metrics).values()) == [250.0] * 3


def test_an_image_built_here_can_say_what_a_request_costs() -> None:
    from kube_magics.sim.registry import Image, registry_of

    c = SimCluster(workers=2)
    image = Image("api:1", size=100_000_000, compressed=40_000_000,
                  config={"Cmd": ["gunicorn", "app:app"], "ExposedPorts": {"8000/tcp": {}},
                          "Labels": {"kube-magics.io/cpu-per-request": "5m"}})
    registry_of(c.rt.services).push(image)  # what %%dockerfile with LABEL kube-magics.io/cpu-per-request=5m does
    web(c, image="api:1", service={"ports": [{"port": 80, "targetPort": 8000}]})
    summary = c.set_load("svc/web", rps=30)
    assert summary["failed"] == 0 and set(summary["cpu_millicores"].values()) == {50.0}
    result = c.send_requests("svc/web", 6)
    pod = next(p for p, n in result["served"].items() if n)
    assert '"GET / HTTP/1.1" 200 - "-" "curl/8.11.1" "-"' in c.logs(pod)


def test_sustained_load_writes_a_bounded_deterministic_access_log() -> None:
    def run() -> tuple[str, list[str]]:
        c = SimCluster(workers=2)
        web(c, replicas=2)
        c.set_load("svc/web", rps=100)
        c.advance("10m")
        pod = c.list("pods")[0]["metadata"]["name"]
        return pod, c.logs(pod).splitlines()

    pod, lines = run()
    access = [m for m in map(ACCESS.match, lines) if m]
    assert len(access) == 5000  # 50 a second for 10 minutes, of which the newest are kept
    assert access[-1].group(2) == "05/Jan/2026:09:10:30" and access[-1].group(6) == "hey/0.0.1"
    assert access[0].group(2) == "05/Jan/2026:09:08:50"
    assert (pod, lines) == run()


def test_a_load_with_nothing_to_serve_it_fails_and_recovers() -> None:
    c = SimCluster(workers=2)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    assert c.set_load("svc/web", rps=50)["failed"] == 50
    web(c)
    [load] = c.loads()
    assert load["failed"] == 0 and len(load["served"]) == 3


def test_a_load_set_while_the_servers_start_reaches_them_once_they_listen() -> None:
    # `rollout status` returns the instant the last pod is ready; nginx listens a moment later. A load set then
    # fails for that moment only, and is spread over the pods once they serve.
    c = SimCluster(workers=2)
    metrics = RecordingMetrics()
    c.rt.services["metrics"] = metrics
    c.apply([{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.20"}]}}}},
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
              "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}])
    c.rollout_status("web")
    first = c.set_load("svc/web", rps=600)
    c.advance(1)
    [load] = c.loads()
    assert load["failed"] == 0 and sorted(load["served"].values()) == [200.0] * 3, (first, load)
    assert sorted(demand_by_pod(c, metrics).values()) == [200.0] * 3


def test_pods_on_a_failed_node_answer_nothing() -> None:
    c = SimCluster(workers=2)
    web(c, replicas=4)
    on_first = {p["metadata"]["name"] for p in c.list("pods", field_selector="spec.nodeName=sim-worker")}
    c.rt.services["kubelet"].set_alive("sim-worker", False)  # the node's kubelet stops, as when the node fails
    result = c.send_requests("svc/web", count=400)
    # Until the node controller notices, the endpoints still list those pods: their share of requests is lost.
    assert all(result["served"][p] == 0 for p in on_first)
    assert result["failed"] == 400 - sum(result["served"].values()) > 0


def test_the_api_servers_own_service_answers() -> None:
    c = SimCluster(workers=1)
    assert c.send_requests("https://kubernetes.default:443/version", 5) == {"served": {"172.18.0.2": 5},
                                                                           "failed": 0}
