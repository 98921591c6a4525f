"""The resource metrics API on the simulator (what metrics-server reports), and `kubectl top` printed from it.

Scrapes are every 15 s from the cluster's start, so `c.elapsed` multiples of 15 are scrape instants."""

from __future__ import annotations

import re

import pytest

from kube_magics import quantity
from kube_magics.errors import NotFoundError
from kube_magics.printers.top import top_nodes, top_pods
from kube_magics.sim import SimCluster
from tests.sim.autoscale_helpers import WEB, advance_until, ready

CAPPED = """
apiVersion: v1
kind: Pod
metadata: {name: capped, labels: {app: capped}}
spec:
  containers:
  - name: nginx
    image: nginx:1.20
    resources:
      requests: {cpu: 100m}
      limits: {cpu: 150m}
"""


def _web() -> tuple[SimCluster, list[str]]:
    c = SimCluster()
    c.apply(WEB)
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=web")) == 3, timeout=60)
    return c, [p["metadata"]["name"] for p in c.list("pods", selector="app=web")]


def _cpu(c: SimCluster, pod: str) -> str:
    (m,) = [m for m in c.pod_metrics() if m["metadata"]["name"] == pod]
    return str(m["containers"][0]["usage"]["cpu"])


def _to_scrape(c: SimCluster) -> None:
    """Advance to the next scrape instant."""
    c.advance(15 - c.elapsed % 15)


def test_new_pods_have_no_metrics_until_a_window_was_measured() -> None:
    c = SimCluster()
    _to_scrape(c)
    t0 = c.elapsed
    c.apply(WEB)
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=web")) == 3, timeout=60, step=0.1)
    assert c.elapsed - t0 < 5  # pulled and started early in the scrape period
    c.advance(t0 + 14.9 - c.elapsed)
    assert [m for m in c.pod_metrics() if m["metadata"]["name"].startswith("web-")] == []
    c.advance(0.1)
    # The scrape at t0 + 15 is their first; they started 10 s or more before it, so metrics-server takes their
    # start as the first point: a window shorter than 15 s.
    web = [m for m in c.pod_metrics() if m["metadata"]["name"].startswith("web-")]
    assert len(web) == 3
    for m in web:
        assert 10 <= float(m["window"].rstrip("s")) < 15
    c.advance(15)
    assert {m["window"] for m in c.pod_metrics() if m["metadata"]["name"].startswith("web-")} == {"15s"}


def test_pod_metrics_have_the_metrics_api_shape() -> None:
    c, _ = _web()
    c.advance(30)
    (m,) = c.pod_metrics(selector="app=web")[:1]
    assert list(m) == ["apiVersion", "kind", "metadata", "timestamp", "window", "containers"]
    assert (m["apiVersion"], m["kind"]) == ("metrics.k8s.io/v1beta1", "PodMetrics")
    assert m["metadata"]["namespace"] == "default" and m["metadata"]["labels"]["app"] == "web"
    assert re.fullmatch(r"2026-01-05T09:00:[0-5][05]Z|2026-01-05T09:01:00Z", m["timestamp"])
    # nginx idles at half a millicore; its resident set is 2 MiB plus 1 MiB per worker (4 CPUs).
    assert m["containers"] == [{"name": "nginx", "usage": {"cpu": "500u", "memory": "6Mi"}}]


def test_demand_shows_averaged_over_the_scrape_window() -> None:
    c, pods = _web()
    _to_scrape(c)
    c.advance(10)
    c.set_demand(pods[0], 200)  # 5 s before the next scrape
    assert _cpu(c, pods[0]) == "500u"  # the last scrape predates it
    c.advance(5)
    # 0.5m for 10 s and 200.5m for 5 s, over 15 s: 67.1666m
    assert _cpu(c, pods[0]) == "67166666n"
    c.advance(15)
    assert _cpu(c, pods[0]) == "200500u"
    assert _cpu(c, pods[1]) == "500u"
    c.set_demand(pods[0], 0)
    c.advance(15)
    assert _cpu(c, pods[0]) == "500u"


def test_a_cpu_limit_throttles_the_demand() -> None:
    c, _ = _web()
    c.apply(CAPPED)
    advance_until(c, lambda: ready(c.get("pods", "capped")), timeout=30)
    c.set_demand("capped", 400)
    c.advance(30)
    assert _cpu(c, "capped") == "150m"


def test_top_pods_and_top_nodes_print_the_figures() -> None:
    c, pods = _web()
    for name in pods:
        c.set_demand(name, 100)
    c.advance(30)
    text = top_pods(c.pod_metrics())
    for name in pods:
        assert re.search(rf"^{name} +101m +6Mi +$", text, re.M)
    nodes = c.list("nodes", namespace=None)
    node_text = top_nodes(c.node_metrics(), nodes)
    for node in nodes:
        name = node["metadata"]["name"]
        on_node = [m for m in c.pod_metrics(namespace=None)
                   if c.get("pods", m["metadata"]["name"], m["metadata"]["namespace"])["spec"]["nodeName"] == name]
        cpu = 25 + sum(quantity.milli(x["usage"]["cpu"]) for m in on_node for x in m["containers"])
        (usage,) = [m["usage"] for m in c.node_metrics() if m["metadata"]["name"] == name]
        # The node: its pods plus what the kubelet, containerd and the OS use (25m, 200Mi).
        assert abs(quantity.milli(usage["cpu"]) - cpu) <= len(on_node)
        memory = 200 * 2**20 + sum(quantity.integer(x["usage"]["memory"]) for m in on_node for x in m["containers"])
        assert quantity.integer(usage["memory"]) == memory
        assert re.search(rf"^{name} +{quantity.milli(usage['cpu'])}m +\d+% +{memory // 2**20}Mi +\d+% +$",
                         node_text, re.M)


def test_a_new_node_has_no_metrics_for_its_first_seconds() -> None:
    c = SimCluster()
    _to_scrape(c)
    c.advance(10)
    c.add_node("sim-worker3")
    c.advance(5)
    text = top_nodes(c.node_metrics(), c.list("nodes", namespace=None))
    assert re.search(r"^sim-worker3 +<unknown> +<unknown> +<unknown> +<unknown> *$", text, re.M)
    c.advance(15)
    assert "sim-worker3" in [m["metadata"]["name"] for m in c.node_metrics()]


def test_without_a_metrics_api() -> None:
    c = SimCluster(metrics_server=False)
    with pytest.raises(NotFoundError, match=r"the server could not find the requested resource "
                                            r"\(get pods\.metrics\.k8s\.io\)"):
        c.pod_metrics()
    with pytest.raises(NotFoundError, match=r"\(get nodes\.metrics\.k8s\.io\)"):
        c.node_metrics()
