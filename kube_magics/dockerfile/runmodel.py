"""What a RUN step does in the simulated builder: its output, exit code, duration and layer size.

A small evaluator for the shell commands people write in Dockerfiles, not a shell: commands joined by `&&`,
`||`, `;` and newlines; `exit N`, `true`, `false`, `echo`, `printf`, `cd`, `export`; `sh -c`/`bash -c`;
`> file` redirections; and the package managers. A command the image does not have fails as the image's shell
says it (`/bin/sh: npm: not found` from busybox/alpine's ash, `/bin/sh: 1: npm: not found` from Debian's dash),
exit code 127. The tools an image has come from its family (alpine, debian, node, python, golang ...) plus what
earlier steps installed (`apk add nodejs npm`, `apt-get install -y python3`).

Layer sizes and durations are estimates from this documented model (the builder's output says so):

| command                                   | layer size                                  | duration              |
|-------------------------------------------|---------------------------------------------|-----------------------|
| `apt-get update`                          | 20 MB of package lists, unless the same RUN  | 3.5 s                 |
|                                           | removes /var/lib/apt/lists                   |                       |
| `apt-get install P1..Pn`                  | 12 MB per package, 5 MB with                 | 1 s + 0.6 s each      |
|                                           | `--no-install-recommends`                    |                       |
| `apt-get upgrade`                         | 35 MB                                       | 8 s                   |
| `apk add P1..Pn`                          | 2.5 MB per package (+2 MB index without      | 0.8 s + 0.2 s each    |
|                                           | `--no-cache`)                                |                       |
| `npm install` / `npm ci` / `yarn`         | 1.8 MB per dependency in package.json (+30%  | 1.5 s + 0.35 s each   |
|                                           | npm cache unless cleaned)                    |                       |
| `pip install` (-r file or names)          | 6 MB per package, +50% wheel cache without   | 1 s + 1.2 s each      |
|                                           | `--no-cache-dir`                             |                       |
| `go build` / `go mod download`            | 12 MB binary (+150 MB build cache) / 40 MB   | 6 s / 4 s             |
| `head -c N ... > file`                    | exactly N bytes                             | 0.1 s                 |
| anything else                             | 4 kB                                        | 0.2 s                 |
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import PurePosixPath

MB = 1_000_000
BUSYBOX = frozenset([
    "sh", "ash", "echo", "printf", "cat", "cp", "mv", "rm", "ln", "mkdir", "rmdir", "touch", "chmod", "chown",
    "chgrp", "ls", "head", "tail", "sed", "awk", "grep", "find", "xargs", "tar", "gzip", "gunzip", "wget", "sleep",
    "env", "id", "whoami", "adduser", "addgroup", "true", "false", "test", "[", "expr", "sort", "uniq", "wc", "cut",
    "tr", "date", "hostname", "uname", "ps", "kill", "which", "readlink", "basename", "dirname", "mktemp", "tee",
    "nc", "vi", "diff", "install", "seq", "yes"
])
DEBIAN = (BUSYBOX - {"wget", "nc", "ash"}) | frozenset(
    ["bash", "dash", "apt-get", "apt", "apt-cache", "dpkg", "useradd", "groupadd", "usermod", "perl"])
BUILDPACK = DEBIAN | frozenset(["curl", "wget", "git", "gcc", "g++", "make", "ssh"])
_FAMILY_TOOLS = {
    "node": {"node", "npm", "npx", "yarn", "corepack"}, "python": {"python", "python3", "pip", "pip3"},
    "golang": {"go", "gofmt"}, "nginx": {"nginx", "curl"}, "httpd": {"httpd", "apachectl"},
    "redis": {"redis-server", "redis-cli"}, "postgres": {"postgres", "psql"}, "mysql": {"mysqld", "mysql"},
}
_PACKAGE_TOOLS = {
    "nodejs": ["node"], "python3": ["python3"], "python3-pip": ["pip3"], "py3-pip": ["pip3", "pip"],
    "build-essential": ["gcc", "g++", "make"], "openjdk-17-jdk": ["java", "javac"], "golang": ["go"],
    "git": ["git"], "curl": ["curl"], "wget": ["wget"], "bash": ["bash"], "make": ["make"], "gcc": ["gcc"],
}


def base_tools(repository: str, tag: str) -> tuple[frozenset[str], str]:
    """The commands an image of this repository has, and its /bin/sh flavour ("ash", "dash" or "none")."""
    name = repository.rsplit("/", 1)[-1]
    if name == "scratch" or "distroless" in repository:
        return frozenset(), "none"
    extra = _FAMILY_TOOLS.get(name, set())
    if name in ("busybox", "alpine") or "alpine" in tag:
        return frozenset(BUSYBOX | {"apk"} - ({"apk"} if name == "busybox" else set()) | extra), "ash"
    if name in ("debian", "ubuntu") or "slim" in tag or name in ("nginx", "httpd", "redis", "postgres", "mysql"):
        return frozenset(DEBIAN | extra), "dash"
    if name in _FAMILY_TOOLS:
        return frozenset(BUILDPACK | extra), "dash"
    return frozenset(BUSYBOX), "ash"


@dataclass
class RunContext:
    """What a RUN step sees: its environment, working directory, tools, and the files copied so far."""

    env: dict[str, str]
    workdir: str
    tools: set[str]
    sh: str  # "ash" | "dash" | "none"
    files: dict[str, str] = field(default_factory=dict)  # absolute path -> text (package.json, requirements.txt)
    apt_lists: bool = False


@dataclass
class RunOutcome:
    exit_code: int = 0
    output: list[str] = field(default_factory=list)
    size: int = 0
    duration: float = 0.0
    exact_size: bool = True
    tools_added: set[str] = field(default_factory=set)
    created: dict[str, int] = field(default_factory=dict)  # absolute path -> bytes, for COPY --from
    apt_lists: bool = False  # package lists are present after the step (apt-get update without cleanup)
    lists_added: int = 0  # bytes of package lists this step downloaded (removed again by rm -rf ...lists)


def run(argv: list[str], ctx: RunContext) -> RunOutcome:
    """Evaluate a RUN step's command (`["/bin/sh", "-c", script]` or an exec-form argv)."""
    out = RunOutcome()
    if ctx.sh == "none" and argv[:1] in (["/bin/sh"], ["/bin/bash"]):
        out.exit_code = 127
        out.output.append(f'runc run failed: unable to start container process: exec: "{argv[0]}": stat '
                          f"{argv[0]}: no such file or directory")
        return out
    if len(argv) >= 3 and argv[1] == "-c" and argv[0].rsplit("/", 1)[-1] in ("sh", "bash", "ash", "dash"):
        _script(argv[2], ctx, out, bash=argv[0].endswith("bash"))
    else:
        _command(argv, ctx, out, bash=False)
    out.apt_lists = ctx.apt_lists
    out.duration = round(max(out.duration, 0.1), 1)
    return out


class _Exit(Exception):
    def __init__(self, code: int) -> None:
        self.code = code


def _script(script: str, ctx: RunContext, out: RunOutcome, *, bash: bool) -> None:
    script = re.sub(r"\\\n", " ", script)
    try:
        _sequence(_tokens(script), ctx, out, bash)
    except _Exit as stop:
        out.exit_code = stop.code
    except ValueError:  # unbalanced quotes: the shell's syntax error
        out.exit_code = 2
        out.output.append(_shell_message(ctx.sh, bash, "Syntax error: Unterminated quoted string"))


def _tokens(script: str) -> list[str]:
    lexer = shlex.shlex(script.replace("\n", " ; "), posix=True, punctuation_chars=";&|<>")
    lexer.whitespace_split = True
    return list(lexer)


def _sequence(tokens: list[str], ctx: RunContext, out: RunOutcome, bash: bool) -> None:
    status, skip_until = 0, ""
    words: list[str] = []
    for tok in [*tokens, ";"]:
        if tok not in (";", "&&", "||", "|", "&"):
            words.append(tok)
            continue
        if words and not skip_until:
            status = _command(words, ctx, out, bash=bash)
        elif words and skip_until and ((skip_until == "&&" and status == 0) or (skip_until == "||" and status)):
            skip_until = ""
        words = []
        if tok == "&&" and status != 0:
            skip_until = "&&"
        elif tok == "||" and status == 0:
            skip_until = "||"
        elif tok in (";", "&", "|"):
            skip_until = ""
    out.exit_code = status


def _redirect(words: list[str]) -> tuple[list[str], str | None]:
    target = None
    kept: list[str] = []
    i = 0
    while i < len(words):
        w = words[i]
        if w in (">", ">>") and i + 1 < len(words):
            target, i = words[i + 1], i + 2
            continue
        if w == "<" and i + 1 < len(words):
            i += 2
            continue
        if re.fullmatch(r"\d?>&?\d?", w) or w.endswith(">"):
            i += 1 + (w.endswith(">") and i + 1 < len(words) and not w.endswith("&"))
            continue
        kept.append(w)
        i += 1
    return kept, target


def _command(words: list[str], ctx: RunContext, out: RunOutcome, *, bash: bool) -> int:
    words, target = _redirect(words)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", words[0]):
        key, _, value = words.pop(0).partition("=")
        ctx.env[key] = value
    if not words:
        return 0
    words = [_expand(w, ctx.env) for w in words]
    name = words[0].rsplit("/", 1)[-1] if words[0].startswith("/") else words[0]
    handler = _BUILTINS.get(name)
    if handler is not None:
        return handler(words, ctx, out, target)
    if name not in ctx.tools and not words[0].startswith(("./", "/")):
        out.output.append(_shell_message(ctx.sh, bash, f"{words[0]}: {'command ' if bash else ''}not found"))
        return 127
    status = _tool(name, words, ctx, out)
    if target and target != "/dev/null":
        out.created[_abs(target, ctx.workdir)] = 0
    return status


def _shell_message(sh: str, bash: bool, text: str) -> str:
    if bash:
        return f"bash: line 1: {text}"
    return f"/bin/sh: 1: {text}" if sh == "dash" else f"/bin/sh: {text}"


def _expand(word: str, env: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        return env.get(m.group(1) or m.group(2), "")

    return re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", sub, word)


def _abs(path: str, workdir: str) -> str:
    return str(PurePosixPath(workdir or "/") / path)


def _exit(words: list[str], ctx: RunContext, out: RunOutcome, target: str | None) -> int:
    code = int(words[1]) if len(words) > 1 and words[1].lstrip("-").isdigit() else out.exit_code
    raise _Exit(code % 256)


def _echo(words: list[str], ctx: RunContext, out: RunOutcome, target: str | None) -> int:
    args = words[1:]
    while args and args[0] in ("-n", "-e", "-ne", "-en"):
        args = args[1:]
    text = " ".join(args)
    if words[0] == "printf":
        text = text.replace("\\n", "\n").rstrip("\n")
    _emit(text, ctx, out, target)
    return 0


def _emit(text: str, ctx: RunContext, out: RunOutcome, target: str | None) -> None:
    if target is None:
        out.output.extend(text.split("\n"))
    elif target != "/dev/null":
        path = _abs(target, ctx.workdir)
        out.created[path] = out.created.get(path, 0) + len(text.encode()) + 1
        out.size += len(text.encode()) + 1


def _ok(words: list[str], ctx: RunContext, out: RunOutcome, target: str | None) -> int:
    if words[0] == "export":
        for w in words[1:]:
            key, _, value = w.partition("=")
            ctx.env[key] = value
    elif words[0] == "cd" and len(words) > 1:
        ctx.workdir = _abs(words[1], ctx.workdir)
    return 0 if words[0] != "false" else 1


def _shell(words: list[str], ctx: RunContext, out: RunOutcome, target: str | None) -> int:
    is_bash = words[0].endswith("bash")
    if is_bash and "bash" not in ctx.tools:
        out.output.append(_shell_message(ctx.sh, False, "bash: not found"))
        return 127
    if len(words) >= 3 and words[1] == "-c":
        inner = RunOutcome()
        _script(words[2], ctx, inner, bash=is_bash)
        out.output += inner.output
        out.size += inner.size
        out.duration += inner.duration
        out.created.update(inner.created)
        return inner.exit_code
    return 0


_BUILTINS = {
    "exit": _exit, "echo": _echo, "printf": _echo, "true": _ok, ":": _ok, "false": _ok, "cd": _ok, "set": _ok,
    "export": _ok, "umask": _ok, "unset": _ok, "test": _ok, "[": _ok, "sh": _shell, "bash": _shell,
}


def _tool(name: str, words: list[str], ctx: RunContext, out: RunOutcome) -> int:
    from kube_magics.dockerfile import packages  # the package managers' models

    model = packages.MODELS.get(name)
    if model is not None:
        return model(words, ctx, out)
    if name == "head" and "-c" in words and words.index("-c") + 1 < len(words):
        count = words[words.index("-c") + 1]
        out.size += int(count) if count.isdigit() else 0
        out.duration += 0.1
        return 0
    if name == "rm" and any(w.startswith("/var/lib/apt/lists") for w in words):
        out.size = max(0, out.size - out.lists_added)
        ctx.apt_lists = False
    if name == "mkdir":
        for w in words[1:]:
            if not w.startswith("-"):
                out.created[_abs(w, ctx.workdir)] = 0
    if name in _METADATA_ONLY:  # directories, links and modes: no file content of their own
        out.duration += 0.1
        return 0
    out.size += 4_000
    out.exact_size = False
    out.duration += 0.2
    return 0


_METADATA_ONLY = frozenset([
    "mkdir", "rmdir", "rm", "ln", "chmod", "chown", "chgrp", "touch", "mv", "id", "whoami", "sleep", "adduser",
    "addgroup", "useradd", "groupadd", "usermod", "ls"
])


def package_json_dependencies(text: str, *, production: bool) -> int:
    """How many direct dependencies a package.json declares (dev ones too unless `production`)."""
    try:
        data = json.loads(text)
    except ValueError:
        return 0
    if not isinstance(data, dict):
        return 0
    deps = len(data.get("dependencies") or {})
    return deps if production else deps + len(data.get("devDependencies") or {})
