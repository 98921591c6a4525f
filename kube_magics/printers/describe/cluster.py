"""`kubectl describe` for Nodes (with Non-terminated Pods and Allocated resources), Namespaces, ResourceQuotas,
LimitRanges and ServiceAccounts.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from kube_magics import quantity
from kube_magics.printers.columns_core import node_roles
from kube_magics.printers.describe.common import (
    annotations_multiline,
    events_section,
    labels_multiline,
    taints_multiline,
)
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, PrefixWriter
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.util import QuantitySum, format_amount, meta, quantity_string, rfc1123, since

Obj = Mapping[str, Any]

_STANDARD = {"cpu", "memory", "ephemeral-storage", "storage", "pods"}


def _lease(lease: Obj | None, w: PrefixWriter) -> None:
    spec = (lease or {}).get("spec") or {}
    w.write(LEVEL_0, "Lease:\n")
    w.write(LEVEL_1, f"HolderIdentity:\t{spec.get('holderIdentity') or '<unset>'}\n")
    w.write(LEVEL_1, f"AcquireTime:\t{rfc1123(spec['acquireTime']) if spec.get('acquireTime') else '<unset>'}\n")
    w.write(LEVEL_1, f"RenewTime:\t{rfc1123(spec['renewTime']) if spec.get('renewTime') else '<unset>'}\n")


def _node_status(node: Obj, w: PrefixWriter) -> None:
    status = node.get("status") or {}
    conditions = status.get("conditions") or []
    if conditions:
        w.write(LEVEL_0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(LEVEL_1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in conditions:
            times = f"{rfc1123(c.get('lastHeartbeatTime'))} \t{rfc1123(c.get('lastTransitionTime'))} \t"
            w.write(LEVEL_1, f"{c.get('type', '')} \t{c.get('status', '')} \t{times}{c.get('reason', '')} \t"
                             f"{c.get('message', '')}\n")
    w.write(LEVEL_0, "Addresses:\n")
    for a in status.get("addresses") or []:
        w.write(LEVEL_1, f"{a.get('type', '')}:\t{a.get('address', '')}\n")
    for title, key in (("Capacity", "capacity"), ("Allocatable", "allocatable")):
        values = status.get(key) or {}
        if values:
            w.write(LEVEL_0, f"{title}:\n")
            for name in sorted(values):
                w.write(LEVEL_0, f"  {name}:\t{quantity_string(values[name])}\n")
    info = status.get("nodeInfo") or {}
    w.write(LEVEL_0, "System Info:\n")
    for title, key in (("Machine ID", "machineID"), ("System UUID", "systemUUID"), ("Boot ID", "bootID"),
                       ("Kernel Version", "kernelVersion"), ("OS Image", "osImage"),
                       ("Operating System", "operatingSystem"), ("Architecture", "architecture"),
                       ("Container Runtime Version", "containerRuntimeVersion"),
                       ("Kubelet Version", "kubeletVersion"), ("Kube-Proxy Version", "kubeProxyVersion")):
        w.write(LEVEL_0, f"  {title}:\t{info.get(key, '')}\n")


def pod_resources(pod: Obj, kind: str) -> dict[str, QuantitySum]:
    """`resourcehelper.PodRequests` / `PodLimits`: containers summed, the largest init container if larger, plus
    the pod's overhead."""
    spec = pod.get("spec") or {}
    total: dict[str, QuantitySum] = {}
    for c in spec.get("containers") or []:
        for name, value in ((c.get("resources") or {}).get(kind) or {}).items():
            total.setdefault(name, QuantitySum()).add(value)
    for c in spec.get("initContainers") or []:
        for name, value in ((c.get("resources") or {}).get(kind) or {}).items():
            if name not in total or quantity.parse(value)[0] > total[name].amount:
                fresh = QuantitySum()
                fresh.add(value)
                total[name] = fresh
    for name, value in (spec.get("overhead") or {}).items():
        total.setdefault(name, QuantitySum()).add(value)
    return total


def _percent(part: QuantitySum | None, whole: Any, *, milli: bool) -> int:
    if whole is None or part is None:
        return 0
    have = part.milli() if milli else part.value()
    total = quantity.milli(whole) if milli else quantity.integer(whole)
    return int(have / total * 100) if total else 0


def _fmt(q: QuantitySum | None) -> str:
    return str(q) if q is not None else "0"


def _node_pods(node: Obj, pods: Sequence[Obj], now: float, w: PrefixWriter) -> None:
    status = node.get("status") or {}
    alloc = status.get("allocatable") or status.get("capacity") or {}
    w.write(LEVEL_0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(LEVEL_1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(LEVEL_1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    for pod in pods:
        req, lim = pod_resources(pod, "requests"), pod_resources(pod, "limits")
        cells = []
        for source, name, milli in ((req, "cpu", True), (lim, "cpu", True), (req, "memory", False),
                                    (lim, "memory", False)):
            q = source.get(name)
            cells.append(f"{_fmt(q)} ({_percent(q, alloc.get(name), milli=milli)}%)")
        w.write(LEVEL_1, f"{meta(pod).get('namespace', '')}\t{meta(pod).get('name', '')}\t\t{cells[0]}\t{cells[1]}\t"
                         f"{cells[2]}\t{cells[3]}\t{since(meta(pod).get('creationTimestamp'), now)}\n")
    _allocated(alloc, pods, w)


def _allocated(alloc: Mapping[str, Any], pods: Sequence[Obj], w: PrefixWriter) -> None:
    w.write(LEVEL_0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(LEVEL_1, "Resource\tRequests\tLimits\n")
    w.write(LEVEL_1, "--------\t--------\t------\n")
    reqs: dict[str, QuantitySum] = {}
    lims: dict[str, QuantitySum] = {}
    for pod in pods:
        for into, kind in ((reqs, "requests"), (lims, "limits")):
            for name, q in pod_resources(pod, kind).items():
                into.setdefault(name, QuantitySum()).add(_fmt(q))
    for name, milli in (("cpu", True), ("memory", False), ("ephemeral-storage", False)):
        r, lim = reqs.get(name), lims.get(name)
        w.write(LEVEL_1, f"{name}\t{_fmt(r)} ({_percent(r, alloc.get(name), milli=milli)}%)\t"
                         f"{_fmt(lim)} ({_percent(lim, alloc.get(name), milli=milli)}%)\n")
    huge = sorted(n for n in alloc if n.startswith("hugepages-"))
    for name in huge:
        r, lim = reqs.get(name), lims.get(name)
        w.write(LEVEL_1, f"{name}\t{_fmt(r)} ({_percent(r, alloc.get(name), milli=False)}%)\t"
                         f"{_fmt(lim)} ({_percent(lim, alloc.get(name), milli=False)}%)\n")
    extended = sorted(n for n in alloc if n not in _STANDARD and not n.startswith("hugepages-")
                      and not n.startswith("requests.") and not n.startswith("limits."))
    for name in extended:
        w.write(LEVEL_1, f"{name}\t{_fmt(reqs.get(name))}\t{_fmt(lims.get(name))}\n")


def describe_node(node: Obj, pods: Sequence[Obj] | None, lease: Obj | None, events: Sequence[Obj] | None,
                  now: float) -> str:
    md, spec = meta(node), node.get("spec") or {}
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{md.get('name', '')}\n")
    w.write(LEVEL_0, f"Roles:\t{','.join(node_roles(node)) or '<none>'}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(LEVEL_0, f"CreationTimestamp:\t{rfc1123(md.get('creationTimestamp'))}\n")
    taints_multiline(w, "Taints", spec.get("taints"))
    w.write(LEVEL_0, f"Unschedulable:\t{str(bool(spec.get('unschedulable'))).lower()}\n")
    _lease(lease, w)
    _node_status(node, w)
    if spec.get("podCIDR"):
        w.write(LEVEL_0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(LEVEL_0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(LEVEL_0, f"ProviderID:\t{spec['providerID']}\n")
    if pods is not None:
        _node_pods(node, pods, now, w)
    else:
        w.write(LEVEL_0, "Pods:\tnot authorized\n")
    events_section(w, events, now)
    return w.text()


def _used_as_hard(used: Any, hard: Any) -> str:
    """describeQuota re-expresses `used` in the format of `hard` when they differ (`100Mi`, not `104857600`)."""
    try:
        used_amount, used_fmt = quantity.parse(used)
        _, hard_fmt = quantity.parse(hard)
    except quantity.QuantityError:
        return str(used)
    if used_fmt == hard_fmt:
        return quantity_string(used)
    return format_amount(Fraction(-(-used_amount // 1)), hard_fmt)


def _quota_rows(quota: Obj, w: PrefixWriter, level: int, rule: str, *, convert: bool = False) -> None:
    status = quota.get("status") or {}
    hard, used = status.get("hard") or {}, status.get("used") or {}
    w.write(level, "Resource\tUsed\tHard\n")
    w.write(level, f"--------\t{rule}\t{rule}\n")
    for name in sorted(hard):
        value = used.get(name, "0")
        shown = _used_as_hard(value, hard[name]) if convert else quantity_string(value)
        w.write(level, f"{name}\t{shown}\t{quantity_string(hard[name])}\n")


_SCOPE_HELP = {
    "Terminating": "Matches all pods that have an active deadline. These pods have a limited lifespan on a node "
                   "before being actively terminated by the system.",
    "NotTerminating": "Matches all pods that do not have an active deadline. These pods usually include long "
                      "running pods whose container command is not expected to terminate.",
    "BestEffort": "Matches all pods that do not have resource requirements set. These pods have a best effort "
                  "quality of service.",
    "NotBestEffort": "Matches all pods that have at least one resource requirement set. These pods have a "
                     "burstable or guaranteed quality of service.",
}


def describe_resourcequota(quota: Obj) -> str:
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{meta(quota).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(quota).get('namespace', '')}\n")
    scopes = sorted((quota.get("spec") or {}).get("scopes") or [])
    if scopes:
        w.write(LEVEL_0, f"Scopes:\t{', '.join(scopes)}\n")
        for scope in scopes:
            if scope in _SCOPE_HELP:
                w.write(LEVEL_0, f" * {_SCOPE_HELP[scope]}\n")
    _quota_rows(quota, w, LEVEL_0, "----", convert=True)
    return w.text()


def _limit_rows(limit_range: Obj, prefix: str, w: PrefixWriter) -> None:
    keys = ("min", "max", "defaultRequest", "default", "maxLimitRequestRatio")
    for item in (limit_range.get("spec") or {}).get("limits") or []:
        names = sorted({n for k in keys for n in (item.get(k) or {})})
        for name in names:
            values = [quantity_string(item[k][name]) if name in (item.get(k) or {}) else "-" for k in keys]
            w.write(LEVEL_0, f"{prefix}{item.get('type', '')}\t{name}\t" + "\t".join(values) + "\n")


_LIMIT_HEADER = "Type\tResource\tMin\tMax\tDefault Request\tDefault Limit\tMax Limit/Request Ratio\n"
_LIMIT_RULE = "----\t--------\t---\t---\t---------------\t-------------\t-----------------------\n"


def describe_limitrange(limit_range: Obj) -> str:
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{meta(limit_range).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(limit_range).get('namespace', '')}\n")
    w.write(LEVEL_0, _LIMIT_HEADER)
    w.write(LEVEL_0, _LIMIT_RULE)
    _limit_rows(limit_range, "", w)
    return w.text()


def describe_namespace(ns: Obj, quotas: Sequence[Obj] | None, limit_ranges: Sequence[Obj] | None) -> str:
    md, status = meta(ns), ns.get("status") or {}
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{md.get('name', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(LEVEL_0, f"Status:\t{status.get('phase', '')}\n")
    if status.get("conditions"):
        w.write(LEVEL_0, "Conditions:\n")
        w.write(LEVEL_1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(LEVEL_1, "----\t------\t------------------\t------\t-------\n")
        for c in status["conditions"]:
            w.write(LEVEL_1, f"{c.get('type')}\t{c.get('status')}\t{rfc1123(c.get('lastTransitionTime'))}\t"
                             f"{c.get('reason', '')}\t{c.get('message', '')}\n")
    if quotas is not None:
        w.write(LEVEL_0, "\n")
        if not quotas:
            w.write(LEVEL_0, "No resource quota.\n")
        else:
            w.write(LEVEL_0, "Resource Quotas\n")
            for q in go_sort(list(quotas), lambda a, b: str(meta(a).get("name")) < str(meta(b).get("name"))):
                w.write(LEVEL_1, f"Name:\t{meta(q).get('name', '')}\n")
                _quota_rows(q, w, LEVEL_1, "---")
    if limit_ranges is not None:
        w.write(LEVEL_0, "\n")
        if not limit_ranges:
            w.write(LEVEL_0, "No LimitRange resource.\n")
        else:
            w.write(LEVEL_0, "Resource Limits\n " + _LIMIT_HEADER)
            w.write(LEVEL_0, " " + _LIMIT_RULE)
            for lr in limit_ranges:
                _limit_rows(lr, " ", w)
    return w.text()


def describe_serviceaccount(sa: Obj, events: Sequence[Obj] | None, now: float) -> str:
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{meta(sa).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(sa).get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta(sa).get("labels"))
    annotations_multiline(w, "Annotations", meta(sa).get("annotations"))
    names = [str(s.get("name", "")) for s in sa.get("imagePullSecrets") or []]
    header = "Image pull secrets:"
    if not names:
        w.write(LEVEL_0, f"{header}\t<none>\n")
    for name in names:
        w.write(LEVEL_0, f"{header}\t{name}\n")
        header = " " * len(header)
    events_section(w, events, now)
    return w.text()
