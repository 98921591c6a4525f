"""How long the simulated builder takes on a 20-step Dockerfile (target: at most 50 ms), cold and fully cached.

    python3 bench/dockerfile_sim_build.py
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from dockerfiles import TWENTY as DOCKERFILE
from dockerfiles import node_context

from kube_magics.dockerfile import SimBuilder


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        node_context(root)
        cold, warm = [], []
        for _ in range(20):
            builder = SimBuilder()
            t0 = time.perf_counter()
            builder.build(DOCKERFILE, context=root, tags=["bench:1"])
            cold.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            builder.build(DOCKERFILE, context=root, tags=["bench:1"])
            warm.append(time.perf_counter() - t0)
    steps = sum(1 for line in DOCKERFILE.splitlines() if line.strip())
    print(f"{steps}-instruction Dockerfile, 33-file context, 20 runs")
    print(f"cold build:   median {statistics.median(cold) * 1000:.1f} ms, max {max(cold) * 1000:.1f} ms")
    print(f"cached build: median {statistics.median(warm) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms")
    print("target: at most 50 ms")


if __name__ == "__main__":
    main()
