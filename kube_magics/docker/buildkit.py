"""BuildKit-only Dockerfile features, and building through `docker buildx build` when the CLI has it.

The Engine API's `/build` that the SDK calls is the classic builder. It does not know heredocs (`RUN <<EOF`),
`RUN --mount`/`--network`/`--security`, `COPY`/`ADD` `--chmod`, `--link`, `--parents`, `--exclude`, or
`ADD --checksum`/`--keep-git-dir`: it rejects them or, worse for heredocs, reads the heredoc's body as
instructions (`unknown instruction: ECHO`). `needs_buildkit(text)` finds them, by line, before anything is sent.

`BuildxPlainParser` reads `docker buildx build --progress=plain` output (`#5 [2/4] RUN ...`, `#5 CACHED`,
`#5 0.254 hi`, `#5 DONE 0.3s`, `#5 ERROR: ...`) into the same events as the classic stream.
Must not talk to the engine (build.py runs the command).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kube_magics.docker.progress import (
    BuildFailed,
    BuildSucceeded,
    Event,
    Notice,
    Step,
    StepCached,
    StepFinished,
    StepOutput,
    StepStarted,
)

_HEREDOC = re.compile(r"<<-?\s*([\"']?)[A-Za-z_][A-Za-z0-9_]*\1")
_QUOTED = re.compile(r"(?<![<-])([\"'])(?:(?!\1).)*\1")  # a quoted string that is not a heredoc's delimiter
_FLAGS = {
    "RUN": ("mount", "network", "security"),
    "COPY": ("chmod", "link", "parents", "exclude"),
    "ADD": ("chmod", "link", "checksum", "keep-git-dir", "exclude"),
}


@dataclass(frozen=True)
class Feature:
    line: int
    what: str  # "RUN --mount", "heredoc (RUN <<EOF)"

    def __str__(self) -> str:
        return f"line {self.line}: {self.what}"


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, joined text) for each instruction, continuation lines joined, comments dropped."""
    escape = "\\"
    m = re.search(r"^#\s*escape\s*=\s*(\S)", text, re.M | re.I)
    if m:
        escape = m.group(1)
    out: list[tuple[int, str]] = []
    current, start = "", 0
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if not current:
            start = number
        if stripped.endswith(escape):
            current += stripped[:-1] + " "
            continue
        out.append((start, current + stripped))
        current = ""
    if current:
        out.append((start, current))
    return out


def needs_buildkit(text: str) -> list[Feature]:
    """The BuildKit-only features a Dockerfile uses, with their lines (empty: the classic builder can build it)."""
    found: list[Feature] = []
    for line, body in _logical_lines(text):
        word, _, rest = body.partition(" ")
        word = word.upper()
        if word in ("RUN", "COPY", "ADD") and _HEREDOC.search(_QUOTED.sub("", rest)):
            found.append(Feature(line, f"heredoc ({word} <<...)"))
        for flag in _FLAGS.get(word, ()):
            if re.search(rf"(^|\s)--{flag}(=|\s|$)", rest):
                found.append(Feature(line, f"{word} --{flag}"))
    return found


_PLAIN = re.compile(r"^#(\d+) (.*)$")
_PLAIN_STEP = re.compile(r"^\[(?:[\w.-]+ )?(\d+)/(\d+)\] (.*)$")
_PLAIN_DONE = re.compile(r"^DONE (\d+(?:\.\d+)?)s$")
_PLAIN_OUTPUT = re.compile(r"^\d+\.\d+ (.*)$")


class BuildxPlainParser:
    """`docker buildx build --progress=plain` lines -> the classic stream's events (vertex numbers mapped to steps)."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.by_vertex: dict[str, Step] = {}
        self.image_id = ""
        self.tags: list[str] = []
        self.failed: BuildFailed | None = None

    def feed_line(self, line: str) -> list[Event]:
        m = _PLAIN.match(line.rstrip())
        if not m:
            if line.startswith("ERROR:") and not self.failed:
                self.failed = BuildFailed(None, line.strip(), None, [])
                return [self.failed]
            return []
        vertex, body = m.groups()
        step = self.by_vertex.get(vertex)
        s = _PLAIN_STEP.match(body)
        if s and step is None:
            step = Step(int(s.group(1)), int(s.group(2)), s.group(3))
            self.by_vertex[vertex] = step
            self.steps.append(step)
            return [StepStarted(step.index, step.total, step.instruction)]
        if body.startswith("writing image sha256:"):
            self.image_id = "sha256:" + body.split("sha256:", 1)[1].split()[0]
        elif body.startswith("naming to "):
            self.tags.append(body[len("naming to "):].split()[0])
        if step is None:
            return []
        return self._step_line(step, body)

    def _step_line(self, step: Step, body: str) -> list[Event]:
        if body == "CACHED":
            step.cached = True
            return [StepCached(step.index), StepFinished(step.index, "", True, 0.0)]
        done = _PLAIN_DONE.match(body)
        if done:
            step.seconds = float(done.group(1))
            return [StepFinished(step.index, "", step.cached, step.seconds)]
        if body.startswith("ERROR:") or body.startswith("ERROR "):
            self.failed = BuildFailed(step.index, body.split(":", 1)[-1].strip(), None, list(step.output))
            return [self.failed]
        out = _PLAIN_OUTPUT.match(body)
        if out:
            step.output.append(out.group(1))
            return [StepOutput(step.index, out.group(1))]
        return [Notice(body)] if body.startswith("WARN") else []

    def succeeded(self) -> BuildSucceeded:
        return BuildSucceeded(self.image_id, list(self.tags))
