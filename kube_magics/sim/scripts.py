"""Reading the shell scripts people give containers (`sh -c "..."`), for the behaviour model.

A script is walked statement by statement on a virtual timeline (`Run`): what it prints, the files it touches
and removes, the memory it allocates, when it sleeps, exits, loops for ever or hands over to a server (`exec
nginx ...`). Only what the model can answer is modelled; anything else is taken to succeed quietly.
`python -c` programs are read the same way by `pyscript.py`, on the same `Run`.

Must not: execute anything, or read the clock (everything is an offset from the process's start).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from kube_magics.sim.behaviour import Context, LogLine, Loop, Process, parse_seconds
from kube_magics.sim.shellwords import Word, expand, tokenize

_SILENT = frozenset({"ls", "mkdir", "cd", "cp", "mv", "chmod", "chown", "ln", "wget", "curl", "nc", "ping",
                     "nslookup", "dig", "apt-get", "apk", "pip", "npm", "kill", "wait", "set", "ulimit", "umask",
                     "sync", "id", "whoami", "uname", "df", "du", "ps", "find", "grep", "sed", "awk", "tar"})


@dataclass
class Run:
    """A process's timeline being built."""

    ctx: Context
    base_memory: int
    coreutils: bool = False  # GNU wording for errors (debian, ubuntu, python, node) rather than busybox's
    t: float = 0.0
    lines: list[LogLine] = field(default_factory=list)
    files: dict[str, list[list[float | None]]] = field(default_factory=dict)
    contents: dict[str, str] = field(default_factory=dict)
    memory: list[tuple[float, int]] = field(default_factory=list)
    allocated: int = 0
    exit_code: int | None = None
    forever: bool = False
    loop: Loop | None = None
    handover: Process | None = None  # a program the script ends in (exec nginx ..., or a server in front)
    sigterm_handler: bool = False

    @property
    def done(self) -> bool:
        return self.exit_code is not None or self.forever or self.handover is not None

    def say(self, text: str, stamp: str = "") -> None:
        for part in text.split("\n"):
            self.lines.append(LogLine(self.t, part, stamp))

    def touch(self, path: str, content: str | None = None) -> None:
        spans = self.files.setdefault(path, [])
        if not spans or spans[-1][1] is not None:
            spans.append([self.t, None])
        if content is not None:
            self.contents[path] = content

    def remove(self, path: str) -> None:
        spans = self.files.get(path)
        if spans and spans[-1][1] is None:
            spans[-1][1] = self.t
        self.contents.pop(path, None)

    def exists(self, path: str) -> bool:
        spans = self.files.get(path)
        return spans is not None and bool(spans) and spans[-1][1] is None

    def allocate(self, nbytes: int) -> None:
        self.allocated += max(0, nbytes)
        self.memory.append((self.t, self.base_memory + self.allocated))

    def to_process(self, command: tuple[str, ...]) -> Process:
        files = tuple((p, float(s[0] or 0.0), s[1]) for p, spans in self.files.items() for s in spans)
        memory = ((0.0, self.base_memory), *self.memory)
        if self.handover is not None:
            return _shift(self.handover, self.t, self, command, files, memory)
        return Process(
            command=command, lines=tuple(self.lines), loop=self.loop,
            exit_after=None if (self.forever or self.loop) else self.t, exit_code=self.exit_code or 0,
            memory=memory, files=files, stop_seconds=0.1 if self.sigterm_handler else None,
            contents=tuple(self.contents.items()),
        )


def _shift(server: Process, offset: float, run: Run, command: tuple[str, ...],
           files: tuple[tuple[str, float, float | None], ...], memory: tuple[tuple[float, int], ...]) -> Process:
    """The script's own output first, then the program it handed over to, `offset` seconds later."""
    lines = tuple(run.lines) + tuple(replace(ln, at=ln.at + offset) for ln in server.lines)
    mem = memory + tuple((at + offset, value + run.allocated) for at, value in server.memory)
    loop = replace(server.loop, start=server.loop.start + offset) if server.loop else None
    return replace(
        server, command=command, lines=lines, loop=loop, memory=mem, files=files + server.files,
        contents=tuple(run.contents.items()) + server.contents,
        exit_after=None if server.exit_after is None else server.exit_after + offset,
        serving_after=None if server.serving_after is None else server.serving_after + offset,
    )


@dataclass
class Shell:
    """Runs a tokenized script on a `Run`'s timeline."""

    run: Run
    env: dict[str, str]
    program: Callable[[list[str], Run], int | None]  # runs a non-builtin command; None when not known
    status: int = 0

    def execute(self, tokens: list[Word | str]) -> None:
        i, n = 0, len(tokens)
        skip = False
        while i < n and not self.run.done:
            tok = tokens[i]
            if isinstance(tok, str):
                if tok == "&&":
                    skip = self.status != 0
                elif tok == "||":
                    skip = self.status == 0
                else:
                    skip = False
                i += 1
                continue
            words = self._words_until_op(tokens, i)
            head = expand(tok, self.env, self.status)[0]
            if head in ("while", "until", "for", "if"):
                i = self._compound(head, tokens, i + 1, skip)
                skip = False
                continue
            i += len(words)
            background = i < n and tokens[i] == "&"
            if not skip:
                saved = self.run.t
                self._simple(words)
                if background and not self.run.done:
                    self.run.t = saved

    def _words_until_op(self, tokens: list[Word | str], i: int) -> list[Word]:
        words: list[Word] = []
        while i < len(tokens) and not isinstance(tokens[i], str):
            words.append(tokens[i])  # type: ignore[arg-type]
            i += 1
        return words

    def _compound(self, head: str, tokens: list[Word | str], i: int, skip: bool) -> int:
        """`while COND; do BODY; done`, `for V in WORDS; do BODY; done`, `if COND; then A; else B; fi`."""
        depth, j = 1, i
        parts: dict[str, int] = {}
        while j < len(tokens):
            tok = tokens[j]
            if not isinstance(tok, str):
                w = expand(tok, {}, 0)[0]
                if w in ("while", "until", "for", "if") and j > i:
                    depth += 1
                elif w in ("done", "fi"):
                    depth -= 1
                    if depth == 0:
                        break
                elif depth == 1 and w in ("do", "then", "else") and w not in parts:
                    parts[w] = j
            j += 1
        body_at = parts.get("do", parts.get("then", j))
        if skip:
            return j + 1
        if head == "for":
            self._for(tokens[i:body_at], tokens[body_at + 1:j])
        elif head == "if":
            else_at = parts.get("else", j)
            self.execute(tokens[i:body_at])
            branch = tokens[body_at + 1:else_at] if self.status == 0 else tokens[else_at + 1:j]
            self.execute(branch)
        else:
            self._while(head, tokens[i:body_at], tokens[body_at + 1:j])
        return j + 1

    def _for(self, header: list[Word | str], body: list[Word | str]) -> None:
        words = [expand(w, self.env, self.status)[0] for w in header if not isinstance(w, str)]
        if len(words) < 2:
            return
        var, items = words[0], words[2:] if len(words) > 2 and words[1] == "in" else []
        for item in items[:10_000]:
            self.env[var] = item
            self.execute(body)
            if self.run.done:
                return

    def _while(self, head: str, cond: list[Word | str], body: list[Word | str]) -> None:
        self.execute(cond)
        holds = (self.status == 0) if head == "while" else (self.status != 0)
        if not holds or self.run.done:
            return
        inner = Run(self.run.ctx, 0, self.run.coreutils)
        Shell(inner, dict(self.env), self.program).execute(body)
        if inner.exit_code is not None or inner.handover is not None or inner.forever:
            # The body ends the script on its first pass (exit, exec, sleep infinity).
            for ln in inner.lines:
                self.run.lines.append(replace(ln, at=ln.at + self.run.t))
            self.run.t += inner.t
            self.run.exit_code, self.run.forever = inner.exit_code, inner.forever
            return
        self.run.loop = Loop(self.run.t, inner.t, tuple(inner.lines), inner.allocated)
        self.run.forever = True

    def _simple(self, words: list[Word]) -> None:
        argv: list[str] = []
        dated = False
        redirect: str | None = None
        for w in words:
            text, d = expand(w, self.env, self.status)
            dated = dated or d
            if text.startswith(">>") or text.startswith(">"):
                target = text.lstrip(">")
                redirect = target if target else ""
                continue
            if redirect == "":
                redirect = text
                continue
            if text in ("2>&1", "1>&2") or text.startswith("2>"):
                continue
            argv.append(text)
        if not argv:
            return
        if all("=" in a and not a.startswith("=") for a in argv) and re.match(r"^[A-Za-z_]", argv[0]):
            for a in argv:
                k, _, v = a.partition("=")
                self.env[k] = v
            self.status = 0
            return
        self.status = self._command(argv, dated, redirect)

    def _command(self, argv: list[str], dated: bool, redirect: str | None) -> int:
        name, args, run = argv[0].rsplit("/", 1)[-1], argv[1:], self.run
        stamp = "inline:date" if dated else ""
        if name in ("echo", "printf"):
            return self._print(name, args, stamp, redirect)
        if name == "sleep":
            try:
                secs = parse_seconds(args[0]) if args else 0.0
            except ValueError:
                run.say(f"sleep: invalid number '{args[0]}'")
                return 1
            if secs is None:
                run.forever = True
            else:
                run.t += secs
            return 0
        if name == "exit":
            run.exit_code = int(args[0]) % 256 if args and args[0].lstrip("-").isdigit() else self.status
            return run.exit_code
        if name == "exec" and args:
            return self._command(args, dated, redirect)
        if name == "export":
            for a in args:
                k, _, v = a.partition("=")
                if v or "=" in a:
                    self.env[k] = v
            return 0
        if name == "trap":
            if any(s in ("TERM", "SIGTERM", "15") for s in args[1:]):
                run.sigterm_handler = True
            return 0
        if name in ("true", ":"):
            return 0
        if name == "false":
            return 1
        return self._files(name, args, stamp)

    def _print(self, name: str, args: list[str], stamp: str, redirect: str | None) -> int:
        """`echo` and `printf`, to the log or (`> file`) into a file."""
        if name == "echo" and args[:1] == ["-n"]:
            args = args[1:]
        text = " ".join(args) if name == "echo" else (args[0] if args else "").replace("\\n", "\n").rstrip("\n")
        if name == "printf" and "%s" in text and len(args) > 1:
            text = text.replace("%s", args[1], 1)
        if redirect:
            self.run.touch(redirect, text + "\n")
        else:
            self.run.say(text, stamp)
        return 0

    def _files(self, name: str, args: list[str], stamp: str) -> int:
        run = self.run
        paths = [a for a in args if not a.startswith("-")]
        if name == "touch":
            for p in paths:
                run.touch(p)
            return 0
        if name == "rm":
            for p in paths:
                run.remove(p)
            return 0
        if name == "cat":
            for p in paths:
                if not run.exists(p):
                    run.say(f"cat: {p}: No such file or directory" if run.coreutils
                            else f"cat: can't open '{p}': No such file or directory")
                    return 1
                content = run.contents.get(p)
                if content:
                    run.say(content.rstrip("\n"))
            return 0
        if name in ("test", "["):
            flag = args[0] if args else ""
            target = paths[0] if paths else ""
            if flag in ("-f", "-e", "-s", "-d"):
                return 0 if run.exists(target.rstrip("]").strip()) else 1
            return 0
        if name == "date":
            run.say("\0", "inline:date")
            return 0
        if name == "hostname":
            run.say(self.env.get("HOSTNAME", run.ctx.hostname))
            return 0
        if name in ("env", "printenv"):
            for k, v in self.env.items():
                run.say(f"{k}={v}")
            return 0
        if name in _SILENT:
            return 0
        result = self.program([name, *args], run)
        return 0 if result is None else result


def shell(script: str, ctx: Context, *, base_memory: int, coreutils: bool,
          program: Callable[[list[str], Run], int | None], command: tuple[str, ...]) -> Process:
    run = Run(ctx, base_memory, coreutils)
    for path, text in ctx.files.items():  # mounted files (ConfigMaps, Secrets, ...) it can read
        run.touch(path, text)
    env = dict(ctx.env)
    env.setdefault("HOSTNAME", ctx.hostname)
    sh = Shell(run, env, program)
    sh.execute(tokenize(script))
    if run.exit_code is None and not run.forever and run.handover is None:
        run.exit_code = sh.status
    return run.to_process(command)
