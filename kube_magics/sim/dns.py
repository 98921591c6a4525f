"""Cluster DNS: the names CoreDNS's kubernetes plugin answers in a kind cluster (zone `cluster.local`).

- `<service>.<namespace>.svc.cluster.local`: the Service's cluster IP; for a headless Service (`clusterIP: None`)
  the addresses of its ready endpoints (every endpoint when it publishes not-ready addresses), one A record each;
  for an ExternalName Service a CNAME to its external name.
- `<hostname>.<service>.<namespace>.svc.cluster.local` for each ready endpoint of a headless Service: the pod's
  hostname when its subdomain names the Service (StatefulSet pods: `db-0.db`), else its address with dashes
  (`10-244-1-5.db...`).
- `<a-b-c-d>.<namespace>.pod.cluster.local`: the address itself (the Corefile's `pods insecure`).
- Short names go through a pod's search list, as its resolv.conf says (`search <ns>.svc.cluster.local
  svc.cluster.local cluster.local`, `options ndots:5`): `web` from a pod in `default` is `web.default.svc...`,
  and `web.default` is found through `svc.cluster.local`.

Addresses come from what CoreDNS watches: Services and EndpointSlices. When kube-dns has endpoints but none is
ready (CoreDNS is down), every lookup times out, as it does in a pod. Names outside the cluster domain are not
resolved by the simulated cluster.

Must not: write anything.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any

from kube_magics.errors import DnsError
from kube_magics.sim.controllers.endpointutil import ready_endpoints, slices_of

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]
DOMAIN = "cluster.local"
NDOTS = 5


def search_list(namespace: str) -> list[str]:
    return [f"{namespace}.svc.{DOMAIN}", f"svc.{DOMAIN}", DOMAIN]


def candidates(name: str, namespace: str) -> list[str]:
    """The absolute names a resolver tries for `name`, in order (ndots:5, then the search list)."""
    name = name.strip().lower()
    if name.endswith("."):
        return [name.rstrip(".")]
    searched = [f"{name}.{suffix}" for suffix in search_list(namespace)]
    return [name, *searched] if name.count(".") >= NDOTS else [*searched, name]


def resolve(rt: Runtime, name: str, namespace: str = "default") -> Obj:
    """`{"name": fqdn, "type": "A", "addresses": [...]}` or, for an ExternalName Service, `{"name": fqdn, "type":
    "CNAME", "cname": "db.example.com", "addresses": []}`. Raises DnsError as nslookup reports a failure."""
    if not name or not name.strip():
        raise DnsError("** server can't find : NXDOMAIN")
    _check_coredns(rt)
    for fqdn in candidates(name, namespace):
        answer = lookup(rt, fqdn)
        if answer is not None:
            return answer
    raise DnsError(f"** server can't find {name.rstrip('.')}: NXDOMAIN")


def lookup(rt: Runtime, fqdn: str) -> Obj | None:
    """One absolute name in the cluster zone, or None (NXDOMAIN)."""
    if not fqdn.endswith("." + DOMAIN):
        return None
    labels = fqdn[: -len(DOMAIN) - 1].split(".")
    if len(labels) == 3 and labels[2] == "pod":
        address = labels[0].replace("-", ".")
        try:
            ipaddress.IPv4Address(address)
        except ValueError:
            return None
        return _a(fqdn, [address])
    if len(labels) not in (3, 4) or labels[-1] != "svc":
        return None
    svc = rt.store.get("Service", labels[-2], labels[-3])
    if svc is None:
        return None
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return None if len(labels) == 4 else {"name": fqdn, "type": "CNAME", "cname": spec.get("externalName", ""),
                                              "addresses": []}
    if spec.get("clusterIP") != "None":
        return None if len(labels) == 4 else _a(fqdn, [spec["clusterIP"]])
    endpoints = ready_endpoints(rt, svc["metadata"]["namespace"], svc["metadata"]["name"])
    if len(labels) == 4:
        found = sorted({ep["addresses"][0] for ep in endpoints if endpoint_hostname(ep) == labels[0]})
        return _a(fqdn, found) if found else None
    addresses = sorted({ep["addresses"][0] for ep in endpoints}, key=_ip_order)
    return _a(fqdn, addresses) if addresses else None


def endpoint_hostname(ep: Obj) -> str:
    return str(ep.get("hostname") or ep["addresses"][0].replace(".", "-"))


def _a(fqdn: str, addresses: list[str]) -> Obj:
    return {"name": fqdn, "type": "A", "addresses": addresses}


def _ip_order(text: str) -> tuple[int, str]:
    try:
        return int(ipaddress.ip_address(text)), text
    except ValueError:
        return 0, text


def _check_coredns(rt: Runtime) -> None:
    """A lookup from a pod times out when kube-dns has endpoints and none of them is ready."""
    dns = rt.store.get("Service", "kube-system", "kube-dns")
    if dns is None:
        return
    if slices_of(rt, "kube-system", "kube-dns") and not ready_endpoints(rt, "kube-system", "kube-dns"):
        raise DnsError(";; connection timed out; no servers could be reached")
