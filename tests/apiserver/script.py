"""The recordings as scripts: each `$ kubectl ...` block with its standard input (a heredoc), output and exit code."""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from tests.reference import DATA

_BLOCK = re.compile(r"^\$ (kubectl [^\n]*?)(?: <<EOF\n(.*?)\nEOF)?\n(.*?)\[exit (\d+)\]", re.S | re.M)


@dataclass(frozen=True)
class Block:
    command: str
    stdin: str | None
    output: str
    rc: int

    @property
    def args(self) -> list[str]:
        """kubectl's arguments (a trailing `# comment` and the `kubectl` itself left out)."""
        return shlex.split(self.command.split("  #", 1)[0].split(" # ", 1)[0])[1:]


def blocks(name: str) -> list[Block]:
    text = (DATA / name).read_text()
    return [Block(cmd.strip(), None if stdin is None else stdin + "\n", out, int(rc))
            for cmd, stdin, out, rc in _BLOCK.findall(text)]
