"""The cloud's service controller ("service-controller"): external IPs for LoadBalancer Services.

A kind cluster has no cloud, so its LoadBalancer Services stay `<pending>`; that is the default here too. Give the
cluster an address pool (`SimConfig.load_balancer_pool`, e.g. "172.18.255.200-172.18.255.250", a CIDR such as
"172.18.255.200/29", or several of those separated by commas, as cloud-provider-kind or MetalLB would hand out on
kind's Docker network) and this controller plays the cloud: each LoadBalancer Service gets the first free address
(or its `spec.loadBalancerIP`, when that is in the pool and free) in `status.loadBalancer.ingress` (`ipMode: VIP`),
with the events a cloud controller records (EnsuringLoadBalancer, EnsuredLoadBalancer), and the finalizer
`service.kubernetes.io/load-balancer-cleanup`, which it removes once the Service is deleted or no longer a
LoadBalancer. When the pool runs out, the Service stays pending with a SyncLoadBalancerFailed warning and gets an
address as soon as one is free.

Must not: allocate cluster IPs or node ports (the API server does: services.py).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.sim.controller import Controller
from kube_magics.sim.store import WatchEvent

Obj = dict[str, Any]
FINALIZER = "service.kubernetes.io/load-balancer-cleanup"


def parse_pool(text: str) -> list[str]:
    """The addresses of a pool: "a-b" ranges, CIDRs (without network and broadcast addresses), single IPs."""
    out: list[str] = []
    try:
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            if "/" in part:
                out += [str(ip) for ip in ipaddress.ip_network(part, strict=False).hosts()]
            elif "-" in part:
                lo, hi = (ipaddress.ip_address(x.strip()) for x in part.split("-", 1))
                out += [str(ipaddress.ip_address(n)) for n in range(int(lo), int(hi) + 1)]
            else:
                out.append(str(ipaddress.ip_address(part)))
    except ValueError as exc:
        raise UsageError(f"invalid load balancer pool {text!r}: {exc}") from None
    return list(dict.fromkeys(out))


def ingress_ips(svc: Obj) -> list[str]:
    return [i["ip"] for i in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or () if i.get("ip")]


class LoadBalancerController(Controller):
    name = "service-controller"
    watches = ("Service",)

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        pool = rt.config.load_balancer_pool
        self.pool = parse_pool(pool) if pool else []

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        if not self.pool:
            return ()
        meta = event.object["metadata"]
        keys = [(meta["namespace"], meta["name"])]
        if event.type == "DELETED" or event.object["spec"].get("type") != "LoadBalancer":
            keys += [(s["metadata"]["namespace"], s["metadata"]["name"]) for s in self.rt.store.iter("Service")
                     if s["spec"].get("type") == "LoadBalancer" and not ingress_ips(s)]
        return sorted(set(keys))

    def reconcile(self, key: Any) -> None:
        svc = self.rt.store.get("Service", *key)
        if svc is None:
            return
        finalizers = svc["metadata"].get("finalizers") or []
        if svc["metadata"].get("deletionTimestamp") or svc["spec"].get("type") != "LoadBalancer":
            if FINALIZER in finalizers:
                if svc["metadata"].get("deletionTimestamp"):
                    self.event(svc, "Normal", "DeletingLoadBalancer", "Deleting load balancer")
                    self.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer")
                self.rt.api.remove_finalizer(svc, FINALIZER)
            return
        if ingress_ips(svc):
            return
        if FINALIZER not in finalizers:
            meta = {**svc["metadata"], "finalizers": [*finalizers, FINALIZER]}
            svc = self.rt.api.write({**svc, "metadata": meta})
        self.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
        ip = self._free_ip(svc)
        if ip is None:
            self.event(svc, "Warning", "SyncLoadBalancerFailed", "Error syncing load balancer: failed to ensure load "
                                                                 "balancer: no available IP address in the pool")
            return
        status = {**(svc.get("status") or {}), "loadBalancer": {"ingress": [{"ip": ip, "ipMode": "VIP"}]}}
        self.rt.api.write_status(svc, status)
        self.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer")

    def _free_ip(self, svc: Obj) -> str | None:
        taken = {ip for s in self.rt.store.iter("Service") if s is not svc for ip in ingress_ips(s)}
        wanted = svc["spec"].get("loadBalancerIP")
        if wanted in self.pool and wanted not in taken:
            return str(wanted)
        return next((ip for ip in self.pool if ip not in taken), None)
