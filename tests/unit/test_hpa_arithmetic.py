"""The HorizontalPodAutoscaler's arithmetic as pure functions: the replica calculator (tolerance, rounding, pods
without metrics or not ready) and the normalization (stabilization windows, scaling policies), with the worked
examples of Kubernetes' own replica_calculator and horizontal controller tests."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.sim.controllers import hpa_behavior as b
from kube_magics.sim.controllers.hpa_replicas import (
    CalcError,
    PodMetric,
    plain_replicas,
    pod_metrics_from_api,
    resource_replicas,
    within_tolerance,
)
from kube_magics.timefmt import rfc3339

NOW = 1_800_000_000.0


def pod(name: str, *, cpu: str | None = "100m", phase: str = "Running", ready: bool = True,
        started: float = NOW - 3600, ready_since: float = NOW - 3500, deleting: bool = False) -> dict[str, Any]:
    resources = {"requests": {"cpu": cpu}} if cpu else {}
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if deleting:
        meta["deletionTimestamp"] = rfc3339(NOW)
    return {"metadata": meta, "spec": {"containers": [{"name": "app", "resources": resources}]},
            "status": {"phase": phase, "startTime": rfc3339(started),
                       "conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastTransitionTime": rfc3339(ready_since)}]}}


def metrics(**values: int) -> dict[str, PodMetric]:
    return {name: PodMetric(v, NOW - 5, 15.0) for name, v in values.items()}


# --- the replica calculator ------------------------------------------------------------------------------------

def test_tolerance_is_ten_percent_either_side_inclusive() -> None:
    assert within_tolerance(0.9) and within_tolerance(1.1) and within_tolerance(1.0)
    assert not within_tolerance(0.89) and not within_tolerance(1.11)


def test_within_tolerance_the_replicas_stay() -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    # 54% of the request against a 50% target: ratio 1.08.
    assert resource_replicas(3, 50, "cpu", pods, metrics(a=54, b=54, c=54), NOW) == (3, 54, 54)
    # 56%: ratio 1.12, beyond the tolerance: ceil(1.12 x 3) = 4.
    assert resource_replicas(3, 50, "cpu", pods, metrics(a=56, b=56, c=56), NOW)[0] == 4


def test_utilization_is_truncated_and_the_count_rounded_up() -> None:
    pods = [pod("a"), pod("b"), pod("c")]
    # 400m used of 300m requested is 133.3%, truncated to 133 -> ratio 2.66 -> ceil(7.98) = 8.
    replicas, utilization, raw = resource_replicas(3, 50, "cpu", pods, metrics(a=134, b=133, c=133), NOW)
    assert (replicas, utilization, raw) == (8, 133, 133)


def test_pods_without_metrics_count_as_idle_on_a_scale_up() -> None:
    pods = [pod(n) for n in "abcdef"]
    # 3 pods at 200% and 3 without metrics: 4.0 at first, then (600 + 0) / 600 = 100% -> 2.0 x 6 = 12.
    assert resource_replicas(6, 50, "cpu", pods, metrics(a=200, b=200, c=200), NOW)[0] == 12


def test_pods_without_metrics_count_as_fully_used_on_a_scale_down() -> None:
    pods = [pod(n) for n in "abcd"]
    # 3 pods at 10%, one without metrics: alone they say ceil(0.2 x 3) = 1; with the missing pod at 100% of its
    # request: (30 + 100) / 400 = 32% -> ratio 0.64 -> ceil(0.64 x 4) = 3.
    assert resource_replicas(4, 50, "cpu", pods, metrics(a=10, b=10, c=10), NOW)[0] == 3


def test_a_scale_down_that_missing_pods_would_turn_round_keeps_the_replicas() -> None:
    pods = [pod(n) for n in "abcd"]
    # 3 pods at 40% (ratio 0.8, down), one missing counted at 100%: (120 + 100) / 400 = 55% -> 1.1, within.
    assert resource_replicas(4, 50, "cpu", pods, metrics(a=40, b=40, c=40), NOW)[0] == 4


def test_pods_starting_up_are_not_trusted_for_cpu() -> None:
    # Started 60 s ago and ready for 15 s: its metric window (15 s, ending 5 s ago) began before it was ready.
    fresh = pod("new", started=NOW - 60, ready_since=NOW - 15)
    settled = pod("old")
    ratio_from_old_only = resource_replicas(2, 50, "cpu", [settled, fresh], metrics(old=100, new=400), NOW)
    # Scale-up: the new pod counts as 0 -> (100 + 0) / 200 = 50% -> ratio 1.0 -> within tolerance: 2 stays.
    assert ratio_from_old_only[0] == 2
    # The same pod, ready long enough for a whole window: its 400% counts -> 250% -> ceil(5 x 2) = 10.
    steady = pod("new", started=NOW - 60, ready_since=NOW - 40)
    assert resource_replicas(2, 50, "cpu", [settled, steady], metrics(old=100, new=400), NOW)[0] == 10


def test_pending_deleting_and_failed_pods() -> None:
    pods = [pod("a"), pod("b", phase="Pending"), pod("c", deleting=True), pod("d", phase="Failed")]
    # Only `a` is measured (300%); pending `b` counts as 0 on a scale-up -> 150% -> ceil(3 x 2) = 6.
    assert resource_replicas(3, 50, "cpu", pods, metrics(a=300, c=900), NOW)[0] == 6


def test_errors_say_what_kubernetes_says() -> None:
    with pytest.raises(CalcError, match=r"^missing request for cpu in container app of Pod a$"):
        resource_replicas(1, 50, "cpu", [pod("a", cpu=None)], metrics(a=10), NOW)
    with pytest.raises(CalcError, match=r"^did not receive metrics for targeted pods \(pods might be unready\)$"):
        resource_replicas(1, 50, "cpu", [pod("a", phase="Pending")], metrics(), NOW)
    with pytest.raises(CalcError, match=r"^no pods returned by selector while calculating replica count$"):
        resource_replicas(1, 50, "cpu", [], metrics(), NOW)


def test_average_value_targets() -> None:
    pods = [pod("a"), pod("b")]
    # Memory in milli-bytes: 300Mi average against a 200Mi target -> ratio 1.5 -> 3 pods.
    mi = 1024 * 1024 * 1000
    assert plain_replicas(2, 200 * mi, "memory", pods, metrics(a=300 * mi, b=300 * mi), NOW) == (3, 300 * mi)


def test_metrics_api_objects_are_read_as_the_metrics_client_reads_them() -> None:
    item = {"metadata": {"name": "a", "namespace": "default"}, "timestamp": rfc3339(NOW), "window": "12.5s",
            "containers": [{"name": "app", "usage": {"cpu": "75500000n", "memory": "6Mi"}},
                           {"name": "side", "usage": {"cpu": "1m", "memory": "1Mi"}}]}
    got = pod_metrics_from_api([item], "cpu")
    # MilliValue rounds up: 75.5m -> 76, plus the sidecar's 1m.
    assert got == {"a": PodMetric(77, NOW, 12.5)}
    assert pod_metrics_from_api([item], "memory", "side")["a"].value == 1024 * 1024 * 1000


# --- normalization without spec.behavior ------------------------------------------------------------------------

def test_scale_down_keeps_the_highest_recommendation_of_five_minutes() -> None:
    recs = [b.Recommendation(10, NOW - 290), b.Recommendation(4, NOW - 100)]
    assert b.stabilize(recs, 2, NOW) == 10
    # 20 s later the 10 is out of the window, and its slot takes the new recommendation.
    assert b.stabilize(recs, 2, NOW + 20) == 4
    assert [r.replicas for r in recs] == [2, 4, 2]


def test_one_step_up_at_most_doubles_or_reaches_four() -> None:
    assert b.limit_legacy(3, 12, 2, 10) == (6, b.UP_LIMIT)
    assert b.limit_legacy(1, 12, 1, 10) == (4, b.UP_LIMIT)
    assert b.limit_legacy(6, 24, 2, 10) == (10, b.TOO_MANY)
    assert b.limit_legacy(10, 0, 2, 10) == (2, b.TOO_FEW)
    assert b.limit_legacy(4, 5, 2, 10) == (5, b.WITHIN_RANGE)


# --- normalization with spec.behavior ---------------------------------------------------------------------------

DEFAULT_UP = {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4},
                           {"periodSeconds": 15, "type": "Percent", "value": 100}],
              "selectPolicy": "Max", "stabilizationWindowSeconds": 0}


def test_default_scale_up_policies_allow_four_pods_or_double() -> None:
    assert b.scale_up_limit(3, [], [], DEFAULT_UP, NOW) == 7
    assert b.scale_up_limit(10, [], [], DEFAULT_UP, NOW) == 20
    # After going from 1 to 3 ten seconds ago, the period started at 1: max(1 + 4, 2) = 5.
    assert b.scale_up_limit(3, [b.ScaleEvent(2, NOW - 10)], [], DEFAULT_UP, NOW) == 5


def test_select_policy_min_and_disabled() -> None:
    rules = {**DEFAULT_UP, "selectPolicy": "Min"}
    assert b.scale_up_limit(3, [], [], rules, NOW) == 6
    assert b.scale_up_limit(3, [], [], {**DEFAULT_UP, "selectPolicy": "Disabled"}, NOW) == 3


def test_scale_down_policies() -> None:
    rules = {"policies": [{"periodSeconds": 60, "type": "Pods", "value": 1},
                          {"periodSeconds": 60, "type": "Percent", "value": 10}], "selectPolicy": "Max"}
    assert b.scale_down_limit(10, [], [], rules, NOW) == 9
    # Having removed one pod 30 s ago, the period started at 10 again: still 9, so no further step now.
    assert b.scale_down_limit(9, [], [b.ScaleEvent(1, NOW - 30)], rules, NOW) == 9
    assert b.limit_with_behaviors(9, 2, 2, 10, {"scaleDown": rules}, [], [b.ScaleEvent(1, NOW - 30)], NOW) == \
        (9, b.DOWN_LIMIT)


def test_stabilization_windows_with_behaviors() -> None:
    recs = [b.Recommendation(8, NOW - 200), b.Recommendation(5, NOW - 30)]
    # Scale-down window 300 s: a proposal of 3 from 6 replicas; recent recommendations (8, 5) were higher, so
    # the count may not go below the current 6.
    assert b.stabilize_with_behaviors(recs, 6, 3, NOW, up_window=0, down_window=300) == (6, b.DOWN_STABILIZED)
    # Scale-up window 60 s: a proposal of 9 is held to the lowest recent one, 5 -> current 6.
    recs = [b.Recommendation(5, NOW - 30)]
    assert b.stabilize_with_behaviors(recs, 6, 9, NOW, up_window=60, down_window=0) == (6, b.UP_STABILIZED)


def test_scale_events_reuse_outdated_slots() -> None:
    events = [b.ScaleEvent(2, NOW - 100), b.ScaleEvent(1, NOW - 5)]
    b.record_scale_event(events, 3, 15.0, NOW)
    assert [(e.change, e.at) for e in events] == [(3, NOW), (1, NOW - 5)]
