"""The magics tier: a real IPython InteractiveShell with the extension loaded."""

from __future__ import annotations

import contextlib
import io
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell


class Cell:
    """Runs cells as a notebook would and returns what a user sees."""

    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    def run(self, source: str) -> Any:
        result = self.shell.run_cell(source, store_history=True)
        return result

    def ok(self, source: str) -> Any:
        result = self.run(source)
        if result.error_in_exec is not None:
            raise AssertionError(f"cell failed: {result.error_in_exec}")
        return result.result

    def fails(self, source: str) -> str:
        """The error a failing cell shows (what it printed before failing still goes to stdout)."""
        return self.fails_after(source)[1]

    def fails_showing(self, source: str) -> str:
        """All a failing cell shows: what it printed before failing, then the error."""
        printed, error = self.fails_after(source)
        return printed + error

    def fails_after(self, source: str) -> tuple[str, str]:
        """What a failing cell printed before it failed, and the error it then showed."""
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            result = self.run(source)
        sys.stdout.write(printed.getvalue())
        assert result.error_in_exec is not None, "the cell was expected to fail"
        error = str(result.error_in_exec)
        shown = printed.getvalue()
        rendered = shown.rfind(f"\x1b[0;31m{error.splitlines()[0] if error else ''}")
        return (shown[:rendered] if rendered >= 0 else shown), error


@pytest.fixture
def ip() -> Iterator[Cell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kube_magics")
    shell.run_line_magic("kube", "use sim")
    yield Cell(shell)
    shell.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()
