"""SimCluster verbs: Traffic: requests to Services and sustained load, from inside the cluster or outside, and
the cluster's DNS names.

The model is `kube_magics.sim.traffic` (how requests spread and what they cost), `routes` (targets and
endpoints) and `dns` (names); see their docstrings for the target forms and the rules.
"""

from __future__ import annotations

import builtins
from typing import TYPE_CHECKING, Any

from kube_magics.sim import dns
from kube_magics.sim.traffic import traffic_of

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


class TrafficOps:
    rt: Runtime

    def send_requests(self, target: str, count: int = 1, *, namespace: str = "default", path: str | None = None,
                      client: str | None = None) -> Obj:
        """Send `count` HTTP GET requests now; returns `{"served": {pod_name: n, ...}, "failed": n}`.

        `target`: "svc/web" (or "svc/web:80", "svc/web:http"), a DNS name ("web", "web.default.svc.cluster.local"),
        a cluster IP ("10.96.12.34:80"), a node port from outside ("node/sim-worker:31994", "172.18.0.3:31994"),
        a LoadBalancer IP ("172.18.255.200:80"), a pod ("pod/web-0:80"), or a URL ("http://web/healthz").
        Requests spread over the ready endpoints at random, as kube-proxy spreads them; with none, every request
        fails (connection refused). Each served request is an access line in the serving container's log.
        """
        result = traffic_of(self.rt).send(target, int(count), namespace=namespace, client=client, path=path)
        self.rt.settle()
        return result

    def set_load(self, target: str, rps: float, *, namespace: str = "default", path: str | None = None,
                 client: str | None = None) -> Obj:
        """Keep `rps` requests a second going to `target` (same forms as `send_requests`) as virtual time passes,
        until set to 0. Returns how the load is spread now: `{"target", "namespace", "rps", "served": {pod: rps},
        "failed": rps, "cpu_millicores": {pod: m}}`. The load follows the endpoints (new pods share it, deleted
        ones stop getting it) and becomes CPU in the pods that serve it (1 millicore-second per request unless the
        pod's `kube-magics.io/cpu-per-request` annotation or its image's label says otherwise)."""
        result = traffic_of(self.rt).set_load(target, float(rps), namespace=namespace, client=client, path=path)
        self.rt.settle()
        return result

    def loads(self) -> builtins.list[Obj]:
        """The sustained loads running now, as `set_load` describes them."""
        traffic = traffic_of(self.rt)
        return [traffic.loads[k].summary() for k in sorted(traffic.loads)]

    def resolve(self, name: str, namespace: str = "default") -> Obj:
        """Look a name up in the cluster's DNS as a pod in `namespace` would (its search list: `web`,
        `web.default`, `web.default.svc.cluster.local` all work). Returns `{"name": fqdn, "type": "A",
        "addresses": [...]}` (a CNAME's `cname` for an ExternalName Service); raises DnsError (NXDOMAIN)."""
        return dns.resolve(self.rt, name, namespace)
