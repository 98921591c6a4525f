"""Live views of a build: plain lines for terminals and logs, a progress bar and a short log in notebooks.

Both take the events of `progress.py` one at a time (`__call__(event)`):

- `TextProgress` writes one line per finished step (`[3/7] COPY package*.json ./   CACHED` or `... 0.4s`), a RUN
  step's output indented under its header as it arrives, and a last line with the image.
- `WidgetProgress` shows an ipywidgets progress bar (steps done of N), the step running now, and the last lines
  of output in a box, all updated in place; it turns green or red at the end.

`make_progress()` picks the widget inside a notebook kernel, the text view elsewhere. Must not talk to the engine.
"""

from __future__ import annotations

import html
import sys
from collections.abc import Callable
from typing import Any, TextIO

from kube_magics.docker.progress import (
    BuildFailed,
    BuildInterrupted,
    BuildSucceeded,
    Event,
    Notice,
    StepFinished,
    StepOutput,
    StepStarted,
)
from kube_magics.docker.units import ellipsis, truncate_id

Progress = Callable[[Event], None]
WIDTH = 72  # columns for the instruction before the status


def step_label(index: int, total: int, instruction: str) -> str:
    return f"[{index}/{total}] {instruction}"


def status(cached: bool, seconds: float) -> str:
    return "CACHED" if cached else f"{seconds:.1f}s"


class TextProgress:
    """Plain lines, written as the build goes (a terminal, a log file, nbconvert)."""

    def __init__(self, out: TextIO | None = None) -> None:
        self.out = out or sys.stdout
        self._steps: dict[int, StepStarted] = {}
        self._header_shown: set[int] = set()

    def _write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self._steps[event.index] = event
        elif isinstance(event, StepOutput):
            if event.index not in self._header_shown:
                started = self._steps[event.index]
                self._write(step_label(started.index, started.total, started.instruction))
                self._header_shown.add(event.index)
            self._write(f"    {event.line}")
        elif isinstance(event, StepFinished):
            started = self._steps[event.index]
            label = ellipsis(step_label(started.index, started.total, started.instruction), WIDTH)
            if event.index in self._header_shown:
                label = ellipsis(f"[{started.index}/{started.total}] done", WIDTH)
            self._write(f"{label:<{WIDTH}}  {status(event.cached, event.seconds):>6}")
        elif isinstance(event, Notice):
            self._write(event.text)
        elif isinstance(event, BuildSucceeded):
            tags = ", ".join(event.tags)
            self._write(f"built {truncate_id(event.image_id)}" + (f"  tagged {tags}" if tags else ""))
        elif isinstance(event, BuildFailed):
            self._write(event.message)
        elif isinstance(event, BuildInterrupted):
            self._write("build interrupted")


class WidgetProgress:
    """A progress bar, the current step and the last lines of output, updated in place in a notebook."""

    LOG_LINES = 12

    def __init__(self, title: str = "docker build", *, display: Callable[[Any], Any] | None = None) -> None:
        import ipywidgets as w

        self.bar = w.IntProgress(value=0, min=0, max=1, description="build", bar_style="info",
                                 layout=w.Layout(width="60%"))
        self.label = w.HTML(value=html.escape(title))
        self.log = w.HTML(value="")
        self.box = w.VBox([w.HBox([self.bar, self.label]), self.log])
        self.lines: list[str] = []
        self._steps: dict[int, StepStarted] = {}
        if display is None:
            from IPython.display import display as ipy_display

            display = ipy_display
        display(self.box)

    def _show_log(self) -> None:
        tail = self.lines[-self.LOG_LINES:]
        self.log.value = ("<pre style='margin:0;font-size:90%;line-height:1.3'>"
                          + html.escape("\n".join(tail)) + "</pre>")

    def _append(self, line: str) -> None:
        self.lines.append(line)
        self._show_log()

    def __call__(self, event: Event) -> None:
        if isinstance(event, StepStarted):
            self._steps[event.index] = event
            self.bar.max = event.total
            self.bar.description = f"step {event.index}/{event.total}"
            self.label.value = html.escape(ellipsis(event.instruction, 80))
        elif isinstance(event, StepOutput):
            self._append(f"    {event.line}")
        elif isinstance(event, StepFinished):
            started = self._steps[event.index]
            self.bar.value = event.index
            self._append(f"{step_label(started.index, started.total, ellipsis(started.instruction, 60))}  "
                         f"{status(event.cached, event.seconds)}")
        elif isinstance(event, Notice):
            self._append(event.text)
        elif isinstance(event, BuildSucceeded):
            self.bar.value, self.bar.bar_style = self.bar.max, "success"
            self.label.value = html.escape(f"built {truncate_id(event.image_id)} {' '.join(event.tags)}")
        elif isinstance(event, (BuildFailed, BuildInterrupted)):
            self.bar.bar_style = "danger"
            text = event.message if isinstance(event, BuildFailed) else "build interrupted"
            self.label.value = html.escape(text)
            self._append(text)


def in_notebook() -> bool:
    """Is this a Jupyter kernel (where widgets display), rather than a terminal IPython or plain Python?"""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def make_progress(title: str = "docker build") -> Progress:
    return WidgetProgress(title) if in_notebook() else TextProgress()
