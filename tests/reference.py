"""Read the kubectl 1.35 recordings in tests/data/k8s-1.35 (copied from a real cluster; see its README).

A recording is a sequence of `$ command` blocks. `output(file, command)` is exactly what kubectl printed (the text
before `[exit N]`, trailing spaces and blank lines included); `objects(file, command)` parses a `-o yaml` output.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DATA = Path(__file__).resolve().parent / "data" / "k8s-1.35"


@cache
def _blocks(name: str) -> list[tuple[str, str]]:
    text = (DATA / name).read_text()
    blocks: list[tuple[str, str]] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if not line.startswith("$ "):
            i += 1
            continue
        command = line[2:]
        i += 1
        if "<<EOF" in command:
            while i < len(lines) and lines[i] != "EOF":
                i += 1
            i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("$ "):
            body.append(lines[i])
            i += 1
        blocks.append((command, _output("\n".join(body))))
    return blocks


def _output(body: str) -> str:
    if "[exit " in body:
        return body[: body.index("[exit ")]
    # Blocks without an exit marker end at the blank line before the next command.
    return body if body.endswith("\n") else body + "\n"


def output(name: str, command: str, nth: int = 0) -> str:
    """What kubectl printed for the `nth` block whose command is `command` (or, failing that, starts with it)."""
    found = [out for cmd, out in _blocks(name) if cmd.strip() == command] or \
        [out for cmd, out in _blocks(name) if cmd.startswith(command)]
    if len(found) <= nth:
        raise KeyError(f"{command!r} not recorded in {name}")
    return found[nth]


def objects(name: str, command: str, nth: int = 0) -> Any:
    """The object (or List) that a recorded `-o yaml` printed."""
    text = output(name, command, nth)
    if text.startswith("Warning:"):
        text = text.split("\n", 1)[1]
    return yaml.safe_load(text)
