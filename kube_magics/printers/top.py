"""`kubectl top pods` and `kubectl top nodes` from metrics.k8s.io objects (PodMetrics, NodeMetrics).

CPU prints in millicores (`250m`), memory in MiB rounded down (`12Mi`); nodes add CPU% and MEMORY% of their
allocatable, `<unknown>` for a node without metrics. Rows are sorted by name (namespace first with -A), or by
--sort-by=cpu|memory, largest first, with Go's sort as kubectl does. Every value is followed by a tab, so lines
end in padding, as kubectl's do.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics import quantity
from kube_magics.errors import UsageError
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.tabwriter import align_get
from kube_magics.printers.util import meta

Obj = Mapping[str, Any]


def _usage(usage: Mapping[str, Any] | None) -> tuple[int, int]:
    """(CPU millicores, memory bytes)."""
    usage = usage or {}
    return quantity.milli(usage.get("cpu", "0")), quantity.integer(usage.get("memory", "0"))


def _pod_usage(pod_metrics: Obj) -> tuple[int, int]:
    cpu = mem = 0
    for c in pod_metrics.get("containers") or []:
        c_cpu, c_mem = _usage(c.get("usage"))
        cpu, mem = cpu + c_cpu, mem + c_mem
    return cpu, mem


def _check(sort_by: str) -> None:
    if sort_by not in ("", "cpu", "memory"):
        raise UsageError("--sort-by accepts only cpu or memory")


def top_pods(metrics: Sequence[Obj], *, all_namespaces: bool = False, containers: bool = False, sort_by: str = "",
             no_headers: bool = False, namespace: str = "default") -> str:
    """What `kubectl top pods [-A] [--containers] [--sort-by=cpu|memory]` prints."""
    _check(sort_by)
    if not metrics:
        return "No resources found\n" if all_namespaces else f"No resources found in {namespace} namespace.\n"
    items = list(metrics)

    def less(a: Obj, b: Obj) -> bool:
        if sort_by:
            index = 0 if sort_by == "cpu" else 1
            return _pod_usage(a)[index] > _pod_usage(b)[index]
        if all_namespaces and meta(a).get("namespace") != meta(b).get("namespace"):
            return str(meta(a).get("namespace")) < str(meta(b).get("namespace"))
        return str(meta(a).get("name")) < str(meta(b).get("name"))

    go_sort(items, less)
    lines = []
    if not no_headers:
        lines.append(("NAMESPACE\t" if all_namespaces else "") + ("POD\t" if containers else "")
                     + "NAME\tCPU(cores)\tMEMORY(bytes)\t")
    for m in items:
        ns = f"{meta(m).get('namespace', '')}\t" if all_namespaces else ""
        if containers:
            for c in sorted(m.get("containers") or [], key=lambda c: str(c.get("name"))):
                cpu, mem = _usage(c.get("usage"))
                lines.append(f"{ns}{meta(m).get('name', '')}\t{c.get('name', '')}\t{cpu}m\t{mem // 2**20}Mi\t")
        else:
            cpu, mem = _pod_usage(m)
            lines.append(f"{ns}{meta(m).get('name', '')}\t{cpu}m\t{mem // 2**20}Mi\t")
    return align_get("".join(line + "\n" for line in lines))


def top_nodes(metrics: Sequence[Obj], nodes: Sequence[Obj], *, sort_by: str = "", no_headers: bool = False) -> str:
    """What `kubectl top nodes` prints; `nodes` give the allocatable that CPU% and MEMORY% are measured against."""
    _check(sort_by)
    if not metrics:
        return ""
    allocatable = {str(meta(n).get("name")): (n.get("status") or {}).get("allocatable") or {} for n in nodes}
    items = list(metrics)
    index = {"cpu": 0, "memory": 1}.get(sort_by)
    go_sort(items, lambda a, b: _usage(a.get("usage"))[index] > _usage(b.get("usage"))[index] if index is not None
            else str(meta(a).get("name")) < str(meta(b).get("name")))
    lines = [] if no_headers else ["NAME\tCPU(cores)\tCPU(%)\tMEMORY(bytes)\tMEMORY(%)\t"]
    seen = set()
    for m in items:
        name = str(meta(m).get("name", ""))
        seen.add(name)
        cpu, mem = _usage(m.get("usage"))
        alloc = allocatable.get(name)
        if alloc is None:
            lines.append(f"{name}\t{cpu}m\t{mem // 2**20}Mi\t")
            continue
        cpu_pct = _percent(cpu, quantity.milli(alloc.get("cpu", "0")))
        mem_pct = _percent(mem * 1000, quantity.milli(alloc.get("memory", "0")))
        lines.append(f"{name}\t{cpu}m\t{cpu_pct}%\t{mem // 2**20}Mi\t{mem_pct}%\t")
    for name in allocatable:
        if name not in seen:
            lines.append(f"{name}\t<unknown>\t<unknown>\t<unknown>\t<unknown>\t")
    return align_get("".join(line + "\n" for line in lines))


def _percent(used_milli: int, total_milli: int) -> int:
    return int(used_milli / total_milli * 100) if total_milli else 0
