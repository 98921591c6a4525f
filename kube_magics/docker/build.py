"""Building on the real engine: the cell's Dockerfile and a context directory in, an image and its steps out.

`build(engine, dockerfile_text, context=DIR, tags=[...], ...)`:
1. BuildKit-only features (heredocs, `RUN --mount`, `COPY --chmod`/`--link` ...) go to `docker buildx build` when
   the CLI has buildx; otherwise a BuildError says which lines need BuildKit and why the engine's API cannot.
2. The context is scanned (.dockerignore honoured); a large one gets a warning with its size and file count.
3. The low-level `APIClient.build(decode=True)` stream (the high-level `images.build()` would drain it first)
   becomes events (progress.py), shown live by `progress` (render.py) as they arrive.
4. A failing step raises BuildError with the step, its output and the engine's words (`The command '/bin/sh -c
   echo boom && exit 3' returned a non-zero code: 3`); Ctrl-C closes the connection, which makes the engine
   cancel the build and remove its intermediate container, and raises a BuildError saying where it stopped.

The Dockerfile goes into the context's tar (context.py); the user's directory is never modified.
"""

from __future__ import annotations

import html
import os
import shutil
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics.docker import buildkit
from kube_magics.docker.context import DOCKERFILE_NAME, LARGE_BYTES, LARGE_FILES, ContextInfo, archive, scan
from kube_magics.docker.engine import Engine, hint_for
from kube_magics.docker.progress import (
    BuildFailed,
    BuildInterrupted,
    BuildSucceeded,
    ClassicStreamParser,
    Event,
    Notice,
    Step,
)
from kube_magics.docker.render import Progress, status, step_label
from kube_magics.docker.units import human_size, truncate_id
from kube_magics.errors import BuildError

FAILED_RUN_HINT = ("the step's command failed with the output above; fix it and run the cell again: the steps "
                   "before it come from the layer cache")


@dataclass
class BuildResult:
    """An image built on the engine: its id, tags, and what each step did (cached or not, how long)."""

    image_id: str
    tags: list[str]
    steps: list[Step]
    context: ContextInfo | None = None
    seconds: float = 0.0
    builder: str = "classic"  # or "buildx"
    notices: list[str] = field(default_factory=list)

    @property
    def short_id(self) -> str:
        return truncate_id(self.image_id)

    @property
    def cached_steps(self) -> list[int]:
        return [s.index for s in self.steps if s.cached]

    @property
    def text(self) -> str:
        lines = [f"{step_label(s.index, s.total, s.instruction)}  {status(s.cached, s.seconds)}" for s in self.steps]
        tags = ", ".join(self.tags)
        lines.append(f"Successfully built {self.short_id}" + (f" ({tags})" if tags else "")
                     + f" in {self.seconds:.1f}s")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><td>{s.index}/{s.total}</td><td><code>{html.escape(s.instruction)}</code></td>"
            f"<td>{'CACHED' if s.cached else f'{s.seconds:.1f}s'}</td><td><code>{s.image_id}</code></td></tr>"
            for s in self.steps)
        size = f", context {human_size(self.context.size)}" if self.context else ""
        return (f"<div><b>{html.escape(', '.join(self.tags) or self.short_id)}</b> "
                f"<code>{self.short_id}</code> ({self.seconds:.1f}s{size})"
                f"<table><tr><th>step</th><th>instruction</th><th></th><th>layer</th></tr>{rows}</table></div>")


def _emit(progress: Progress | None, events: Sequence[Event]) -> None:
    if progress is not None:
        for event in events:
            progress(event)


def build(engine: Engine, dockerfile: str, *, context: str = ".", tags: Sequence[str] = (),
          buildargs: dict[str, str] | None = None, target: str | None = None, nocache: bool = False,
          platform: str | None = None, progress: Progress | None = None,
          clock: Callable[[], float] = time.monotonic, large_context: tuple[int, int] = (LARGE_BYTES, LARGE_FILES),
          ) -> BuildResult:
    """Build `dockerfile` (the text) with `context` on the engine, streaming progress; BuildError on failure."""
    start = clock()
    features = buildkit.needs_buildkit(dockerfile)
    if features:
        return _build_with_buildx(engine, dockerfile, features, context=context, tags=tags, buildargs=buildargs,
                                  target=target, nocache=nocache, platform=platform, progress=progress,
                                  clock=clock)
    info = scan(context)
    notices = [n for n in (info.warning(max_bytes=large_context[0], max_files=large_context[1]),
                           info.sending_line()) if n]
    _emit(progress, [Notice(n) for n in notices])
    parser = ClassicStreamParser()
    tarball = archive(info, dockerfile)
    try:
        _stream(engine, parser, tarball, tags=tags, buildargs=buildargs, target=target, nocache=nocache,
                platform=platform, progress=progress, clock=clock)
    finally:
        tarball.close()
    if parser.failed:
        raise _failure(parser.failed, parser.steps)
    image_id = parser.image_id
    _add_tags(engine, image_id, tags[1:])
    _emit(progress, [BuildSucceeded(image_id, list(tags))])
    return BuildResult(image_id, list(tags), parser.steps, info, clock() - start, "classic", notices)


def _stream(engine: Engine, parser: ClassicStreamParser, tarball: Any, *, tags: Sequence[str],
            buildargs: dict[str, str] | None, target: str | None, nocache: bool, platform: str | None,
            progress: Progress | None, clock: Callable[[], float]) -> None:
    from docker.errors import APIError

    stream = None
    try:
        stream = engine.api.build(fileobj=tarball, custom_context=True, dockerfile=DOCKERFILE_NAME,
                                  tag=tags[0] if tags else None, buildargs=buildargs or None, target=target,
                                  nocache=nocache, platform=platform, rm=True, forcerm=True, pull=False,
                                  decode=True)
        for message in stream:
            _emit(progress, parser.feed(message, clock()))
        _emit(progress, parser.flush(clock()))
    except KeyboardInterrupt:
        _interrupt(engine, stream)
        step = parser.current
        _emit(progress, [BuildInterrupted(step.index if step else None)])
        where = f" at step {step.index}/{step.total} ({step.instruction})" if step else ""
        raise BuildError(f"build interrupted{where}: the engine cancelled it and removed its intermediate "
                         "container; no image was tagged", step=step.instruction if step else None) from None
    except APIError as exc:
        explanation = exc.explanation if isinstance(exc.explanation, str) else str(exc)
        text = f"Error response from daemon: {explanation.strip()}"
        raise BuildError(text, hint=hint_for(text)) from None
    except OSError as exc:  # the connection broke (the engine stopped, or the socket went away)
        raise engine.translate(exc) from None


def _interrupt(engine: Engine, stream: Any) -> None:
    """Drop the build's connection: the engine cancels a build whose client went away."""
    if stream is not None:
        stream.close()
    engine.api.close()  # closes the pooled connection the stream was reading; the client reconnects on next use


def _failure(failed: BuildFailed, steps: list[Step]) -> BuildError:
    step = next((s for s in steps if s.index == failed.index), None)
    lines = []
    if step is not None:
        lines.append(f"Step {step.index}/{step.total} : {step.instruction}")
        tail = step.output[-20:]
        if len(step.output) > len(tail):
            lines.append(f"... ({len(step.output) - len(tail)} earlier lines)")
        lines.extend(tail)
    lines.append(failed.message)
    hint = FAILED_RUN_HINT if "returned a non-zero code" in failed.message else hint_for(failed.message)
    return BuildError("\n".join(lines), step=step.instruction if step else None, output="\n".join(failed.output),
                      hint=hint)


def _add_tags(engine: Engine, image_id: str, tags: Sequence[str]) -> None:
    for ref in tags:
        repo, _, tag = ref.rpartition(":") if ":" in ref.rsplit("/", 1)[-1] else (ref, "", "latest")
        engine.api.tag(image_id, repo, tag)


def _build_with_buildx(engine: Engine, dockerfile: str, features: list[buildkit.Feature], *, context: str,
                       tags: Sequence[str], buildargs: dict[str, str] | None, target: str | None, nocache: bool,
                       platform: str | None, progress: Progress | None, clock: Callable[[], float]) -> BuildResult:
    uses = "; ".join(str(f) for f in features)
    if not engine.has_buildx():
        raise BuildError(
            f"this Dockerfile needs BuildKit ({uses}), but the engine at {engine.base_url} builds through its API "
            "with the classic builder, which does not know these features",
            hint="install the docker CLI's buildx plugin and build again, or rewrite "
                 "those lines (a heredoc as RUN lines with &&), or build on the simulator (--builder sim)")
    start = clock()
    argv = [shutil.which("docker") or "docker", "buildx", "build", "--progress=plain", "--load", "-f", "-"]
    for tag in tags:
        argv += ["-t", tag]
    for key, value in (buildargs or {}).items():
        argv += ["--build-arg", f"{key}={value}"]
    argv += (["--target", target] if target else []) + (["--no-cache"] if nocache else [])
    argv += (["--platform", platform] if platform else []) + [os.path.abspath(context)]
    parser = buildkit.BuildxPlainParser()
    env = dict(os.environ, DOCKER_HOST=engine.base_url)
    with subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, env=env) as proc:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(dockerfile)
        proc.stdin.close()
        try:
            for line in proc.stdout:
                _emit(progress, parser.feed_line(line))
        except KeyboardInterrupt:
            proc.terminate()
            raise BuildError("build interrupted: docker buildx build was stopped") from None
        code = proc.wait()
    if parser.failed or code != 0:
        failed = parser.failed or BuildFailed(None, f"docker buildx build exited with code {code}", code, [])
        raise _failure(failed, parser.steps)
    return BuildResult(parser.image_id, list(tags), parser.steps, None, clock() - start, "buildx",
                       [f"built with BuildKit (docker buildx) for: {uses}"])
