"""What a pod asks of a node, computed once per scheduling attempt (the scheduler's PodInfo and PreFilter state).

Requests are the sum over containers, at least the largest init container's (as `resourcehelper.PodRequests`);
the non-zero requests used for scoring put 100m CPU and 200Mi memory in place of a container's missing cpu or
memory request (`schedutil.GetNonzeroRequests`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kube_magics import quantity

DEFAULT_MILLI_CPU = 100
DEFAULT_MEMORY = 200 * 1024 * 1024
BASE = ("cpu", "memory", "ephemeral-storage")


class QuantityCache:
    """Parsed quantities by their text (pods of one template repeat the same few values)."""

    def __init__(self) -> None:
        self._milli: dict[str, int] = {}
        self._int: dict[str, int] = {}

    def milli(self, value: Any) -> int:
        key = str(value)
        got = self._milli.get(key)
        if got is None:
            got = self._milli[key] = quantity.milli(key)
        return got

    def integer(self, value: Any) -> int:
        key = str(value)
        got = self._int.get(key)
        if got is None:
            got = self._int[key] = quantity.integer(key)
        return got

    def amount(self, name: str, value: Any) -> int:
        return self.milli(value) if name == "cpu" else self.integer(value)


@dataclass
class PodInfo:
    namespace: str
    name: str
    uid: str
    labels: Mapping[str, str]
    priority: int
    requests: dict[str, int]  # cpu in millicores, memory and others in units
    nonzero_cpu: int
    nonzero_memory: int
    images: tuple[str, ...]
    tolerations: tuple[Mapping[str, Any], ...]
    node_selector: Mapping[str, str]
    required_terms: tuple[Mapping[str, Any], ...] | None  # nodeSelectorTerms, None when there is no requirement
    preferred_terms: tuple[Mapping[str, Any], ...]
    node_name: str
    preemption_policy: str
    host_ports: tuple[tuple[int, str], ...] = ()
    signature: tuple[Any, ...] = field(default=())
    _column: np.ndarray | None = None

    @property
    def nonzero_column(self) -> np.ndarray:
        """The non-zero cpu and memory requests as a column, to add to a (2, nodes) array."""
        if self._column is None:
            self._column = np.array([[self.nonzero_cpu], [self.nonzero_memory]], dtype=np.int64)
        return self._column

    @property
    def cpu(self) -> int:
        return self.requests.get("cpu", 0)

    @property
    def memory(self) -> int:
        return self.requests.get("memory", 0)

    @property
    def extended(self) -> dict[str, int]:
        return {k: v for k, v in self.requests.items() if k not in BASE and v}

    def only_node_names(self) -> list[str] | None:
        """NodeAffinity's PreFilter: a required term that only lists node names (DaemonSet pods) narrows the
        candidates to those nodes."""
        if self.node_name:
            return [self.node_name]
        if not self.required_terms:
            return None
        names: list[str] = []
        for term in self.required_terms:
            fields = term.get("matchFields") or []
            if term.get("matchExpressions") or len(fields) != 1:
                return None
            f = fields[0]
            if f.get("key") != "metadata.name" or f.get("operator") != "In":
                return None
            names.extend(f.get("values") or [])
        return names


def _sum_requests(containers: list[Mapping[str, Any]], q: QuantityCache) -> tuple[dict[str, int], int, int]:
    total: dict[str, int] = {}
    nz_cpu = nz_mem = 0
    for c in containers:
        req = (c.get("resources") or {}).get("requests") or {}
        for k, v in req.items():
            total[k] = total.get(k, 0) + q.amount(k, v)
        nz_cpu += q.milli(req["cpu"]) if "cpu" in req else DEFAULT_MILLI_CPU
        nz_mem += q.integer(req["memory"]) if "memory" in req else DEFAULT_MEMORY
    return total, nz_cpu, nz_mem


def pod_info(pod: Mapping[str, Any], q: QuantityCache) -> PodInfo:
    meta, spec = pod["metadata"], pod["spec"]
    containers = list(spec.get("containers") or [])
    inits = list(spec.get("initContainers") or [])
    requests, nz_cpu, nz_mem = _sum_requests(containers, q)
    for ic in inits:
        one, icpu, imem = _sum_requests([ic], q)
        for k, v in one.items():
            requests[k] = max(requests.get(k, 0), v)
        nz_cpu, nz_mem = max(nz_cpu, icpu), max(nz_mem, imem)
    overhead = spec.get("overhead") or {}
    for k, v in overhead.items():
        requests[k] = requests.get(k, 0) + q.amount(k, v)
    affinity = (spec.get("affinity") or {}).get("nodeAffinity") or {}
    required = (affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms")
    preferred = tuple(affinity.get("preferredDuringSchedulingIgnoredDuringExecution") or ())
    tolerations = tuple(spec.get("tolerations") or ())
    selector = spec.get("nodeSelector") or {}
    ports = tuple((int(p["hostPort"]), str(p.get("protocol", "TCP"))) for c in containers
                  for p in c.get("ports") or () if p.get("hostPort"))
    info = PodInfo(
        namespace=meta.get("namespace", ""), name=meta["name"], uid=meta.get("uid", ""),
        labels=meta.get("labels") or {}, priority=int(spec.get("priority") or 0), requests=requests,
        nonzero_cpu=nz_cpu, nonzero_memory=nz_mem,
        images=tuple(str(c.get("image", "")) for c in inits + containers),
        tolerations=tolerations, node_selector=selector,
        required_terms=tuple(required) if required is not None else None, preferred_terms=preferred,
        node_name=str(spec.get("nodeName") or ""), preemption_policy=str(spec.get("preemptionPolicy") or ""),
        host_ports=ports,
    )
    # The shape static filters depend on; pods of one template repeat it exactly, key order included.
    info.signature = (repr(selector), repr(required), repr(preferred), repr(tolerations))
    return info

