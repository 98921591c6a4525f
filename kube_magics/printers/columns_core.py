"""Columns and cells of the core, networking, config and cluster kinds, as the API server's printers.go defines them.

Services, Endpoints, EndpointSlices, Ingresses, ConfigMaps, Secrets (a count of keys, never values), Namespaces,
Nodes, Events, ServiceAccounts, ResourceQuotas, PersistentVolumeClaims, Leases, and the two fallbacks: built-in
kinds without a printer get `NAME  CREATED AT` (the API server's default table), other kinds `NAME  AGE` (what a
CustomResourceDefinition without printer columns shows).

Imports only the bottom layer of kube_magics.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kube_magics.printers.table import Column
from kube_magics.printers.util import age, format_labels, meta, quantity_string, since, timestamp
from kube_magics.timefmt import rfc3339

Obj = Mapping[str, Any]

W = 1
SERVICE_COLUMNS = [Column("Name", format="name"), Column("Type"), Column("Cluster-IP"), Column("External-IP"),
                   Column("Port(s)"), Column("Age"), Column("Selector", priority=W)]
ENDPOINTS_COLUMNS = [Column("Name", format="name"), Column("Endpoints"), Column("Age")]
ENDPOINTSLICE_COLUMNS = [Column("Name", format="name"), Column("AddressType"), Column("Ports"), Column("Endpoints"),
                         Column("Age")]
INGRESS_COLUMNS = [Column("Name", format="name"), Column("Class"), Column("Hosts"), Column("Address"),
                   Column("Ports"), Column("Age")]
CONFIGMAP_COLUMNS = [Column("Name", format="name"), Column("Data"), Column("Age")]
SECRET_COLUMNS = [Column("Name", format="name"), Column("Type"), Column("Data"), Column("Age")]
NAMESPACE_COLUMNS = [Column("Name", format="name"), Column("Status"), Column("Age")]
NODE_COLUMNS = [Column("Name", format="name"), Column("Status"), Column("Roles"), Column("Age"), Column("Version"),
                Column("Internal-IP", priority=W), Column("External-IP", priority=W), Column("OS-Image", priority=W),
                Column("Kernel-Version", priority=W), Column("Container-Runtime", priority=W)]
EVENT_COLUMNS = [Column("Last Seen"), Column("Type"), Column("Reason"), Column("Object"),
                 Column("Subobject", priority=W), Column("Source", priority=W), Column("Message"),
                 Column("First Seen", priority=W), Column("Count", priority=W), Column("Name", priority=W)]
SERVICEACCOUNT_COLUMNS = [Column("Name", format="name"), Column("Secrets", "integer"), Column("Age")]
RESOURCEQUOTA_COLUMNS = [Column("Name", format="name"), Column("Request"), Column("Limit"), Column("Age")]
PVC_COLUMNS = [Column("Name", format="name"), Column("Status"), Column("Volume"), Column("Capacity"),
               Column("Access Modes"), Column("StorageClass"), Column("VolumeAttributesClass"), Column("Age"),
               Column("VolumeMode", priority=W)]
LEASE_COLUMNS = [Column("Name", format="name"), Column("Holder"), Column("Age")]
DEFAULT_COLUMNS = [Column("Name", format="name"), Column("Created At", "date")]
CUSTOM_COLUMNS = [Column("Name", format="name"), Column("Age")]

_LB_WIDTH = 16


def _load_balancer(ingress: list[Mapping[str, Any]], wide: bool) -> str:
    found = sorted({str(i.get("ip") or i.get("hostname")) for i in ingress if i.get("ip") or i.get("hostname")})
    text = ",".join(found)
    if not wide and len(text) > _LB_WIDTH:
        text = text[: _LB_WIDTH - 3] + "..."
    return text


def service_external_ip(svc: Obj, wide: bool = True) -> str:
    spec = svc.get("spec") or {}
    kind = spec.get("type") or "ClusterIP"
    external = list(spec.get("externalIPs") or [])
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) if external else "<none>"
    if kind == "LoadBalancer":
        lb = _load_balancer(((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [], wide)
        if external:
            return ",".join([*(lb.split(",") if lb else []), *external])
        return lb or "<pending>"
    if kind == "ExternalName":
        return str(spec.get("externalName", ""))
    return "<unknown>"


def service_ports(ports: list[Mapping[str, Any]] | None) -> str:
    pieces = []
    for p in ports or []:
        proto = p.get("protocol", "TCP")
        if p.get("nodePort"):
            pieces.append(f"{p.get('port')}:{p['nodePort']}/{proto}")
        else:
            pieces.append(f"{p.get('port')}/{proto}")
    return ",".join(pieces)


def service_row(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    ips = spec.get("clusterIPs") or []
    # The API server builds tables with Wide set, so EXTERNAL-IP is never cut to 16 characters by kubectl get.
    return [meta(obj).get("name", ""), spec.get("type", ""), ips[0] if ips else "<none>",
            service_external_ip(obj), service_ports(spec.get("ports")) or "<none>", age(obj, now),
            format_labels(spec.get("selector"))]


def format_endpoints(endpoints: Obj) -> str:
    """`formatEndpoints`: the first three `ip:port`, then `+ N more...`."""
    subsets = endpoints.get("subsets") or []
    if not subsets:
        return "<none>"
    shown: list[str] = []
    count, more = 0, False
    for ss in subsets:
        addresses = ss.get("addresses") or []
        ports = ss.get("ports") or []
        if not ports:
            count += len(addresses)
            for a in addresses:
                if len(shown) == 3:
                    more = True
                    break
                shown.append(str(a.get("ip")))
            continue
        for port in ports:
            count += len(addresses)
            for a in addresses:
                if len(shown) == 3:
                    more = True
                    break
                ip = str(a.get("ip"))
                host = f"[{ip}]" if ":" in ip else ip
                shown.append(f"{host}:{port.get('port')}")
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if more else text


def endpoints_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), format_endpoints(obj), age(obj, now)]


def _list_with_more(items: list[str], total: int) -> str:
    if total > 3:
        return f"{','.join(items[:3])} + {total - 3} more..."
    return ",".join(items) or "<unset>"


def endpointslice_row(obj: Obj, now: float) -> list[Any]:
    ports = []
    for p in obj.get("ports") or []:
        ports.append(str(p["port"]) if p.get("port") is not None else str(p.get("name") or "*"))
    addresses = [str(a) for e in obj.get("endpoints") or [] for a in e.get("addresses") or []]
    return [meta(obj).get("name", ""), obj.get("addressType", ""), _list_with_more(ports, len(ports)),
            _list_with_more(addresses, len(addresses)), age(obj, now)]


def ingress_row(obj: Obj, now: float) -> list[Any]:
    spec = obj.get("spec") or {}
    rules = spec.get("rules") or []
    hosts: list[str] = []
    more = False
    for rule in rules:
        if len(hosts) == 3:
            more = True
        if not more and rule.get("host"):
            hosts.append(str(rule["host"]))
    host_text = "*" if not hosts else ",".join(hosts) + (f" + {len(rules) - 3} more..." if more else "")
    address = _load_balancer(((obj.get("status") or {}).get("loadBalancer") or {}).get("ingress") or [], True)
    return [meta(obj).get("name", ""), spec.get("ingressClassName") or "<none>", host_text, address,
            "80, 443" if spec.get("tls") else "80", age(obj, now)]


def configmap_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), len(obj.get("data") or {}) + len(obj.get("binaryData") or {}), age(obj, now)]


def secret_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), obj.get("type", ""), len(obj.get("data") or {}), age(obj, now)]


def namespace_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), (obj.get("status") or {}).get("phase", ""), age(obj, now)]


def node_roles(node: Obj) -> list[str]:
    roles = set()
    for k, v in (meta(node).get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/") and k[len("node-role.kubernetes.io/"):]:
            roles.add(k[len("node-role.kubernetes.io/"):])
        elif k == "kubernetes.io/role" and v:
            roles.add(str(v))
    return sorted(roles)


def node_status(node: Obj) -> str:
    status = []
    for c in (node.get("status") or {}).get("conditions") or []:
        if c.get("type") == "Ready":
            status = ["Ready" if c.get("status") == "True" else "NotReady"]
    if not status:
        status = ["Unknown"]
    if (node.get("spec") or {}).get("unschedulable"):
        status.append("SchedulingDisabled")
    return ",".join(status)


def _address(node: Obj, kind: str) -> str:
    for a in (node.get("status") or {}).get("addresses") or []:
        if a.get("type") == kind:
            return str(a.get("address"))
    return "<none>"


def node_row(obj: Obj, now: float) -> list[Any]:
    info = (obj.get("status") or {}).get("nodeInfo") or {}
    return [meta(obj).get("name", ""), node_status(obj), ",".join(node_roles(obj)) or "<none>", age(obj, now),
            info.get("kubeletVersion", ""), _address(obj, "InternalIP"), _address(obj, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def event_source(event: Obj) -> str:
    source = event.get("source") or {}
    component = source.get("component") or event.get("reportingComponent") or event.get("reportingController") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return f"{component}, {host}" if host else str(component)


def event_row(obj: Obj, now: float) -> list[Any]:
    first = since(obj.get("firstTimestamp"), now) if obj.get("firstTimestamp") else since(obj.get("eventTime"), now)
    last = since(obj.get("lastTimestamp"), now) if obj.get("lastTimestamp") else first
    count = obj.get("count") or 1
    series = obj.get("series")
    if series:
        last = since(series.get("lastObservedTime"), now)
        count = series.get("count", count)
    ref = obj.get("involvedObject") or {}
    kind = str(ref.get("kind", "")).lower()
    target = f"{kind}/{ref['name']}" if ref.get("name") else kind
    return [last, obj.get("type", ""), obj.get("reason", ""), target, ref.get("fieldPath", ""), event_source(obj),
            str(obj.get("message", "")).strip(), first, count, meta(obj).get("name", "")]


def serviceaccount_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), len(obj.get("secrets") or []), age(obj, now)]


def resourcequota_row(obj: Obj, now: float) -> list[Any]:
    status = obj.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    requests: list[str] = []
    limits: list[str] = []
    for name in sorted(hard):
        text = f"{name}: {quantity_string(used.get(name, '0'))}/{quantity_string(hard[name])}"
        parts = name.split(".")
        (limits if len(parts) > 1 and parts[0] == "limits" else requests).append(text)
    return [meta(obj).get("name", ""), ", ".join(requests), ", ".join(limits), age(obj, now)]


def access_modes(modes: list[str] | None) -> str:
    """`GetAccessModesAsString`: RWO,ROX,RWX,RWOP in that order."""
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX", "ReadWriteOncePod": "RWOP"}
    given = set(modes or [])
    return ",".join(short[m] for m in ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod")
                    if m in given)


def pvc_row(obj: Obj, now: float) -> list[Any]:
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    phase = "Terminating" if meta(obj).get("deletionTimestamp") else status.get("phase", "")
    capacity = modes = ""
    if spec.get("volumeName"):
        modes = access_modes(status.get("accessModes"))
        capacity = quantity_string((status.get("capacity") or {}).get("storage", "0"))
    storage_class = spec.get("storageClassName") or (meta(obj).get("annotations") or {}).get(
        "volume.beta.kubernetes.io/storage-class", "")
    return [meta(obj).get("name", ""), phase, spec.get("volumeName", ""), capacity, modes, storage_class,
            spec.get("volumeAttributesClassName") or "<unset>", age(obj, now), spec.get("volumeMode") or "<unset>"]


def lease_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), (obj.get("spec") or {}).get("holderIdentity") or "", age(obj, now)]


def default_row(obj: Obj, now: float) -> list[Any]:
    created = timestamp(meta(obj).get("creationTimestamp"))
    return [meta(obj).get("name", ""), rfc3339(created) if created is not None else "0001-01-01T00:00:00Z"]


def custom_row(obj: Obj, now: float) -> list[Any]:
    return [meta(obj).get("name", ""), age(obj, now)]
