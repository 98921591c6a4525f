"""The simulated builder: a Dockerfile and a build context in, a BuiltImage and BuildKit's progress out.

Follows BuildKit's dockerfile2llb: global ARGs (and build args) resolve the FROM lines; only the stages the target
needs are built; a stage starts from its base image's config (PATH always set), runs the base's ONBUILD triggers,
then its instructions in order; steps are numbered per stage the way BuildKit numbers them (FROM, RUN, COPY, ADD
and WORKDIR count); layers come from the shared cache (steps.py) when their key matches; the last stage's state
becomes the image. Failures raise BuildError with Docker's message, the failing step, and the whole transcript
(`.output`). Time is virtual: a clock you pass in (seconds since the epoch), else the builder's own clock that
starts at 2026-01-05T09:00:00Z and moves only by the simulated durations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile import output
from kube_magics.dockerfile.bases import BaseImage, PullError, full_name, resolve
from kube_magics.dockerfile.config import (
    Expander,
    Layer,
    MetaContext,
    StageState,
    apply,
    apply_workdir,
    new_state,
    parse_port,
)
from kube_magics.dockerfile.context import BuildContext
from kube_magics.dockerfile.convert import convert
from kube_magics.dockerfile.document import parse
from kube_magics.dockerfile.image import BuiltImage, human_size
from kube_magics.dockerfile.output import BuildStep
from kube_magics.dockerfile.parser import LocatedError, node_from_line
from kube_magics.dockerfile.plan import StagePlan, global_args, plan_stages
from kube_magics.dockerfile.steps import CachedLayer, StepFailed, StepRunner, display
from kube_magics.errors import BuildError, DockerfileError
from kube_magics.images import CATALOGUE, Catalogue, normalise

START = 1767603600.0  # 2026-01-05T09:00:00Z, the simulator's usual first instant
PULL_RATE = 25e6  # bytes a second of a simulated pull


@dataclass
class BuildResult:
    """What a build returns: the image, the steps (plain list), and BuildKit's transcript."""

    image: BuiltImage
    steps: list[BuildStep]
    dockerfile: ins.Dockerfile
    progress: str = ""

    def step_list(self) -> list[dict[str, Any]]:
        return [s.as_dict() for s in self.steps if s.index]

    def __repr__(self) -> str:
        built = sum(1 for s in self.steps if s.index and not s.cached)
        return f"<BuildResult {self.image!r}: {built} step(s) built, {self._cached()} cached>"

    def _cached(self) -> int:
        return sum(1 for s in self.steps if s.cached)

    def _repr_html_(self) -> str:
        return self.image._repr_html_()


class SimBuilder:
    """A Docker builder without Docker: its layer cache and the images it made live as long as it does."""

    def __init__(self, *, catalogue: Catalogue = CATALOGUE, clock: Callable[[], float] | None = None,
                 name: str = "default") -> None:
        self.catalogue = catalogue
        self.name = name
        self.cache: dict[str, CachedLayer] = {}
        self.images: dict[str, BuiltImage] = {}  # by normalised tag ("app:1")
        self.pulled: set[str] = set()
        self.digests: dict[tuple[str, int, int], str] = {}
        self._clock = clock
        self._elapsed = 0.0

    def now(self) -> float:
        return (self._clock() if self._clock is not None else START) + self._elapsed

    def settle_clock(self) -> float:
        """The virtual seconds builds have taken since the last call, handed to the owner of the clock passed in
        (which moves by them); the builder's own offset goes back to zero, so they are not counted twice."""
        elapsed, self._elapsed = self._elapsed, 0.0
        return elapsed

    def image(self, ref: str) -> BuiltImage | None:
        return self.images.get(normalise(ref))

    def build(self, dockerfile: str | ins.Dockerfile, *, context: str | Path | BuildContext | None = None,
              tags: Iterable[str] = (), build_args: dict[str, str] | None = None, target: str | None = None,
              no_cache: bool = False, dockerfile_name: str = "Dockerfile") -> BuildResult:
        """Build like `docker build -t TAG [--build-arg K=V] [--target S] [--no-cache] CONTEXT`."""
        run = _Build(self, list(tags), dict(build_args or {}), target, no_cache, dockerfile_name)
        if isinstance(context, BuildContext) or context is None:
            run.context = context
        else:
            run.context = BuildContext(context, dockerfile=dockerfile_name, digests=self.digests)
        return run.execute(dockerfile)


@dataclass
class _Build:
    builder: SimBuilder
    tags: list[str]
    build_args: dict[str, str]
    target: str | None
    no_cache: bool
    source: str
    context: BuildContext | None = None
    steps: list[BuildStep] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    states: dict[str, StageState] = field(default_factory=dict)

    def vertex(self, name: str, **kw: Any) -> BuildStep:
        step = BuildStep(len(self.steps) + 1, name, **kw)
        self.steps.append(step)
        return step

    def fail(self, message: str, step: BuildStep | None, *, hint: str | None = None, cause: Exception | None = None
             ) -> BuildError:
        transcript = output.render_progress(self.steps, builder=self.builder.name)
        text = transcript + output.failure(step, message, self.lines, source=self.source)
        err = BuildError(message, step=step.name if step else None, output=text, hint=hint, steps=self.steps)
        err.__cause__ = cause
        return err

    def execute(self, dockerfile: str | ins.Dockerfile) -> BuildResult:
        text = dockerfile if isinstance(dockerfile, str) else "\n".join(dockerfile.lines)
        self.lines = text.splitlines()
        self.vertex(f"[internal] load build definition from {self.source}",
                           details=[f"transferring dockerfile: {len(text.encode())}B done"])
        try:
            df = parse(dockerfile) if isinstance(dockerfile, str) else dockerfile
            plans = plan_stages(df, global_args(df, self.build_args), self.target)
        except DockerfileError as err:
            raise self._located_failure(err) from None
        try:
            return self._run(df, plans)
        except DockerfileError as err:
            raise self._located_failure(err) from None

    def _located_failure(self, err: DockerfileError) -> BuildError:
        """A Dockerfile error met while building: the transcript, the excerpt, Docker's message and our hint."""
        text = output.render_progress(self.steps, builder=self.builder.name)
        box = output.excerpt(self.lines, err.line, err.line, self.source) if err.line else ""
        full = text + "\n".join(p for p in (box, f"ERROR: failed to build: failed to solve: {err.message}") if p)
        error = BuildError(err.message, step=None, output=full, hint=err.hint, steps=self.steps)
        error.__cause__ = err
        return error

    # --- stages ----------------------------------------------------------------------------------------------

    def _run(self, df: ins.Dockerfile, plans: list[StagePlan]) -> BuildResult:
        _check_ports(plans)
        bases = self._resolve_bases(plans)
        ignore = self.context.root / ".dockerignore" if self.context is not None else None
        size = ignore.stat().st_size if ignore is not None and ignore.is_file() else 2
        self.vertex("[internal] load .dockerignore", details=[f"transferring context: {size}B done"])
        for plan in plans:
            base = bases.get(plan.base_ref)
            if base is not None:
                plan.from_step = self._from_vertex(plan, base)
        if any(plan.uses_context for plan in plans) and self.context is not None:
            self.vertex("[internal] load build context",
                        details=[f"transferring context: {human_size(self.context.size)} done"])
        runner = StepRunner(self.builder.cache, self.context, self.states, self.builder.now, self.no_cache,
                            df.escape)
        state = None
        for plan in plans:
            state = self._stage(df, plan, bases.get(plan.base_ref), runner)
        assert state is not None
        return self._export(df, state)

    def _resolve_bases(self, plans: list[StagePlan]) -> dict[str, BaseImage]:
        bases: dict[str, BaseImage] = {}
        for plan in plans:
            if plan.base_ref in bases or plan.base_stage is not None or plan.base_ref == "scratch":
                continue
            full = plan.base_ref
            step = self.vertex(f"[internal] load metadata for {_full(full)}", line=plan.stage.from_.line,
                               end_line=plan.stage.from_.line)
            try:
                base = resolve(full, self.builder.catalogue, self.builder.images)
            except PullError as err:
                step.error = err.short
                raise self.fail(err.message, step) from None
            step.duration = 0.0 if base.local or base.full in self.builder.pulled else 1.1
            self._advance(step.duration)
            bases[plan.base_ref] = base
        return bases

    def _from_vertex(self, plan: StagePlan, base: BaseImage) -> BuildStep:
        step = self.vertex(_label(plan, 1) + f"FROM {base.full}@{base.digest}", kind="from", index=1,
                           total=plan.total, stage=plan.display, line=plan.stage.from_.line,
                           end_line=plan.stage.from_.line, instruction=plan.stage.from_.original)
        if not base.local and base.full not in self.builder.pulled:
            step.details.append(f"resolve {base.full}@{base.digest} done")
            step.duration = round(0.4 + base.compressed / PULL_RATE, 1)
            self.builder.pulled.add(base.full)
        self._advance(step.duration)
        return step

    def _stage(self, df: ins.Dockerfile, plan: StagePlan, base: BaseImage | None, runner: StepRunner
               ) -> StageState:
        state, triggers = self._initial_state(plan, base)
        plan.counter = 1 if plan.from_step is not None else 0
        ex = Expander(df.escape)
        meta = MetaContext(self.build_args, plan.global_args)
        for trigger in triggers:
            self._instruction(trigger, state, ex, meta, runner, plan, onbuild=True)
        for inst in plan.stage.instructions:
            self._instruction(inst, state, ex, meta, runner, plan, onbuild=False)
        self.states[str(plan.stage.index)] = state
        if plan.stage.name:
            self.states[plan.stage.name] = state
        return state

    def _initial_state(self, plan: StagePlan, base: BaseImage | None) -> tuple[StageState, list[ins.Instruction]]:
        if plan.base_stage is not None:
            parent = self.states[str(plan.base_stage)]
            triggers = list(parent.config.get("OnBuild") or [])
            state = new_state(plan.display, parent.config)
            state.tools, state.sh, state.files = set(parent.tools), parent.sh, dict(parent.files)
            state.texts, state.history, state.layers = dict(parent.texts), list(parent.history), list(parent.layers)
            state.key, state.behaviour, state.base_ref = parent.key, parent.behaviour, parent.base_ref
            state.has_run = parent.has_run
        elif base is None:
            state, triggers = new_state(plan.display, {}), []
            state.sh, state.key = "none", "scratch"
        else:
            triggers = list(base.config.get("OnBuild") or [])
            state = new_state(plan.display, base.config)
            state.tools, state.sh, state.key = set(base.tools), base.sh, f"image:{base.digest}"
            state.history = list(base.history)
            state.layers = [Layer(by, size, True, from_base=True) for by, size in base.layers]
            state.behaviour, state.base_ref = base.behaviour, base.ref
        return state, [self._trigger(expr, plan) for expr in triggers]

    def _trigger(self, expression: str, plan: StagePlan) -> ins.Instruction:
        try:
            node = node_from_line(expression.split("\n", 1)[0], "\\")
            node.start_line = node.end_line = plan.stage.from_.line
            return convert(node)
        except LocatedError as err:
            raise DockerfileError(err.message, line=plan.stage.from_.line) from None

    def _instruction(self, inst: ins.Instruction, state: StageState, ex: Expander, meta: MetaContext,
                     runner: StepRunner, plan: StagePlan, *, onbuild: bool) -> None:
        if not isinstance(inst, (ins.Run, ins.Copy, ins.Workdir)):
            apply(inst, state, ex, meta)
            return
        if isinstance(inst, ins.Workdir):
            path = apply_workdir(inst, state, ex)
            if path == "/":
                return
        plan.counter += 1
        name = display(inst, state, ex.lex.escape)
        step = self.vertex(_label(plan, plan.counter) + ("ONBUILD " if onbuild else "") + name,
                           kind=inst.keyword.lower(), instruction=name, index=plan.counter, total=plan.total,
                           stage=plan.display, line=inst.line, end_line=inst.end_line)
        try:
            if isinstance(inst, ins.Workdir):
                runner.workdir(state.workdir, state, step)
            elif isinstance(inst, ins.Run):
                runner.run(inst, state, step)
            else:
                runner.copy(inst, state, ex, step)
        except StepFailed as err:
            step.error = err.message.removeprefix("failed to compute cache key: ")
            raise self.fail(err.message, step) from None
        self._advance(step.duration)

    def _advance(self, seconds: float) -> None:
        self.builder._elapsed += seconds

    # --- export ----------------------------------------------------------------------------------------------

    def _export(self, df: ins.Dockerfile, state: StageState) -> BuildResult:
        ours = [h.created for h in state.history if not h.empty_layer and h.created is not None]
        created = max(ours) if ours else self.builder.now()
        for h in state.history:
            if h.created is None:
                h.created = created
        image = BuiltImage([normalise(t) for t in self.tags], state.config, state.history, state.layers, created,
                           base=state.base_ref, behaviour=_behaviour(state), author=state.author,
                           tools=frozenset(state.tools), sh=state.sh)
        built = any(not s.cached for s in self.steps if s.index > 1 or (s.kind != "from" and s.index))
        step = self.vertex("exporting to image", kind="export", duration=0.1 if built else 0.0)
        step.details.append("exporting layers 0.1s done" if built else "exporting layers done")
        step.details.append(f"writing image {image.id} done")
        step.details += [f"naming to {_full(t)} done" for t in image.tags]
        self._advance(step.duration)
        for tag in image.tags:
            self.builder.images[tag] = image
        progress = output.render_progress(self.steps, builder=self.builder.name)
        note = output.size_note(self.steps)
        return BuildResult(image, self.steps, df, progress + (f"\n{note}\n" if note else ""))


def _check_ports(plans: list[StagePlan]) -> None:
    """EXPOSE is checked when BuildKit converts the Dockerfile, before any step runs (literal ports only here;
    ports from variables are checked when the stage reaches them)."""
    for plan in plans:
        for inst in plan.stage.instructions:
            if isinstance(inst, ins.Expose):
                for port in inst.ports:
                    if "$" not in port:
                        parse_port(port, inst.line)


def _label(plan: StagePlan, index: int) -> str:
    width = int(1 + math.log10(plan.total)) if plan.total else 1
    stage = f"{plan.display} " if plan.display else ""
    return f"[{stage}{index:>{width}}/{plan.total}] "


def _full(ref: str) -> str:
    return full_name(ref)


def _behaviour(state: StageState) -> str:
    """A built image serves when it exposes a port and says what to run; else it acts like its base."""
    if state.config.get("ExposedPorts") and (state.config.get("Cmd") or state.config.get("Entrypoint")):
        return "web"
    return state.behaviour
