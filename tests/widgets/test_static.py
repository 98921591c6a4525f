"""Static renderings: what GitHub, nbviewer and nbval see. The same cluster state gives the same bytes."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import pytest

from kube_magics.sim import SimCluster
from kube_magics.widgets import pod_board, stack, topology
from kube_magics.widgets.stackmodel import SOURCES
from tests.widgets.simbackend import SimBackend, place

SVG = "{http://www.w3.org/2000/svg}"


def build(seed: int = 0) -> SimBackend:
    """The same calls on a fresh cluster: what re-running a notebook does."""
    # Pod states are set by hand (place), so no scheduler or kubelet may change them.
    cluster = SimCluster(workers=3, seed=seed, controllers=("*", "-default-scheduler", "-kubelet"))
    place(cluster, "web-1", "sim-worker", "Running", ip="10.244.1.2")
    place(cluster, "web-2", "sim-worker2", "ContainerCreating")
    place(cluster, "web-3", "sim-worker3", "CrashLoopBackOff", ip="10.244.3.2")
    cluster.create({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "waiting", "labels": {"app": "web"}},
                    "spec": {"containers": [{"name": "main", "image": "nginx:1.20"}]}})
    cluster.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                   "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    cluster.advance(42)
    return SimBackend(cluster)


def bundle(view: Any) -> dict[str, Any]:
    data, _meta = view._repr_mimebundle_()
    return {k: v for k, v in data.items() if k != "application/vnd.jupyter.widget-view+json"}


@pytest.mark.parametrize("make", [topology, pod_board], ids=["topology", "pod_board"])
def test_the_same_cluster_state_renders_to_the_same_bytes(make: Any) -> None:
    first, second = make(build()), make(build())
    a, b = bundle(first), bundle(second)
    assert set(a) == {"text/plain", "text/html", "image/svg+xml"}
    assert a == b
    assert bundle(first) == a  # and twice in a row
    first.close()
    second.close()


def test_static_output_has_no_ids_times_or_versions() -> None:
    for view in (topology(build()), pod_board(build()), stack()):
        for text in bundle(view).values():
            assert not re.search(r'\bid="', text)
            assert "2026-" not in text and "kube_magics" not in text.replace("kube_magics.images", "")
            assert not re.search(r"\d+\.\d+\.\d+(?!\.)", text.replace("10.244.", "").replace("172.18.", ""))
        view.close()


def test_the_topology_svg_shows_the_nodes_pods_and_service() -> None:
    view = topology(build())
    root = ET.fromstring(view.svg())
    keyed = {e.get("data-key") for e in root.iter() if e.get("data-key")}
    assert {"node:sim-control-plane", "node:sim-worker", "node:sim-worker2", "node:sim-worker3"} <= keyed
    assert {"pod:default/web-1", "pod:default/web-2", "pod:default/web-3", "pod:default/waiting"} <= keyed
    assert "service:default/web" in keyed
    texts = [e.text for e in root.iter(f"{SVG}text")]
    for expected in ("API server", "etcd", "Scheduler", "Controller manager", "kubelet", "kube-proxy",
                     "Container runtime", "Running", "ContainerCreating", "CrashLoopBackOff", "Not scheduled yet"):
        assert expected in texts
    edges = [e for e in root.iter(f"{SVG}line") if e.get("class") == "km-edge"]
    assert len(edges) == 4  # web selects four pods; one of them is a ready endpoint
    assert sum(1 for e in edges if e.get("stroke-dasharray") is None) == 1
    assert view.summary() == "Cluster sim: 4 nodes (4 Ready), 4 pods (1 Pending, 1 ContainerCreating, 1 Running, " \
                             "1 CrashLoopBackOff)"
    view.close()


def test_the_html_of_the_board_lists_pods_as_kubectl_does() -> None:
    view = pod_board(build(), namespace="default")
    html = view.html()
    assert "<th style=\"text-align:left;padding:1px 10px 1px 0\">RESTARTS</th>" in html
    assert "<td style=\"padding:1px 10px 1px 0\">CrashLoopBackOff</td>" in html
    assert "42s" in html  # AGE, from the cluster's clock
    assert html.count("<svg") == 1
    view.close()


def test_korean_labels_reach_the_static_rendering() -> None:
    view = topology(build(), lang="ko")
    assert "컨트롤 플레인" in view.svg() and "컨테이너 런타임" in view.svg()
    assert view.summary().startswith("클러스터 sim: 노드 4개 (4 Ready)")
    view.close()


# --- the stack --------------------------------------------------------------------------------------------------


def test_the_stack_adds_up_and_cites_its_figures() -> None:
    view = stack(apps=4, app_memory_mb=200, guest_os_memory_mb=1000, guest_os_disk_mb=3000, app_disk_mb=20)
    t = view.totals()
    assert (t.vm_memory_mb, t.ct_memory_mb) == (4 * 1200, 4 * 200)
    assert t.vm_disk_mb == 4 * (3000 + 20)
    assert t.ct_disk_mb == 118 + 20  # node:16-alpine once (kube_magics.images), plus the app's files, shared
    assert (t.vm_start_s, t.ct_start_s) == (23.0, 0.568)
    assert view.summary() == ("VM vs container, 4 apps: memory 4.7 GiB vs 800 MiB, disk 12.1 GB vs 138 MB, "
                              "start 23 s vs 568 ms")
    svg = view.svg()
    for src in SOURCES:
        assert f"[{src.ref}]" in svg
        assert src.url in view.html()
    assert "125 ms [1]" in svg  # Firecracker's documented boot
    root = ET.fromstring(svg)
    texts = [e.text for e in root.iter(f"{SVG}text")]
    assert texts.count("Guest OS") == 4 and texts.count("container") == 4
    for layer in ("Hypervisor", "Host OS", "Hardware", "Docker engine", "FROM node:16-alpine"):
        assert layer in texts


class Built:
    """An image as %%dockerfile builds it: `.layers`, each with an instruction and a size."""

    class L:
        def __init__(self, instruction: str, size: int) -> None:
            self.instruction = instruction
            self.size = size

    def __init__(self) -> None:
        self.tags = ["myapp:1.0"]
        self.layers = [self.L("FROM node:16-alpine", 118_000_000), self.L("WORKDIR /app", 0),
                       self.L("COPY package*.json ./", 2_000), self.L("RUN npm install", 21_500_000),
                       self.L("COPY . .", 1_200_000)]


def test_a_built_images_layers_are_the_container_sides_layers() -> None:
    view = stack(Built(), apps=2)
    texts = [e.text for e in ET.fromstring(view.svg()).iter(f"{SVG}text")]
    assert texts.index("COPY . .") < texts.index("RUN npm install") < texts.index("FROM node:16-alpine")
    assert "22 MB" in texts and "Image layers (read-only, shared) · image myapp:1.0" in texts
    assert view.totals().ct_disk_mb == pytest.approx(140.702)
    assert view.totals().vm_disk_mb == pytest.approx(2 * (4000 + 140.702))
    dicts = stack({"layers": [{"instruction": "FROM alpine", "size": 7_400_000}]})
    assert dicts.totals().ct_disk_mb == pytest.approx(7.4)
    with pytest.raises(TypeError, match=r"needs `\.layers`"):
        stack(object())


def test_the_sliders_redraw_the_picture(comms: list[Any]) -> None:
    view = stack()
    before = view.scene
    view.apps = 5
    texts = [i["text"] for i in view.scene["items"] if i["t"] == "text"]
    assert view.scene != before and "App 5" in texts
    assert view.comm in comms
    assert view.comm.updates()[-1]["state"].keys() >= {"scene", "summary_text"}


def test_without_a_docker_engine_the_measure_button_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCKER_HOST", "unix:///nonexistent/docker.sock")
    view = stack()
    assert view.probe_docker() is False
    assert view.docker["probed"] and not view.docker["available"]
    assert view.docker["note"].startswith("No Docker engine is reachable from this kernel")
    # The static rendering never depends on the machine it ran on.
    assert "Docker engine is reachable" not in view.svg()


@pytest.mark.docker
def test_a_real_container_start_is_measured_and_shown() -> None:
    view = stack()
    if not view.probe_docker():
        pytest.skip(f"no Docker engine: {view.docker['note']}")
    measured = view.measure()
    assert 0 < measured["ms"] < 60_000
    assert view.totals().ct_start_source == "measured"
    assert "(measured on this machine)" in "".join(i.get("text", "") for i in view.scene["items"])
