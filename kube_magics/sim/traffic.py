"""The traffic model: requests to Services and sustained load, what serves them, and what they cost
(`rt.services["traffic"]`).

- `send(target, count)`: `count` requests now. kube-proxy's iptables rules pick an endpoint for each connection
  uniformly at random (here from `rt.rng_traffic`); with `sessionAffinity: ClientIP` every request of one client
  goes to one endpoint. A request succeeds when the pod's container listens on the port by then (the behaviour
  model knows which ports a program opens and when); else it fails, as does every request when the Service has no
  endpoint (connection refused). Each served request is an access line in the serving container's log. A burst
  is over at once: it adds no sustained CPU (a sustained load does).
- `set_load(target, rps)`: that many requests a second from now on, until set to 0. The rate is shared evenly by
  the endpoints that can answer (the average of kube-proxy's random choice), and shared again whenever they
  change: new pods take their part, deleted or unready pods stop getting any (the `kube-proxy` controller calls
  `refresh`). Served requests are access lines (a rate record: accesslog.py) and CPU: each request costs the pod
  that serves it CPU time, by default `DEFAULT_CPU_PER_REQUEST` = 1 millicore-second (so 200 requests a second
  are 200m of CPU), or what the image's label or the pod's annotation `kube-magics.io/cpu-per-request` says
  (a CPU quantity: "2m", "0.5m", "1"). The sum over all loads goes to the metrics API as the pod's "traffic"
  demand (`rt.services["metrics"].set_demand`, when the cluster has one), 0 when it stops.

Must not: write objects (the load is not in the API), or read the wall clock.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kube_magics import quantity
from kube_magics.errors import KubeMagicsError
from kube_magics.sim.accesslog import access_log_of, request_for
from kube_magics.sim.registry import registry_of
from kube_magics.sim.routes import Endpoint, Listener, Route, listener, route

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
CPU_ANNOTATION = "kube-magics.io/cpu-per-request"
DEFAULT_CPU_PER_REQUEST = 1.0  # millicore-seconds of CPU per request served
CPU_PER_REQUEST = {"web": 1.0, "app": 1.0, "runtime": 1.0, "db": 2.0}  # by the image's kind of program
SEND_AGENT = "curl/8.11.1"
LOAD_AGENT = "hey/0.0.1"
LoadKey = tuple[str, str]  # (client namespace, target)


@dataclass
class Share:
    """What one pod serves of a load."""

    namespace: str
    pod: str
    rate: float
    listener: Listener | None
    cpu_per_request: float


@dataclass
class Load:
    namespace: str
    target: str
    rps: float
    client: str | None = None
    path: str | None = None
    service: tuple[str, str] | None = None
    shares: dict[str, Share] = field(default_factory=dict)  # by pod uid
    failed: float = 0.0
    reason: str = ""
    affinity_uid: str = ""

    def summary(self) -> Obj:
        served = {s.pod: round(s.rate, 3) for s in sorted(self.shares.values(), key=lambda s: s.pod)}
        cpu = {s.pod: round(s.rate * s.cpu_per_request, 3)
               for s in sorted(self.shares.values(), key=lambda s: s.pod)}
        return {"target": self.target, "namespace": self.namespace, "rps": self.rps, "served": served,
                "failed": round(self.failed, 3), "cpu_millicores": cpu}


class Traffic:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.loads: dict[LoadKey, Load] = {}
        self.demand: dict[str, float] = {}  # pod uid -> millicores last reported to the metrics API
        self.access = access_log_of(rt.services)

    # --- requests now --------------------------------------------------------------------------------------------

    def send(self, target: str, count: int, *, namespace: str = "default", client: str | None = None,
             path: str | None = None) -> Obj:
        """`count` requests now: `{"served": {pod: n, ...}, "failed": n}` (every endpoint listed, by name)."""
        if count < 0:
            raise KubeMagicsError(f"count must not be negative, got {count}")
        r = route(self.rt, target, namespace=namespace, client=client, path=path)
        served = dict.fromkeys(sorted({e.name for e in r.endpoints}), 0)
        if not r.endpoints:
            return {"served": served, "failed": count}
        rng = self.rt.rng_traffic
        if r.affinity:
            picks = Counter({rng.randrange(len(r.endpoints)): count})
        else:
            picks = Counter(rng.choices(range(len(r.endpoints)), k=count))
        failed = 0
        now = self.rt.now
        for index in sorted(picks):
            e, n = r.endpoints[index], picks[index]
            state, lst = self._listening(e, now)
            if state != "serving":
                failed += n
                continue
            served[e.name] += n
            if lst is not None:
                self.access.burst(e.uid, lst.instance, self._request(r, lst, SEND_AGENT), now, n)
        return {"served": served, "failed": failed}

    # --- sustained load ------------------------------------------------------------------------------------------

    def set_load(self, target: str, rps: float, *, namespace: str = "default", client: str | None = None,
                 path: str | None = None) -> Obj:
        """Keep `rps` requests a second going to `target` (0 stops it); returns how it is spread."""
        if rps < 0:
            raise KubeMagicsError(f"rps must not be negative, got {rps}")
        key = (namespace, target)
        if rps == 0:
            load = self.loads.pop(key, None)
            if load is not None:
                self._apply_shares(load, {})
                self._report_demand()
            return Load(namespace, target, 0).summary()
        route(self.rt, target, namespace=namespace, client=client, path=path)  # unknown targets fail here
        load = self.loads.get(key) or Load(namespace, target, rps, client, path)
        load.rps, load.client, load.path = rps, client, path
        self.loads[key] = load
        wake = self.refresh(key)
        proxy = self.rt.services.get("kube-proxy")
        if wake is not None and proxy is not None:  # a pod that starts to listen soon takes its part then
            proxy.look_again(key, wake)
        return load.summary()

    def loads_on(self, namespace: str, service: str) -> list[LoadKey]:
        """The loads a change to this Service (or its endpoints) may move; loads that reach no Service too."""
        return [k for k, load in self.loads.items() if load.service in (None, (namespace, service))]

    def refresh(self, key: LoadKey) -> float | None:
        """Spread a load again over what can serve it now; returns when a starting container will serve (the
        caller looks again then), if one will."""
        load = self.loads.get(key)
        if load is None:
            return None
        now = self.rt.now
        try:
            r = route(self.rt, load.target, namespace=load.namespace, client=load.client, path=load.path)
        except KubeMagicsError as exc:
            r = Route(load.target, load.namespace, reason=str(exc))
        meta = (r.service or {}).get("metadata") or {}
        load.service = (meta["namespace"], meta["name"]) if meta else None
        endpoints = self._affine(load, r)
        shares: dict[str, Share] = {}
        load.failed = 0.0 if endpoints else load.rps
        load.reason = r.reason
        wake: float | None = None
        for e in endpoints:
            rate = load.rps / len(endpoints)
            state, lst = self._listening(e, now)
            if state == "serving":
                shares[e.uid or e.ip] = Share(e.namespace, e.name, rate, lst, self._cpu_per_request(e, lst))
                continue
            load.failed += rate
            if state == "starting" and lst is not None:
                wake = lst.serving_at if wake is None else min(wake, lst.serving_at)
        self._apply_shares(load, shares, r)
        self._report_demand()
        return wake

    def forget_pod(self, uid: str) -> None:
        self.access.forget_pod(uid)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _affine(self, load: Load, r: Route) -> list[Endpoint]:
        """With ClientIP affinity one client's requests all go to one endpoint (kept while it lasts)."""
        if not r.affinity or not r.endpoints:
            return r.endpoints
        kept = [e for e in r.endpoints if e.uid == load.affinity_uid]
        if not kept:
            kept = [r.endpoints[self.rt.rng_traffic.randrange(len(r.endpoints))]]
            load.affinity_uid = kept[0].uid
        return kept

    def _listening(self, e: Endpoint, now: float) -> tuple[str, Listener | None]:
        """"serving", "starting" (listens soon) or "refused"; without a kubelet (a stand-in marks pods ready) every
        endpoint serves."""
        if self.rt.services.get("kubelet") is None or not e.pod:
            return "serving", None  # no kubelet to ask, or not a pod (the API server's own address)
        lst = listener(self.rt, e)
        if lst is None:
            return "refused", None
        return ("serving" if lst.serving_at <= now + 1e-9 else "starting"), lst

    def _request(self, r: Route, lst: Listener, agent: str) -> Any:
        paths = lst.process.http_paths
        ok = paths is None or r.path in paths
        return request_for(lst.process.command, lst.image, client=r.client, path=r.path, ok=ok, agent=agent)

    def _apply_shares(self, load: Load, shares: dict[str, Share], r: Route | None = None) -> None:
        """Close the access-log records of what changed, open new ones."""
        now = self.rt.now
        for uid, old in load.shares.items():
            if old.listener is not None and _changed(old, shares.get(uid)):
                self.access.stop(old.listener.instance, now)
        for uid, new in shares.items():
            if r is not None and new.listener is not None and _changed(new, load.shares.get(uid)):
                self.access.start(uid, new.listener.instance, self._request(r, new.listener, LOAD_AGENT), now,
                                  new.rate)
        load.shares = shares

    def _cpu_per_request(self, e: Endpoint, lst: Listener | None) -> float:
        if not e.pod:
            return 0.0  # not a pod: no CPU the metrics API would see
        pod = self.rt.store.get("Pod", e.namespace, e.pod)
        value = ((pod or {}).get("metadata", {}).get("annotations") or {}).get(CPU_ANNOTATION)
        image = registry_of(self.rt.services).resolve(lst.image) if lst is not None else None
        if value is None and image is not None:
            value = (image.config.get("Labels") or {}).get(CPU_ANNOTATION)
        if value is not None:
            try:
                return float(quantity.parse(str(value))[0] * 1000)
            except (KubeMagicsError, ValueError):
                pass
        return CPU_PER_REQUEST.get(image.behaviour, DEFAULT_CPU_PER_REQUEST) if image else DEFAULT_CPU_PER_REQUEST

    def _report_demand(self) -> None:
        """Each pod's CPU demand from all loads, to the metrics API (only what changed; 0 for pods left out)."""
        totals: dict[str, float] = {}
        for load in self.loads.values():
            for uid, share in load.shares.items():
                totals[uid] = totals.get(uid, 0.0) + share.rate * share.cpu_per_request
        metrics = self.rt.services.get("metrics")
        for uid in sorted(set(totals) | set(self.demand)):
            value = round(totals.get(uid, 0.0), 6)
            if self.demand.get(uid, 0.0) == value:
                continue
            if metrics is not None:
                metrics.set_demand(uid, "traffic", value)
            if value:
                self.demand[uid] = value
            else:
                self.demand.pop(uid, None)


def _changed(a: Share, b: Share | None) -> bool:
    """Whether a pod's part of a load moved: another rate, or another container run serving it."""
    if b is None or a.rate != b.rate:
        return True
    return (a.listener.instance if a.listener else None) != (b.listener.instance if b.listener else None)


def traffic_of(rt: Runtime) -> Traffic:
    traffic = rt.services.get("traffic")
    if traffic is None:
        traffic = rt.services["traffic"] = Traffic(rt)
    return traffic
