"""How a parsed node becomes a typed instruction: Docker's argument checks, flags and forms.

Owns what `instructions/parse.go` does in BuildKit's frontend: argument counts (`FROM requires either one or
three arguments`, `WORKDIR requires exactly one argument`), the flags each instruction accepts (`--from`,
`--chown`, `--chmod`, `--link`, `--exclude`, `--parents`, `--platform`, `--mount`, `--network`, `--security`,
HEALTHCHECK's intervals), heredoc sources of COPY/ADD, shell versus exec form, ONBUILD's trigger rules, and
unknown instructions (with BuildKit's `did you mean` suggestion). It substitutes no variables (the builder does,
when it dispatches) and raises LocatedError with Docker's message (line 0 means "this node's line").
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from typing import Any

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.parser import LocatedError, Node, parse_heredoc_word

KEYWORDS = ("add", "arg", "cmd", "copy", "entrypoint", "env", "expose", "from", "healthcheck", "label",
            "maintainer", "onbuild", "run", "shell", "stopsignal", "user", "volume", "workdir")
_STAGE_NAME = re.compile(r"[a-z][a-z0-9-_.]*")
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_MOUNT_TYPES = ("bind", "cache", "tmpfs", "secret", "ssh")


def convert(node: Node) -> ins.Instruction:
    """The typed instruction for `node`, or LocatedError (with the node's lines) in Docker's words."""
    try:
        return _CONVERTERS.get(node.keyword.lower(), _unknown)(node)
    except LocatedError as err:
        if err.line == 0:
            raise LocatedError(err.message, node.start_line, node.end_line) from None
        raise


def _common(node: Node) -> dict[str, Any]:
    return {"keyword": node.keyword.upper(), "line": node.start_line, "end_line": node.end_line,
            "original": node.original.strip(), "comments": list(node.comments)}


def _fail(message: str) -> LocatedError:
    return LocatedError(message, 0)


def _unknown(node: Node) -> ins.Instruction:
    raise _fail(suggest(f"unknown instruction: {node.keyword}", node.keyword, [k.upper() for k in KEYWORDS],
                        case_sensitive=False))


def _exactly_one(node: Node, name: str) -> str:
    if len(node.args) != 1:
        raise _fail(f"{name} requires exactly one argument")
    return node.args[0]


def _at_least_one(node: Node, name: str) -> None:
    if not node.args:
        raise _fail(f"{name} requires at least one argument")


def _from(node: Node) -> ins.Instruction:
    args = node.args
    name = ""
    if len(args) == 3 and args[1].lower() == "as":
        name = args[2].lower()
        if not _STAGE_NAME.fullmatch(name):
            raise _fail(f'invalid name for build stage: "{args[2]}", name can\'t start with a number or '
                        "contain symbols")
    elif len(args) != 1:
        raise _fail("FROM requires either one or three arguments")
    flags = Flags(node.flags, strings=("platform",))
    return ins.From(**_common(node), base=args[0], name=name, platform=flags.get("platform"))


def _json_args(node: Node) -> list[str]:
    if not node.args:
        return []
    return list(node.args) if node.json else [" ".join(node.args)]


def _heredoc_files(node: Node) -> list[tuple[str, str, bool]]:
    return [(d.name, _chomp(d.content) if d.chomp else d.content, d.expand) for d in node.heredocs]


def _chomp(text: str) -> str:
    return re.sub(r"(?m)^\t+", "", text)


def _run(node: Node) -> ins.Instruction:
    flags = Flags(node.flags, strings=("network", "security"), lists=("mount", "device"))
    network = flags.get("network")
    if network and network not in ("default", "none", "host"):
        raise _fail(f'invalid network mode "{network}"')
    security = flags.get("security")
    if security and security not in ("sandbox", "insecure"):
        raise _fail(f'unsupported security mode "{security}"')
    mounts = [_mount(spec) for spec in flags.lists["mount"]]
    return ins.Run(**_common(node), command=_json_args(node), shell_form=not node.json,
                   heredocs=_heredoc_files(node), mounts=mounts, network=network, security=security)


def _mount(spec: str) -> dict[str, str]:
    fields = next(csv.reader([spec]), [])
    mount = {"type": "bind"}
    for item in fields:
        key, has_value, value = item.partition("=")
        key = key.strip().lower()
        if not has_value and key not in ("readonly", "ro", "readwrite", "rw", "required"):
            raise _fail(f"invalid field '{item}' must be a key=value pair")
        mount[key] = value if has_value else "true"
    if mount["type"] not in _MOUNT_TYPES:
        raise _fail(suggest(f'unsupported mount type "{mount["type"]}"', mount["type"], list(_MOUNT_TYPES)))
    for alias, key in (("dst", "target"), ("destination", "target"), ("src", "source")):
        if alias in mount:
            mount[key] = mount.pop(alias)
    return mount


def _cmd(node: Node) -> ins.Instruction:
    Flags(node.flags)
    return ins.Cmd(**_common(node), command=_json_args(node), shell_form=not node.json)


def _entrypoint(node: Node) -> ins.Instruction:
    Flags(node.flags)
    return ins.Entrypoint(**_common(node), command=_json_args(node),
                          shell_form=not node.json)


def _shell(node: Node) -> ins.Instruction:
    Flags(node.flags)
    args = _json_args(node)
    if not args:
        raise _fail("SHELL requires at least one argument")
    if not node.json:
        raise _fail("SHELL requires the arguments to be in JSON form")
    return ins.Shell(**_common(node), shell=args)


def _pairs(node: Node, name: str) -> tuple[list[tuple[str, str]], bool]:
    Flags(node.flags)
    args = node.args
    if not args:
        raise _fail(f"{name} requires at least one argument")
    pairs = []
    for i in range(0, len(args), 3):
        if not args[i]:
            raise _fail(f"{name} names can not be blank")
        pairs.append((args[i], args[i + 1]))
    return pairs, args[2] == ""


def _env(node: Node) -> ins.Instruction:
    pairs, legacy = _pairs(node, "ENV")
    return ins.Env(**_common(node), pairs=pairs, legacy=legacy)


def _label(node: Node) -> ins.Instruction:
    pairs, legacy = _pairs(node, "LABEL")
    return ins.Label(**_common(node), pairs=pairs, legacy=legacy)


def _arg(node: Node) -> ins.Instruction:
    _at_least_one(node, "ARG")
    out: list[tuple[str, str | None]] = []
    for word in node.args:
        if "=" in word:
            key, value = word.split("=", 1)
            if not key:
                raise _fail("ARG names can not be blank")
            out.append((key, value))
        else:
            out.append((word, None))
    return ins.Arg(**_common(node), args=out)


def _expose(node: Node) -> ins.Instruction:
    _at_least_one(node, "EXPOSE")
    Flags(node.flags)
    ports = sorted(node.args, key=lambda p: p.encode())  # Go sorts strings bytewise
    return ins.Expose(**_common(node), ports=ports)


def _copy(node: Node) -> ins.Instruction:
    is_add = node.keyword.lower() == "add"
    name = "ADD" if is_add else "COPY"
    if len(node.args) < 2:
        raise _fail(f"{name} requires at least two arguments, but only one was provided. Destination could not "
                    "be determined")
    if is_add:
        flags = Flags(node.flags, strings=("chown", "chmod", "checksum"),
                      bools=("link", "keep-git-dir", "unpack"), lists=("exclude",))
    else:
        flags = Flags(node.flags, strings=("chown", "from", "chmod"), bools=("link", "parents"), lists=("exclude",))
    *srcs, dest = node.args
    if parse_heredoc_word(dest) is not None:
        raise _fail(f"{name} cannot accept a heredoc as a destination")
    docs = {d.name: d for d in node.heredocs}
    sources, contents = [], []
    for src in srcs:
        doc = parse_heredoc_word(src)
        if doc is None:
            sources.append(src)
            continue
        found = docs.get(doc.name)
        data = found.content if found else ""
        contents.append((doc.name, _chomp(data) if doc.chomp else data, doc.expand))
    return ins.Copy(**_common(node), sources=sources, dest=dest, contents=contents,
                    from_=flags.get("from"), chown=flags.get("chown"), chmod=flags.get("chmod"),
                    link=flags.get("link") == "true", excludes=flags.lists["exclude"],
                    parents=flags.get("parents") == "true", checksum=flags.get("checksum"), is_add=is_add,
                    json_form=node.json)


def _workdir(node: Node) -> ins.Instruction:
    path = _exactly_one(node, "WORKDIR")
    Flags(node.flags)
    return ins.Workdir(**_common(node), path=path)


def _user(node: Node) -> ins.Instruction:
    user = _exactly_one(node, "USER")
    Flags(node.flags)
    return ins.User(**_common(node), user=user)


def _volume(node: Node) -> ins.Instruction:
    _at_least_one(node, "VOLUME")
    Flags(node.flags)
    paths = [p.strip() for p in node.args]
    if any(not p for p in paths):
        raise _fail("VOLUME specified can not be an empty string")
    return ins.Volume(**_common(node), paths=paths, json_form=node.json)


def _stopsignal(node: Node) -> ins.Instruction:
    return ins.StopSignal(**_common(node), signal=_exactly_one(node, "STOPSIGNAL"))


def _maintainer(node: Node) -> ins.Instruction:
    who = _exactly_one(node, "MAINTAINER")
    Flags(node.flags)
    return ins.Maintainer(**_common(node), maintainer=who)


def _healthcheck(node: Node) -> ins.Instruction:
    _at_least_one(node, "HEALTHCHECK")
    kind, args = node.args[0].upper(), node.args[1:]
    if kind == "NONE":
        if args:
            raise _fail("HEALTHCHECK NONE takes no arguments")
        return ins.Healthcheck(**_common(node), test=["NONE"])
    flags = Flags(node.flags, strings=("interval", "timeout", "start-period", "start-interval", "retries"))
    if kind != "CMD":
        raise _fail(f'Unknown type "{kind}" in HEALTHCHECK (try CMD)')
    command = list(args) if node.json else ([" ".join(args)] if args else [])
    if not command:
        raise _fail("Missing command after HEALTHCHECK CMD")
    test = ["CMD", *command] if node.json else ["CMD-SHELL", *command]
    retries = flags.get("retries")
    if retries and not re.fullmatch(r"[+-]?\d+", retries):
        raise _fail(f'strconv.ParseInt: parsing "{retries}": invalid syntax')
    if retries and int(retries) < 0:
        raise _fail(f"--retries cannot be negative ({int(retries)})")
    return ins.Healthcheck(**_common(node), test=test,
                           interval=parse_duration(flags.get("interval"), "interval"),
                           timeout=parse_duration(flags.get("timeout"), "timeout"),
                           start_period=parse_duration(flags.get("start-period"), "start-period"),
                           start_interval=parse_duration(flags.get("start-interval"), "start-interval"),
                           retries=int(retries or 0))


def _onbuild(node: Node) -> ins.Instruction:
    if node.child is None:
        raise _fail("ONBUILD requires at least one argument")
    Flags(node.flags)
    trigger = node.child.keyword.strip().upper()
    if trigger == "ONBUILD":
        raise _fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
    if trigger in ("MAINTAINER", "FROM"):
        raise _fail(f"{trigger} isn't allowed as an ONBUILD trigger")
    expression = re.sub(r"(?i)^\s*ONBUILD\s*", "", node.original)
    for doc in node.heredocs:
        expression += "\n" + doc.content + doc.name
    node.child.start_line, node.child.end_line = node.start_line, node.end_line
    return ins.Onbuild(**_common(node), expression=expression, trigger=convert(node.child))


_CONVERTERS: dict[str, Callable[[Node], ins.Instruction]] = {
    "add": _copy, "arg": _arg, "cmd": _cmd, "copy": _copy, "entrypoint": _entrypoint, "env": _env,
    "expose": _expose, "from": _from, "healthcheck": _healthcheck, "label": _label, "maintainer": _maintainer,
    "onbuild": _onbuild, "run": _run, "shell": _shell, "stopsignal": _stopsignal, "user": _user,
    "volume": _volume, "workdir": _workdir,
}
# --- flags, suggestions, durations ----------------------------------------------------------------------


class Flags:
    """BuildKit's BFlags: `--name=value` strings, `--name[=true|false]` booleans, repeatable string lists."""

    def __init__(self, words: list[str], *, strings: tuple[str, ...] = (), bools: tuple[str, ...] = (),
                 lists: tuple[str, ...] = ()) -> None:
        self.values: dict[str, str] = {}
        self.lists: dict[str, list[str]] = {k: [] for k in lists}
        known = {**dict.fromkeys(strings, "s"), **dict.fromkeys(bools, "b"), **dict.fromkeys(lists, "l")}
        for word in words:
            if word == "--":
                break
            if not word.startswith("--"):
                raise LocatedError(f"arg should start with -- : {word}", 0)
            name, has_value, value = word.partition("=")
            kind = known.get(name[2:])
            if kind is None:
                raise LocatedError(suggest(f"unknown flag: {name}", name[2:], sorted(known)), 0)
            if name[2:] in self.values and kind != "l":
                raise LocatedError(f"duplicate flag specified: {name}", 0)
            self.values[name[2:]] = self._value(kind, name, value, bool(has_value))
            if kind == "l":
                self.lists[name[2:]].append(value)

    @staticmethod
    def _value(kind: str, name: str, value: str, has_value: bool) -> str:
        if kind == "b":
            if has_value and value == "":
                raise LocatedError(f"missing a value on flag: {name}", 0)
            if value.lower() not in ("true", "false", ""):
                raise LocatedError(f"expecting boolean value for flag {name}, not: {value}", 0)
            return "false" if value.lower() == "false" else "true"
        if not has_value:
            raise LocatedError(f"missing a value on flag: {name}", 0)
        return value

    def get(self, name: str) -> str:
        return self.values.get(name, "")


def suggest(message: str, value: str, options: list[str], *, case_sensitive: bool = True) -> str:
    """BuildKit's `suggest.WrapError`: the closest option within an edit distance of 2."""
    best, best_dist = "", 3
    probe = value if case_sensitive else value.lower()
    for opt in options:
        cand = opt if case_sensitive else opt.lower()
        if cand == probe:
            return message
        dist = _levenshtein(probe, cand)
        if dist < best_dist:
            best, best_dist = cand, dist
    if not best:
        return message
    if not case_sensitive:
        best = best.lower() if value == value.lower() else best.upper() if value == value.upper() else best
    return f"{message} (did you mean {best}?)"


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def parse_duration(text: str, flag: str) -> float:
    """Go's time.ParseDuration for HEALTHCHECK's options (`30s`, `1m30s`); `0` and `` mean unset."""
    if text in ("", "0"):
        return 0.0
    pos, total = 0, 0.0
    for m in _DURATION.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _DURATION_UNITS[m.group(2)]
        pos = m.end()
    if pos != len(text) or pos == 0:
        raise LocatedError(f'time: invalid duration "{text}"', 0)
    if 0 < total < 0.001:
        raise LocatedError(f'Interval "{flag}" cannot be less than 1ms', 0)
    return total
