"""kubectl describe's PrefixWriter: text written at indentation levels, aligned by a tabwriter at the end.

`w.write(level, text)` prefixes `text` with two spaces per level, exactly like kubectl's `Write(level, format...)`
(including its quirk that a second write on the same line adds the prefix again, which is why
`kubectl describe hpa` shows `resource cpu on pods  (as a percentage of request):`). `flush()` ends the current
alignment blocks, as kubectl does before the Events table. `text()` aligns everything with minwidth 0, padding 2.
`raw()` is the unaligned text, which `rollout history --revision` prints with its tabs.

Imports only the printers' tabwriter.
"""

from __future__ import annotations

from kube_magics.printers.tabwriter import align_describe

LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3 = 0, 1, 2, 3


class PrefixWriter:
    def __init__(self, indent: int = 0) -> None:
        self._segments: list[list[str]] = [[]]
        self.indent = indent

    def write(self, level: int, text: str) -> None:
        self._segments[-1].append("  " * (level + self.indent) + text)

    def line(self, text: str = "") -> None:
        """kubectl's WriteLine: the text and a newline, no prefix."""
        self._segments[-1].append(text + "\n")

    def flush(self) -> None:
        self._segments.append([])

    def raw(self) -> str:
        return "".join("".join(s) for s in self._segments)

    def text(self) -> str:
        return "".join(align_describe("".join(s)) for s in self._segments)
