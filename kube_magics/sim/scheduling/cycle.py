"""One scheduling cycle: find feasible nodes, score them, pick one (`schedulePod`).

As kube-scheduler does: filters run on nodes from where the last cycle stopped, until enough feasible nodes are
found (`percentageOfNodesToScore`, adaptive: 50% - nodes/125, at least 5%, at least 100 nodes); only those are
scored; the highest total wins, and ties go to the first in search order (stable, where the scheduler picks at
random). Filters that depend only on the node object are evaluated once per distinct pod "shape" (selector,
affinity, tolerations) and node generation, over classes of identical nodes; resource fit and all scores are
array operations over the candidate nodes, so a decision costs a few dozen numpy calls whatever the cluster
size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from kube_magics.images import normalise
from kube_magics.sim.scheduling import filters, scores
from kube_magics.sim.scheduling.cache import SchedulerCache
from kube_magics.sim.scheduling.messages import NO_VICTIMS, NOT_HELPFUL, fit_error
from kube_magics.sim.scheduling.podinfo import PodInfo

MIN_FEASIBLE = 100
MIN_PERCENT = 5


def nodes_to_find(total: int) -> int:
    """`numFeasibleNodesToFind` with the adaptive percentage (percentageOfNodesToScore unset)."""
    if total < MIN_FEASIBLE:
        return total
    percent = max(MIN_PERCENT, 50 - total // 125)
    return max(MIN_FEASIBLE, total * percent // 100)


@dataclass
class Static:
    generation: int
    codes: np.ndarray  # 0: passes; i: reasons[i - 1]
    reasons: list[tuple[str, bool]]
    taint: np.ndarray
    affinity: np.ndarray


@dataclass
class Decision:
    node: str | None
    message: str = ""
    rejected_by: tuple[str, ...] = ()


class Algorithm:
    def __init__(self, cache: SchedulerCache) -> None:
        self.cache = cache
        self.next_start = 0
        self._static: dict[tuple[Any, ...], Static] = {}
        self._normalised: dict[str, str] = {}  # image references as written -> normalised

    def schedule(self, pod: PodInfo) -> Decision:
        cache = self.cache
        cache.rebuild()
        total = cache.size
        if total == 0:
            return Decision(None, "no nodes available to schedule pods")
        names = pod.only_node_names()
        if names is not None:
            idx = np.array([cache.index[n] for n in dict.fromkeys(names) if n in cache.index], dtype=np.int64)
            codes, static = self._codes_for(pod, idx), None
        else:
            static = self._static_for(pod)
            window = self._search(pod, static, total)
            if window is None:
                return self._failure(pod, np.arange(total), static.codes, static)
            return Decision(cache.names[int(window[self._best(pod, window, static)])])
        feasible = (codes == 0) & self._fits(pod, idx)
        if not feasible.any():
            return self._failure(pod, idx, codes, static)
        window = self._window(idx, feasible, total)
        return Decision(cache.names[int(window[self._best(pod, window, static)])])

    # --- filtering -----------------------------------------------------------------------------------------------

    def _static_for(self, pod: PodInfo) -> Static:
        st = self._static.get(pod.signature)
        if st is not None and st.generation == self.cache.generation:
            return st
        nodes = list(self.cache.node_objs.values())
        per_node = "kubernetes.io/hostname" in repr(pod.signature) or "metadata.name" in repr(pod.signature)
        verdicts: dict[Any, tuple[Any, int, int]] = {}
        reasons: list[tuple[str, bool]] = []
        codes = np.zeros(len(nodes), dtype=np.int64)
        taint = np.zeros(len(nodes), dtype=np.int64)
        affinity = np.zeros(len(nodes), dtype=np.int64)
        for i, node in enumerate(nodes):
            key: Any = i if per_node else _node_class(node)
            got = verdicts.get(key)
            if got is None:
                got = verdicts[key] = (filters.static_verdict(pod, node), filters.taint_prefer_count(pod, node),
                                       filters.preferred_affinity(pod, node))
            verdict, taint[i], affinity[i] = got
            if verdict is not None:
                if verdict not in reasons:
                    reasons.append(verdict)
                codes[i] = reasons.index(verdict) + 1
        st = Static(self.cache.generation, codes, reasons, taint, affinity)
        if len(self._static) > 1000:
            self._static.clear()
        self._static[pod.signature] = st
        return st

    def _codes_for(self, pod: PodInfo, idx: np.ndarray) -> np.ndarray:
        objs, names = self.cache.node_objs, self.cache.names
        self._small_reasons: list[tuple[str, bool]] = []
        codes = np.zeros(len(idx), dtype=np.int64)
        for j, i in enumerate(idx):
            verdict = filters.static_verdict(pod, objs[names[int(i)]])
            if verdict is not None:
                if verdict not in self._small_reasons:
                    self._small_reasons.append(verdict)
                codes[j] = self._small_reasons.index(verdict) + 1
        return codes

    def _fits(self, pod: PodInfo, sel: np.ndarray | slice) -> np.ndarray:
        """NodeResourcesFit's verdict for the nodes `sel` picks (an index array, or a slice: a view)."""
        cache = self.cache
        ok = cache.pod_counts[sel] < cache.allowed_pods[sel]
        for name, amount in pod.requests.items():
            if amount <= 0:
                continue
            alloc = cache.alloc.get(name)
            if alloc is None:
                return np.zeros(len(ok), dtype=bool)
            ok &= cache.used[name][sel] <= alloc[sel] - amount
        return ok

    def _search(self, pod: PodInfo, static: Static, total: int) -> np.ndarray | None:
        """Feasible nodes in search order from `next_start`, until as many as the scheduler scores are found;
        moves `next_start` on by the nodes examined. Nodes are examined in runs of contiguous rows, so a search
        touches only about twice as many nodes as it keeps, however large the cluster."""
        want = nodes_to_find(total)
        start = self.next_start % total
        parts: list[np.ndarray] = []
        have = examined = 0
        step = max(2 * want, 256)
        while examined < total:
            lo = (start + examined) % total
            hi = min(total, lo + min(step, total - examined))
            ok = (static.codes[lo:hi] == 0) & self._fits(pod, slice(lo, hi))
            pos = ok.nonzero()[0]
            if have + len(pos) >= want:
                take = want - have
                parts.append(pos[:take] + lo)
                self.next_start = (start + examined + int(pos[take - 1]) + 1) % total
                return parts[0] if len(parts) == 1 else np.concatenate(parts)
            parts.append(pos + lo)
            have += len(pos)
            examined += hi - lo
        self.next_start = start
        if not have:
            return None
        return np.concatenate(parts)

    def _window(self, idx: np.ndarray, feasible: np.ndarray, total: int) -> np.ndarray:
        """Feasible nodes in search order from `next_start`, up to the number to find; moves `next_start` on by
        the nodes examined."""
        want = nodes_to_find(total)
        n = len(idx)
        if n < total:  # narrowed by PreFilter: no sampling
            return idx[feasible]
        start = self.next_start % n
        if start + want <= n and feasible[start:start + want].all():
            # Every node from here on is feasible: the window is a plain range (a view, no copies).
            self.next_start = (start + want) % n
            return idx[start:start + want]
        rolled = np.concatenate((feasible[start:], feasible[:start]))
        found = np.cumsum(rolled)
        processed = int(np.searchsorted(found, want)) + 1 if found[-1] >= want else n
        self.next_start = (start + processed) % n
        positions = np.flatnonzero(rolled[:processed]) + start
        return idx[positions % n]

    # --- scoring -------------------------------------------------------------------------------------------------

    def _best(self, pod: PodInfo, w: np.ndarray, static: Static | None) -> int:
        cache = self.cache
        if len(w) == 1:
            return 0
        if isinstance(w, np.ndarray) and w.dtype != bool and len(w) and w[-1] - w[0] + 1 == len(w) \
                and w[0] <= w[-1]:
            w = slice(int(w[0]), int(w[-1]) + 1)  # type: ignore[assignment]  # contiguous: index by view
        alloc2 = cache.alloc2[:, w]
        total = scores.resources_fit(cache.nonzero[:, w] + pod.nonzero_column, alloc2)
        if pod.cpu or pod.memory:
            total = total + scores.balanced_allocation(cache.used["cpu"][w] + pod.cpu, alloc2[0],
                                                       cache.used["memory"][w] + pod.memory, alloc2[1])
        if static is not None:
            taint, aff = static.taint[w], static.affinity[w]
            if np.count_nonzero(taint):
                total = total + scores.WEIGHTS["TaintToleration"] * scores.normalize(taint, reverse=True)
            if np.count_nonzero(aff):
                total = total + scores.WEIGHTS["NodeAffinity"] * scores.normalize(aff)
        group = cache.spread_group(pod.namespace, pod.labels)
        if group is not None and (cache.zone_count or np.count_nonzero(group.counts[w])):
            # (With no matching pod on any candidate, every node scores the same: nothing to add.)
            total = total + scores.WEIGHTS["PodTopologySpread"] * scores.spread_normalize(self._spread(group, w))
        images = self._images(pod, w)
        if images is not None:
            total = total + scores.WEIGHTS["ImageLocality"] * images
        return int(total.argmax())

    def _spread(self, group: Any, w: np.ndarray) -> np.ndarray:
        host_skew = scores.SPREAD_DEFAULTS[0][1]
        counts = group.counts[w]
        raw = scores.spread_raw(counts, host_skew, scores.spread_weight(len(counts)))
        cache = self.cache
        if cache.zone_count:
            zone_skew = scores.SPREAD_DEFAULTS[1][1]
            zones = cache.zones[w]
            labelled = cache.zones >= 0
            per_zone = np.bincount(cache.zones[labelled], weights=group.counts[labelled],
                                   minlength=cache.zone_count)
            weight = scores.spread_weight(len(np.unique(zones)))
            zone_part = np.where(zones >= 0, per_zone[np.maximum(zones, 0)] * weight + (zone_skew - 1), 0.0)
            raw = raw + zone_part
        return raw

    def _images(self, pod: PodInfo, w: np.ndarray) -> np.ndarray | None:
        cache = self.cache
        sums = None
        for ref in pod.images:
            key = self._normalised.get(ref)
            if key is None:
                key = self._normalised[ref] = normalise(ref)
            present = cache.images.get(key)
            if present is None:
                continue
            count = int(np.add.reduce(present))
            if not count:
                continue
            part = present[w] * scores.image_score(cache.image_size.get(key, 0), count, cache.size)
            sums = part if sums is None else sums + part
        if sums is None:
            return None
        return scores.image_locality(sums, len(pod.images))

    # --- failure -------------------------------------------------------------------------------------------------

    def _failure(self, pod: PodInfo, idx: np.ndarray, codes: np.ndarray, static: Static | None) -> Decision:
        cache = self.cache
        reasons_list = static.reasons if static is not None else self._small_reasons
        reasons: Counter[str] = Counter()
        preemption: Counter[str] = Counter()
        for code, (reason, _) in enumerate(reasons_list, start=1):
            n = int((codes == code).sum())
            reasons[reason] += n
            preemption[NOT_HELPFUL] += n
        passed = codes == 0
        unresolvable = np.zeros(len(idx), dtype=bool)
        failing = np.zeros(len(idx), dtype=bool)
        used = {k: v[idx] for k, v in cache.used.items()}
        alloc = {k: v[idx] for k, v in cache.alloc.items()}
        for reason, mask, beyond in filters.resource_reasons(pod, alloc, used, cache.pod_counts[idx],
                                                             cache.allowed_pods[idx]):
            hit = mask & passed
            reasons[reason] += int(hit.sum())
            failing |= hit
            unresolvable |= hit & beyond
        preemption[NOT_HELPFUL] += int(unresolvable.sum())
        preemption[NO_VICTIMS] += int((failing & ~unresolvable).sum())
        if len(idx) < cache.size:  # PreFilter narrowed the nodes: the rest did not match the node name
            rest = cache.size - len(idx)
            reasons[filters.AFFINITY if not pod.node_name else filters.NODE_NAME] += rest
            preemption[NOT_HELPFUL] += rest
        rejected = tuple(sorted({r.split(" ", 1)[0] for r in reasons}))
        return Decision(None, fit_error(cache.size, reasons, preemption), rejected)


def _node_class(node: dict[str, Any]) -> tuple[Any, ...]:
    labels = node["metadata"].get("labels") or {}
    spec = node.get("spec") or {}
    return (tuple(sorted((k, v) for k, v in labels.items() if k != "kubernetes.io/hostname")),
            repr(spec.get("taints")), bool(spec.get("unschedulable")))
