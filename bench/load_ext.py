"""What `%load_ext kube_magics` costs on top of starting IPython (target: at most 1.5x a bare start).

Runs each variant as a fresh process, alternating, and prints the medians and their ratio:
    python bench/load_ext.py [--runs 15]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BARE = "from IPython.core.interactiveshell import InteractiveShell; s = InteractiveShell.instance()"
LOADED = BARE + "; s.run_line_magic('load_ext', 'kube_magics')"


def once(code: str) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    once(BARE)
    once(LOADED)  # warm the file cache
    bare, loaded, ratios = [], [], []
    for _ in range(args.runs):
        b = once(BARE)
        loaded_time = once(LOADED)
        bare.append(b)
        loaded.append(loaded_time)
        ratios.append(loaded_time / b)
    print(f"bare IPython start:        median {statistics.median(bare) * 1000:7.1f} ms")
    print(f"with %load_ext kube_magics: median {statistics.median(loaded) * 1000:7.1f} ms")
    print(f"ratio (paired, median):    {statistics.median(ratios):.3f}  (target <= 1.5)")
    probe = ("import sys; " + LOADED + "; "
             "heavy = [m for m in ('yaml', 'jinja2', 'kubernetes', 'docker', 'ipywidgets', 'anywidget', 'numpy') "
             "if m in sys.modules]; print(','.join(heavy) or 'none')")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    print(f"heavy modules imported by %load_ext: {out.stdout.strip().splitlines()[-1]}")


if __name__ == "__main__":
    main()
