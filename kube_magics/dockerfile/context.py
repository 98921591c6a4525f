"""The build context: the files a build can COPY, after `.dockerignore`, with their checksums.

Owns `.dockerignore` with Docker's semantics (moby/patternmatcher): comments at line start, patterns cleaned and
made relative, `*` and `?` within one path element, `**` across elements, `!` exceptions where the last matching
line wins, and a directory's exclusion applying to everything inside unless an exception re-includes it. A
`<Dockerfile>.dockerignore` next to the Dockerfile takes precedence, as in BuildKit. Also owns how a COPY source
(`package*.json`, `.`, `src/`) selects files (Go's filepath.Match per path element) and the content checksums the
layer cache keys on. It reads the directory once, in sorted order; it never writes.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path

from kube_magics.errors import BuildError

_WILDCARD = re.compile(r"(?<!\\)[*?\[]")


@dataclass(frozen=True)
class ContextFile:
    path: str  # relative to the context root, "/"-separated
    size: int
    digest: str  # sha256 hex of the content
    mode: int = 0o644


@dataclass(frozen=True)
class CopiedFile:
    """A context file as a COPY source selects it: `name` is its path under the destination."""

    name: str
    file: ContextFile


def read_ignore_file(text: str) -> list[str]:
    """The patterns of a .dockerignore file (ignorefile.ReadAll): comments skipped, paths cleaned, `/` removed."""
    patterns = []
    for i, line in enumerate(text.splitlines()):
        if i == 0 and line.startswith("\ufeff"):
            line = line[1:]
        if line.startswith("#"):
            continue
        line = line.strip()
        if not line:
            continue
        invert = line.startswith("!")
        if invert:
            line = line[1:].strip()
        if line:
            line = _clean(line)
            if len(line) > 1 and line.startswith("/"):
                line = line[1:]
        patterns.append("!" + line if invert else line)
    return patterns


def _clean(p: str) -> str:
    """Go's path.Clean."""
    if not p:
        return "."
    cleaned = posixpath.normpath(p)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


class _Pattern:
    def __init__(self, text: str) -> None:
        self.exclusion = text.startswith("!")
        self.text = text[1:] if self.exclusion else text
        self.dirs = len(self.text.split("/"))
        self.kind, self.regex = _compile(self.text)

    def match(self, path: str) -> bool:
        if self.kind == "exact":
            return path == self.text
        if self.kind == "prefix":  # `dir/**`: a plain prefix test, as Docker does (`dirx` matches too)
            return path.startswith(self.text[:-2])
        if self.kind == "suffix":  # `**/name`
            suffix = self.text[2:]
            return path.endswith(suffix) or (suffix.startswith("/") and path == suffix[1:])
        return bool(self.regex and self.regex.match(path))


def _compile(pattern: str) -> tuple[str, re.Pattern[str] | None]:
    out, kind, i = "^", "exact", 0
    while i < len(pattern):
        ch = pattern[i]
        i += 1
        if ch == "*" and pattern[i:i + 1] == "*":
            i += 1
            if pattern[i:i + 1] == "/":
                i += 1
            if i == len(pattern):
                kind, out = ("prefix", out) if kind == "exact" else ("regexp", out + ".*")
            else:
                kind, out = "regexp", out + "(.*/)?"
            if i <= 3 and pattern.startswith("**"):
                kind = "suffix"
        elif ch == "*":
            kind, out = "regexp", out + "[^/]*"
        elif ch == "?":
            kind, out = "regexp", out + "[^/]"
        elif ch == "\\":
            if i < len(pattern):
                kind, out, i = "regexp", out + re.escape(pattern[i]), i + 1
            else:
                out += "\\\\"
        elif ch in "[]":
            kind, out = "regexp", out + ch
        else:
            out += re.escape(ch)
    if kind != "regexp":
        return kind, None
    try:
        return kind, re.compile(out + "$", re.DOTALL)
    except re.error:
        raise BuildError(f"syntax error in pattern: {pattern}") from None


class Ignore:
    """A .dockerignore matcher: `excluded("node_modules/x/y.js")`."""

    def __init__(self, patterns: list[str]) -> None:
        self.patterns = [_Pattern(_clean(p) if not p.startswith("!") else "!" + _clean(p[1:]))
                         for p in patterns if p.strip()]

    def _step(self, path: str, parent: list[bool] | None) -> tuple[bool, list[bool]]:
        matched = False
        info = [False] * len(self.patterns)
        for i, pattern in enumerate(self.patterns):
            match = parent[i] if parent else False
            if not match:
                if pattern.exclusion != matched:
                    continue
                match = pattern.match(path)
            info[i] = match
            if match:
                matched = not pattern.exclusion
        return matched, info

    def excluded(self, path: str) -> bool:
        parts = path.split("/")
        matched, info = False, None
        for i in range(len(parts)):
            matched, info = self._step("/".join(parts[: i + 1]), info)
        return matched


class BuildContext:
    """The files of a context directory that a build sees, after .dockerignore."""

    def __init__(self, root: str | os.PathLike[str], *, dockerfile: str = "Dockerfile",
                 digests: dict[tuple[str, int, int], str] | None = None) -> None:
        self.root = Path(root)
        self._digests = digests if digests is not None else {}
        self.ignore_patterns = self._ignore_patterns(dockerfile)
        self.ignore = Ignore(self.ignore_patterns)
        self.files: dict[str, ContextFile] = {}
        self.dirs: set[str] = {""}
        self.excluded: list[str] = []
        self._walk()

    def _ignore_patterns(self, dockerfile: str) -> list[str]:
        for name in (f"{posixpath.basename(dockerfile)}.dockerignore", ".dockerignore"):
            candidate = self.root / name
            if candidate.is_file():
                return read_ignore_file(candidate.read_text(encoding="utf-8", errors="replace"))
        return []

    def _walk(self) -> None:
        if not self.root.is_dir():
            raise BuildError(f'unable to prepare context: path "{self.root}" not found')
        for dirpath, dirnames, filenames in os.walk(self.root):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, self.root).replace(os.sep, "/")
            rel_dir = "" if rel_dir == "." else rel_dir
            for name in sorted(filenames):
                rel = f"{rel_dir}/{name}" if rel_dir else name
                if self.ignore.patterns and self.ignore.excluded(rel):
                    self.excluded.append(rel)
                    continue
                self.files[rel] = self._file(rel, Path(dirpath) / name)
                parts = rel.split("/")
                self.dirs.update("/".join(parts[:k]) for k in range(1, len(parts)))

    def _file(self, rel: str, full: Path) -> ContextFile:
        st = full.stat()
        key = (str(full), st.st_size, st.st_mtime_ns)
        digest = self._digests.get(key)
        if digest is None:
            digest = hashlib.sha256(full.read_bytes()).hexdigest()
            self._digests[key] = digest
        return ContextFile(rel, st.st_size, digest, st.st_mode & 0o777)

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files.values())

    def select(self, source: str) -> list[CopiedFile] | None:
        """The files a COPY source selects (None if a plain path does not exist; [] if a wildcard matches
        nothing). A directory contributes its contents, named relative to it; a file its base name."""
        path = _clean("/" + source).lstrip("/")
        if path == "":
            return self._under("")
        if not _WILDCARD.search(path):
            if path in self.files:
                return [CopiedFile(posixpath.basename(path), self.files[path])]
            return self._under(path) if path in self.dirs else None
        rx = _glob(path)
        depth = path.count("/")
        out: list[CopiedFile] = []
        for entry in sorted({*self.files, *self.dirs} - {""}):
            if entry.count("/") == depth and rx.fullmatch(entry):
                if entry in self.files:
                    out.append(CopiedFile(posixpath.basename(entry), self.files[entry]))
                else:
                    out += [CopiedFile(posixpath.basename(entry) + "/" + c.name, c.file) for c in self._under(entry)]
        return out

    def _under(self, directory: str) -> list[CopiedFile]:
        prefix = directory + "/" if directory else ""
        return [CopiedFile(p[len(prefix):], f) for p, f in self.files.items() if p.startswith(prefix)]


def _glob(pattern: str) -> re.Pattern[str]:
    """Go's filepath.Match as a regex: `*` and `?` stay within one path element; `[^a]` and `[!a]` negate."""
    out, i = [], 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "*":
            out.append("[^/]*")
        elif ch == "?":
            out.append("[^/]")
        elif ch == "[":
            end = pattern.find("]", i + 2)
            if end < 0:
                raise BuildError(f"syntax error in pattern: {pattern}")
            body = pattern[i + 1:end]
            if body[:1] in ("^", "!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        elif ch == "\\" and i + 1 < len(pattern):
            i += 1
            out.append(re.escape(pattern[i]))
        else:
            out.append(re.escape(ch))
        i += 1
    return re.compile("".join(out), re.DOTALL)


def checksum(files: list[CopiedFile]) -> str:
    """One digest for what a COPY source brings: names, modes and contents (not times: BuildKit's cache is
    content-based, so touching a file without changing it keeps the cache)."""
    h = hashlib.sha256()
    for f in sorted(files, key=lambda c: c.name):
        h.update(f"{f.name}\0{f.file.mode:o}\0{f.file.digest}\n".encode())
    return h.hexdigest()
