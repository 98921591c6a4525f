"""`parse()`: Dockerfile text -> a Dockerfile of stages, or a DockerfileError in the speaking builder's words.

Owns the assembly that `instructions.Parse` does in Docker: ARGs before the first FROM are global (usable in FROM
lines only, unless a stage declares them again), every other instruction belongs to the stage of the last FROM,
and an instruction before any FROM is `no build stage in current context`. Lines, directives and argument
grammars are parser.py's and lexer.py's; the instructions' checks are convert.py's.
"""

from __future__ import annotations

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.convert import convert
from kube_magics.dockerfile.parser import Builder, LocatedError, located, scan
from kube_magics.errors import DockerfileError

COMMENT_HINT = ("`#` starts a comment only at the beginning of a line; after an instruction it is part of the "
                "arguments. Put the comment on its own line above the instruction.")


def parse(text: str, *, builder: Builder = "buildkit", source: str = "Dockerfile") -> ins.Dockerfile:
    """Parse a Dockerfile as `docker build` does (BuildKit), or as the classic builder did (`builder="classic"`).

    Raises DockerfileError with Docker's message and `.line`; when the cause is a comment written after an
    instruction (as in `FROM node:16-alpine  # base image`), the error's hint says so and how to fix it.
    """
    if text == "":
        raise DockerfileError("the Dockerfile cannot be empty")
    try:
        raw = scan(text)
    except LocatedError as err:
        error = located(err, prefix=False)
        lines = text.splitlines()
        if 0 < err.line <= len(lines):
            error.hint = f"line {err.line}: {lines[err.line - 1].strip()}"
        raise error from None
    stages: list[ins.Stage] = []
    meta: list[ins.Arg] = []
    for node in raw.nodes:
        try:
            inst = convert(node)
        except LocatedError as err:
            if builder == "classic":  # Docker 20.10's builder made no suggestions
                err.message = err.message.split(" (did you mean ")[0]
            error = located(err, prefix=True, builder=builder)
            error.hint = _comment_hint(node.original)
            raise error from None
        if isinstance(inst, ins.From):
            stages.append(ins.Stage(len(stages), inst))
        elif not stages and isinstance(inst, ins.Arg):
            meta.append(inst)
        elif not stages:
            raise DockerfileError("no build stage in current context", line=inst.line,
                                  hint="a Dockerfile starts with FROM (only ARG may come before it)")
        else:
            stages[-1].instructions.append(inst)
    return ins.Dockerfile(stages, meta, raw.escape, raw.directives, raw.lines, raw.empty_continuation_lines, source)


def trailing_comment(original: str) -> str | None:
    """The `# ...` that follows an instruction's arguments on the same line, if any (a learner's comment)."""
    parts = original.split(None, 1)
    if len(parts) < 2:
        return None
    rest = parts[1]
    quote = ""
    for i, ch in enumerate(rest):
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and i > 0 and rest[i - 1] in " \t":
            return rest[i:]
    return None


def _comment_hint(original: str) -> str | None:
    comment = trailing_comment(original)
    if comment is None:
        return None
    return f"the line ends with the comment `{comment.strip()}`, which Docker reads as arguments. {COMMENT_HINT}"
