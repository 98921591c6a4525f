"""Services, validated as `ValidateService` and `ValidateServiceUpdate` do: ports (required unless headless or
ExternalName; named when there are several; no duplicates), the type's own rules, node ports in range, and a
cluster IP that may not change once set.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import (
    as_dict,
    as_list,
    dns1123_label,
    dns1123_subdomain,
    duplicate,
    forbidden,
    invalid,
    is_int,
    not_supported,
    port_num,
    port_num_or_name,
    qualified_name,
    required,
)
from kube_magics.sim.validation.meta import validate_labels
from kube_magics.sim.validation.pods import PROTOCOLS

Obj = dict[str, Any]

TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
NODE_PORT_RANGE = (30000, 32767)


def service(obj: Obj, old: Obj | None) -> list[Cause]:
    spec = as_dict(obj.get("spec"))
    kind = spec.get("type")
    headless = spec.get("clusterIP") == "None"
    ports = as_list(spec.get("ports"))
    causes: list[Cause] = []
    if not ports and not headless and kind != "ExternalName":
        causes.append(required("spec.ports"))
    causes += _type_rules(spec, kind, headless)
    names: set[str] = set()
    for i, port in enumerate(ports):
        causes += _port(as_dict(port), f"spec.ports[{i}]", len(ports) > 1, names)
    if spec.get("selector") is not None:
        causes += validate_labels(spec.get("selector"), "spec.selector")
    affinity = spec.get("sessionAffinity")
    if not affinity:
        causes.append(required("spec.sessionAffinity"))
    elif affinity not in ("ClientIP", "None"):
        causes.append(not_supported("spec.sessionAffinity", affinity, ["ClientIP", "None"]))
    if not kind:
        causes.append(required("spec.type"))
    elif kind not in TYPES:
        causes.append(not_supported("spec.type", kind, TYPES))
    causes += _cluster_ips(spec, kind)
    causes += _node_ports(ports, kind)
    causes += _duplicate_ports(ports)
    if old is not None:
        causes += _cluster_ip_update(spec, as_dict(old.get("spec")))
    return causes


def _type_rules(spec: Obj, kind: Any, headless: bool) -> list[Cause]:
    causes: list[Cause] = []
    if kind == "ExternalName":
        if spec.get("clusterIP") not in (None, "") or spec.get("clusterIPs"):
            causes.append(forbidden("spec.clusterIPs", "may not be set for ExternalName services"))
        cname = str(spec.get("externalName") or "").removesuffix(".")
        if cname:
            causes += [invalid("spec.externalName", cname, m) for m in dns1123_subdomain(cname)]
        else:
            causes.append(required("spec.externalName"))
    elif kind in ("NodePort", "LoadBalancer") and headless:
        causes.append(invalid("spec.clusterIPs[0]", "None", f"may not be set to 'None' for {kind} services"))
    return causes


IP_FAMILY_POLICIES = ["PreferDualStack", "RequireDualStack", "SingleStack"]


def _cluster_ips(spec: Obj, kind: Any) -> list[Cause]:
    """ValidateServiceClusterIPsRelatedFields: addresses well formed, `None` alone, known policies and families."""
    if kind == "ExternalName":
        return []
    causes: list[Cause] = []
    ips = as_list(spec.get("clusterIPs"))
    for i, ip in enumerate(ips):
        if i == 0 and ip == "None":
            if len(ips) > 1:
                causes.append(invalid("spec.clusterIPs", ips, "'None' must be the first and only value"))
            continue
        if not isinstance(ip, str) or not _is_ip(ip):
            causes.append(invalid(f"spec.clusterIPs[{i}]", ip, "must be a valid IP address, (e.g. 10.9.8.7 or "
                                                              "2001:db8::ffff)"))
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in IP_FAMILY_POLICIES:
        causes.append(not_supported("spec.ipFamilyPolicy", policy, IP_FAMILY_POLICIES))
    for i, family in enumerate(as_list(spec.get("ipFamilies"))):
        if family not in ("IPv4", "IPv6"):
            causes.append(not_supported(f"spec.ipFamilies[{i}]", family, ["IPv4", "IPv6"]))
    return causes


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _port(port: Obj, here: str, several: bool, names: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    name = port.get("name")
    if several and not name:
        causes.append(required(f"{here}.name"))
    elif name:
        causes += [invalid(f"{here}.name", name, m) for m in dns1123_label(name)]
        if name in names:
            causes.append(duplicate(f"{here}.name", name))
        names.add(name)
    causes += [invalid(f"{here}.port", port.get("port", 0), m) for m in port_num(port.get("port", 0))]
    protocol = port.get("protocol")
    if not protocol:
        causes.append(required(f"{here}.protocol"))
    elif protocol not in PROTOCOLS:
        causes.append(not_supported(f"{here}.protocol", protocol, PROTOCOLS))
    causes += port_num_or_name(f"{here}.targetPort", port.get("targetPort"))
    app = port.get("appProtocol")
    if isinstance(app, str):
        causes += [invalid(f"{here}.appProtocol", app, m) for m in qualified_name(app)]
    return causes


def _node_ports(ports: list[Any], kind: Any) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[Any, Any]] = set()
    low, high = NODE_PORT_RANGE
    for i, port in enumerate(ports):
        port = as_dict(port)
        node_port = port.get("nodePort")
        if not node_port:
            continue
        here = f"spec.ports[{i}].nodePort"
        if kind == "ClusterIP":
            causes.append(forbidden(here, "may not be used when `type` is 'ClusterIP'"))
            continue
        key = (port.get("protocol"), node_port)
        if key in seen:
            causes.append(duplicate(here, node_port))
        seen.add(key)
        if kind in ("NodePort", "LoadBalancer") and is_int(node_port) and not low <= node_port <= high:
            causes.append(invalid(here, node_port, "provided port is not in the valid range. The range of valid "
                                                   f"ports is {low}-{high}"))
    return causes


def _duplicate_ports(ports: list[Any]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[Any, Any]] = set()
    for i, port in enumerate(ports):
        port = as_dict(port)
        key = (port.get("protocol"), port.get("port"))
        if key in seen:
            causes.append(duplicate(f"spec.ports[{i}]", {"protocol": key[0], "port": key[1], "targetPort": 0}))
        seen.add(key)
    return causes


def _cluster_ip_update(new: Obj, old: Obj) -> list[Cause]:
    """A cluster IP may not change once set (unless the Service turns into or out of ExternalName)."""
    if "ExternalName" in (new.get("type"), old.get("type")):
        return []
    before = old.get("clusterIP")
    after = new.get("clusterIP")
    if not before or after in (None, "") or after == before:
        return []
    shown = new.get("clusterIPs") if new.get("clusterIPs") and new["clusterIPs"][0] == after else [after]
    return [invalid("spec.clusterIPs[0]", shown, "may not change once set")]
