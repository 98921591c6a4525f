"""`%kube requests` and `%kube load` through a real IPython shell, on the simulated cluster."""

from __future__ import annotations

import re

from tests.sim.autoscale_helpers import WEB as WEB_AND_SERVICE

WEB = "%%k8s\n" + WEB_AND_SERVICE


def test_requests_prints_how_they_spread_over_the_pods(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(WEB)
    ip.ok("%kube advance 30s")
    out = ip.ok("%kube requests svc/web --count 100")
    lines = str(out).splitlines()
    assert lines[0].split() == ["POD", "REQUESTS"]
    rows = [line.split() for line in lines[1:4]]
    assert all(re.fullmatch(r"web-[a-z0-9]+-[a-z0-9]{5}", r[0]) and set(r[2]) == {"█"} for r in rows)
    counts = [int(r[1]) for r in rows]
    assert sum(counts) == 100 and out.value["served"] == {r[0]: int(r[1]) for r in rows}
    busiest = max(rows, key=lambda r: int(r[1]))
    assert len(busiest[2]) == 40  # bars are scaled to the busiest pod
    assert lines[4] == "100 requests to svc/web: 100 served, 0 failed"


def test_requests_to_a_service_without_pods_all_fail(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(WEB.replace("replicas: 3", "replicas: 0"))
    out = str(ip.ok("%kube requests svc/web --count 20"))
    assert out.splitlines() == ["POD   REQUESTS", "20 requests to svc/web: 0 served, 20 failed"]
    assert 'services "nope" not found' in ip.fails("%kube requests svc/nope")


def test_load_starts_reports_and_stops(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(WEB)
    ip.ok("%kube advance 30s")
    out = str(ip.ok("%kube load svc/web --rps 600")).splitlines()
    assert out[0] == "Load on svc/web: 600 requests/s over 3 pods"
    assert out[1].split() == ["POD", "REQUESTS/S", "CPU"]
    assert [line.split()[1:] for line in out[2:]] == [["200", "200m"]] * 3
    assert str(ip.ok("%kube load")).splitlines()[0] == "Load on svc/web: 600 requests/s over 3 pods"
    assert str(ip.ok("%kube load svc/web --rps 0")) == "Load on svc/web stopped."
    assert str(ip.ok("%kube load")) == "No load is running."
    assert "--rps is required" in ip.fails("%kube load svc/web")
