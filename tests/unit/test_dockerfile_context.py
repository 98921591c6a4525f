"""The build context: .dockerignore with Docker's pattern semantics, and what COPY sources select."""

from __future__ import annotations

from pathlib import Path

from kube_magics.dockerfile.context import BuildContext, Ignore, read_ignore_file


def test_ignore_file_is_read_as_docker_reads_it() -> None:
    text = "\ufeff# comment\n  /build/  \n!  /build/keep.txt\n\n*.md\n"
    assert read_ignore_file(text) == ["build", "!build/keep.txt", "*.md"]


def test_patterns_match_as_patternmatcher_does() -> None:
    ignore = Ignore(["**/*.pyc", "docs/**", "*.md", "!README.md", "node_modules", "!node_modules/keep/**",
                     "a?c", "logs/*.log"])
    assert ignore.excluded("x/y/z.pyc") and ignore.excluded("z.pyc")
    assert ignore.excluded("docs/a/b.txt")
    assert ignore.excluded("CHANGES.md") and not ignore.excluded("README.md")
    assert not ignore.excluded("sub/CHANGES.md")  # `*` stays within one path element
    assert ignore.excluded("node_modules/left-pad/index.js")
    assert not ignore.excluded("node_modules/keep/x.js")  # an exception re-includes inside an excluded dir
    assert ignore.excluded("abc") and not ignore.excluded("abbc")
    assert ignore.excluded("logs/app.log") and not ignore.excluded("logs/old/app.log")


def test_copy_sources_select_files(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "a.js").write_text("a")
    (tmp_path / "package.json").write_text("{}")
    (tmp_path / "package-lock.json").write_text("{}")
    (tmp_path / "secret.env").write_text("x")
    (tmp_path / ".dockerignore").write_text("*.env\n")
    ctx = BuildContext(tmp_path)
    assert sorted(c.name for c in ctx.select("package*.json") or []) == ["package-lock.json", "package.json"]
    assert [c.name for c in ctx.select("src") or []] == ["a.js"]  # a directory brings its contents
    assert ctx.select("secret.env") is None and ctx.select("nothing*.txt") == []
    assert "secret.env" in ctx.excluded and ctx.size == 1 + 2 + 2 + len("*.env\n")
