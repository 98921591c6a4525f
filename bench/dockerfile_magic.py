"""`%%dockerfile` through the magic, in a real IPython shell.

1. On the engine (`%docker context use default`) against `DOCKER_BUILDKIT=0 docker build -f - CONTEXT` on the
   same context and cache state (the seed's Dockerfile shape on busybox:local), alternating who goes first:
   - cached: nothing changed, every step from the cache;
   - edited: server.js changes before each build, so `COPY . .` and what follows run again.
   The magic's cost over the engine's: line parsing, templating, the linter, the build with its progress view,
   `docker image inspect` and `history` for the result, the push to the simulated registry. Target: ratio <= 1.10.
2. On the simulated builder (`%docker context use sim`), a 20-instruction multi-stage Dockerfile, cold (a fresh
   engine) and cached. Target: at most 50 ms.

    python3 bench/dockerfile_magic.py [--runs 15] [--sim-only]

Part 1 needs a Docker engine and the busybox:local image (tests/docker makes it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dockerfiles import SEED, TWENTY, node_context
from IPython.core.interactiveshell import InteractiveShell


def shell() -> Any:
    ip = InteractiveShell.instance()
    with contextlib.redirect_stdout(io.StringIO()):
        ip.run_line_magic("load_ext", "kube_magics")
    return ip


def cell(ip: Any, source: str) -> Any:
    with contextlib.redirect_stdout(io.StringIO()):
        result = ip.run_cell(source)
    if result.error_in_exec is not None:
        raise SystemExit(f"the cell failed: {result.error_in_exec}")
    return result.result


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def cli_build(ctx: Path, tag: str) -> None:
    docker = shutil.which("docker")
    if docker is None:
        raise SystemExit("the docker CLI is not installed")
    subprocess.run([docker, "build", "-t", tag, "-f", "-", str(ctx)], input=SEED, text=True, check=True,
                   env=dict(os.environ, DOCKER_BUILDKIT="0"), capture_output=True)


def engine_part(ip: Any, runs: int) -> None:
    cell(ip, "%docker context use default")
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        (ctx / "package.json").write_text('{"name": "bench", "version": "1.0.0"}\n')
        (ctx / "server.js").write_text('console.log("v1")\n')
        magic = f"%%dockerfile -t kmbench:magic --context {ctx}\n{SEED}"
        cell(ip, magic)  # warm both paths: the same layers end up cached
        cli_build(ctx, "kmbench:cli")
        print(f"{'state':8} {'%%dockerfile':>13} {'docker build':>13} {'ratio':>6}   (medians of {runs})")
        for name, edit in (("cached", False), ("edited", True)):
            ours: list[float] = []
            theirs: list[float] = []
            pair = [("magic", ours, lambda: cell(ip, magic)), ("cli", theirs, lambda: cli_build(ctx, "kmbench:cli"))]
            for i in range(runs):
                for who, times, fn in pair if i % 2 == 0 else pair[::-1]:
                    if edit:
                        (ctx / "server.js").write_text(f'console.log("{who} {i} {time.time()}")\n')
                    times.append(timed(fn))
            mine, cli = statistics.median(ours), statistics.median(theirs)
            print(f"{name:8} {mine * 1000:11.0f}ms {cli * 1000:11.0f}ms {mine / cli:6.2f}")
    for tag in ("kmbench:magic", "kmbench:cli"):
        subprocess.run(["docker", "rmi", "-f", tag], capture_output=True, check=False)
    print("target: ratio at most 1.10")


def sim_part(ip: Any, runs: int) -> None:
    import kube_magics

    cell(ip, "%docker context use sim")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        node_context(root)
        source = f"%%dockerfile -t bench:1 --context {root}\n{TWENTY}"
        cold, warm = [], []
        for _ in range(runs):
            kube_magics._session.docker._sim = None  # a fresh simulated engine: an empty layer cache
            cold.append(timed(lambda: cell(ip, source)))
            warm.append(timed(lambda: cell(ip, source)))
    print(f"simulated builder through %%dockerfile, 20-instruction Dockerfile, 33-file context, {runs} runs")
    print(f"cold build:   median {statistics.median(cold) * 1000:.1f} ms, max {max(cold) * 1000:.1f} ms")
    print(f"cached build: median {statistics.median(warm) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms")
    print("target: at most 50 ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--sim-only", action="store_true")
    args = parser.parse_args()
    ip = shell()
    sim_part(ip, args.runs)
    if not args.sim_only:
        print()
        engine_part(ip, args.runs)


if __name__ == "__main__":
    main()
