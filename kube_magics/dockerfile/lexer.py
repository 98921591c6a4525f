"""How one Dockerfile instruction's text is cut into words, flags and JSON, as BuildKit's frontend cuts it.

Owns the per-instruction argument grammars of the Dockerfile frontend (`line_parsers.go`, `split_command.go`):
whitespace splitting, quoted words (quotes kept, removed later by substitution), `--flag` extraction, the JSON
(exec) form with its silent fall-back to the shell form, `ENV`/`LABEL` key-value pairs, `HEALTHCHECK`'s type
word. It knows nothing of lines, continuations or heredocs (parser.py) nor of what the instructions mean
(instructions.py). Pure functions over strings.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

WHITESPACE = re.compile(r"[\t\v\f\r ]+")


class LexError(Exception):
    """A problem in one instruction's arguments; the parser adds the line."""


NOT_STRING_ARRAY = "when using JSON array syntax, arrays must be comprised of strings only"


@dataclass
class Args:
    """The arguments of one instruction as the frontend's line parser leaves them."""

    words: list[str]  # for key-value instructions: key, value, separator triples, flattened
    json: bool = False


def split_command(line: str, escape: str) -> tuple[str, list[str], str]:
    """`RUN --mount=x  echo hi` -> ("RUN", ["--mount=x"], "echo hi")."""
    parts = WHITESPACE.split(line.strip(), maxsplit=1)
    if len(parts) < 2:
        return parts[0], [], ""
    rest, flags = extract_flags(parts[1], escape)
    return parts[0], flags, rest.strip()


def extract_flags(line: str, escape: str) -> tuple[str, list[str]]:
    """Leading `--name[=value]` words (quotes and escapes resolved); stops at the first other word or `--`."""
    words: list[str] = []
    pos, n = 0, len(line)
    while True:
        while pos < n and line[pos].isspace():
            pos += 1
        if pos == n:
            return "", words
        if not line.startswith("--", pos) or pos + 1 == n:
            return line[pos:], words
        word, pos, blank_ok = _flag_word(line, pos, escape)
        if word == "--":
            return line[pos:], words
        if word or blank_ok:
            words.append(word)


def _flag_word(line: str, pos: int, escape: str) -> tuple[str, int, bool]:
    out: list[str] = []
    quote = ""
    blank_ok = False
    n = len(line)
    while pos < n:
        ch = line[pos]
        if quote:
            if ch == quote:
                quote = ""
            elif ch == escape:
                if pos + 1 == n:
                    pos += 1
                    continue
                pos += 1
                out.append(line[pos])
            else:
                out.append(ch)
        elif ch.isspace():
            break
        elif ch in "'\"":
            quote, blank_ok = ch, True
        elif ch == escape:
            if pos + 1 < n:
                pos += 1
                out.append(line[pos])
        else:
            out.append(ch)
        pos += 1
    return "".join(out), pos, blank_ok


def parse_words(rest: str, escape: str) -> list[str]:
    """Words separated by whitespace; quotes and escapes stay in the words (substitution removes them)."""
    words: list[str] = []
    buf: list[str] = []
    in_word = False
    quote = ""
    blank_ok = False
    i, n = 0, len(rest)
    while i < n:
        ch = rest[i]
        if quote:
            if ch == quote:
                quote = ""
            if ch == escape and quote != "'":
                if i + 1 == n:
                    quote = ""
                    i += 1
                    continue
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
        elif ch.isspace():
            if in_word and (blank_ok or buf):
                words.append("".join(buf))
            buf, in_word, blank_ok = [], False, False
        else:
            in_word = True
            if ch in "'\"":
                quote, blank_ok = ch, True
            if ch == escape:
                if i + 1 == n:
                    i += 1
                    continue
                buf.append(ch)
                i += 1
                ch = rest[i]
            buf.append(ch)
        i += 1
    if (in_word or quote) and (blank_ok or buf):
        words.append("".join(buf))
    return words


def _reject_constant(name: str) -> None:
    raise ValueError(name)  # Go's encoding/json has no NaN or Infinity


def parse_json(rest: str) -> list[str] | None:
    """The exec form's array, or None when the text is not a JSON array (then it is shell form).

    A valid array with a non-string element is an error, not shell form (as in Docker)."""
    rest = rest.lstrip()
    if not rest.startswith("["):
        return None
    try:
        value = json.loads(rest, parse_constant=_reject_constant)
    except ValueError:
        return None
    if not isinstance(value, list):
        return None
    if not all(isinstance(v, str) for v in value):
        raise LexError(NOT_STRING_ARRAY)
    return value


def maybe_json(rest: str) -> Args:
    """CMD, ENTRYPOINT, RUN, SHELL: the JSON array, else the whole text as one shell-form string."""
    if rest == "":
        return Args([])
    parsed = parse_json(rest)
    if parsed is not None:
        return Args(parsed, json=True)
    return Args([rest])


def maybe_json_to_list(rest: str) -> Args:
    """ADD, COPY, VOLUME: the JSON array, else whitespace-separated words (no quote handling)."""
    parsed = parse_json(rest)
    if parsed is not None:
        return Args(parsed, json=True)
    return Args(whitespace_words(rest))


def whitespace_words(rest: str) -> list[str]:
    """FROM, EXPOSE: plain whitespace splitting; `#` is an ordinary word here."""
    if rest == "":
        return []
    return WHITESPACE.split(rest)


def single_string(rest: str) -> Args:
    """WORKDIR, USER, STOPSIGNAL, MAINTAINER: the rest of the line, spaces and all."""
    return Args([rest] if rest else [])


def name_val(rest: str, key: str, escape: str) -> Args:
    """ENV and LABEL: `K V` (legacy, one pair) or `K=V K2="v 2"` (any number of pairs)."""
    words = parse_words(rest, escape)
    if not words:
        return Args([])
    if "=" not in words[0]:
        parts = WHITESPACE.split(rest, maxsplit=1)
        if len(parts) < 2:
            raise LexError(f"{key} must have two arguments")
        return Args([parts[0], parts[1], ""])
    out: list[str] = []
    for word in words:
        if "=" not in word:
            raise LexError(f'Syntax error - can\'t find = in "{word}". Must be of the form: name=value')
        k, v = word.split("=", 1)
        out += [k, v, "="]
    return Args(out)


def health_config(rest: str) -> Args:
    """HEALTHCHECK: the type word (`CMD`, `NONE`) then a CMD-like command."""
    sep = 0
    while sep < len(rest) and not rest[sep].isspace():
        sep += 1
    if sep == 0:
        return Args([])
    nxt = sep
    while nxt < len(rest) and rest[nxt].isspace():
        nxt += 1
    cmd = maybe_json(rest[nxt:])
    return Args([rest[:sep], *cmd.words], json=cmd.json)


HEREDOC_WORD = re.compile(r"(\d*)<<(-?)[\t\n\f\r ]*([^<]*)", re.DOTALL)  # used with fullmatch
