"""%kube stack, topology, watch and lang through a real IPython shell."""

from __future__ import annotations

from typing import Any

from tests.magics.k8s_cells import NGINX_DEPLOYMENT


def mime(view: Any) -> dict[str, Any]:
    data, _ = view._repr_mimebundle_()
    return data


def test_topology_shows_the_cluster_and_follows_the_clock(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    view = ip.ok("%kube topology")
    assert "Cluster sim: 3 nodes (3 Ready), 3 pods" in mime(view)["text/plain"]
    ip.ok("%kube advance 30s")
    assert "3 pods (3 Running)" in mime(view)["text/plain"]
    assert "sim-worker2" in mime(view)["image/svg+xml"]


def test_watch_follows_a_selector_in_the_sessions_namespace(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%kube advance 30s")
    board = ip.ok("%kube watch -l app=nginx")
    assert mime(board)["text/plain"] == "Pods in default (app=nginx): 3 (3 Running)"
    assert ip.ok("%kube watch -l app=nothing").summary().startswith("Pods in default (app=nothing): 0")


def test_views_of_a_replaced_cluster_stop_watching_it(ip) -> None:  # type: ignore[no-untyped-def]
    view = ip.ok("%kube topology")
    ip.ok("%kube use sim --workers 3")
    ip.ok(NGINX_DEPLOYMENT)
    assert "3 nodes" in mime(view)["text/plain"]  # the old view keeps its cluster's last state
    assert "4 nodes" in mime(ip.ok("%kube topology"))["text/plain"]


def test_stack_compares_vms_and_containers(ip) -> None:  # type: ignore[no-untyped-def]
    view = ip.ok("%kube stack --apps 4 --app-memory 200")
    text = mime(view)["text/plain"]
    assert "4" in text and "VM" in text
    message = ip.fails("%kube stack nosuch:1")
    assert "no image 'nosuch:1'" in message


def test_lang_switches_the_views_to_korean(ip) -> None:  # type: ignore[no-untyped-def]
    assert str(ip.ok("%kube lang ko")) == "보기(view)의 언어: 한국어"
    assert mime(ip.ok("%kube topology"))["text/plain"].startswith("클러스터 sim")
    assert str(ip.ok("%kube lang en")) == "Views speak English"
    assert "unsupported language" in ip.fails("%kube lang fr")
