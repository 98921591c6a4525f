"""Go's `text/tabwriter`, as kubectl configures it: the one place where column alignment is decided.

Text is cells separated by tabs; a cell that a tab ends belongs to a column, the text after a line's last tab does
not. Consecutive lines with a cell in column k form a block, and the block's width for column k is its widest cell
plus the padding (at least `minwidth`). A line with fewer cells ends the blocks it does not reach, which is why a
`Containers:` line in `kubectl describe` starts a fresh alignment below it.

Worked example (padding 2, as `kubectl describe` uses): `Name:\\tweb` and `Namespace:\\tdefault` form one block of
width len("Namespace:") + 2 = 12, so `Name:` is followed by 7 spaces.

Two configurations matter:
- `kubectl get` and friends: minwidth 6, padding 3, and `remember` set (kubectl's fork of tabwriter keeps the widest
  widths seen across flushes, so the lines of `get -w` stay aligned with the header printed before them).
- `kubectl describe` and `rollout history`: minwidth 0, padding 2.

Must not import anything of kube_magics: it is pure text layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class TabWriter:
    """Aligns tab-separated text. `remember` keeps column widths across `format` calls (kubectl's watch output)."""

    minwidth: int = 0
    padding: int = 2
    remember: bool = False
    _widths: list[int] = field(default_factory=list)

    def format(self, text: str) -> str:
        """Align `text` (one flush of the writer). A trailing newline is kept as given."""
        if not text:
            return ""
        lines = text.split("\n")
        open_end = lines[-1] != ""
        if not open_end:
            lines.pop()
        cells = [line.split("\t") for line in lines]
        out: list[str] = []
        self._block(cells, 0, len(cells), [], out)
        result = "".join(out)
        # A last line without a newline is still aligned (Go formats it at Flush), but gets no newline.
        return result[:-1] if open_end else result

    def reset(self) -> None:
        """Forget remembered widths (kubectl does this when a new kind's table starts)."""
        self._widths = []

    # --- the block algorithm of text/tabwriter's `format` ---------------------------------------------------------

    def _block(self, lines: list[list[str]], start: int, end: int, widths: list[int], out: list[str]) -> None:
        column = len(widths)
        line0 = start
        this = start
        while this < end:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            # A cell exists in this column: write what came before, then find the block's extent and width.
            self._write(lines, line0, this, widths, out)
            line0 = this
            width = self.minwidth
            while this < end and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + self.padding)
                this += 1
            width = self._remembered(column, width)
            self._block(lines, line0, this, [*widths, width], out)
            line0 = this
        self._write(lines, line0, end, widths, out)

    def _remembered(self, column: int, width: int) -> int:
        if not self.remember:
            return width
        if column < len(self._widths):
            width = max(width, self._widths[column])
            self._widths[column] = width
        else:
            self._widths.extend([0] * (column - len(self._widths)))
            self._widths.append(width)
        return width

    @staticmethod
    def _write(lines: list[list[str]], start: int, end: int, widths: list[int], out: list[str]) -> None:
        for cells in lines[start:end]:
            parts = []
            for j, cell in enumerate(cells):
                if j < len(widths):
                    parts.append(cell + " " * (widths[j] - len(cell)))
                else:
                    parts.append(cell)
            out.append("".join(parts) + "\n")


def get_writer() -> TabWriter:
    """The writer `kubectl get` prints tables with (minwidth 6, padding 3, widths remembered)."""
    return TabWriter(minwidth=6, padding=3, remember=True)


def align_get(text: str) -> str:
    """Align one table as `kubectl get` does."""
    return get_writer().format(text)


def align_describe(text: str) -> str:
    """Align text as `kubectl describe` does (minwidth 0, padding 2)."""
    return TabWriter(minwidth=0, padding=2).format(text)
