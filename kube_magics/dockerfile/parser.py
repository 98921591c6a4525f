"""Dockerfile text -> instruction nodes with lines, as BuildKit's Dockerfile frontend reads it; and `parse()`.

Owns what happens between the bytes and the instructions: the byte-order mark, parser directives (`# syntax=`,
`# escape=`, `# check=`, only at the very top), comments (a `#` at the start of a line, and only there: after an
instruction it is part of the arguments), line continuations (comment and empty lines inside a continuation are
skipped; the empty ones are remembered for BuildKit's NoEmptyContinuation warning), heredocs (`<<EOF`, `<<-EOF`,
quoted delimiters, several per instruction), and the per-instruction argument grammars (lexer.py). What each
instruction means, and its argument checks, is instructions.py's.

Errors carry the line and Docker's wording. Both builders word parse errors differently, and both are kept:
BuildKit (`docker build` since Docker 23) says `dockerfile parse error on line 2: unknown instruction: RUNN (did
you mean RUN?)`, the classic builder (the Engine API's /build) said `dockerfile parse error line 2: unknown
instruction: RUNN`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from kube_magics.dockerfile import lexer
from kube_magics.dockerfile.lexer import Args, LexError
from kube_magics.dockerfile.substitution import ShellLex, SubstitutionError
from kube_magics.errors import DockerfileError

Builder = Literal["buildkit", "classic"]

_DIRECTIVE = re.compile(r"([a-zA-Z][a-zA-Z0-9]*)\s*=\s*(.+?)\s*")
_KNOWN_DIRECTIVES = ("syntax", "escape", "check")
_HEREDOC_INSTRUCTIONS = ("add", "copy", "run")


class LocatedError(Exception):
    """A parse problem and the lines it spans (1-based)."""

    def __init__(self, message: str, line: int, end_line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.end_line = end_line or line


@dataclass
class Heredoc:
    name: str
    content: str = ""
    expand: bool = True  # False when the delimiter was quoted (<<"EOF", <<'EOF')
    chomp: bool = False  # <<- strips leading tabs
    fd: int = 0


@dataclass
class Node:
    """One instruction as the frontend's parser leaves it (before its meaning is checked)."""

    keyword: str  # as written: "RUN", "run", "RUNN"
    args: list[str]
    flags: list[str]
    json: bool
    original: str  # the instruction's text, continuations joined
    start_line: int = 0
    end_line: int = 0
    heredocs: list[Heredoc] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    child: Node | None = None  # ONBUILD's trigger


@dataclass
class RawDockerfile:
    nodes: list[Node]
    escape: str
    directives: dict[str, str]
    empty_continuation_lines: list[int]
    lines: list[str]


def node_from_line(line: str, escape: str) -> Node:
    """Split one logical line into keyword, flags and arguments (raises LexError)."""
    keyword, flags, rest = lexer.split_command(line, escape)
    lower = keyword.lower()
    child = None
    if lower == "onbuild":
        child = node_from_line(rest, escape) if rest else None
        args = Args([child.keyword, *child.args] if child else [])
    else:
        args = _arguments(lower, rest, escape)
    return Node(keyword, args.words, flags, args.json, line, child=child)


def _arguments(lower: str, rest: str, escape: str) -> Args:
    if lower in ("add", "copy", "volume"):
        return lexer.maybe_json_to_list(rest)
    if lower in ("cmd", "entrypoint", "run", "shell"):
        return lexer.maybe_json(rest)
    if lower in ("env", "label"):
        return lexer.name_val(rest, lower.upper(), escape)
    if lower == "arg":
        return Args(lexer.parse_words(rest, escape))
    if lower in ("expose", "from"):
        return Args(lexer.whitespace_words(rest))
    if lower == "healthcheck":
        return lexer.health_config(rest)
    if lower in ("maintainer", "stopsignal", "user", "workdir"):
        return lexer.single_string(rest)
    return Args([])  # unknown instructions are reported when their meaning is checked


class _Directives:
    def __init__(self) -> None:
        self.done = False
        self.seen: dict[str, str] = {}
        self.escape = "\\"
        self.continuation = _continuation_regex("\\")

    def offer(self, line: str) -> bool:
        """Whether `line` (left-stripped) is a parser directive; stops looking at the first line that is not."""
        if self.done:
            return False
        if not line.startswith("#"):
            self.done = True
            return False
        m = _DIRECTIVE.fullmatch(line[1:].lstrip())
        if not m or m.group(1).lower() not in _KNOWN_DIRECTIVES:
            self.done = True
            return False
        key, value = m.group(1).lower(), m.group(2)
        if key in self.seen:
            raise ValueError(f"only one {key} parser directive can be used")
        self.seen[key] = value
        if key == "escape":
            if value not in ("`", "\\"):
                raise ValueError(f"invalid escape token '{value}' does not match ` or \\")
            self.escape = value
            self.continuation = _continuation_regex(value)
        return True


def _continuation_regex(token: str) -> re.Pattern[str]:
    t = re.escape(token)
    return re.compile(rf"([^{t}]){t}[ \t]*$|^{t}[ \t]*$")


def _is_comment(line: str) -> bool:
    return line.lstrip().startswith("#")


def _trim_continuation(line: str, d: _Directives) -> tuple[str, bool]:
    if d.continuation.search(line):
        return d.continuation.sub(r"\1", line, count=1), False
    return line, True


def _process(d: _Directives, raw: str, strip_left: bool) -> tuple[str | None, bool]:
    token = raw.rstrip("\r\n")
    if strip_left:
        token = token.lstrip()
    is_directive = d.offer(token)
    return (None if _is_comment(token) else token), is_directive


def scan(text: str) -> RawDockerfile:
    """The frontend's line scanner (parser.Parse): nodes with their lines, directives, the escape token."""
    if text.startswith("\ufeff"):
        text = text[1:]
    raw_lines = text.splitlines(keepends=True)
    d = _Directives()
    nodes: list[Node] = []
    comments: list[str] = []
    empty_continuations: list[int] = []
    i, n = 0, len(raw_lines)
    while i < n:
        raw = raw_lines[i]
        if _is_comment(raw):
            comment = raw[1:].strip()
            comments = [*comments, comment] if comment else []
        try:
            token, is_directive = _process(d, raw, True)
        except ValueError as err:
            raise LocatedError(str(err), i + 1) from None
        if is_directive:
            comments = comments[:-1]
        i += 1
        start = i
        body, at_end = _trim_continuation(token or "", d)
        if at_end and not body:
            continue
        parts = [body]
        has_empty = False
        while not at_end and i < n:
            nxt = raw_lines[i]
            piece, _ = _process(d, nxt, False)
            i += 1
            if _is_comment(nxt):
                continue
            if not (piece or "").strip():
                has_empty = True
                continue
            piece, at_end = _trim_continuation(piece or "", d)
            parts.append(piece)
        line = "".join(parts)
        if has_empty:
            empty_continuations.append(i)
        try:
            node = node_from_line(line, d.escape)
        except LexError as err:
            raise LocatedError(str(err), start, i) from None
        node.comments = comments
        i = _read_heredocs(node, line, raw_lines, i, start)
        node.start_line, node.end_line = start, i
        nodes.append(node)
        comments = []
    if not nodes:
        raise LocatedError("file with no instructions", max(len(raw_lines), 1))
    return RawDockerfile(nodes, d.escape, dict(d.seen), empty_continuations, [r.rstrip("\r\n") for r in raw_lines])


def _can_contain_heredoc(node: Node) -> bool:
    target = node.child if node.keyword.lower() == "onbuild" and node.child else node
    return target.keyword.lower() in _HEREDOC_INSTRUCTIONS and not target.json


def _read_heredocs(node: Node, line: str, raw_lines: list[str], i: int, start: int) -> int:
    if not _can_contain_heredoc(node) or "<<" not in line:
        return i
    docs = heredocs_in_line(line)
    for doc in docs:
        content: list[str] = []
        terminated = False
        while i < len(raw_lines):
            raw = raw_lines[i]
            i += 1
            candidate = raw.rstrip("\r\n")
            if doc.chomp:
                candidate = candidate.lstrip("\t")
            if candidate == doc.name:
                terminated = True
                break
            content.append(raw)
        if not terminated:
            raise LocatedError("unterminated heredoc", start, i)
        doc.content = "".join(content)
    node.heredocs = docs
    if node.child is not None:
        node.child.heredocs = docs
    return i


def parse_heredoc_word(word: str) -> Heredoc | None:
    """`<<EOF`, `<<-"EOF"`, `3<<EOF` -> a Heredoc (content not read yet); anything else -> None."""
    m = lexer.HEREDOC_WORD.fullmatch(word)
    if not m or not m.group(3):
        return None
    rest = m.group(3)
    try:
        plain = ShellLex(skip_unset=True).process_words(rest, {})
        raw = ShellLex(skip_unset=True, raw_quotes=True).process_words(rest, {})
    except SubstitutionError:
        return None
    if len(plain) != 1 or len(raw) != 1:
        return None

    def quotes(s: str) -> int:
        return s.count("'") + s.count('"')

    return Heredoc(plain[0], expand=quotes(plain[0]) == quotes(raw[0]), chomp=m.group(2) == "-",
                   fd=int(m.group(1) or 0))


def heredocs_in_line(line: str) -> list[Heredoc]:
    try:
        words = ShellLex(raw_quotes=True, raw_escapes=True, skip_unset=True).process_words(line, {})
    except SubstitutionError:
        return []
    return [doc for doc in map(parse_heredoc_word, words) if doc is not None]


def located(err: LocatedError, *, prefix: bool, builder: Builder = "buildkit") -> DockerfileError:
    """A DockerfileError in the speaking builder's words (instruction errors carry the parse-error prefix)."""
    message = err.message
    if prefix:
        where = "on line" if builder == "buildkit" else "line"
        message = f"dockerfile parse error {where} {err.line}: {message}"
    return DockerfileError(message, line=err.line)
