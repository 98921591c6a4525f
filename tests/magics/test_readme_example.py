"""The README's 30-second example prints what the README says it prints."""

from __future__ import annotations

import re
from pathlib import Path

from tests.magics.k8s_cells import text

README = Path(__file__).resolve().parents[2] / "README.md"


def _session() -> list[tuple[str, str]]:
    """(cell source, what it printed) for each `In [n]:` of the README's example after %load_ext."""
    block = README.read_text().split("## In 30 seconds", 1)[1].split("```text\n", 1)[1].split("```", 1)[0]
    cells: list[tuple[str, str]] = []
    for chunk in re.split(r"\n(?=In \[\d+\]: )", block.strip()):
        lines = chunk.splitlines()
        source = [re.sub(r"^In \[\d+\]: ", "", lines[0])]
        rest = lines[1:]
        while rest and rest[0].startswith("   ...: "):
            source.append(rest.pop(0)[len("   ...: "):])
        cells.append(("\n".join(source), "\n".join(rest).strip("\n")))
    return cells


def test_the_readme_example_prints_what_the_readme_shows(ip) -> None:  # type: ignore[no-untyped-def]
    cells = _session()
    assert cells[0][0] == "%load_ext kube_magics" and len(cells) >= 4
    for source, shown in cells[1:]:
        assert text(ip.ok(source)).strip("\n") == shown, source
