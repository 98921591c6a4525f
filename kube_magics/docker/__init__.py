"""Docker on a real engine through the `docker` SDK: builds with live progress, the CLI's verbs and output formats,
and loading images into kind clusters.

    engine.py   where the engine is, whether it answers, its errors in Docker's words
    context.py  the build context (.dockerignore, size, the tar with the cell's Dockerfile)
    progress.py the classic builder's stream as events; render.py shows them (widget or plain lines)
    build.py    build(engine, dockerfile_text, ...) -> BuildResult; buildkit.py for BuildKit-only Dockerfiles
    cli.py      docker CLI verbs on the engine (images, ps, run, ...); flags.py parses their flags as docker does
    format.py   the CLI's tables and --format templates (pure: the simulated docker uses them too)
    kind.py     load_into_kind(engine, image, cluster)

Nothing here imports the magics, the simulator or the Dockerfile parser.
"""

from __future__ import annotations

from kube_magics.docker.build import BuildResult, build
from kube_magics.docker.cli import run as run_cli
from kube_magics.docker.engine import Engine, EngineStatus, probe
from kube_magics.docker.kind import load_into_kind
from kube_magics.docker.render import make_progress

__all__ = ["BuildResult", "Engine", "EngineStatus", "build", "load_into_kind", "make_progress", "probe", "run_cli"]
