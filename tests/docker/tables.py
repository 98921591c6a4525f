"""Reading the CLI's tables back by the header's column positions (cells may contain single spaces)."""

from __future__ import annotations

import re


def columns(text: str) -> tuple[list[str], list[dict[str, str]]]:
    """(header names, rows as {header: cell}) of a tabwriter table whose columns are separated by 3+ spaces."""
    lines = text.splitlines()
    header = lines[0]
    starts = [0] + [m.end() for m in re.finditer(r"   +", header)]
    names = [header[a:b].strip() for a, b in zip(starts, [*starts[1:], None])]
    rows = []
    for line in lines[1:]:
        cells = [line[a:b].strip() if b is not None else line[a:].strip()
                 for a, b in zip(starts, [*starts[1:], None])]
        rows.append(dict(zip(names, cells)))
    return names, rows
