"""`%%dockerfile` on the simulated builder: the session's simulated engine builds, the steps are printed as the
engine's progress view prints them (BuildKit's numbering, `CACHED`, the simulated durations), and the image is
in the engine's `docker images` and the simulated cluster's registry at once.

The context is read once (`.dockerignore` honoured) and warned about when large, with the engine path's words.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from kube_magics.docker.build import FAILED_RUN_HINT
from kube_magics.docker_magics.cell import SIM_PLATFORMS, Options, write_steps
from kube_magics.docker_magics.result import ImageResult, from_sim
from kube_magics.errors import BackendError, BuildError, UsageError

if TYPE_CHECKING:
    from kube_magics.dockerfile import BuildContext
    from kube_magics.session import Session


def build_sim(session: Session, dockerfile: str, opts: Options, out: TextIO) -> ImageResult:
    if opts.platform is not None and opts.platform not in SIM_PLATFORMS:
        raise UsageError(f"the simulated builder builds linux/amd64 images only, not {opts.platform}",
                         hint="build on the engine for other platforms (--builder docker)")
    from kube_magics.dockerfile import BuildContext
    from kube_magics.dockerfile.output import render_progress, size_note

    engine = session.docker.sim()
    context = BuildContext(opts.context, digests=engine.builder.digests)
    warning = context_warning(context)
    if warning:
        out.write(warning + "\n")
    try:
        result = engine.build(dockerfile, context=context, tags=opts.tags, build_args=opts.build_args,
                              target=opts.target, no_cache=opts.no_cache)
    except BuildError as err:
        write_steps(err.steps, out)
        transcript = render_progress(err.steps, builder=engine.builder.name) if err.steps else ""
        report = err.output[len(transcript):] if err.output.startswith(transcript) else err.output
        hint = err.hint or (FAILED_RUN_HINT if "did not complete successfully" in err.message else None)
        raise BuildError(report.strip("\n") or err.message, step=err.step, output=err.output, hint=hint,
                         steps=err.steps) from None
    write_steps(result.steps, out)
    image = result.image
    tags = ", ".join(image.tags)
    out.write(f"built {image.short_id}" + (f"  tagged {tags}" if tags else "") + "\n")
    note = size_note(result.steps)
    if note:
        out.write(note + "\n")
    if opts.load_into:
        out.write(_load_note(session, image.tags, image.id) + "\n")
    return from_sim(result)


def context_warning(context: BuildContext) -> str | None:
    """The engine path's large-context warning, for a context the simulated builder read."""
    from kube_magics.docker.context import ContextInfo

    top: dict[str, int] = {}
    for path, f in context.files.items():
        head = path.split("/", 1)[0]
        top[head] = top.get(head, 0) + f.size
    largest = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))
    info = ContextInfo(str(context.root), sorted(context.files), len(context.files), context.size, 0,
                       list(context.ignore_patterns), largest)
    return info.warning()


def _load_note(session: Session, tags: list[str], image_id: str) -> str:
    """`--load-into kind` after a simulated build: the simulated cluster has it; a real one cannot."""
    from kube_magics.sim_docker.cli import in_registry_note

    if session.has_backend and session.backend.sim is None:
        raise BackendError(f"the image was built by the simulated builder, so it exists only in this kernel; "
                           f"{session.backend.name} cannot run it",
                           hint="build it on the engine (--builder docker) to load it into a kind cluster")
    return in_registry_note(tags[0] if tags else image_id, image_id)
