"""Shell words: splitting a script into words and operators, and expanding variables, as sh does (enough of it).

`tokenize` keeps, for each word, which parts were single-quoted (never expanded); `expand` substitutes $VAR,
${VAR}, $? and the command substitutions the model knows ($(date), $(hostname)). Operators: ; && || | & and
newlines (as ;).
"""

from __future__ import annotations

import re

Word = tuple[tuple[str, bool], ...]  # segments (text, expandable)
_OPS = (";;", "&&", "||", ";", "|", "&", "\n")


def tokenize(script: str) -> list[Word | str]:
    """Words (with which parts may be expanded) and the operators ; && || | & between them."""
    out: list[Word | str] = []
    segs: list[tuple[str, bool]] = []
    buf = ""
    i, n = 0, len(script)

    def flush() -> None:
        nonlocal buf, segs
        if buf:
            segs.append((buf, True))
            buf = ""
        if segs:
            out.append(tuple(segs))
            segs = []

    while i < n:
        ch = script[i]
        op = next((o for o in _OPS if script.startswith(o, i)), None)
        if op is not None:
            flush()
            out.append(";" if op in ("\n", ";;") else op)
            i += len(op)
        elif ch in " \t":
            flush()
            i += 1
        elif ch == "'":
            if buf:
                segs.append((buf, True))
                buf = ""
            text, i = _single_quoted(script, i)
            segs.append((text, False))
        elif ch == '"':
            text, i = _double_quoted(script, i)
            buf += text
            if not text and not buf:
                segs.append(("", False))
        elif ch == "\\" and i + 1 < n:
            buf += script[i + 1]
            i += 2
        elif ch == "#" and not buf and not segs:
            while i < n and script[i] != "\n":
                i += 1
        else:
            buf += ch
            i += 1
    flush()
    return out


def _single_quoted(script: str, i: int) -> tuple[str, int]:
    end = script.find("'", i + 1)
    end = len(script) if end < 0 else end
    return script[i + 1:end], end + 1


def _double_quoted(script: str, i: int) -> tuple[str, int]:
    """The text inside double quotes (backslash escapes resolved) and the index after the closing quote."""
    j, text = i + 1, ""
    while j < len(script) and script[j] != '"':
        if script[j] == "\\" and j + 1 < len(script):
            j += 1
        text += script[j]
        j += 1
    return text, j + 1


_VAR = re.compile(r"\$\(([^)]*)\)|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*|\?|\$)")


def expand(word: Word, env: dict[str, str], status: int) -> tuple[str, bool]:
    """A word's value after $VAR, ${VAR} and $(date)/$(hostname); the flag says a date was substituted."""
    dated = False

    def sub(m: re.Match[str]) -> str:
        nonlocal dated
        if m.group(1) is not None:
            inner = m.group(1).strip()
            if inner.startswith("date"):
                dated = True
                return "\0"
            if inner == "hostname":
                return env.get("HOSTNAME", "")
            return ""
        name = m.group(2) or m.group(3)
        if name == "?":
            return str(status)
        if name == "$":
            return "1"
        return env.get(name, "")

    text = "".join(_VAR.sub(sub, seg) if expandable else seg for seg, expandable in word)
    return text, dated
