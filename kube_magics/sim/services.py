"""What the API server allocates to a Service: cluster IPs, node ports, and the IP family fields.

As kube-apiserver's Service REST storage does on create and update (`pkg/registry/core/service/storage`):

- Cluster IPs come from kind's service range, 10.96.0.0/16. The `kubernetes` Service holds 10.96.0.1 and kube-dns
  10.96.0.10 (both asked for by name, as kubeadm does). Other Services get a random free address from the upper
  part of the range (10.96.1.1 and up: the lower 256 addresses are kept for addresses asked for, KEP-3070), drawn
  from this module's own seeded generator, so the same calls give the same IPs and pod names do not move.
  `clusterIP: None` makes a headless Service. An address asked for is honoured, or refused in the API server's
  words: `spec.clusterIPs: Invalid value: ["10.96.0.10"]: failed to allocate IP 10.96.0.10: provided IP is already
  allocated` (`the provided network does not match the current range` outside 10.96.0.0/16).
- Node ports (NodePort and LoadBalancer Services) come from 30000-32767, a random free port of the upper band
  (30086 and up) unless one is asked for; a port asked for that another Service holds is refused with `provided
  port is already allocated`. Ports with the same number (TCP and UDP 53) share a node port.
- `ipFamilies` and `ipFamilyPolicy` are filled in as a single-stack IPv4 cluster records them (SingleStack, IPv4;
  a headless Service without a selector gets RequireDualStack, IPv4 and IPv6).
- On update, values the client left out are kept (clusterIP, node ports matched by port name); fields the new type
  no longer needs are dropped if the client did not change them (a ClusterIP Service loses its node ports).
- Nothing is released by hand: what is allocated is read from the Services in the store (two indexes), so a
  deleted Service's addresses and ports are free again at once.

Must not: write anything but the Service being created or updated (no controllers, no events).
"""

from __future__ import annotations

import ipaddress
from random import Random
from typing import TYPE_CHECKING, Any

from kube_magics.errors import Cause, invalid
from kube_magics.sim.validation.fields import invalid as invalid_field

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]

SERVICE_CIDR = "10.96.0.0/16"
NODE_PORTS = (30000, 32767)
IPS_INDEX = "cluster-ips"
PORTS_INDEX = "node-ports"
SERVICE_NAME = "service-allocator"


def needs_cluster_ip(spec: Obj) -> bool:
    return spec.get("type", "ClusterIP") != "ExternalName"


def needs_node_port(spec: Obj) -> bool:
    return spec.get("type") in ("NodePort", "LoadBalancer")


def needs_health_check_port(spec: Obj) -> bool:
    return spec.get("type") == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local"


def _cluster_ips(svc: Obj) -> list[str]:
    return [ip for ip in (svc.get("spec") or {}).get("clusterIPs") or () if ip and ip != "None"]


def _node_ports(svc: Obj) -> list[str]:
    spec = svc.get("spec") or {}
    ports = {str(p["nodePort"]) for p in spec.get("ports") or () if isinstance(p, dict) and p.get("nodePort")}
    if spec.get("healthCheckNodePort"):
        ports.add(str(spec["healthCheckNodePort"]))
    return sorted(ports)


def range_offset(size: int, *, low: int, step: int, high: int) -> int:
    """KEP-3070/3668: the size of the lower band kept for values asked for, min(max(low, size/step), high)
    (256 addresses of a /16; 86 of the 2,768 node ports)."""
    if size <= low:
        return 0
    return min(max(low, size // step), high)


class ServiceAllocator:
    """Cluster IPs and node ports for one cluster (`rt.services["service-allocator"]`)."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.rng = Random(f"{rt.config.seed}/services")
        self.network = ipaddress.IPv4Network(SERVICE_CIDR)
        rt.store.add_index("Service", IPS_INDEX, _cluster_ips)
        rt.store.add_index("Service", PORTS_INDEX, _node_ports)

    # --- what is taken -------------------------------------------------------------------------------------------

    def holder(self, index: str, value: str, me: Obj) -> Obj | None:
        """The Service (other than `me`) that holds an address or a node port."""
        key = (me["metadata"].get("namespace"), me["metadata"].get("name"))
        for svc in self.rt.store.by_index("Service", index, value):
            if (svc["metadata"].get("namespace"), svc["metadata"].get("name")) != key:
                return svc
        return None

    def service_with_ip(self, ip: str) -> Obj | None:
        found = self.rt.store.by_index("Service", IPS_INDEX, ip)
        return found[0] if found else None

    def service_with_node_port(self, port: int) -> Obj | None:
        for svc in self.rt.store.by_index("Service", PORTS_INDEX, str(port)):
            if any(p.get("nodePort") == port for p in svc["spec"].get("ports") or ()):
                return svc
        return None

    # --- cluster IPs ---------------------------------------------------------------------------------------------

    def cluster_ip(self, svc: Obj, rng: Random) -> list[Cause]:
        spec = svc["spec"]
        ips = list(spec.get("clusterIPs") or [])
        if ips[:1] == ["None"]:
            return []
        if ips:
            error = self._check_requested(ips[0], svc)
            if error:
                return [invalid_field("spec.clusterIPs", ips, f"failed to allocate IP {ips[0]}: {error}")]
            return []
        ip = self._next_ip(svc, rng)
        spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
        return []

    def _check_requested(self, text: str, svc: Obj) -> str:
        try:
            ip = ipaddress.IPv4Address(text)
        except ValueError:
            return "the provided network does not match the current range"
        if ip not in self.network:
            return "the provided network does not match the current range"
        if ip in (self.network.network_address, self.network.broadcast_address):
            return f"provided IP {text} is not in the valid range"
        if self.holder(IPS_INDEX, text, svc) is not None:
            return "provided IP is already allocated"
        return ""

    def _next_ip(self, svc: Obj, rng: Random) -> str:
        first = int(self.network.network_address) + 1
        last = int(self.network.broadcast_address) - 1
        offset = range_offset(self.network.num_addresses, low=16, step=16, high=256)
        for lo, hi in ((first + offset, last), (first, first + offset - 1)):
            if hi < lo:
                continue
            start = rng.randrange(hi - lo + 1)
            for i in range(hi - lo + 1):
                text = str(ipaddress.IPv4Address(lo + (start + i) % (hi - lo + 1)))
                if self.holder(IPS_INDEX, text, svc) is None:
                    return text
        raise invalid("Service", svc["metadata"].get("name", ""), [Cause("", "failed to allocate a serviceIP: "
                                                                              "range is full")])

    # --- node ports ----------------------------------------------------------------------------------------------

    def node_ports(self, svc: Obj, rng: Random) -> list[Cause]:
        spec = svc["spec"]
        dynamic = spec.get("type") == "NodePort" or (spec.get("type") == "LoadBalancer"
                                                     and spec.get("allocateLoadBalancerNodePorts", True))
        by_port: dict[Any, int] = {}
        ports = spec.get("ports") or []
        for p in ports:  # ports asked for first: a later port of the same number shares its node port
            if p.get("nodePort"):
                by_port.setdefault(p.get("port"), p["nodePort"])
        mine: set[int] = set()
        for i, p in enumerate(ports):
            if not needs_node_port(spec) and not p.get("nodePort"):
                continue
            if p.get("nodePort"):
                if p["nodePort"] not in mine and self.holder(PORTS_INDEX, str(p["nodePort"]), svc) is not None:
                    return [invalid_field(f"spec.ports[{i}].nodePort", p["nodePort"],
                                          "provided port is already allocated")]
            elif p.get("port") in by_port:
                p["nodePort"] = by_port[p.get("port")]
            elif dynamic:
                p["nodePort"] = by_port[p.get("port")] = self._next_port(svc, rng, mine)
            if p.get("nodePort"):
                mine.add(p["nodePort"])
        if needs_health_check_port(spec):
            asked = spec.get("healthCheckNodePort")
            if asked and asked not in mine and self.holder(PORTS_INDEX, str(asked), svc) is not None:
                return [invalid_field("spec.healthCheckNodePort", asked, "provided port is already allocated")]
            if not asked:
                spec["healthCheckNodePort"] = self._next_port(svc, rng, mine)
        return []

    def _next_port(self, svc: Obj, rng: Random, mine: set[int]) -> int:
        low, high = NODE_PORTS
        offset = range_offset(high - low + 1, low=16, step=32, high=128)
        for lo, hi in ((low + offset, high), (low, low + offset - 1)):
            start = rng.randrange(hi - lo + 1)
            for i in range(hi - lo + 1):
                port = lo + (start + i) % (hi - lo + 1)
                if port not in mine and self.holder(PORTS_INDEX, str(port), svc) is None:
                    return port
        raise invalid("Service", svc["metadata"].get("name", ""), [Cause("", "failed to allocate a nodePort: "
                                                                              "range is full")])


def allocator_of(rt: Runtime) -> ServiceAllocator:
    alloc = rt.services.get(SERVICE_NAME)
    if alloc is None:
        alloc = rt.services[SERVICE_NAME] = ServiceAllocator(rt)
    return alloc


# --- the strategy's steps ------------------------------------------------------------------------------------------

def prepare_create(svc: Obj) -> None:
    """normalizeClusterIPs on create: an old client's singular `clusterIP` fills in `clusterIPs`."""
    spec = svc.get("spec")
    if isinstance(spec, dict) and spec.get("clusterIP") and not spec.get("clusterIPs"):
        spec["clusterIPs"] = [spec["clusterIP"]]


def prepare_update(svc: Obj, old: Obj) -> None:
    """Keep what the client left out, and drop what the new type no longer needs (as the REST storage's
    normalizeClusterIPs, patchAllocatedValues and dropTypeDependentFields do)."""
    spec, before = svc.get("spec"), old.get("spec") or {}
    if not isinstance(spec, dict):
        return
    _normalise_cluster_ips(spec, before)
    _drop_type_dependent(svc, spec, before)
    _patch_allocated(spec, before)


def _normalise_cluster_ips(spec: Obj, before: Obj) -> None:
    if before.get("clusterIPs") and not spec.get("clusterIPs") and before.get("clusterIP") == spec.get("clusterIP"):
        spec["clusterIPs"] = before["clusterIPs"]
    if before.get("clusterIP") != spec.get("clusterIP"):
        same = spec.get("clusterIPs") == before.get("clusterIPs")
        if before.get("clusterIP") and not spec.get("clusterIP") and same:
            spec.pop("clusterIPs", None)
        if spec.get("clusterIP") and same:
            spec["clusterIPs"] = [spec["clusterIP"]]


def _patch_allocated(spec: Obj, before: Obj) -> None:
    if needs_cluster_ip(before) and needs_cluster_ip(spec):
        if not spec.get("clusterIP") and before.get("clusterIP"):
            spec["clusterIP"] = before["clusterIP"]
        if not spec.get("clusterIPs") and before.get("clusterIPs"):
            spec["clusterIPs"] = list(before["clusterIPs"])
    if needs_node_port(before) and needs_node_port(spec):
        used = {p.get("nodePort") for p in before.get("ports") or ()} & \
            {p.get("nodePort") for p in spec.get("ports") or ()}
        by_name = {p.get("name") or "": p.get("nodePort") for p in before.get("ports") or ()}
        for p in spec.get("ports") or ():
            old_value = by_name.get(p.get("name") or "")
            if isinstance(p, dict) and not p.get("nodePort") and old_value and old_value not in used:
                p["nodePort"] = old_value
    if needs_health_check_port(before) and needs_health_check_port(spec) and not spec.get("healthCheckNodePort") \
            and before.get("healthCheckNodePort"):
        spec["healthCheckNodePort"] = before["healthCheckNodePort"]


def _drop_type_dependent(svc: Obj, spec: Obj, before: Obj) -> None:
    if needs_cluster_ip(before) and not needs_cluster_ip(spec):
        if spec.get("clusterIPs") == before.get("clusterIPs") or not spec.get("clusterIPs"):
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
        for key in ("ipFamilies", "ipFamilyPolicy"):
            if spec.get(key) == before.get(key):
                spec.pop(key, None)
    ports = [p for p in spec.get("ports") or () if isinstance(p, dict)]
    if needs_node_port(before) and not needs_node_port(spec):
        if [p.get("nodePort") for p in ports] == [p.get("nodePort") for p in before.get("ports") or ()]:
            for p in ports:
                p.pop("nodePort", None)
        if spec.get("externalTrafficPolicy") == before.get("externalTrafficPolicy"):
            spec.pop("externalTrafficPolicy", None)
    if needs_health_check_port(before) and not needs_health_check_port(spec) \
            and spec.get("healthCheckNodePort") == before.get("healthCheckNodePort"):
        spec.pop("healthCheckNodePort", None)
    if before.get("type") == "LoadBalancer" and spec.get("type") != "LoadBalancer":
        for key in ("allocateLoadBalancerNodePorts", "loadBalancerClass"):
            if spec.get(key) == before.get(key):
                spec.pop(key, None)
    if spec.get("type") != "LoadBalancer" and isinstance(svc.get("status"), dict):
        svc["status"] = {**svc["status"], "loadBalancer": {}}


def allocate(rt: Runtime, svc: Obj, old: Obj | None, *, dry_run: bool) -> None:
    """Fill in the IP family fields, cluster IPs and node ports, or raise the API server's Invalid error.

    A dry run draws from a copy of the generator, so it shows what the real write will get."""
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        return
    alloc = allocator_of(rt)
    rng = alloc.rng
    if dry_run:
        rng = Random()
        rng.setstate(alloc.rng.getstate())
    causes: list[Cause] = []
    if needs_cluster_ip(spec):
        causes = ip_families(spec, (old or {}).get("spec") or None) or alloc.cluster_ip(svc, rng)
    if not causes:
        causes = alloc.node_ports(svc, rng)
    if causes:
        raise invalid("Service", svc["metadata"].get("name", ""), causes)


def ip_families(spec: Obj, before: Obj | None) -> list[Cause]:
    """initIPFamilyFields for a single-stack IPv4 cluster."""
    ips = list(spec.get("clusterIPs") or [])
    headless = ips[:1] == ["None"]
    policy = spec.get("ipFamilyPolicy")
    if not policy:
        if before and before.get("ipFamilyPolicy"):
            policy = before["ipFamilyPolicy"]
        elif headless and not spec.get("selector"):
            policy = "RequireDualStack"
        else:
            policy = "SingleStack"
    spec["ipFamilyPolicy"] = policy
    families = list(spec.get("ipFamilies") or [])
    causes: list[Cause] = []
    if policy == "SingleStack" and len(ips) == 2:
        causes.append(invalid_field("spec.ipFamilyPolicy", policy, "must be 'RequireDualStack' or "
                                                                   "'PreferDualStack' when multiple cluster IPs are "
                                                                   "specified"))
    for i, ip in enumerate(ips):
        if ip != "None" and ":" in ip and i >= len(families):
            causes.append(invalid_field(f"spec.clusterIPs[{i}]", ips, "IPv6 is not configured on this cluster"))
    if causes:
        return causes
    if headless and not spec.get("selector"):
        families = families or ["IPv4"]
        if len(families) < 2 and policy != "SingleStack":
            families.append("IPv6" if families[0] == "IPv4" else "IPv4")
        spec["ipFamilies"] = families
        return []
    if policy == "RequireDualStack":
        causes.append(invalid_field("spec.ipFamilyPolicy", policy, "this cluster is not configured for dual-stack "
                                                                   "services"))
    causes += [invalid_field(f"spec.ipFamilies[{i}]", f, "not configured on this cluster")
               for i, f in enumerate(families) if f != "IPv4"]
    if not causes:
        spec["ipFamilies"] = families or ["IPv4"]
    return causes
