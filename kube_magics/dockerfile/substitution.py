"""Variable substitution and quote removal in Dockerfile words, as BuildKit's `shell.Lex` performs them.

Owns `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:+alt}`, `${VAR+alt}`, `${VAR:?msg}`,
`${VAR#pat}`/`##`, `${VAR%pat}`/`%%`, `${VAR/pat/repl}`/`//`, single and double quotes, and the escape token
(backslash, or backtick under `# escape=``). Which instructions are expanded, and with which variables, is the
builder's business (builder.py); this module only transforms one word given an environment.

Worked example: with `env = {"V": ""}`, `${V:-x}` gives `x` (set but empty counts as unset with `:`), while
`${V-x}` gives `` (set). `${NOPE}` gives `` and reports `NOPE` as unmatched (BuildKit's UndefinedVar check).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_SPECIAL_PARAMS = set("@*#?-$!0")


class SubstitutionError(Exception):
    """A malformed substitution (`${}`, missing `}`, `${V:?msg}` with V unset), in BuildKit's words."""


@dataclass
class ShellLex:
    escape: str = "\\"
    raw_quotes: bool = False  # keep the quote characters in the result
    raw_escapes: bool = False  # keep the escape characters in the result
    skip_unset: bool = False  # leave `$NOPE` as written instead of expanding it to ""
    process_quotes: bool = True

    def process_word(self, word: str, env: Mapping[str, str]) -> tuple[str, set[str]]:
        """One word, spaces kept: the expanded text and the names that had no value."""
        walker = _Walker(self, word, env)
        try:
            text, _ = walker.until("", self.raw_escapes)
        except SubstitutionError as err:
            raise SubstitutionError(f'failed to process "{word}": {err}') from None
        return text, walker.unmatched

    def process_words(self, word: str, env: Mapping[str, str]) -> list[str]:
        """Several words: expanded, then split on unquoted whitespace (EXPOSE, VOLUME in shell form)."""
        walker = _Walker(self, word, env)
        try:
            _, words = walker.until("", self.raw_escapes)
        except SubstitutionError as err:
            raise SubstitutionError(f'failed to process "{word}": {err}') from None
        return words


class _Words:
    def __init__(self) -> None:
        self.buf: list[str] = []
        self.words: list[str] = []
        self.in_word = False

    def add_char(self, ch: str) -> None:
        if ch.isspace():
            if self.in_word and self.buf:
                self.words.append("".join(self.buf))
                self.buf, self.in_word = [], False
        else:
            self.add_raw(ch)

    def add_raw(self, text: str) -> None:
        self.buf.append(text)
        self.in_word = True

    def done(self) -> list[str]:
        if self.buf:
            self.words.append("".join(self.buf))
            self.buf, self.in_word = [], False
        return self.words


@dataclass
class _Walker:
    lex: ShellLex
    text: str
    env: Mapping[str, str]
    pos: int = 0
    unmatched: set[str] = field(default_factory=set)

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def next(self) -> str:
        ch = self.peek()
        self.pos += 1 if ch else 0
        return ch

    def until(self, stop: str, raw_escapes: bool) -> tuple[str, list[str]]:
        out: list[str] = []
        words = _Words()
        while self.peek():
            ch = self.peek()
            if stop and ch == stop:
                self.next()
                return "".join(out), words.done()
            if ch == "$":
                value = self.dollar()
                out.append(value)
                for c in value:
                    words.add_char(c)
            elif ch in "'\"" and self.lex.process_quotes:
                value = self.single_quote() if ch == "'" else self.double_quote()
                out.append(value)
                words.add_raw(value)
            elif ch == "<" and self.text.startswith("<<", self.pos):
                value = self.heredoc_marker()
                out.append(value)
                words.add_raw(value)
            else:
                ch = self.next()
                if ch == self.lex.escape:
                    if raw_escapes:
                        words.add_raw(ch)
                        out.append(ch)
                    ch = self.next()
                    if not ch:
                        break
                    words.add_raw(ch)
                else:
                    words.add_char(ch)
                out.append(ch)
        if stop:
            raise SubstitutionError(f"unexpected end of statement while looking for matching {stop}")
        return "".join(out), words.done()

    def heredoc_marker(self) -> str:
        self.pos += 2
        start = self.pos
        while self.peek() in (" ", "\t"):
            self.pos += 1
        return "<<" + self.text[start:self.pos]

    def single_quote(self) -> str:
        raw = self.lex.raw_quotes
        opening = self.next()
        out = [opening] if raw else []
        while True:
            ch = self.next()
            if not ch:
                raise SubstitutionError("unexpected end of statement while looking for matching single-quote")
            if ch == "'":
                if raw:
                    out.append(ch)
                return "".join(out)
            out.append(ch)

    def double_quote(self) -> str:
        raw = self.lex.raw_quotes
        opening = self.next()
        out = [opening] if raw else []
        while True:
            ch = self.peek()
            if not ch:
                raise SubstitutionError("unexpected end of statement while looking for matching double-quote")
            if ch == '"':
                self.next()
                if raw:
                    out.append(ch)
                return "".join(out)
            if ch == "$":
                out.append(self.dollar())
                continue
            ch = self.next()
            if ch == self.lex.escape:
                if self.lex.raw_escapes:
                    out.append(ch)
                nxt = self.peek()
                if not nxt:
                    continue
                if nxt in ('"', "$", self.lex.escape):
                    ch = self.next()
            out.append(ch)

    def lookup(self, name: str) -> str | None:
        if name in self.env:
            return self.env[name]
        self.unmatched.add(name)
        return None

    def name(self) -> str:
        start = self.pos
        ch = self.peek()
        if ch.isdigit():
            while self.peek().isdigit():
                self.pos += 1
            return self.text[start:self.pos]
        if ch and ch in _SPECIAL_PARAMS:
            self.pos += 1
            return ch
        while self.peek() and (self.peek().isalnum() or self.peek() == "_"):
            self.pos += 1
        return self.text[start:self.pos]

    def dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.name()
            if not name:
                return "$"
            value = self.lookup(name)
            if value is None:
                return "$" + name if self.lex.skip_unset else ""
            return value
        self.next()
        if not self.peek():
            raise SubstitutionError("syntax error: missing '}'")
        if self.peek() in "{}:":
            raise SubstitutionError("syntax error: bad substitution")
        name = self.name()
        op = self.next()
        if op == "}":
            value = self.lookup(name)
            if value is None:
                return "${" + name + "}" if self.lex.skip_unset else ""
            return value
        if op == "/":
            return self.replace(name)
        return self.modifier(name, op)

    def modifier(self, name: str, op: str) -> str:
        null_is_unset = op == ":"
        if null_is_unset:
            op = self.next()
        if op not in ("+", "-", "?", "#", "%"):
            raise SubstitutionError(f"unsupported modifier ({':' if null_is_unset else ''}{op}) in substitution")
        if null_is_unset and op in "#%":
            raise SubstitutionError(f"unsupported modifier (:{op}) in substitution")
        try:
            word, _ = self.until("}", op in "#%")
        except SubstitutionError:
            if not self.peek():
                raise SubstitutionError("syntax error: missing '}'") from None
            raise
        value = self.lookup(name)
        if value is None and self.lex.skip_unset:
            return "${" + name + (":" if null_is_unset else "") + op + word + "}"
        empty = value is None or (null_is_unset and value == "")
        if op == "-":
            return word if empty else str(value)
        if op == "+":
            return "" if empty else word
        if op == "?":
            if value is None:
                raise SubstitutionError(f"{name}: {word or 'is not allowed to be unset'}")
            if empty:
                raise SubstitutionError(f"{name}: {word or 'is not allowed to be empty'}")
            return value
        return _trim(value or "", word, op)

    def replace(self, name: str) -> str:
        replace_all = self.peek() == "/"
        if replace_all:
            self.next()
        pattern, _ = self.until("/", True)
        replacement, _ = self.until("}", True)
        value = self.lookup(name)
        if value is None:
            return f"${{{name}/{pattern}/{replacement}}}" if self.lex.skip_unset else ""
        rx = _shell_pattern(pattern, greedy=True, anchored=False)
        return rx.sub(lambda _m: replacement, value, count=0 if replace_all else 1)


def _shell_pattern(pattern: str, *, greedy: bool, anchored: bool) -> re.Pattern[str]:
    out = ["^"] if anchored else []
    star = ".*" if greedy else ".*?"
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append(star)
        elif ch == "?":
            out.append(".")
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def _trim(value: str, word: str, op: str) -> str:
    greedy = word.startswith(op)
    if greedy:
        word = word[1:]
    if op == "#":
        m = _shell_pattern(word, greedy=greedy, anchored=True).match(value)
        return value[m.end():] if m else value
    # shortest/longest suffix: search the reversed value with the reversed pattern
    rev = _shell_pattern(word[::-1], greedy=greedy, anchored=True).match(value[::-1])
    return value[: len(value) - rev.end()] if rev else value
