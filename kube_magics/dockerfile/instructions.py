"""The typed Dockerfile instructions, stages and the parsed Dockerfile: plain data.

One dataclass per instruction, holding its words as written (variables not yet substituted: a builder substitutes
them when it dispatches the instruction with its stage's environment, as Docker does). How a parsed node becomes
one of these, with Docker's argument checks, is convert.py's; nothing here checks or computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Instruction:
    keyword: str  # canonical upper case: "RUN"
    line: int  # first line (1-based)
    end_line: int
    original: str  # as written, continuations joined, trimmed (what BuildKit shows as the step name)
    comments: list[str] = field(default_factory=list, repr=False)

    @property
    def written_keyword(self) -> str:
        return self.original.split(None, 1)[0] if self.original else self.keyword


@dataclass
class From(Instruction):
    base: str = ""
    name: str = ""  # the stage name, lower-cased as BuildKit does
    platform: str = ""


@dataclass
class ShellCommand(Instruction):
    """RUN, CMD, ENTRYPOINT: `command` is the exec form's list, or [text] for the shell form."""

    command: list[str] = field(default_factory=list)
    shell_form: bool = True
    heredocs: list[tuple[str, str, bool]] = field(default_factory=list)  # (name, content chomped, expand)


@dataclass
class Run(ShellCommand):
    mounts: list[dict[str, str]] = field(default_factory=list)
    network: str = ""
    security: str = ""


@dataclass
class Cmd(ShellCommand):
    pass


@dataclass
class Entrypoint(ShellCommand):
    pass


@dataclass
class Shell(Instruction):
    shell: list[str] = field(default_factory=list)


@dataclass
class KeyValues(Instruction):
    """ENV and LABEL: pairs in order; `legacy` marks the `ENV key value` form."""

    pairs: list[tuple[str, str]] = field(default_factory=list)
    legacy: bool = False


@dataclass
class Env(KeyValues):
    pass


@dataclass
class Label(KeyValues):
    pass


@dataclass
class Arg(Instruction):
    args: list[tuple[str, str | None]] = field(default_factory=list)


@dataclass
class Expose(Instruction):
    ports: list[str] = field(default_factory=list)  # sorted as BuildKit sorts them, not yet expanded


@dataclass
class Copy(Instruction):
    """COPY and ADD (ADD sets `is_add`); `contents` are heredoc files: (name, data, expand)."""

    sources: list[str] = field(default_factory=list)
    dest: str = ""
    contents: list[tuple[str, str, bool]] = field(default_factory=list)
    from_: str = ""
    chown: str = ""
    chmod: str = ""
    link: bool = False
    excludes: list[str] = field(default_factory=list)
    parents: bool = False
    checksum: str = ""
    is_add: bool = False
    json_form: bool = False


@dataclass
class Workdir(Instruction):
    path: str = ""


@dataclass
class User(Instruction):
    user: str = ""


@dataclass
class Volume(Instruction):
    paths: list[str] = field(default_factory=list)
    json_form: bool = False


@dataclass
class StopSignal(Instruction):
    signal: str = ""


@dataclass
class Healthcheck(Instruction):
    """`test` as in the image config: ["NONE"], ["CMD", ...] or ["CMD-SHELL", text]; durations in seconds."""

    test: list[str] = field(default_factory=list)
    interval: float = 0.0
    timeout: float = 0.0
    start_period: float = 0.0
    start_interval: float = 0.0
    retries: int = 0


@dataclass
class Onbuild(Instruction):
    expression: str = ""
    trigger: Instruction | None = None


@dataclass
class Maintainer(Instruction):
    maintainer: str = ""


@dataclass
class Stage:
    """One `FROM` and the instructions up to the next: a build stage, found by name or index."""

    index: int
    from_: From
    instructions: list[Instruction] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.from_.name

    @property
    def base(self) -> str:
        return self.from_.base


@dataclass
class Dockerfile:
    """A parsed Dockerfile: global ARGs (before the first FROM), the stages, the directives, the source lines."""

    stages: list[Stage]
    meta_args: list[Arg]
    escape: str = "\\"
    directives: dict[str, str] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)
    empty_continuation_lines: list[int] = field(default_factory=list)
    source: str = "Dockerfile"

    def instructions(self) -> list[Instruction]:
        """Every instruction in file order (global ARGs, then each stage's FROM and body)."""
        out: list[Instruction] = list(self.meta_args)
        for stage in self.stages:
            out.append(stage.from_)
            out.extend(stage.instructions)
        return sorted(out, key=lambda i: i.line)

    def stage(self, ref: str) -> Stage | None:
        """A stage by name (case-insensitive) or by index, as `--target` and `COPY --from` find it."""
        for stage in self.stages:
            if stage.name and stage.name == ref.lower():
                return stage
        if ref.isdigit() and int(ref) < len(self.stages):
            return self.stages[int(ref)]
        return None
