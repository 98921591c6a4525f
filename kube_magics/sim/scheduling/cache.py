"""The scheduler cache: what the scheduler knows of nodes and the pods on them, kept from watch events.

Nodes are rows of numpy arrays (allocatable and requested resources, non-zero requests for scoring, pod
counts), in the order they joined (the scheduler's node tree without zones). Pods bound or assumed to a node add
their requests to its row; terminal and deleted pods leave it. Image states (which nodes hold an image, its
size) come from `node.status.images`. For PodTopologySpread, pods are counted per node for each spread
selector that some pod has needed (`SpreadGroup`), and updated as pods come and go, so that scoring a pod
reads one array instead of counting pods. Adding or removing a node marks the arrays for a rebuild on the next
scheduling cycle; everything else is updated in place.

Must not: write to the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kube_magics.images import normalise
from kube_magics.selectors import Selector, from_label_selector, from_map
from kube_magics.sim.scheduling.podinfo import QuantityCache

Obj = dict[str, Any]
PodKey = tuple[str, str]
SELECTOR_KINDS = ("Service", "ReplicationController", "ReplicaSet", "StatefulSet")
ZONE = "topology.kubernetes.io/zone"


@dataclass
class Placed:
    """A pod the cache counts on a node."""

    node: str
    requests: dict[str, int]
    nonzero: tuple[int, int]
    namespace: str
    labels_key: tuple[tuple[str, str], ...]
    spread: bool  # counted by PodTopologySpread (not terminating)


@dataclass
class SpreadGroup:
    """Pods matching one default spread selector, counted per node."""

    namespace: str
    selectors: tuple[Selector, ...]
    counts: np.ndarray
    matches: dict[tuple[tuple[str, str], ...], bool] = field(default_factory=dict)

    def match(self, labels_key: tuple[tuple[str, str], ...]) -> bool:
        hit = self.matches.get(labels_key)
        if hit is None:
            labels = dict(labels_key)
            hit = self.matches[labels_key] = all(s.matches(labels) for s in self.selectors)
        return hit


def labels_key(labels: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((labels or {}).items()))


class SchedulerCache:
    def __init__(self, quantities: QuantityCache) -> None:
        self.q = quantities
        self.node_objs: dict[str, Obj] = {}
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.dirty = True
        self.generation = 0  # moves when any node's labels, taints or schedulability change
        self.pods: dict[PodKey, Placed] = {}
        self.alloc: dict[str, np.ndarray] = {}
        self.used: dict[str, np.ndarray] = {}
        self.nonzero = np.zeros((2, 0), dtype=np.int64)
        self.alloc2 = np.zeros((2, 0), dtype=np.int64)  # cpu and memory allocatable, as the scores read them
        self.pod_counts = np.zeros(0, dtype=np.int64)
        self.allowed_pods = np.zeros(0, dtype=np.int64)
        self.images: dict[str, np.ndarray] = {}
        self.image_size: dict[str, int] = {}
        self.zones: np.ndarray = np.zeros(0, dtype=np.int64)
        self.zone_count = 0
        self.groups: dict[tuple[Any, ...], SpreadGroup] = {}
        self.selectors: dict[str, dict[tuple[str, str], Selector]] = {}  # namespace -> (kind, name) -> selector
        self.selector_epoch = 0
        self._default_selectors: dict[tuple[str, tuple[tuple[str, str], ...]], tuple[Any, ...] | None] = {}
        self._label_groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[SpreadGroup]] = {}
        # Spread-counted pods per node for each (namespace, labels): a new group sums the arrays it matches.
        self._label_counts: dict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = {}

    @property
    def size(self) -> int:
        return len(self.names)

    # --- nodes -------------------------------------------------------------------------------------------------

    def set_node(self, node: Obj) -> bool:
        """Add or update a node; returns True if what filters read (labels, taints, capacity) changed."""
        name = node["metadata"]["name"]
        old = self.node_objs.get(name)
        self.node_objs[name] = node
        if old is None:
            self.dirty = True
            self.generation += 1
            return True
        i = self.index.get(name)
        static = (old["metadata"].get("labels") != node["metadata"].get("labels")
                  or old["spec"] != node["spec"])
        alloc_changed = (old.get("status") or {}).get("allocatable") != (node.get("status") or {}).get("allocatable")
        if static:
            self.generation += 1
        if self.dirty or i is None:
            return static or alloc_changed
        if alloc_changed:
            self.dirty = True
        if (old.get("status") or {}).get("images") != (node.get("status") or {}).get("images"):
            self._set_images(i, node)
        return static or alloc_changed

    def remove_node(self, name: str) -> None:
        if self.node_objs.pop(name, None) is not None:
            self.dirty = True
            self.generation += 1

    def rebuild(self) -> None:
        """Rows for the current nodes, and every placed pod's requests added back."""
        if not self.dirty:
            return
        self.dirty = False
        self.names = list(self.node_objs)
        self.index = {n: i for i, n in enumerate(self.names)}
        n = len(self.names)
        resources: set[str] = {"cpu", "memory", "ephemeral-storage"}
        for node in self.node_objs.values():
            resources.update(k for k in (node.get("status") or {}).get("allocatable") or {} if k != "pods")
        self.alloc = {r: np.zeros(n, dtype=np.int64) for r in sorted(resources)}
        self.used = {r: np.zeros(n, dtype=np.int64) for r in sorted(resources)}
        self.nonzero = np.zeros((2, n), dtype=np.int64)
        self.pod_counts = np.zeros(n, dtype=np.int64)
        self.allowed_pods = np.zeros(n, dtype=np.int64)
        self.images, self.image_size = {}, {}
        zones: dict[str, int] = {}
        self.zones = np.full(n, -1, dtype=np.int64)
        for i, node in enumerate(self.node_objs.values()):
            alloc = (node.get("status") or {}).get("allocatable") or {}
            for r, value in alloc.items():
                if r == "pods":
                    self.allowed_pods[i] = self.q.integer(value)
                else:
                    self.alloc[r][i] = self.q.amount(r, value)
            zone = (node["metadata"].get("labels") or {}).get(ZONE)
            if zone:
                self.zones[i] = zones.setdefault(zone, len(zones))
            self._set_images(i, node)
        self.zone_count = len(zones)
        self.alloc2 = np.vstack((self.alloc["cpu"], self.alloc["memory"]))
        for g in self.groups.values():
            g.counts = np.zeros(n, dtype=np.int64)
        self._label_counts = {}
        for key, placed in list(self.pods.items()):
            row = self.index.get(placed.node)
            if row is None:
                del self.pods[key]
                continue
            self._apply(placed, row, +1)

    def _set_images(self, i: int, node: Obj) -> None:
        n = len(self.names)
        for arr in self.images.values():
            arr[i] = False
        for item in (node.get("status") or {}).get("images") or ():
            for ref in item.get("names") or ():
                if "@" in ref:
                    continue
                key = normalise(ref)
                present = self.images.get(key)
                if present is None:
                    present = self.images[key] = np.zeros(n, dtype=bool)
                present[i] = True
                self.image_size[key] = int(item.get("sizeBytes") or 0)

    # --- pods --------------------------------------------------------------------------------------------------

    def place(self, key: PodKey, node: str, requests: dict[str, int], nonzero: tuple[int, int], namespace: str,
              labels: Mapping[str, str] | None, *, spread: bool = True) -> None:
        if key in self.pods:
            self.remove(key)
        placed = Placed(node, requests, nonzero, namespace, labels_key(labels), spread)
        self.pods[key] = placed
        i = self.index.get(node)
        if i is not None and not self.dirty:
            self._apply(placed, i, +1)

    def remove(self, key: PodKey) -> Placed | None:
        placed = self.pods.pop(key, None)
        if placed is not None:
            i = self.index.get(placed.node)
            if i is not None and not self.dirty:
                self._apply(placed, i, -1)
        return placed

    def stop_spreading(self, key: PodKey) -> None:
        """A terminating pod still holds its resources but no longer counts for topology spreading."""
        placed = self.pods.get(key)
        if placed is None or not placed.spread:
            return
        i = self.index.get(placed.node)
        if i is not None and not self.dirty:
            self._count_labels(placed, i, -1)
            for g in self._groups_for(placed):
                g.counts[i] -= 1
        placed.spread = False

    def _apply(self, placed: Placed, i: int, sign: int) -> None:
        for r, amount in placed.requests.items():
            arr = self.used.get(r)
            if arr is not None:
                arr[i] += sign * amount
        self.nonzero[0, i] += sign * placed.nonzero[0]
        self.nonzero[1, i] += sign * placed.nonzero[1]
        self.pod_counts[i] += sign
        if placed.spread:
            self._count_labels(placed, i, sign)
            for g in self._groups_for(placed):
                g.counts[i] += sign

    def _count_labels(self, placed: Placed, i: int, sign: int) -> None:
        k = (placed.namespace, placed.labels_key)
        arr = self._label_counts.get(k)
        if arr is None:
            arr = self._label_counts[k] = np.zeros(len(self.names), dtype=np.int64)
        arr[i] += sign

    def _groups_for(self, placed: Placed) -> list[SpreadGroup]:
        k = (placed.namespace, placed.labels_key)
        groups = self._label_groups.get(k)
        if groups is None:
            groups = self._label_groups[k] = [g for g in self.groups.values()
                                              if g.namespace == placed.namespace and g.match(placed.labels_key)]
        return groups

    # --- spread selectors ----------------------------------------------------------------------------------------

    def set_selector_owner(self, obj: Obj, deleted: bool = False) -> None:
        """A Service, ReplicationController, ReplicaSet or StatefulSet, whose selector defines spreading."""
        meta = obj["metadata"]
        ns, ident = meta.get("namespace", ""), (obj["kind"], meta["name"])
        owners = self.selectors.setdefault(ns, {})
        sel = None if deleted else _selector_of(obj)
        if sel is None:
            if owners.pop(ident, None) is not None:
                self._bump_selectors()
            return
        if str(owners.get(ident)) != str(sel):
            owners[ident] = sel
            self._bump_selectors()

    def _bump_selectors(self) -> None:
        self.selector_epoch += 1
        self._default_selectors.clear()

    def spread_group(self, namespace: str, labels: Mapping[str, str] | None) -> SpreadGroup | None:
        """The group of pods that the system default spreading counts for a pod with these labels
        (`helper.DefaultSelector`: the selectors of every Service, RC, RS and StatefulSet selecting it)."""
        lk = labels_key(labels)
        if (namespace, lk) in self._default_selectors:
            gkey = self._default_selectors[(namespace, lk)]
        else:
            label_map = dict(lk)
            hits = sorted(((ident, sel) for ident, sel in (self.selectors.get(namespace) or {}).items()
                           if sel.matches(label_map)), key=lambda h: h[0])
            gkey = (namespace, tuple(str(s) for _, s in hits)) if hits else None
            self._default_selectors[(namespace, lk)] = gkey
            if gkey is not None and gkey not in self.groups:
                self._new_group(gkey, tuple(s for _, s in hits))
        return self.groups.get(gkey) if gkey is not None else None

    def _new_group(self, gkey: tuple[Any, ...], selectors: tuple[Selector, ...]) -> None:
        namespace = gkey[0]
        group = SpreadGroup(namespace, selectors, np.zeros(len(self.names), dtype=np.int64))
        self.groups[gkey] = group
        self._label_groups = {k: v for k, v in self._label_groups.items() if k[0] != namespace}
        if self.dirty:
            return
        for (ns, lk), arr in self._label_counts.items():
            if ns == namespace and group.match(lk):
                group.counts += arr


def _selector_of(obj: Obj) -> Selector | None:
    spec = obj.get("spec") or {}
    if obj["kind"] in ("Service", "ReplicationController"):
        sel = spec.get("selector")
        return from_map(sel) if sel else None
    sel = spec.get("selector")
    if not sel:
        return None
    parsed = from_label_selector(sel)
    return None if parsed.is_empty() else parsed

