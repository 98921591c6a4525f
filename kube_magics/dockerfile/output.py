"""How a simulated build shows itself: BuildKit's plain progress, the failure report, and a plain step list.

Owns the wording users see from `docker build` today (BuildKit, `--progress=plain`): `#1 [internal] load build
definition from Dockerfile`, `#6 [2/5] WORKDIR /app`, `#6 CACHED`, `#8 0.215 installing deps`, `#8 DONE 3.4s`,
`#10 naming to docker.io/library/app:1 done`; on failure the ` > [2/2] RUN ...:` box, the `Dockerfile:2` excerpt
with `>>>` on the failing lines, and `ERROR: failed to build: failed to solve: ...`. Durations come from the
simulated model, never from a clock. Layer sizes of RUN steps are estimates, and the output says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_magics.dockerfile.image import human_size


@dataclass
class BuildStep:
    """One vertex of the build: an internal step, a Dockerfile step ([n/N]), or the export."""

    vertex: int
    name: str  # as BuildKit shows it: "[2/5] WORKDIR /app", "[internal] load build context"
    kind: str = "internal"  # "internal" | "from" | "run" | "copy" | "workdir" | "export"
    instruction: str = ""  # "WORKDIR /app" (for Dockerfile steps)
    index: int = 0  # n of n/N
    total: int = 0
    stage: str = ""
    line: int = 0
    end_line: int = 0
    cached: bool = False
    duration: float = 0.0
    size: int = 0
    estimated: bool = False
    output: list[str] = field(default_factory=list)  # the command's output lines
    details: list[str] = field(default_factory=list)  # progress lines ("transferring context: 2B done")
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The plain step-list entry for programmatic use (the magics' progress, tests)."""
        return {"step": f"{self.index}/{self.total}" if self.total else "", "vertex": self.vertex,
                "name": self.name, "kind": self.kind, "instruction": self.instruction, "stage": self.stage,
                "line": self.line, "cached": self.cached, "duration": self.duration, "size": self.size,
                "size_estimated": self.estimated, "output": list(self.output), "error": self.error}


def render_step(step: BuildStep) -> str:
    lines = [f"#{step.vertex} {step.name}"]
    lines += [f"#{step.vertex} {d}" for d in step.details]
    if step.cached:
        lines.append(f"#{step.vertex} CACHED")
        return "\n".join(lines)
    for i, text in enumerate(step.output):
        lines.append(f"#{step.vertex} {_offset(step, i)} {text}")
    if step.error:
        lines.append(f"#{step.vertex} ERROR: {step.error}")
    else:
        lines.append(f"#{step.vertex} DONE {step.duration:.1f}s")
    return "\n".join(lines)


def _offset(step: BuildStep, i: int) -> str:
    """The seconds since the vertex started at which an output line appeared (BuildKit prints them)."""
    span = max(step.duration, 0.1)
    return f"{0.1 + span * i / max(len(step.output), 1):.3f}"


def render_progress(steps: list[BuildStep], *, builder: str = "default") -> str:
    """The whole `--progress=plain` transcript of a build."""
    head = f'#0 building with "{builder}" instance using docker driver'
    return "\n\n".join([head, *(render_step(s) for s in steps)]) + "\n"


def size_note(steps: list[BuildStep]) -> str:
    estimated = [s for s in steps if s.estimated and not s.cached]
    if not estimated:
        return ""
    names = ", ".join(s.name for s in estimated)
    return f"note: layer sizes of RUN steps are estimated by the simulated builder ({names})"


def excerpt(lines: list[str], start: int, end: int, source: str = "Dockerfile") -> str:
    """The `Dockerfile:N` box BuildKit prints under an error, `>>>` on the lines at fault."""
    if not 1 <= start <= len(lines):
        return ""
    end = min(max(end, start), len(lines))
    first, last = start, end
    pad = 4 if start == end else 2
    p = 0
    while p < pad:
        if first > 1:
            first -= 1
            p += 1
        if last != len(lines):
            last += 1
            p += 1
        p += 1
    body = [f" {i:3d} | {'>>>' if start <= i <= end else '   '} {lines[i - 1]}" for i in range(first, last + 1)]
    rule = "--------------------"
    return "\n".join([f"{source}:{start}", rule, *body, rule])


def failure(step: BuildStep | None, message: str, lines: list[str], *, source: str = "Dockerfile") -> str:
    """What `docker build` prints after the progress when a build fails."""
    parts = []
    if step is not None:
        box = [f" > {step.name}:", *(f"{_offset(step, i)} {text}" for i, text in enumerate(step.output))]
        parts.append("\n".join(["------", *box, "------"]))
    if step is not None and step.line:
        parts.append(excerpt(lines, step.line, step.end_line or step.line, source))
    parts.append(f"ERROR: failed to build: failed to solve: {message}")
    return "\n".join(p for p in parts if p)


def step_summary(step: BuildStep) -> str:
    """One line for a plain step list: `[3/5] COPY package*.json ./  CACHED  33B`."""
    state = "CACHED" if step.cached else f"{step.duration:.1f}s"
    size = human_size(step.size) + (" (estimated)" if step.estimated else "")
    return f"{step.name}  {state}  {size}"
