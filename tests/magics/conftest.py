"""The magics tier: a real IPython InteractiveShell with the extension loaded."""

from __future__ import annotations

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
        result = self.run(source)
        assert result.error_in_exec is not None, "the cell was expected to fail"
        return str(result.error_in_exec)


@pytest.fixture
def ip() -> Iterator[Cell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kube_magics")
    shell.run_line_magic("kube", "use sim")
    yield Cell(shell)
    shell.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()
