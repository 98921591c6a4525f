"""Build progress as events: what the classic builder's stream says, step by step.

The Engine API's `/build` (the classic builder) streams JSON messages whose `stream` text is the CLI's build
output, split anywhere (`"Step 1/7 : FROM busybox:local"` and its `"\\n"` arrive as two messages).
`ClassicStreamParser.feed(message, now)` reassembles lines and turns them into events:

    StepStarted(1, 7, "FROM busybox:local")   "Step 1/7 : FROM busybox:local"
    StepCached(2)                             " ---> Using cache"
    StepOutput(4, "installing deps")          any other line while a step runs (a RUN step's output)
    StepFinished(4, "8c379f5431cb", cached=False, seconds=0.41)   " ---> 8c379f5431cb"
    BuildSucceeded("sha256:63cb...", ["seedapp:1"])               the `aux` ID and "Successfully tagged"
    BuildFailed(2, message, code, output)     an `error` message: the failing step and what it printed

Durations come from the `now` given with each message (the wall clock, read by the caller), so this module is
pure and its tests replay recorded streams. Must not talk to the engine or display anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

_STEP = re.compile(r"^Step (\d+)/(\d+) : (.*)$")
_ID = re.compile(r"^ ---> ([0-9a-f]{12,64})$")
_RUNNING = re.compile(r"^ ---> Running in ([0-9a-f]+)$")


@dataclass(frozen=True)
class StepStarted:
    index: int
    total: int
    instruction: str


@dataclass(frozen=True)
class StepCached:
    index: int


@dataclass(frozen=True)
class StepOutput:
    index: int
    line: str


@dataclass(frozen=True)
class StepFinished:
    index: int
    image_id: str
    cached: bool
    seconds: float


@dataclass(frozen=True)
class Notice:
    text: str  # "Sending build context ...", "[Warning] One or more build-args [X] were not consumed"


@dataclass(frozen=True)
class BuildSucceeded:
    image_id: str
    tags: list[str]


@dataclass(frozen=True)
class BuildFailed:
    index: int | None
    message: str
    code: int | None
    output: list[str]


@dataclass(frozen=True)
class BuildInterrupted:
    index: int | None


Event = (StepStarted | StepCached | StepOutput | StepFinished | Notice | BuildSucceeded | BuildFailed
         | BuildInterrupted)


@dataclass
class Step:
    """What one step did, as the final result reports it."""

    index: int
    total: int
    instruction: str
    cached: bool = False
    image_id: str = ""
    seconds: float = 0.0
    output: list[str] = field(default_factory=list)
    started_at: float = 0.0


class ClassicStreamParser:
    """Turns the classic builder's JSON messages into events; keeps the steps for the result."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.image_id = ""
        self.tags: list[str] = []
        self.failed: BuildFailed | None = None
        self._buffer = ""

    @property
    def current(self) -> Step | None:
        return self.steps[-1] if self.steps and not self.steps[-1].image_id else None

    def feed(self, message: dict[str, Any], now: float) -> list[Event]:
        events: list[Event] = []
        if "stream" in message:
            self._buffer += str(message["stream"])
            *lines, self._buffer = self._buffer.split("\n")
            for line in lines:
                events.extend(self._line(line.rstrip("\r"), now))
        aux = message.get("aux")
        if isinstance(aux, dict) and aux.get("ID"):
            self.image_id = str(aux["ID"])
        if "error" in message or "errorDetail" in message:
            events.extend(self.flush(now))
            detail = message.get("errorDetail") or {}
            text = str(detail.get("message") or message.get("error") or "").strip()
            step = self.current
            self.failed = BuildFailed(step.index if step else None, text, detail.get("code"),
                                      list(step.output) if step else [])
            events.append(self.failed)
        return events

    def flush(self, now: float) -> list[Event]:
        """The last line, when the stream ended without a newline."""
        rest, self._buffer = self._buffer, ""
        return self._line(rest, now) if rest.strip() else []

    def _line(self, line: str, now: float) -> list[Event]:
        m = _STEP.match(line)
        if m:
            step = Step(int(m.group(1)), int(m.group(2)), m.group(3), started_at=now)
            self.steps.append(step)
            return [StepStarted(step.index, step.total, step.instruction)]
        current = self.current
        if current is None:
            text = line.strip()
            if line.startswith("Successfully tagged "):
                self.tags.append(line[len("Successfully tagged "):].strip())
                return []
            if line.startswith("Successfully built "):
                self.image_id = self.image_id or line.split()[-1]
                return []
            return [Notice(text)] if text and not line.startswith(" ---> ") else []
        return self._step_line(current, line, now)

    def _step_line(self, step: Step, line: str, now: float) -> list[Event]:
        if line == " ---> Using cache":
            step.cached = True
            return [StepCached(step.index)]
        m = _ID.match(line)
        if m:
            step.image_id = m.group(1)
            step.seconds = 0.0 if step.cached else max(0.0, now - step.started_at)
            return [StepFinished(step.index, step.image_id, step.cached, step.seconds)]
        if _RUNNING.match(line) or line.startswith("Removing intermediate container"):
            return []
        if line.startswith(" ---> "):
            return [Notice(line[len(" ---> "):].strip())]
        step.output.append(line)
        return [StepOutput(step.index, line)]

    def succeeded(self) -> BuildSucceeded:
        return BuildSucceeded(self.image_id, list(self.tags))
