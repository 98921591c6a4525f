"""The node lifecycle controller's zones: their health states and the rate-limited queues of nodes waiting for a
NoExecute taint.

Kubernetes adds NoExecute taints (which evict pods) at a limited rate per zone (`topology.kubernetes.io/zone`,
one zone "" for nodes without the label): a token bucket of `--node-eviction-rate` 0.1 per second with a burst
of 1, so a second node that fails at the same moment is tainted 10 s after the first. After every monitor pass
the controller looks at each zone's Ready conditions (`ComputeZoneState`):

- FullDisruption: no node of the zone is Ready (and some are not);
- PartialDisruption: more than 2 nodes not Ready and at least `--unhealthy-zone-threshold` 0.55 of them;
- Normal: otherwise.

Normal and FullDisruption zones taint at the normal rate; a PartialDisruption zone at
`--secondary-node-eviction-rate` 0.01 per second if it has more than `--large-cluster-size-threshold` 50 nodes,
and not at all otherwise. When every zone is fully disrupted the controller assumes the problem is its own
(the control plane cannot reach any node): it removes the NoExecute taints everywhere and stops tainting until a
node is Ready again.

Must not: write to the store (the controller does that with what these classes decide).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

EVICTION_QPS = 0.1
SECONDARY_EVICTION_QPS = 0.01
LARGE_CLUSTER = 50
UNHEALTHY_THRESHOLD = 0.55
TAINT_PASS = 0.1  # doNoExecuteTaintingPass runs every NodeEvictionPeriod (100 ms)

INITIAL, NORMAL, PARTIAL, FULL = "Initial", "Normal", "PartialDisruption", "FullDisruption"


def zone_of(node: Mapping[str, Any]) -> str:
    """`GetZoneKey`: region and zone from the topology labels (or their beta names), "" without them."""
    labels = node["metadata"].get("labels") or {}
    zone = labels.get("topology.kubernetes.io/zone", labels.get("failure-domain.beta.kubernetes.io/zone", ""))
    region = labels.get("topology.kubernetes.io/region", labels.get("failure-domain.beta.kubernetes.io/region", ""))
    if not region and not zone:
        return ""
    return f"{region}:\x00:{zone}"


def zone_state(ready: list[str | None]) -> str:
    """`ComputeZoneState` over the zone's Ready statuses (None: no Ready condition)."""
    healthy = sum(1 for s in ready if s == "True")
    unhealthy = len(ready) - healthy
    if healthy == 0 and unhealthy > 0:
        return FULL
    if unhealthy > 2 and unhealthy / len(ready) >= UNHEALTHY_THRESHOLD:
        return PARTIAL
    return NORMAL


@dataclass
class Tainter:
    """One zone's `RateLimitedTimedQueue`: nodes in the order they were marked, and its token bucket."""

    qps: float
    tokens: float
    last: float
    pending: dict[str, None] = field(default_factory=dict)  # an insertion-ordered set of node names

    def try_accept(self, now: float) -> bool:
        if self.qps <= 0:
            return False
        self.tokens = min(1.0, self.tokens + (now - self.last) * self.qps)
        self.last = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False

    def next_try(self, now: float) -> float | None:
        """When the next tainting pass can take a token (on the 100 ms grid of the passes), None if never."""
        if self.qps <= 0:
            return None
        wait = max(0.0, (1.0 - self.tokens) / self.qps)
        return now + max(TAINT_PASS, math.ceil(round(wait / TAINT_PASS, 6)) * TAINT_PASS)

    def swap(self, qps: float, now: float) -> None:
        """`SwapLimiter`: a new bucket at the new rate, empty if the old one had no token to give."""
        if qps == self.qps:
            return
        had_token = self.try_accept(now) if self.qps > 0 else False
        self.qps, self.last = qps, now
        self.tokens = 1.0 if had_token or qps <= 0 else 0.0


class Zones:
    """Zone states and tainters, as `handleDisruption` keeps them."""

    def __init__(self) -> None:
        self.states: dict[str, str] = {}
        self.tainters: dict[str, Tainter] = {}

    def tainter(self, zone: str, now: float) -> Tainter:
        t = self.tainters.get(zone)
        if t is None:
            t = self.tainters[zone] = Tainter(EVICTION_QPS, 1.0, now)
        return t

    def handle_disruption(self, ready_by_zone: dict[str, list[str | None]], now: float) -> str | None:
        """Update states and rates from this pass's Ready statuses. Returns "enter" when every zone has just
        become fully disrupted (the caller removes all NoExecute taints), "exit" when that ends (the caller
        restarts its grace periods), else None."""
        new = {zone: zone_state(ready) for zone, ready in ready_by_zone.items()}
        for zone in new:
            self.states.setdefault(zone, INITIAL)
        for zone in [z for z in self.states if z not in new]:
            del self.states[zone]
        all_are = all(s == FULL for s in new.values())
        all_were = all(s == FULL for s in self.states.values())
        if all_are and not all_were:
            for zone in self.states:
                self.tainter(zone, now).swap(0.0, now)
                self.states[zone] = FULL
            return "enter"
        changed = [z for z, s in self.states.items() if s != new[z] or (all_were and not all_are)]
        for zone in changed:
            self.tainter(zone, now).swap(self._qps(new[zone], len(ready_by_zone[zone])), now)
            self.states[zone] = new[zone]
        return "exit" if all_were and not all_are and self.states else None

    @staticmethod
    def _qps(state: str, size: int) -> float:
        if state == PARTIAL:
            return SECONDARY_EVICTION_QPS if size > LARGE_CLUSTER else 0.0
        return EVICTION_QPS
