"""How the HorizontalPodAutoscaler turns a proposed replica count into the one it sets: stabilization windows and
rate limits, as pure functions over the recent recommendations and scale events (Kubernetes' `horizontal.go`).

Two paths, as in Kubernetes:

- No `spec.behavior` (what `kubectl autoscale` creates): scale-down is stabilized over 300 s (the highest
  recommendation of the last five minutes wins), scale-up is not, but one step may at most double the replicas
  (or reach 4, whichever is more).
  Worked example: 3 pods at 200% of a 50% target propose 12; the step limit is max(2 x 3, 4) = 6, so 6 now and
  the rest at the next sync (15 s later). When the load stops, the proposals drop to 0 but the highest of the
  last 300 s (12 and above) keeps the count; five minutes after the last high proposal it falls to minReplicas.
- With `spec.behavior`: each direction has a stabilization window (scale-up 0 s, scale-down 300 s by default)
  and policies limiting the change per period: `Pods` (at most N pods per period) and `Percent` (at most N% of
  the replicas at the period's start), combined by `selectPolicy` (Max: the policy allowing the largest change;
  Min: the smallest; Disabled: no change in that direction).
  Worked example (the defaults): scale-up policies 4 pods or 100% per 15 s, Max -> from 3 replicas at most
  max(3 + 4, 3 x 2) = 7 within 15 s; scale-down 100% per 15 s -> all the way to minReplicas at once (after
  the 300 s window).

Each function returns what the controller stores and the (reason, message) its conditions show. Must not: read
the clock or the store (times come in as `now`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DOWNSCALE_STABILIZATION = 300.0  # --horizontal-pod-autoscaler-downscale-stabilization
SCALE_UP_LIMIT_FACTOR = 2.0
SCALE_UP_LIMIT_MINIMUM = 4.0

WITHIN_RANGE = ("DesiredWithinRange", "the desired count is within the acceptable range")
READY = ("ReadyForNewScale", "recommended size matches current size")
DOWN_STABILIZED = ("ScaleDownStabilized",
                   "recent recommendations were higher than current one, applying the highest recent recommendation")
UP_STABILIZED = ("ScaleUpStabilized",
                 "recent recommendations were lower than current one, applying the lowest recent recommendation")
UP_LIMIT = ("ScaleUpLimit", "the desired replica count is increasing faster than the maximum scale rate")
DOWN_LIMIT = ("ScaleDownLimit", "the desired replica count is decreasing faster than the maximum scale rate")
TOO_MANY = ("TooManyReplicas", "the desired replica count is more than the maximum replica count")
TOO_FEW = ("TooFewReplicas", "the desired replica count is less than the minimum replica count")


@dataclass
class Recommendation:
    replicas: int
    at: float


@dataclass
class ScaleEvent:
    change: int
    at: float
    outdated: bool = False


# --- without spec.behavior ----------------------------------------------------------------------------------

def stabilize(recommendations: list[Recommendation], proposed: int, now: float,
              window: float = DOWNSCALE_STABILIZATION) -> int:
    """`stabilizeRecommendation`: the highest recommendation within the window (the proposal included); records
    the proposal, reusing the slot of one that fell out of the window."""
    highest = proposed
    old = None
    for i, rec in enumerate(recommendations):
        if rec.at < now - window:
            old = i
        elif rec.replicas > highest:
            highest = rec.replicas
    if old is not None:
        recommendations[old] = Recommendation(proposed, now)
    else:
        recommendations.append(Recommendation(proposed, now))
    return highest


def limit_legacy(current: int, desired: int, minimum: int, maximum: int) -> tuple[int, tuple[str, str]]:
    """`convertDesiredReplicasWithRules`: min/max replicas and the doubling limit on one step up."""
    scale_up_limit = int(max(SCALE_UP_LIMIT_FACTOR * current, SCALE_UP_LIMIT_MINIMUM))
    if maximum > scale_up_limit:
        highest, limiting = scale_up_limit, UP_LIMIT
    else:
        highest, limiting = maximum, TOO_MANY
    if desired < minimum:
        return minimum, TOO_FEW
    if desired > highest:
        return highest, limiting
    return desired, WITHIN_RANGE


# --- with spec.behavior -------------------------------------------------------------------------------------

def stabilize_with_behaviors(recommendations: list[Recommendation], current: int, proposed: int, now: float, *,
                             up_window: float, down_window: float) -> tuple[int, tuple[str, str]]:
    """`stabilizeRecommendationWithBehaviors`: the proposal kept between the lowest recommendation of the
    scale-up window and the highest of the scale-down window; records the proposal."""
    up, down = proposed, proposed
    old = None
    for i, rec in enumerate(recommendations):
        if rec.at > now - up_window:
            up = min(rec.replicas, up)
        if rec.at > now - down_window:
            down = max(rec.replicas, down)
        if rec.at < now - up_window and rec.at < now - down_window:
            old = i
    result = max(current, up)
    result = min(result, down)
    if old is not None:
        recommendations[old] = Recommendation(proposed, now)
    else:
        recommendations.append(Recommendation(proposed, now))
    return result, (UP_STABILIZED if proposed >= current else DOWN_STABILIZED)


def changed_within(period: float, events: Sequence[ScaleEvent], now: float) -> int:
    """Replicas added (or removed) by the events of the last `period` seconds."""
    return sum(e.change for e in events if e.at > now - period)


def scale_up_limit(current: int, ups: Sequence[ScaleEvent], downs: Sequence[ScaleEvent], rules: Mapping[str, Any],
                   now: float) -> int:
    """`calculateScaleUpLimitWithScalingRules`: the most replicas the scale-up policies allow now."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    result = None
    for policy in rules.get("policies") or ():
        period = float(policy.get("periodSeconds") or 0)
        start = current - changed_within(period, ups, now) + changed_within(period, downs, now)
        value = int(policy.get("value") or 0)
        proposed = start + value if policy.get("type") == "Pods" else math.ceil(start * (1 + value / 100))
        result = proposed if result is None else (min(result, proposed) if select == "Min" else max(result, proposed))
    return current if result is None else result


def scale_down_limit(current: int, ups: Sequence[ScaleEvent], downs: Sequence[ScaleEvent], rules: Mapping[str, Any],
                     now: float) -> int:
    """`calculateScaleDownLimitWithBehaviors`: the fewest replicas the scale-down policies allow now.

    Worked example: 10 replicas, policies 1 pod per 60 s and 10% per 60 s, selectPolicy Max (the biggest
    change): 10 - 1 = 9 and int(10 x 0.9) = 9 -> 9."""
    select = rules.get("selectPolicy") or "Max"
    if select == "Disabled":
        return current
    result = None
    for policy in rules.get("policies") or ():
        period = float(policy.get("periodSeconds") or 0)
        start = current - changed_within(period, ups, now) + changed_within(period, downs, now)
        value = int(policy.get("value") or 0)
        proposed = start - value if policy.get("type") == "Pods" else int(start * (1 - value / 100))
        result = proposed if result is None else (max(result, proposed) if select == "Min" else min(result, proposed))
    return current if result is None else result


def limit_with_behaviors(current: int, desired: int, minimum: int, maximum: int, behavior: Mapping[str, Any],
                         ups: Sequence[ScaleEvent], downs: Sequence[ScaleEvent],
                         now: float) -> tuple[int, tuple[str, str]]:
    """`convertDesiredReplicasWithBehaviorRate`: min/max replicas and the policies' rate limits."""
    if desired > current:
        limit = max(scale_up_limit(current, ups, downs, behavior.get("scaleUp") or {}, now), current)
        highest, limiting = (limit, UP_LIMIT) if maximum > limit else (maximum, TOO_MANY)
        if desired > highest:
            return highest, limiting
    elif desired < current:
        limit = min(scale_down_limit(current, ups, downs, behavior.get("scaleDown") or {}, now), current)
        lowest, limiting = (limit, DOWN_LIMIT) if minimum < limit else (minimum, TOO_FEW)
        if desired < lowest:
            return lowest, limiting
    return desired, WITHIN_RANGE


def record_scale_event(events: list[ScaleEvent], change: int, longest_period: float, now: float) -> None:
    """`storeScaleEvent`: events older than the longest policy period are outdated; the new one takes the slot
    of the last outdated event, if any."""
    old = None
    for i, e in enumerate(events):
        if e.at < now - longest_period:
            e.outdated = True
        if e.outdated:
            old = i
    if old is not None:
        events[old] = ScaleEvent(change, now)
    else:
        events.append(ScaleEvent(change, now))


def longest_period(rules: Mapping[str, Any] | None) -> float:
    return float(max((p.get("periodSeconds") or 0 for p in (rules or {}).get("policies") or ()), default=0))
