"""Which stages a build runs, from what, and how their steps are numbered (BuildKit's dispatch planning).

Owns the global ARGs (declared before the first FROM, given values by `--build-arg`, plus BuildKit's automatic
platform args) that FROM lines may use; the base of each stage (an image, `scratch`, or an earlier stage by name);
the target (`--target`, else the last stage) and the stages it needs (through FROM and `COPY --from`), in file
order; and the per-stage step totals that label steps (`[builder 2/5]`; the stage prefix is left out when the
Dockerfile has one stage). Raises DockerfileError with BuildKit's words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.convert import suggest
from kube_magics.dockerfile.substitution import ShellLex, SubstitutionError
from kube_magics.errors import DockerfileError

PLATFORM_ARGS = {"BUILDPLATFORM": "linux/amd64", "BUILDOS": "linux", "BUILDARCH": "amd64", "BUILDVARIANT": "",
                 "TARGETPLATFORM": "linux/amd64", "TARGETOS": "linux", "TARGETARCH": "amd64", "TARGETVARIANT": ""}
_STEP_KINDS = (ins.Run, ins.Copy, ins.Workdir)


@dataclass
class StagePlan:
    stage: ins.Stage
    base_ref: str  # after substitution; "" when the base is a stage
    base_stage: int | None
    display: str  # "" (single stage), the stage name, or "stage-N"
    total: int
    uses_context: bool
    global_args: dict[str, str]
    counter: int = 0
    from_step: Any = None


def global_args(df: ins.Dockerfile, build_args: dict[str, str], target: str = "") -> dict[str, str]:
    """The values FROM lines see: platform args, then the ARGs before the first FROM (build args win)."""
    values = dict(PLATFORM_ARGS)
    values["TARGETSTAGE"] = target or (df.stages[-1].name if df.stages else "")
    lex = ShellLex(escape=df.escape)
    for arg in df.meta_args:
        for key, default in arg.args:
            if key in build_args:
                values[key] = build_args[key]
            elif default is not None:
                values[key] = _word(lex, default, values, arg.line)
    return values


def _word(lex: ShellLex, text: str, env: dict[str, str], line: int) -> str:
    try:
        return lex.process_word(text, env)[0]
    except SubstitutionError as err:
        raise DockerfileError(str(err), line=line) from None


def plan_stages(df: ins.Dockerfile, gargs: dict[str, str], target: str | None) -> list[StagePlan]:
    """The stages to build, in file order, ending with the target."""
    lex = ShellLex(escape=df.escape)
    plans: list[StagePlan] = []
    for stage in df.stages:
        base = _word(lex, stage.base, gargs, stage.from_.line)
        if base == "":
            raise DockerfileError(f"base name ({stage.base}) should not be blank", line=stage.from_.line)
        parent = next((p.stage.index for p in plans if p.stage.name and p.stage.name == base.lower()), None)
        display = "" if len(df.stages) == 1 else (stage.name or f"stage-{stage.index}")
        external = parent is None and base.lower() != "scratch"
        total = int(external) + sum(isinstance(i, _STEP_KINDS) for i in stage.instructions)
        if parent is not None:
            total += sum(isinstance(i, ins.Onbuild) for i in df.stages[parent].instructions)
        uses = any(isinstance(i, ins.Copy) and not i.from_ for i in stage.instructions)
        plans.append(StagePlan(stage, "" if parent is not None else base, parent, display, total, uses, gargs))
    chosen = _target(df, target)
    needed = _needed(df, plans, chosen)
    return [p for p in plans if p.stage.index in needed]


def _target(df: ins.Dockerfile, target: str | None) -> int:
    if not target:
        return len(df.stages) - 1
    for stage in df.stages:
        if stage.name and stage.name == target.lower():
            return stage.index
    names = [s.name for s in df.stages if s.name]
    raise DockerfileError(suggest(f'target stage "{target}" could not be found', target, names))


def _needed(df: ins.Dockerfile, plans: list[StagePlan], target: int) -> set[int]:
    needed: set[int] = set()
    todo = [target]
    while todo:
        index = todo.pop()
        if index in needed:
            continue
        needed.add(index)
        plan = plans[index]
        if plan.base_stage is not None:
            todo.append(plan.base_stage)
        todo += _copy_sources(df, plan.stage)
    return needed


def _copy_sources(df: ins.Dockerfile, stage: ins.Stage) -> list[int]:
    found = []
    refs = [(i.from_, i.line) for i in stage.instructions if isinstance(i, ins.Copy) and i.from_]
    refs += [(m["from"], i.line) for i in stage.instructions if isinstance(i, ins.Run) for m in i.mounts
             if m.get("from")]
    for ref, line in refs:
        if "$" in ref:
            raise DockerfileError("variable expansion is not supported for --from, define a new stage with FROM "
                                  "using ARG from global scope as a workaround", line=line)
        source = df.stage(ref)
        if source is None:
            continue  # an image, not a stage
        if source.index >= stage.index:
            name = stage.name or f"stage-{stage.index}"
            raise DockerfileError(f'cannot copy from stage "{ref}", it needs to be defined before current stage '
                                  f'"{name}"', line=line)
        found.append(source.index)
    return found


