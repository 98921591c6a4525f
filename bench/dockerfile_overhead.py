"""The real-engine build path's overhead over `docker build` (target: at most 1.10x).

The same Dockerfile (the seed's shape, on busybox:local) and the same context, built alternately by
`kube_magics.docker.build` (context scan, tar with the Dockerfile written in, the streamed events, the text
progress view) and by `DOCKER_BUILDKIT=0 docker build -f - CONTEXT` (the classic builder, as the engine's API
builds), in two cache states:
- cached: nothing changed, every step comes from the cache;
- edited: server.js changes before each build, so `COPY . .` and the steps after it run again.
Prints the medians and their ratio:
    python bench/dockerfile_overhead.py [--runs 15]
Needs a Docker engine and the busybox:local image (tests/docker makes it).
"""

from __future__ import annotations

import argparse
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from dockerfiles import SEED as DOCKERFILE

from kube_magics.docker import Engine, build
from kube_magics.docker.render import TextProgress


def ours(engine: Engine, ctx: Path, tag: str) -> None:
    build(engine, DOCKERFILE, context=str(ctx), tags=[tag], progress=TextProgress(io.StringIO()))


def cli(ctx: Path, tag: str) -> None:
    docker = shutil.which("docker")
    if docker is None:
        raise SystemExit("the docker CLI is not installed")
    env = dict(os.environ, DOCKER_BUILDKIT="0")
    subprocess.run([docker, "build", "-t", tag, "-f", "-", str(ctx)], input=DOCKERFILE, text=True, env=env,
                   check=True, capture_output=True)


def timed(fn: Callable[[], None]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def scenario(engine: Engine, ctx: Path, runs: int, *, edit: bool) -> tuple[float, float]:
    ours_times, cli_times = [], []
    pair = [("ours", ours_times, lambda: ours(engine, ctx, "kmbench:ours")),
            ("cli", cli_times, lambda: cli(ctx, "kmbench:cli"))]
    for i in range(runs):
        for who, times, fn in pair if i % 2 == 0 else pair[::-1]:  # alternate who goes first
            if edit:
                (ctx / "server.js").write_text(f'console.log("{who} {i} {time.time()}")\n')
            times.append(timed(fn))
    return statistics.median(ours_times), statistics.median(cli_times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    engine = Engine.connect()
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Path(tmp)
        (ctx / "package.json").write_text('{"name": "bench", "version": "1.0.0"}\n')
        (ctx / "server.js").write_text('console.log("v1")\n')
        ours(engine, ctx, "kmbench:ours")  # warm both paths: the same layers end up cached
        cli(ctx, "kmbench:cli")
        print(f"{'state':8} {'kube-magics':>12} {'docker build':>13} {'ratio':>6}   (medians of {args.runs})")
        for name, edit in (("cached", False), ("edited", True)):
            mine, theirs = scenario(engine, ctx, args.runs, edit=edit)
            print(f"{name:8} {mine * 1000:10.0f}ms {theirs * 1000:11.0f}ms {mine / theirs:6.2f}")
    for tag in ("kmbench:ours", "kmbench:cli"):
        engine.api.remove_image(tag, force=True)
    print("target: ratio at most 1.10")


if __name__ == "__main__":
    main()
