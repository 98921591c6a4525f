"""`kubectl describe pod`, as kubectl's describePod writes it.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics import quantity
from kube_magics.printers.describe.common import (
    annotations_multiline,
    controlled_by,
    events_section,
    labels_multiline,
    tolerations_multiline,
)
from kube_magics.printers.describe.containers import (
    describe_containers,
    describe_resources,
    describe_volumes,
    topology_spread,
)
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, PrefixWriter
from kube_magics.printers.util import rfc1123, since

Obj = Mapping[str, Any]


def qos_class(pod: Obj) -> str:
    """`qos.GetPodQOS`: the status' class, else computed from requests and limits as the API server does."""
    given = (pod.get("status") or {}).get("qosClass")
    if given:
        return str(given)
    spec = pod.get("spec") or {}
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for c in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        res = c.get("resources") or {}
        for name, value in (res.get("requests") or {}).items():
            if name in ("cpu", "memory") and quantity.parse(value)[0] > 0:
                requests[name] = requests.get(name, 0) + quantity.parse(value)[0]
        found = set()
        for name, value in (res.get("limits") or {}).items():
            if name in ("cpu", "memory") and quantity.parse(value)[0] > 0:
                found.add(name)
                limits[name] = limits.get(name, 0) + quantity.parse(value)[0]
        if not {"cpu", "memory"} <= found:
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and all(limits.get(k) == v for k, v in requests.items()) and len(requests) == len(limits):
        return "Guaranteed"
    return "Burstable"


def _header(pod: Obj, w: PrefixWriter, now: float) -> None:
    md, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    w.write(LEVEL_0, f"Name:\t{md.get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{md.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(LEVEL_0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(LEVEL_0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(LEVEL_0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(LEVEL_0, f"Service Account:\t{spec['serviceAccountName']}\n")
    node = spec.get("nodeName")
    w.write(LEVEL_0, f"Node:\t{node}/{status.get('hostIP', '')}\n" if node else "Node:\t<none>\n")
    if status.get("startTime"):
        w.write(LEVEL_0, f"Start Time:\t{rfc1123(status['startTime'])}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    phase = status.get("phase", "")
    if md.get("deletionTimestamp") and phase not in ("Failed", "Succeeded"):
        w.write(LEVEL_0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
        w.write(LEVEL_0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(LEVEL_0, f"Status:\t{phase}\n")
    for key, title in (("reason", "Reason"), ("message", "Message")):
        if status.get(key):
            w.write(LEVEL_0, f"{title}:\t{status[key]}\n")
    seccomp = (spec.get("securityContext") or {}).get("seccompProfile")
    if seccomp:
        w.write(LEVEL_0, f"SeccompProfile:\t{seccomp.get('type', '')}\n")
        if seccomp.get("type") == "Localhost":
            w.write(LEVEL_0, f"LocalhostProfile:\t{seccomp.get('localhostProfile', '')}\n")


def _ips(pod: Obj, w: PrefixWriter) -> None:
    status = pod.get("status") or {}
    w.write(LEVEL_0, f"IP:\t{status.get('podIP', '')}\n")
    ips = status.get("podIPs") or []
    if not ips:
        w.write(LEVEL_0, "IPs:\t<none>\n")
        return
    w.write(LEVEL_0, "IPs:\n")
    for ip in ips:
        w.write(LEVEL_1, f"IP:\t{ip.get('ip', '')}\n")


def _conditions(pod: Obj, w: PrefixWriter) -> None:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    conditions = status.get("conditions") or []
    gates = spec.get("readinessGates") or []
    if gates:
        w.write(LEVEL_0, "Readiness Gates:\n  Type\tStatus\n")
        for g in gates:
            found = next((c.get("status") for c in conditions if c.get("type") == g.get("conditionType")), "<none>")
            w.write(LEVEL_1, f"{g.get('conditionType', '')} \t{found} \n")
    if conditions:
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\n")
        for c in conditions:
            w.write(LEVEL_1, f"{c.get('type', '')} \t{c.get('status', '')} \n")


def describe_pod(pod: Obj, events: Sequence[Obj] | None, now: float) -> str:
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    w = PrefixWriter()
    _header(pod, w, now)
    _ips(pod, w)
    owner = controlled_by(pod)
    if owner:
        w.write(LEVEL_0, f"Controlled By:\t{owner}\n")
    if status.get("nominatedNodeName"):
        w.write(LEVEL_0, f"NominatedNodeName:\t{status['nominatedNodeName']}\n")
    if spec.get("resources") is not None:
        w.write(LEVEL_0, "Resources:\n")
        describe_resources(spec["resources"], w, LEVEL_1)
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], status.get("initContainerStatuses") or [], w,
                            pod=pod)
    describe_containers("Containers", spec.get("containers") or [], status.get("containerStatuses") or [], w, pod=pod)
    if spec.get("ephemeralContainers"):
        describe_containers("Ephemeral Containers", spec["ephemeralContainers"],
                            status.get("ephemeralContainerStatuses") or [], w, pod=pod)
    _conditions(pod, w)
    describe_volumes(spec.get("volumes") or [], w)
    w.write(LEVEL_0, f"QoS Class:\t{qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    topology_spread(spec.get("topologySpreadConstraints") or [], w)
    events_section(w, events, now)
    return w.text()
