"""What the magics return and raise: objects that display themselves, and errors without tracebacks.

- `TextResult`: kubectl's or docker's text output (text/plain), with an optional HTML rendering and the
  objects behind it (`.objects`) for Python code that captures the result (`pods = %k8s get pods`).
- `CellError`: raised by a magic when something went wrong. IPython shows it as the message alone (no
  traceback), and the cell still counts as failed, so "Run All" stops there as a non-zero exit would.
"""

from __future__ import annotations

import html
from typing import Any


class TextResult:
    """Text as the CLI prints it; `_repr_html_` when the result has a better form in a notebook."""

    def __init__(self, text: str, *, html_text: str | None = None, objects: list[dict[str, Any]] | None = None,
                 value: Any = None) -> None:
        self.text = text
        self._html = html_text
        self.objects = objects or []
        self.value = value

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str | None:
        return self._html

    def __eq__(self, other: object) -> bool:
        if isinstance(other, TextResult):
            return self.text == other.text
        if isinstance(other, str):
            return self.text == other
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]


def pre(text: str) -> str:
    """Text in a <pre> block, for outputs whose exact layout matters."""
    return f"<pre>{html.escape(text)}</pre>"


class CellError(Exception):
    """An error a magic reports to the user: shown as its message, without a traceback."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def _render_traceback_(self) -> list[str]:
        # IPython calls this instead of formatting a traceback. Red, like stderr, line by line.
        return [f"\x1b[0;31m{line}\x1b[0m" for line in self.message.splitlines()] or [""]

    def __str__(self) -> str:
        return self.message
