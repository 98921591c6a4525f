"""The build context: which files `docker build` sends (after .dockerignore), how big that is, and its tar.

- `scan(directory) -> ContextInfo`: the files that would be sent, their count and size, the largest top-level
  entries, and `warning()` when the context is large enough to slow every build.
- `archive(directory, dockerfile_text) -> file`: the context as a tar with the Dockerfile written into it under
  a name of its own, as `docker build -f - DIR` does: the name and `.dockerignore` are listed in the tar's
  `.dockerignore`, so the engine drops both before the build and `COPY . .` never sees them (the layer cache
  stays the same from one cell run to the next). The user's directory is never modified.

Uses the SDK's own walker (`docker.utils.build.exclude_paths`), so the patterns mean what they mean to Docker.
Must not talk to the engine.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import IO

from kube_magics.docker.units import human_size
from kube_magics.errors import BuildError

DOCKERFILE_NAME = ".dockerfile.kube-magics"
LARGE_BYTES = 50 * 1000 * 1000
LARGE_FILES = 5000


@dataclass
class ContextInfo:
    root: str
    files: list[str]  # relative paths that are sent, sorted (directories included, as in the tar)
    file_count: int
    size: int  # bytes of regular files
    tar_size: int  # what the CLI reports as "Sending build context": the tar stream's length
    excludes: list[str] = field(default_factory=list)
    largest: list[tuple[str, int]] = field(default_factory=list)  # top-level entries by size, biggest first

    def sending_line(self) -> str:
        return f"Sending build context to Docker daemon {human_size(self.tar_size, 4):>8}"

    def warning(self, *, max_bytes: int = LARGE_BYTES, max_files: int = LARGE_FILES) -> str | None:
        """A warning when every build would send a lot, naming what weighs most."""
        if self.size < max_bytes and self.file_count < max_files:
            return None
        heavy = ", ".join(f"{name} {human_size(size)}" for name, size in self.largest[:3])
        ignore = "is honoured" if self.excludes else "would help: there is none"
        return (f"warning: the build context is {human_size(self.size)} in {self.file_count:,} files "
                f"(largest: {heavy}); every build sends all of it to the engine before the first step. "
                f"List what the image does not need (node_modules, .git, data) in .dockerignore ({ignore}).")


def read_dockerignore(root: str) -> list[str]:
    """The patterns of `root/.dockerignore`, as the SDK and the CLI read them (comments and blanks dropped)."""
    path = os.path.join(root, ".dockerignore")
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [line.strip() for line in f.read().splitlines() if line.strip() and not line.strip().startswith("#")]


def scan(directory: str, *, dockerfile_name: str = DOCKERFILE_NAME) -> ContextInfo:
    """The files a build of `directory` sends, with their count and size."""
    from docker.utils.build import exclude_paths

    root = os.path.abspath(directory)
    if not os.path.isdir(root):
        raise BuildError(f"unable to prepare context: path {directory!r} not found",
                         hint="--context names a directory (the notebook's directory by default)")
    excludes = read_dockerignore(root)
    files = sorted(p for p in exclude_paths(root, list(excludes), dockerfile=dockerfile_name) if p != ".dockerignore")
    count = size = 0
    tar_size = 1024  # two zero blocks end a tar stream
    top: dict[str, int] = {}
    for rel in files:
        try:
            st = os.lstat(os.path.join(root, rel))
        except OSError:
            continue
        tar_size += 512
        if stat.S_ISREG(st.st_mode):
            count += 1
            size += st.st_size
            tar_size += -(-st.st_size // 512) * 512
            head = rel.split(os.sep, 1)[0]
            top[head] = top.get(head, 0) + st.st_size
    largest = sorted(top.items(), key=lambda kv: (-kv[1], kv[0]))
    return ContextInfo(root, files, count, size, tar_size, excludes, largest)


def archive(info: ContextInfo, dockerfile_text: str, *, dockerfile_name: str = DOCKERFILE_NAME) -> IO[bytes]:
    """The context as an uncompressed tar (a temporary file), with the Dockerfile and a .dockerignore added."""
    from docker.utils.build import create_archive

    ignore = "\n".join([*info.excludes, ".dockerignore", dockerfile_name]) + "\n"
    extra = [(".dockerignore", ignore), (dockerfile_name, dockerfile_text)]
    try:
        return create_archive(info.root, files=info.files, extra_files=extra)
    except OSError as exc:
        raise BuildError(f"unable to prepare context: {exc}") from None
