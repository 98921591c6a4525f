"""Score plugins of the default profile as pure functions over numpy arrays (one element per candidate node).

Integer arithmetic where the scheduler's Go code is integer (LeastAllocated, the normalisations), float where it
is float (BalancedAllocation, PodTopologySpread), rounding as Go rounds. Weights are the default profile's.

Worked example (LeastAllocated): a node with 4000m CPU and 8Gi, already holding three best-effort pods (3 x 100m,
3 x 200Mi counted), scoring a best-effort pod: cpu (4000 - 400) * 100 / 4000 = 90, memory
(8192 - 800) * 100 / 8192 = 90 (integer division), so (90 + 90) / 2 = 90.
"""

from __future__ import annotations

import math

import numpy as np

MAX_SCORE = 100
WEIGHTS = {"TaintToleration": 3, "NodeAffinity": 2, "NodeResourcesFit": 1, "PodTopologySpread": 2,
           "InterPodAffinity": 2, "NodeResourcesBalancedAllocation": 1, "ImageLocality": 1}
MB = 1024 * 1024
IMAGE_MIN = 23 * MB
IMAGE_MAX_PER_CONTAINER = 1000 * MB
SPREAD_DEFAULTS = (("kubernetes.io/hostname", 3), ("topology.kubernetes.io/zone", 5))  # system default constraints

Arr = np.ndarray


def least_allocated(requested: Arr, allocatable: Arr) -> Arr:
    """`leastRequestedScore` for one resource: (capacity - requested) * 100 / capacity, 0 when over."""
    alloc = np.maximum(allocatable, 1)
    score = (allocatable - requested) * MAX_SCORE // alloc
    return np.where((requested > allocatable) | (allocatable == 0), 0, score)


def resources_fit(requested: Arr, allocatable: Arr) -> Arr:
    """NodeResourcesFit with the LeastAllocated strategy and the default weights (cpu 1, memory 1): rows are
    cpu and memory, columns nodes."""
    # Over-requested (or zero-capacity) resources score 0: the free amount is clipped at 0.
    score = np.maximum(allocatable - requested, 0) * MAX_SCORE // np.maximum(allocatable, 1)
    return np.add.reduce(score, axis=0) // 2


def balanced_allocation(cpu_req: Arr, cpu_alloc: Arr, mem_req: Arr, mem_alloc: Arr) -> Arr:
    """(1 - std of the requested fractions) * 100; with two resources std = |f1 - f2| / 2."""
    f_cpu = np.minimum(cpu_req / np.maximum(cpu_alloc, 1), 1.0)
    f_mem = np.minimum(mem_req / np.maximum(mem_alloc, 1), 1.0)
    return ((1.0 - np.abs(f_cpu - f_mem) / 2) * MAX_SCORE).astype(np.int64)


def normalize(raw: Arr, *, reverse: bool = False) -> Arr:
    """`DefaultNormalizeScore`: scale to 0..100 by the maximum (reversed: 100 minus that)."""
    top = int(raw.max()) if len(raw) else 0
    if top == 0:
        return np.full(len(raw), MAX_SCORE if reverse else 0, dtype=np.int64)
    scaled = MAX_SCORE * raw // top
    return MAX_SCORE - scaled if reverse else scaled


def spread_raw(counts: Arr, max_skew: int, weight: float) -> Arr:
    """`scoreForCount` summed per node, before rounding: matching pods times the topology weight, plus
    maxSkew - 1."""
    return counts * weight + (max_skew - 1)


def spread_weight(domains: int) -> float:
    """`topologyNormalizingWeight`: log(size + 2)."""
    return math.log(domains + 2)


def spread_normalize(raw: Arr) -> Arr:
    """PodTopologySpread's NormalizeScore: 100 * (max + min - score) / max, fewer matching pods scoring higher."""
    scores = np.floor(raw + 0.5).astype(np.int64)  # math.Round on non-negative values
    if not len(scores):
        return scores
    top, low = int(np.maximum.reduce(scores)), int(np.minimum.reduce(scores))
    if top == 0:
        return np.full(len(scores), MAX_SCORE, dtype=np.int64)
    return MAX_SCORE * (top + low - scores) // top


def image_locality(sum_scores: Arr, containers: int) -> Arr:
    """`calculatePriority`: the summed image scores clamped to [23MB, 1000MB x containers], scaled to 0..100."""
    top = IMAGE_MAX_PER_CONTAINER * containers
    clamped = np.clip(sum_scores, IMAGE_MIN, top)
    return MAX_SCORE * (clamped - IMAGE_MIN) // (top - IMAGE_MIN)


def image_score(size: int, nodes_with_image: int, total_nodes: int) -> int:
    """`scaledImageScore`: an image's size scaled by the share of nodes that have it."""
    return int(float(size) * (nodes_with_image / total_nodes)) if total_nodes else 0
