"""The HorizontalPodAutoscaler on the simulator: real scheduler, kubelets and metrics API, Deployments scaled
through their scale subresource, conditions and events in Kubernetes' words (reference/k8s-1.35/hpa.txt)."""

from __future__ import annotations

import re

import pytest

from kube_magics.printers.describe import describe
from kube_magics.printers.get import get
from kube_magics.sim import SimCluster
from tests.reference import objects, output
from tests.sim.autoscale_helpers import WEB, advance_until, hpa, ready, replicas, start_load

UP = "New size: {n}; reason: cpu resource utilization (percentage of request) above target"
DOWN = "New size: {n}; reason: All metrics below target"


def _cluster(**options: object) -> SimCluster:
    c = SimCluster(**options)  # type: ignore[arg-type]
    c.apply(WEB)
    advance_until(c, lambda: sum(ready(p) for p in c.list("pods", selector="app=web")) == 3, timeout=60)
    return c


def _rescales(c: SimCluster) -> list[str]:
    return [e["message"] for e in c.events(c.get("hpa", "web")) if e["reason"] == "SuccessfulRescale"]


def _conditions(c: SimCluster) -> dict[str, tuple[str, str]]:
    return {x["type"]: (x["status"], x["reason"]) for x in c.get("hpa", "web")["status"]["conditions"]}


# --- the issue's example -----------------------------------------------------------------------------------------

def _issue_example(c: SimCluster, path_wanted: str) -> None:
    """3 pods requesting 100m, target 50%, min 2, max 10; 600 rps -> 10 replicas; load removed -> still 10
    after 120 s, 2 once the 300 s scale-down window has passed."""
    c.apply(hpa(2, 10))
    path, stop = start_load(c, 600, traffic_model=path_wanted == "set_load")
    assert path == path_wanted
    took = advance_until(c, lambda: replicas(c) == 10, timeout=180)
    assert took <= 120
    assert _rescales(c)[-1] == UP.format(n=10)
    c.advance(30)
    status = c.get("hpa", "web")["status"]
    assert status["currentReplicas"] == 10 and status["desiredReplicas"] == 10
    assert _conditions(c)["ScalingLimited"] == ("True", "TooManyReplicas")
    # 600 millicores over 10 pods of 100m: 60% of the request each (plus nginx's half millicore, rounded up).
    current = status["currentMetrics"][0]["resource"]["current"]
    assert 60 <= current["averageUtilization"] <= 62
    assert current["averageValue"] == f"{current['averageUtilization']}m"
    stop()
    c.advance(120)
    assert replicas(c) == 10
    assert _conditions(c)["AbleToScale"] == ("True", "ScaleDownStabilized")
    took = 120 + advance_until(c, lambda: replicas(c) == 2, timeout=300)
    assert 300 <= took <= 345  # the window, plus the metrics' lag (a scrape window) and a sync period
    assert _rescales(c)[-1] == DOWN.format(n=2)
    assert _conditions(c)["ScalingLimited"] == ("True", "TooFewReplicas")


@pytest.mark.skipif(not hasattr(SimCluster, "set_load"), reason="the traffic model's SimCluster.set_load is not "
                    "in this tree yet; test_the_issue_example_driven_through_set_demand covers the HPA side")
def test_the_issue_example_driven_by_the_traffic_model() -> None:
    _issue_example(_cluster(), "set_load")


def test_the_issue_example_driven_through_set_demand() -> None:
    _issue_example(_cluster(), "set_demand")


def test_scale_up_goes_in_steps_the_new_pods_counted_as_idle() -> None:
    c = _cluster()
    c.apply(hpa(2, 10))
    start_load(c, 600)
    advance_until(c, lambda: replicas(c) != 3, timeout=60)
    # 200% against 50% proposes 12, but one step at most doubles: 6 (ScaleUpLimit).
    assert replicas(c) == 6
    assert _conditions(c)["ScalingLimited"] == ("True", "ScaleUpLimit")
    advance_until(c, lambda: replicas(c) != 6, timeout=30)
    assert replicas(c) == 10
    assert _rescales(c) == [UP.format(n=6), UP.format(n=10)]


# --- tolerance and limits ------------------------------------------------------------------------------------------

def test_no_change_within_the_ten_percent_tolerance() -> None:
    c = _cluster()
    c.apply(hpa(1, 10))
    pods = [p["metadata"]["name"] for p in c.list("pods", selector="app=web")]
    for name in pods:
        c.set_demand(name, 52)  # 52.5m of 100m: 53% against 50%, a ratio of 1.06
    c.advance(120)
    assert replicas(c) == 3
    current = c.get("hpa", "web")["status"]["currentMetrics"][0]["resource"]["current"]
    assert current["averageUtilization"] == 53
    for name in pods:
        c.set_demand(name, 60)  # 61%: a ratio of 1.22 -> ceil(3 x 1.22) = 4
    advance_until(c, lambda: replicas(c) == 4, timeout=45)


def test_outside_min_and_max_goes_there_first() -> None:
    c = _cluster()
    c.apply(hpa(4, 10))
    advance_until(c, lambda: replicas(c) == 4, timeout=16)
    assert _rescales(c) == ["New size: 4; reason: Current number of replicas below Spec.MinReplicas"]


def test_a_target_that_does_not_exist() -> None:
    c = SimCluster()
    c.apply(hpa(2, 10))
    c.advance(16)
    h = c.get("hpa", "web")
    (event,) = c.events(h)
    assert (event["type"], event["reason"], event["message"]) == (
        "Warning", "FailedGetScale", 'deployments/scale.apps "web" not found')
    (cond,) = h["status"]["conditions"]
    assert (cond["type"], cond["status"], cond["reason"]) == ("AbleToScale", "False", "FailedGetScale")
    assert cond["message"] == ("the HPA controller was unable to get the target's current scale: "
                               'deployments/scale.apps "web" not found')


def test_pods_without_a_cpu_request_cannot_be_autoscaled_on_utilization() -> None:
    c = SimCluster()
    c.apply(WEB.replace("        resources:\n          requests: {cpu: 100m}\n", ""))
    c.advance(30)
    c.apply(hpa(2, 10))
    c.advance(16)
    h = c.get("hpa", "web")
    active = next(x for x in h["status"]["conditions"] if x["type"] == "ScalingActive")
    assert (active["status"], active["reason"]) == ("False", "FailedGetResourceMetric")
    assert re.fullmatch(r"the HPA was unable to compute the replica count: failed to get cpu utilization: "
                        r"missing request for cpu in container nginx of Pod web-\w+-\w{5}", active["message"])


# --- without a metrics API: what a fresh kind cluster shows -----------------------------------------------------

def test_without_a_metrics_api_status_and_events_are_as_recorded() -> None:
    recorded = objects("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    c = _cluster(metrics_server=False)
    c.apply(hpa(2, 10).replace("name: web\nspec", "name: nginx-deployment\nspec"))
    c.advance(15)
    h = c.get("hpa", "nginx-deployment")

    def shape(status: dict) -> dict:
        return {**status, "conditions": [{k: v for k, v in x.items() if k != "lastTransitionTime"}
                                         for x in status["conditions"]]}

    assert shape(h["status"]) == shape(recorded["status"])
    c.advance(5)
    text = describe(c.get("hpa", "nginx-deployment"), now=c.rt.now, related=c)
    want = output("hpa.txt", "kubectl describe hpa nginx-deployment").replace("nginx-deployment   ", "web   ")
    want = want.replace("Deployment/nginx-deployment", "Deployment/web")
    stamp = re.compile(r"^CreationTimestamp:.*$", re.M)
    assert stamp.sub("", text.replace("Name:                                                  nginx-deployment",
                                      "Name:                                                  web")) == \
        stamp.sub("", want.replace("Name:                                                  nginx-deployment",
                                   "Name:                                                  web"))


def test_get_hpa_shows_the_current_utilization() -> None:
    c = _cluster()
    c.apply(hpa(2, 10))
    table = get(c.list("hpa"), now=c.rt.now).text
    assert "cpu: <unknown>/50%" in table
    for p in c.list("pods", selector="app=web"):
        c.set_demand(p["metadata"]["name"], 30)
    c.advance(30)
    lines = get(c.list("hpa"), now=c.rt.now).text.splitlines()
    assert lines[1].split()[:6] == ["web", "Deployment/web", "cpu:", "31%/50%", "2", "10"]


# --- behaviors and autoscaling/v1 ----------------------------------------------------------------------------------

BEHAVIOR = """    scaleUp:
      stabilizationWindowSeconds: 0
      policies:
      - {type: Pods, value: 1, periodSeconds: 60}
    scaleDown:
      selectPolicy: Disabled
"""


def test_custom_behavior_limits_the_rate_and_can_disable_a_direction() -> None:
    c = _cluster()
    c.apply(hpa(2, 10, BEHAVIOR))
    start_load(c, 600)
    advance_until(c, lambda: replicas(c) == 4, timeout=30)
    assert _conditions(c)["ScalingLimited"] == ("True", "ScaleUpLimit")
    c.advance(50)
    assert replicas(c) == 4  # one pod per 60 s
    advance_until(c, lambda: replicas(c) == 5, timeout=20)
    described = describe(c.get("hpa", "web"), now=c.rt.now)
    assert "  Scale Up:\n    Stabilization Window: 0 seconds\n    Select Policy: Max\n" in described
    assert "  Scale Down:\n    Select Policy: Disabled\n" in described
    # Load gone: scaling down is disabled, so the replicas stay.
    for p in c.list("pods", selector="app=web"):
        c.set_demand(p["metadata"]["name"], 0, source="traffic")
    c.advance(400)
    assert replicas(c) >= 5


def test_autoscaling_v1_objects_scale_and_keep_v1_shape() -> None:
    c = _cluster()
    c.apply("""
apiVersion: autoscaling/v1
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 10
  targetCPUUtilizationPercentage: 50
""")
    start_load(c, 600)
    advance_until(c, lambda: replicas(c) == 10, timeout=120)
    c.advance(30)
    h = c.get("hpa", "web")
    assert h["apiVersion"] == "autoscaling/v1"
    utilization = h["status"]["currentCPUUtilizationPercentage"]
    assert 60 <= utilization <= 62  # 600 millicores over 10 pods requesting 100m, and nginx idling
    assert h["status"]["currentReplicas"] == 10 and h["status"]["desiredReplicas"] == 10
    assert "conditions" not in h["status"]
    assert '"reason":"TooManyReplicas"' in h["metadata"]["annotations"]["autoscaling.alpha.kubernetes.io/conditions"]
    text = describe(h, now=c.rt.now, related=c)
    assert f"(as a percentage of request):  {utilization}% ({utilization}m) / 50%" in text
    assert re.search(r"ScalingLimited +True +TooManyReplicas +the desired replica count is more than the maximum",
                     text)
    assert "Annotations:" in text and "autoscaling.alpha" not in text


def test_memory_average_value_and_container_resource_targets() -> None:
    c = _cluster()
    c.apply("""
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: Resource
    resource: {name: memory, target: {type: AverageValue, averageValue: 5Mi}}
  - type: ContainerResource
    containerResource: {name: cpu, container: nginx, target: {type: Utilization, averageUtilization: 50}}
""")
    advance_until(c, lambda: replicas(c) != 3, timeout=20)
    # nginx holds 6Mi: 6/5 = 1.2 -> ceil(3 x 1.2) = 4; the idle CPU proposes fewer, and the highest proposal wins.
    assert replicas(c) == 4
    assert _rescales(c) == ["New size: 4; reason: memory resource above target"]
    status = c.get("hpa", "web")["status"]
    assert status["currentMetrics"][0] == {"type": "Resource", "resource": {
        "current": {"averageValue": "6291456"}, "name": "memory"}}
    assert status["currentMetrics"][1] == {"type": "ContainerResource", "containerResource": {
        "container": "nginx", "current": {"averageUtilization": 1, "averageValue": "1m"}, "name": "cpu"}}
    text = describe(c.get("hpa", "web"), now=c.rt.now)
    assert re.search(r"^  resource memory on pods: +6291456 / 5Mi$", text, re.M)
    assert re.search(r'resource cpu of container "nginx" on pods  \(as a percentage of request\): +1% \(1m\) / 50%',
                     text)
