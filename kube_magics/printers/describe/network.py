"""`kubectl describe` for Services, Endpoints, ConfigMaps and Secrets (values masked: `PASSWORD:  6 bytes`).

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.printers.describe.common import annotations_multiline, events_section, labels_multiline
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, LEVEL_2, PrefixWriter
from kube_magics.printers.util import format_labels, meta

Obj = Mapping[str, Any]


def _head(obj: Obj, w: PrefixWriter) -> None:
    w.write(LEVEL_0, f"Name:\t{meta(obj).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(obj).get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta(obj).get("labels"))
    annotations_multiline(w, "Annotations", meta(obj).get("annotations"))


def _join_host(addr: str, port: Any) -> str:
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def format_slice_endpoints(slices: Sequence[Obj], port_name: str) -> str:
    """kubectl's formatEndpointSlices for one service port: ready addresses, three at most, then `+ N more...`."""
    if not slices:
        return "<none>"
    shown: list[str] = []
    count, more = 0, False
    for s in slices:
        endpoints = s.get("endpoints") or []
        ports = s.get("ports") or []
        pairs: list[tuple[Mapping[str, Any], Any]] = []
        if not ports:
            pairs = [(e, None) for e in endpoints]
        else:
            for p in ports:
                if (p.get("name") or "") == port_name:
                    pairs.extend((e, p.get("port")) for e in endpoints)
        for e, port in pairs:
            if len(shown) == 3:
                more = True
            ready = (e.get("conditions") or {}).get("ready")
            if ready is not None and not ready:
                continue
            addr = str((e.get("addresses") or [""])[0])
            if not more:
                shown.append(addr if port is None else _join_host(addr, port))
            count += 1
    text = ",".join(shown)
    return f"{text} + {count - 3} more..." if more else text


def _ingress(ingress: Sequence[Mapping[str, Any]]) -> str:
    parts = []
    for i in ingress:
        if i.get("ip"):
            parts.append(str(i["ip"]) + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
        else:
            parts.append(str(i.get("hostname", "")))
    return ", ".join(parts)


def _service_ports(svc: Obj, slices: Sequence[Obj], w: PrefixWriter) -> None:
    for p in (svc.get("spec") or {}).get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "TCP")
        w.write(LEVEL_0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        target = p.get("targetPort", p.get("port"))
        w.write(LEVEL_0, f"TargetPort:\t{target}/{proto}\n")
        if p.get("appProtocol"):
            w.write(LEVEL_0, f"AppProtocol:\t{p['appProtocol']}\n")
        if p.get("nodePort"):
            w.write(LEVEL_0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(LEVEL_0, f"Endpoints:\t{format_slice_endpoints(slices, p.get('name') or '')}\n")


def describe_service(svc: Obj, slices: Sequence[Obj], events: Sequence[Obj] | None, now: float) -> str:
    spec, status = svc.get("spec") or {}, svc.get("status") or {}
    w = PrefixWriter()
    _head(svc, w)
    w.write(LEVEL_0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(LEVEL_0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(LEVEL_0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    w.write(LEVEL_0, f"IP Families:\t{','.join(spec.get('ipFamilies') or []) or '<none>'}\n")
    w.write(LEVEL_0, f"IP:\t{spec.get('clusterIP', '')}\n")
    w.write(LEVEL_0, f"IPs:\t{','.join(spec.get('clusterIPs') or []) or '<none>'}\n")
    optional = (("External IPs", ",".join(spec.get("externalIPs") or [])),
                ("Desired LoadBalancer IP", spec.get("loadBalancerIP") or ""),
                ("External Name", spec.get("externalName") or ""),
                ("LoadBalancer Ingress", _ingress((status.get("loadBalancer") or {}).get("ingress") or [])))
    for title, value in optional:
        if value:
            w.write(LEVEL_0, f"{title}:\t{value}\n")
    _service_ports(svc, slices, w)
    w.write(LEVEL_0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    later = (("External Traffic Policy", spec.get("externalTrafficPolicy")),
             ("Internal Traffic Policy", spec.get("internalTrafficPolicy")),
             ("HealthCheck NodePort", spec.get("healthCheckNodePort")),
             ("LoadBalancer Source Ranges", ",".join(spec.get("loadBalancerSourceRanges") or [])),
             ("Traffic Distribution", spec.get("trafficDistribution")))
    for title, value in later:
        if value:
            w.write(LEVEL_0, f"{title}:\t{value}\n")
    events_section(w, events, now)
    return w.text()


def describe_endpoints(ep: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = PrefixWriter()
    _head(ep, w)
    w.write(LEVEL_0, "Subsets:\n")
    for subset in ep.get("subsets") or []:
        ready = ",".join(str(a.get("ip")) for a in subset.get("addresses") or [])
        not_ready = ",".join(str(a.get("ip")) for a in subset.get("notReadyAddresses") or [])
        w.write(LEVEL_1, f"Addresses:\t{ready or '<none>'}\n")
        w.write(LEVEL_1, f"NotReadyAddresses:\t{not_ready or '<none>'}\n")
        if subset.get("ports"):
            w.write(LEVEL_1, "Ports:\n")
            w.write(LEVEL_2, "Name\tPort\tProtocol\n")
            w.write(LEVEL_2, "----\t----\t--------\n")
            for p in subset["ports"]:
                w.write(LEVEL_2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        w.write(LEVEL_0, "\n")
    events_section(w, events, now)
    return w.text()


def describe_configmap(cm: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = PrefixWriter()
    _head(cm, w)
    w.write(LEVEL_0, "\nData\n====\n")
    data = cm.get("data") or {}
    for key in sorted(data):
        w.write(LEVEL_0, f"{key}:\n----\n")
        w.write(LEVEL_0, f"{data[key]}\n")
        w.write(LEVEL_0, "\n")
    w.write(LEVEL_0, "\nBinaryData\n====\n")
    binary = cm.get("binaryData") or {}
    for key in sorted(binary):
        w.write(LEVEL_0, f"{key}: {_decoded_length(binary[key])} bytes\n")
    w.write(LEVEL_0, "\n")
    events_section(w, events, now)
    return w.text()


def _decoded_length(value: Any) -> int:
    try:
        return len(base64.b64decode(str(value), validate=True))
    except (binascii.Error, ValueError):
        return len(str(value))


def describe_secret(secret: Obj) -> str:
    """Sizes, never values (a service-account token is the one value kubectl shows)."""
    w = PrefixWriter()
    _head(secret, w)
    w.write(LEVEL_0, f"\nType:\t{secret.get('type', '')}\n")
    w.write(LEVEL_0, "\nData\n====\n")
    data = secret.get("data") or {}
    for key in sorted(data):
        if key == "token" and secret.get("type") == "kubernetes.io/service-account-token":
            w.write(LEVEL_0, f"{key}:\t{base64.b64decode(str(data[key])).decode(errors='replace')}\n")
        else:
            w.write(LEVEL_0, f"{key}:\t{_decoded_length(data[key])} bytes\n")
    return w.text()
