"""How long kubectl-style printing takes at cluster scale: `get pods -A` over 10,000 pods, `--sort-by`, -o json
and -o yaml, `get -w` lines, and `describe node` with 110 pods. Prints one line per figure.

Run: python bench/printers_scale.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kube_magics.printers import GetOptions, WatchPrinter, describe, get
from tests import printers_data as d


def timed(label: str, fn, count: int) -> None:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    seconds = time.perf_counter() - start
    print(f"{label:<44} {seconds:8.3f} s   {count / seconds:10.0f} objects/s")


def main() -> None:
    pods = [d.pod(f"web-{i:05d}", created=-i, namespace=f"ns-{i % 20}") for i in range(10_000)]
    now = d.T0 + 5
    timed("get pods -A (10,000 pods)", lambda: get(pods, now=now, options=GetOptions(all_namespaces=True)), 10_000)
    timed("get pods -A -o wide (10,000 pods)",
          lambda: get(pods, now=now, options=GetOptions(all_namespaces=True, output="wide")), 10_000)
    timed("get pods --sort-by=.metadata.creationTimestamp",
          lambda: get(pods, now=now, options=GetOptions(sort_by=".metadata.creationTimestamp")), 10_000)
    timed("get pods -o json (10,000 pods)", lambda: get(pods, now=now, options=GetOptions(output="json")), 10_000)
    timed("get pods -o yaml (1,000 pods)", lambda: get(pods[:1000], now=now, options=GetOptions(output="yaml")), 1000)
    watcher = WatchPrinter("Pod")

    def watch() -> None:
        for p in pods[:1000]:
            watcher.event("MODIFIED", p, now=now)

    timed("get -w: 1,000 event lines", watch, 1000)
    node = d.node("fake-node-2")
    on_node = d.Cluster(node, *pods[:110])
    timed("describe node (110 pods)", lambda: describe(node, now=now, related=on_node), 110)


if __name__ == "__main__":
    main()
