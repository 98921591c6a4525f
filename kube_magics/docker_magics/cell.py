"""`%%dockerfile`: the cell is a Dockerfile; build it on the simulated builder or the Docker engine.

    %%dockerfile -t NAME[:TAG] [--context DIR] [--build-arg K=V]... [--target STAGE] [--no-cache] [--platform P]
                 [--builder docker|sim] [--file-out PATH] [--no-lint] [--load-into kind[:CLUSTER]]

`build_cell(session, argv, cell, variables)`:
1. the cell is rendered (`{{ expression }}` from the notebook's variables, the same rules as `%%k8s`);
2. `--file-out` writes it; the linter's findings are printed above the build (unless `--no-lint`);
3. the builder is `--builder`, else the session's Docker context: `sim` builds on the simulated engine's
   builder (its steps printed with BuildKit's numbering and CACHED), `default` on the engine with live progress;
4. the image goes to the simulated cluster's registry (an engine's image converted from `docker image inspect`),
   and with `--load-into kind[:CLUSTER]` into a kind cluster's nodes;
5. the result is an `ImageResult` (result.py), which displays the layer stack.

A failed build is a `BuildError` whose message is what Docker prints after the steps (the failing step and its
output, the Dockerfile excerpt, Docker's words) and whose hint says what to do.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TextIO

from kube_magics.errors import BuildError, DockerfileError, UsageError
from kube_magics.lineparse import ArgParser

if TYPE_CHECKING:
    from kube_magics.docker_magics.result import ImageResult
    from kube_magics.dockerfile import BuildStep
    from kube_magics.session import Session

USAGE = ("%%dockerfile -t NAME[:TAG] [--context DIR] [--build-arg K=V]... [--target STAGE] [--no-cache] "
         "[--platform P] [--builder docker|sim] [--file-out PATH] [--no-lint] [--load-into kind[:CLUSTER]]")
WIDTH = 72
SIM_PLATFORMS = ("linux/amd64", "linux/x86_64")


@dataclass
class Options:
    tags: list[str]
    context: str
    build_args: dict[str, str]
    target: str | None
    no_cache: bool
    platform: str | None
    builder: str | None
    file_out: str | None
    lint: bool
    load_into: str | None


def parse_options(argv: list[str]) -> Options:
    p = ArgParser("%%dockerfile")
    p.add_argument("-t", "--tag", action="append", default=[])
    p.add_argument("--context", "-c", default=None)
    p.add_argument("--build-arg", action="append", default=[])
    p.add_argument("--target", default=None)
    p.add_argument("--no-cache", action="store_true")
    p.add_argument("--platform", default=None)
    p.add_argument("--builder", choices=("docker", "sim"), default=None)
    p.add_argument("--file-out", default=None)
    p.add_argument("--no-lint", action="store_true")
    p.add_argument("--load-into", default=None)
    args = p.parse_args(argv)
    build_args: dict[str, str] = {}
    for item in args.build_arg:
        key, sep, value = item.partition("=")
        if not key:
            raise UsageError(f'invalid argument "{item}" for "--build-arg" flag', hint=f"usage: {USAGE}")
        build_args[key] = value if sep else os.environ.get(key, "")
    if args.load_into is not None and args.load_into.partition(":")[0] != "kind":
        raise UsageError(f"cannot load into {args.load_into!r}: only kind clusters (kind[:CLUSTER]) are supported")
    return Options(list(args.tag), args.context or os.getcwd(), build_args, args.target, args.no_cache,
                   args.platform, args.builder, args.file_out, not args.no_lint, args.load_into)


def render(cell: str, variables: Mapping[str, Any]) -> str:
    """The cell with its `{{ expression }}`s filled in, as `%%k8s` fills in a manifest."""
    from kube_magics.manifests.templating import TemplateProblem
    from kube_magics.manifests.templating import render as render_template

    try:
        return render_template(cell, variables).text
    except TemplateProblem as exc:
        where = f"line {exc.line}: " if exc.line else ""
        raise DockerfileError(f"{where}{exc.message}", line=exc.line, hint=exc.hint) from None


def build_cell(session: Session, argv: list[str], cell: str, variables: Mapping[str, Any], *,
               out: TextIO | None = None) -> ImageResult:
    out = out or sys.stdout
    opts = parse_options(argv)
    text = render(cell, variables)
    if opts.file_out:
        with open(opts.file_out, "w", encoding="utf-8") as f:
            f.write(text)
    if opts.lint:
        from kube_magics.dockerfile import lint

        for finding in lint(text):
            out.write(f"{finding}\n")
    builder = opts.builder or ("sim" if session.docker.current == "sim" else "docker")
    if builder == "sim":
        from kube_magics.docker_magics.sim_build import build_sim

        return build_sim(session, text, opts, out)
    from kube_magics.docker_magics.engine_build import build_engine

    return build_engine(session, text, opts, out)


# --- shared by both builders --------------------------------------------------------------------------------


def write_steps(steps: list[BuildStep], out: TextIO) -> None:
    """Simulated steps as the progress view shows an engine's: `[build 2/5] WORKDIR /app   CACHED`, a RUN step's
    output indented under its header."""
    from kube_magics.docker.render import status
    from kube_magics.docker.units import ellipsis

    for step in steps:
        if not step.index:
            continue
        label = f"[{step.stage + ' ' if step.stage else ''}{step.index}/{step.total}]"
        instruction = _instruction(step)
        if step.output and not step.cached:
            out.write(f"{label} {instruction}\n")
            out.writelines(f"    {line}\n" for line in step.output)
            label = ellipsis(f"{label} done", WIDTH)
        else:
            label = ellipsis(f"{label} {instruction}", WIDTH)
        state = "ERROR" if step.error else status(step.cached, step.duration)
        out.write(f"{label:<{WIDTH}}  {state:>6}\n")


def _instruction(step: BuildStep) -> str:
    """The step's instruction; a FROM with its base image resolved (`FROM node:${NODE} AS build` -> `FROM
    node:20-alpine`), as BuildKit names the step."""
    if step.kind != "from" or "] FROM " not in step.name:
        return step.instruction
    from kube_magics.images import normalise

    return "FROM " + normalise(step.name.split("] FROM ", 1)[1].split("@", 1)[0])


def needs_tag(opts: Options, what: str) -> str:
    if not opts.tags:
        raise UsageError(f"{what} needs a tag (-t NAME:TAG)", hint=f"usage: {USAGE}")
    return opts.tags[0]


def with_excerpt(err: BuildError, dockerfile: str) -> BuildError:
    """An engine's parse error with the lines at fault and the parser's hint (which names a trailing comment)."""
    import re

    from kube_magics.dockerfile import parse
    from kube_magics.dockerfile.output import excerpt

    m = re.search(r"dockerfile parse error (?:on )?line (\d+)", err.message)
    if m is None:
        return err
    line = int(m.group(1))
    hint = err.hint
    try:
        parse(dockerfile, builder="classic")
    except DockerfileError as parsed:
        hint = parsed.hint or hint
    box = excerpt(dockerfile.splitlines(), line, line)
    return BuildError(f"{box}\n{err.message}" if box else err.message, step=err.step, output=err.output, hint=hint)
