"""`kubectl exec` in a simulated container: the commands whose answer follows from what the container sees.

Nothing runs inside a simulated container, but its environment and its mounted files follow from API objects
(`container_view`), so these commands answer exactly: `env`, `printenv [NAME...]`, `hostname`, `cat FILE...`,
`ls [-a] [-1] [PATH...]`, `echo`, `pwd`, `true`, `false`, `exit N`, and, in a pipeline, `grep [-i] [-v] [-c]`,
`head`/`tail [-n N]`, `wc -l`, `sort`. `sh -c "..."` (and bash) runs a script of those, with `$VAR`, `;`, `&&`,
`||`, `|` and `$(command)`. Anything else (a package manager, curl, a file of the image itself) raises a clear
BackendError naming what is answered, rather than inventing output.

Must not know the simulator: works on a ContainerView.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from kube_magics.backends.base import ExecResult
from kube_magics.backends.container_view import ContainerView
from kube_magics.errors import BackendError

SHELLS = frozenset({"sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/bash", "ash", "/bin/ash"})
ANSWERED = ("env, printenv, hostname, cat, ls, echo, pwd, true, false, exit, grep, head, tail, wc, sort, "
            "and sh -c with those")
# What `ls /` shows in the usual Debian-based images, plus the mount points of the pod.
ROOT_DIRS = ("bin", "boot", "dev", "etc", "home", "lib", "lib64", "media", "mnt", "opt", "proc", "root", "run",
             "sbin", "srv", "sys", "tmp", "usr", "var")


class UnsupportedCommand(BackendError):
    """A command the simulated container cannot answer truthfully."""


@dataclass
class _Out:
    stdout: str = ""
    stderr: str = ""
    code: int = 0
    exited: bool = False  # `exit N`: the script ends here


def run(view: ContainerView, argv: list[str]) -> ExecResult:
    """Run `argv` (as `kubectl exec POD -- argv` passes it) in the container seen as `view`."""
    if not argv:
        raise BackendError("you must specify at least one command for the container")
    if argv[0] in SHELLS and len(argv) >= 3 and argv[1] == "-c":
        out = _script(view, argv[2])
    else:
        out = _command(view, list(argv), "")
    return ExecResult(out.stdout, out.stderr, out.code)


def _unsupported(name: str) -> UnsupportedCommand:
    return UnsupportedCommand(f'the simulated container cannot run "{name}": exec on the simulator answers {ANSWERED}')


# --- scripts ---------------------------------------------------------------------------------------------------------


def _expand(script: str, view: ContainerView) -> str:
    """$VAR, ${VAR} and $(command) outside single quotes, as the shell expands them (unset: empty)."""
    env = view.env
    out, quoted = [], False
    pattern = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
    command = re.compile(r"\$\(([^()]*)\)")

    def substitute(m: re.Match[str]) -> str:
        return shlex.quote(_command(view, shlex.split(m.group(1)), "").stdout.rstrip("\n"))

    for part in re.split(r"(')", script):
        if part == "'":
            quoted = not quoted
            out.append(part)
        elif quoted:
            out.append(part)
        else:
            part = command.sub(substitute, part)
            out.append(pattern.sub(lambda m: shlex.quote(env.get(m.group(1) or m.group(2), "")), part))
    return "".join(out)


def _script(view: ContainerView, script: str) -> _Out:
    lexer = shlex.shlex(_expand(script, view), posix=True, punctuation_chars=";&|")
    lexer.whitespace_split = True
    try:
        tokens = list(lexer)
    except ValueError as exc:
        return _Out(stderr=f"sh: syntax error: {exc}\n", code=2)
    total = _Out()
    run_next, i = True, 0
    while i < len(tokens):
        j = i
        while j < len(tokens) and tokens[j] not in (";", "&&", "||"):
            j += 1
        if run_next and tokens[i:j]:
            out = _pipeline(view, tokens[i:j])
            total.stdout += out.stdout
            total.stderr += out.stderr
            total.code = out.code
            if out.exited:
                break
        op = tokens[j] if j < len(tokens) else ";"
        run_next = op == ";" or (op == "&&") == (total.code == 0)
        i = j + 1
    return total


def _pipeline(view: ContainerView, tokens: list[str]) -> _Out:
    stages: list[list[str]] = [[]]
    for t in tokens:
        if t == "|":
            stages.append([])
        else:
            stages[-1].append(t)
    stdin, out = "", _Out()
    stderr = ""
    for argv in stages:
        out = _command(view, argv, stdin)
        stdin = out.stdout
        stderr += out.stderr
    return _Out(out.stdout, stderr, out.code, out.exited)


# --- commands --------------------------------------------------------------------------------------------------------


def _command(view: ContainerView, argv: list[str], stdin: str) -> _Out:
    name, args = argv[0].rsplit("/", 1)[-1], argv[1:]
    if name in ("env", "printenv"):
        return _printenv(view, args)
    if name == "hostname":
        return _Out(view.hostname + "\n")
    if name == "echo":
        newline = not (args and args[0] == "-n")
        return _Out(" ".join(args[0 if newline else 1:]) + ("\n" if newline else ""))
    if name == "pwd":
        return _Out("/\n")
    if name in ("true", "false"):
        return _Out(code=int(name == "false"))
    if name == "exit":
        return _Out(code=int(args[0]) if args and args[0].isdigit() else 0, exited=True)
    if name == "cat":
        return _cat(view, args, stdin)
    if name == "ls":
        return _ls(view, args)
    if name in _FILTERS:
        return _FILTERS[name](args, stdin)
    raise _unsupported(argv[0])


def _printenv(view: ContainerView, names: list[str]) -> _Out:
    if not names:
        return _Out("".join(f"{k}={v}\n" for k, v in view.env.items()))
    found = [view.env[n] for n in names if n in view.env]
    return _Out("".join(v + "\n" for v in found), code=0 if len(found) == len(names) else 1)


def _known(view: ContainerView, path: str) -> bool:
    """Whether the view knows what is at `path`: a file, a directory, or a place inside a mounted directory."""
    parent = path.rsplit("/", 1)[0] or "/"
    return path in view.files or path in view.dirs or (parent in view.dirs and parent != "/")


def _cat(view: ContainerView, paths: list[str], stdin: str) -> _Out:
    if not paths:
        return _Out(stdin)
    out = _Out()
    for p in paths:
        path = p if p.startswith("/") else "/" + p
        if path in view.files:
            out.stdout += view.files[path].decode("utf-8", "replace")
        elif path in view.dirs:
            out.stderr += f"cat: {p}: Is a directory\n"
            out.code = 1
        elif _known(view, path):
            out.stderr += f"cat: {p}: No such file or directory\n"
            out.code = 1
        else:
            raise UnsupportedCommand(f"the simulated container cannot show {p}: it knows the files mounted from "
                                     "ConfigMaps, Secrets and the downward API, the service account files, and "
                                     "/etc/hosts, /etc/hostname, /etc/resolv.conf")
    return out


def _ls(view: ContainerView, args: list[str]) -> _Out:
    flags = "".join(a[1:] for a in args if a.startswith("-"))
    paths = [a for a in args if not a.startswith("-")] or ["/"]
    out = _Out()
    blocks = []
    for p in paths:
        path = (p if p.startswith("/") else "/" + p).rstrip("/") or "/"
        names = view.listing(path)
        if path == "/":
            names = sorted(set(ROOT_DIRS) | set(names or ()))
        if names is not None:
            names = ([".", ".."] if "a" in flags else []) + [n for n in names if "a" in flags or n[0] != "."]
            header = f"{p}:\n" if len(paths) > 1 else ""
            blocks.append(header + "".join(n + "\n" for n in names))
        elif path in view.files:
            blocks.append(p + "\n")
        elif _known(view, path):
            out.stderr += f"ls: cannot access '{p}': No such file or directory\n"
            out.code = 2
        else:
            raise _unsupported(f"ls {p}")
    out.stdout = "\n".join(blocks)
    return out


def _grep(args: list[str], stdin: str) -> _Out:
    flags = "".join(a[1:] for a in args if a.startswith("-") and len(a) > 1)
    words = [a for a in args if not (a.startswith("-") and len(a) > 1)]
    if not words:
        return _Out(stderr="Usage: grep [OPTION]... PATTERNS [FILE]...\n", code=2)
    pattern = re.compile(words[0], re.IGNORECASE if "i" in flags else 0)
    lines = [line for line in stdin.splitlines() if bool(pattern.search(line)) != ("v" in flags)]
    if "c" in flags:
        return _Out(f"{len(lines)}\n", code=0 if lines else 1)
    return _Out("".join(line + "\n" for line in lines), code=0 if lines else 1)


def _count(args: list[str], default: int = 10) -> int:
    for i, a in enumerate(args):
        if a == "-n" and i + 1 < len(args):
            return int(args[i + 1])
        if re.fullmatch(r"-n?\d+", a):
            return int(a.lstrip("-n"))
    return default


def _head(args: list[str], stdin: str) -> _Out:
    return _Out("".join(line + "\n" for line in stdin.splitlines()[:_count(args)]))


def _tail(args: list[str], stdin: str) -> _Out:
    n = _count(args)
    return _Out("".join(line + "\n" for line in (stdin.splitlines()[-n:] if n else [])))


def _wc(args: list[str], stdin: str) -> _Out:
    return _Out(f"{stdin.count(chr(10))}\n")


def _sort(args: list[str], stdin: str) -> _Out:
    return _Out("".join(line + "\n" for line in sorted(stdin.splitlines(), reverse="-r" in args)))


_FILTERS = {"grep": _grep, "head": _head, "tail": _tail, "wc": _wc, "sort": _sort}
