"""The resource metrics API (metrics.k8s.io/v1beta1): what metrics-server reports for pods and nodes.

Registered as `rt.services["metrics"]` when a cluster starts (unless `SimConfig.metrics_server` is False: then
there is no metrics API, as on a fresh kind cluster, and the HPA reports what it reports there).

The model, as metrics-server and the kubelet work:
- metrics-server scrapes every kubelet every 15 s (`--metric-resolution`). A container's CPU is a cumulative
  counter, so what is reported is the average rate between the last two scrapes: the window is 15 s and the
  timestamp is the last scrape. A container younger than one scrape has no previous point; metrics-server then
  uses its start time as the first point when it started at least 10 s before the scrape (window = its age),
  and otherwise reports nothing for it yet. A pod is reported only when all its running containers are.
- A container's CPU rate at any instant = its program's idle baseline (the behaviour model, `Process.cpu`)
  + the demands placed on its pod (`set_demand(pod_uid, source, millicores)`: the traffic model calls it with
  source "traffic"; 0 removes a source), capped by the container's CPU limit (CFS throttling). A pod's demand
  goes to its serving container: the first that declares a port, else the first.
- Memory is the working set at the scrape: the behaviour model's footprint at that moment of the run.
- A node reports the sum over everything that ran on it during the window plus what the node itself uses
  (kubelet, containerd and the OS: `NODE_OVERHEAD_*`); a node younger than 10 s has no metrics yet.
- Readiness plays no part: metrics-server reports unready pods too (the HPA decides what to do with them).

Values are computed when asked, from the demand history kept per pod, so the metrics API costs nothing while
nobody reads it. Must not: write objects to the store, or read the wall clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from kube_magics import quantity
from kube_magics.selectors import Selector
from kube_magics.sim.controllers.kubelet_runtime import go_duration
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import parse_rfc3339, rfc3339

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet_state import CState, PodRuntime
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
Segments = Sequence[tuple[float, float]]  # (from this time, demand in millicores), in time order

SCRAPE_SECONDS = 15.0  # metrics-server's --metric-resolution
FRESH_MIN_SECONDS = 10.0  # freshContainerMinMetricsResolution: a first point this young is not used
HISTORY_SECONDS = 4 * SCRAPE_SECONDS  # how much demand history a window can need, with room to spare
NODE_OVERHEAD_MILLICORES = 25.0
NODE_OVERHEAD_MEMORY = 200 * 1024 * 1024
API_VERSION = "metrics.k8s.io/v1beta1"


# --- the arithmetic, as pure functions -----------------------------------------------------------------------

def last_scrape(now: float, origin: float) -> float:
    """The latest scrape at or before `now`, scrapes being every 15 s from `origin`.

    Worked example: origin 0, now 44.9 -> 30 (the scrape at 45 has not happened yet)."""
    return origin + math.floor(round((now - origin) / SCRAPE_SECONDS, 9)) * SCRAPE_SECONDS


def window_for(started: float, scrape: float) -> float | None:
    """The window metrics-server reports for a container (or node) that started at `started`, or None when it
    has no usable pair of points yet.

    Worked examples (scrape at 100): started at 60 -> 15 (the scrape at 85 saw it already); started at 88 ->
    12 (its start is the first point: 12 s is at least 10 s); started at 95 -> None (5 s is too short)."""
    age = scrape - started
    if age >= SCRAPE_SECONDS:
        return SCRAPE_SECONDS
    if age >= FRESH_MIN_SECONDS:
        return age
    return None


def average_rate(segments: Segments, start: float, end: float, *, base: float, limit: float | None) -> float:
    """The average CPU rate (millicores) over [start, end] of a container whose rate is `base` + the demand in
    force, each instant capped at `limit`.

    Worked example: base 1, limit 150, demand 0 until 10 then 200; over [0, 20]: 1 m for 10 s, then
    min(150, 201) = 150 m for 10 s -> (10 + 1500) / 20 = 75.5 m. The cap applies at each instant, not to the
    average: an hour of bursts above the limit is throttled even if the hour's mean is below it."""
    if end <= start:
        return 0.0
    total = 0.0
    for i, (at, demand) in enumerate(segments):
        until = segments[i + 1][0] if i + 1 < len(segments) else end
        lo, hi = max(at, start), min(until, end)
        if hi > lo:
            rate = base + demand
            total += (min(rate, limit) if limit is not None else rate) * (hi - lo)
    covered_from = segments[0][0] if segments else end
    if covered_from > start:  # before the first recorded change there was no demand
        rate = min(base, limit) if limit is not None else base
        total += rate * (min(covered_from, end) - start)
    return total / (end - start)


def cpu_quantity(millicores: float) -> str:
    """Nanocores, as metrics-server writes CPU: 75.5 -> `75500000n`; whole millicores come out as `75m`."""
    return quantity.canonical(f"{max(0, int(millicores * 1_000_000))}n")


def memory_quantity(nbytes: int) -> str:
    """Bytes in binary form, as metrics-server writes memory: 6291456 -> `6Mi`, 1000 -> `1000`."""
    return quantity.format_bytes(max(0, int(nbytes)))


# --- the service ----------------------------------------------------------------------------------------------

class MetricsServer:
    """`rt.services["metrics"]`: demands in, PodMetrics and NodeMetrics out."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.origin = rt.clock.now  # metrics-server's first scrape
        self._demands: dict[str, dict[str, float]] = {}  # pod uid -> source -> millicores
        self._history: dict[str, list[tuple[float, float]]] = {}  # pod uid -> (since, total demand)
        rt.services["metrics"] = self
        rt.store.subscribe(self._forget_deleted, ["Pod"], types=("DELETED",))

    # --- demand ---------------------------------------------------------------------------------------------

    def set_demand(self, pod_uid: str, source: str, cpu_millicores: float) -> None:
        """A sustained CPU demand on a pod from a named source ("traffic", ...), from now on; 0 removes it."""
        sources = self._demands.setdefault(pod_uid, {})
        if cpu_millicores > 0:
            sources[source] = float(cpu_millicores)
        else:
            sources.pop(source, None)
        total = sum(sources[k] for k in sorted(sources))
        if not sources:
            del self._demands[pod_uid]
        now = self.rt.clock.now
        history = self._history.setdefault(pod_uid, [])
        if history and history[-1][0] == now:
            history.pop()
        if not history or history[-1][1] != total:
            history.append((now, total))
        _prune(history, now - HISTORY_SECONDS)
        if not history or (len(history) == 1 and history[0][1] == 0.0):
            self._history.pop(pod_uid, None)

    def demand(self, pod_uid: str) -> float:
        """The pod's current total demand in millicores (all sources)."""
        return sum((self._demands.get(pod_uid) or {}).values())

    def _forget_deleted(self, event: WatchEvent) -> None:
        if event.type == "DELETED":
            uid = event.object["metadata"].get("uid", "")
            self._demands.pop(uid, None)
            self._history.pop(uid, None)

    # --- the API --------------------------------------------------------------------------------------------

    def pod_metrics(self, namespace: str | None = None, selector: Selector | None = None) -> list[Obj]:
        """PodMetrics of the pods that have metrics, sorted by namespace and name (`namespace=None`: all)."""
        scrape = last_scrape(self.rt.clock.now, self.origin)
        out = []
        for prt in self._runtimes():
            if namespace is not None and prt.namespace != namespace:
                continue
            pod = self.rt.store.get("Pod", prt.namespace, prt.name)
            if pod is None or pod["metadata"].get("uid") != prt.uid:
                continue
            if selector is not None and not selector.matches(pod["metadata"].get("labels")):
                continue
            item = self._pod_item(prt, pod, scrape)
            if item is not None:
                out.append(item)
        out.sort(key=lambda m: (m["metadata"]["namespace"], m["metadata"]["name"]))
        return out

    def node_metrics(self, selector: Selector | None = None) -> list[Obj]:
        """NodeMetrics of the nodes that have metrics, sorted by name."""
        scrape = last_scrape(self.rt.clock.now, self.origin)
        on_node: dict[str, list[PodRuntime]] = {}
        for prt in self._runtimes():
            on_node.setdefault(prt.node, []).append(prt)
        out = []
        for node in self.rt.store.list("Node"):
            if selector is not None and not selector.matches(node["metadata"].get("labels")):
                continue
            item = self._node_item(node, on_node.get(node["metadata"]["name"], []), scrape)
            if item is not None:
                out.append(item)
        return out

    # --- helpers --------------------------------------------------------------------------------------------

    def _runtimes(self) -> Iterable[PodRuntime]:
        kubelet = self.rt.services.get("kubelet")
        if kubelet is None:
            return ()
        return [kubelet.pods[k] for k in sorted(kubelet.pods)]

    def _pod_item(self, prt: PodRuntime, pod: Obj, scrape: float) -> Obj | None:
        serving = _serving_container(prt)
        containers = []
        window = None
        for c in prt.mains:
            inst = c.current
            if inst is None or inst.started > scrape or (inst.finished is not None and inst.finished <= scrape):
                continue
            w = window_for(inst.started, scrape)
            if w is None:
                return None  # one running container without metrics yet: the pod has none
            window = w if window is None else min(window, w)
            cpu = self._container_rate(prt, c, scrape - w, scrape, serving=c is serving)
            memory = inst.process.memory_at(scrape - inst.started)
            containers.append({"name": c.name, "usage": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)}})
        if not containers or window is None:
            return None
        meta = pod["metadata"]
        return {"apiVersion": API_VERSION, "kind": "PodMetrics",
                "metadata": {"creationTimestamp": rfc3339(self.rt.clock.now), "labels": dict(meta.get("labels") or {}),
                             "name": meta["name"], "namespace": meta["namespace"]},
                "timestamp": rfc3339(scrape), "window": go_duration(window), "containers": containers}

    def _node_item(self, node: Obj, pods: list[PodRuntime], scrape: float) -> Obj | None:
        meta = node["metadata"]
        window = window_for(parse_rfc3339(meta["creationTimestamp"]), scrape)
        if window is None:
            return None
        cpu, memory = NODE_OVERHEAD_MILLICORES, NODE_OVERHEAD_MEMORY
        for prt in pods:
            serving = _serving_container(prt)
            for c in prt.containers:
                inst = c.current
                if inst is None or inst.started >= scrape:
                    continue
                end = scrape if inst.finished is None else min(scrape, inst.finished)
                start = max(inst.started, scrape - window)
                if end <= start:
                    continue
                cpu += self._container_rate(prt, c, start, end, serving=c is serving) * (end - start) / window
                if inst.finished is None or inst.finished > scrape:
                    memory += inst.process.memory_at(scrape - inst.started)
        return {"apiVersion": API_VERSION, "kind": "NodeMetrics",
                "metadata": {"creationTimestamp": rfc3339(self.rt.clock.now), "labels": dict(meta.get("labels") or {}),
                             "name": meta["name"]},
                "timestamp": rfc3339(scrape), "window": go_duration(window),
                "usage": {"cpu": cpu_quantity(cpu), "memory": memory_quantity(memory)}}

    def _container_rate(self, prt: PodRuntime, c: CState, start: float, end: float, *, serving: bool) -> float:
        inst = c.current
        assert inst is not None
        segments = self._history.get(prt.uid, ()) if serving else ()
        return average_rate(segments, start, end, base=inst.process.cpu, limit=_cpu_limit(c.spec))


def _prune(history: list[tuple[float, float]], cutoff: float) -> None:
    """Drop changes older than `cutoff`, keeping the one still in force then."""
    keep_from = 0
    for i, (at, _) in enumerate(history):
        if at <= cutoff:
            keep_from = i
    del history[:keep_from]


def _serving_container(prt: PodRuntime) -> CState | None:
    """Where requests land: the first container that declares a port, else the first container."""
    for c in prt.mains:
        if c.spec.get("ports"):
            return c
    return prt.mains[0] if prt.mains else None


def _cpu_limit(container: Obj) -> float | None:
    limit = ((container.get("resources") or {}).get("limits") or {}).get("cpu")
    return float(quantity.milli(limit)) if limit is not None else None


def ensure_metrics_server(rt: Runtime) -> MetricsServer | None:
    """Start the metrics API for a new cluster, unless the cluster is configured without one."""
    if not getattr(rt.config, "metrics_server", True):
        return None
    existing = rt.services.get("metrics")
    return existing if isinstance(existing, MetricsServer) else MetricsServer(rt)
