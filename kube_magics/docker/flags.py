"""Flags parsed as the docker CLI parses them (spf13/pflag), with its error messages.

`-d`, `-it` (combined shorthands), `-p8080:80` and `-p 8080:80`, `--name web` and `--name=web`, `--rm=false`,
repeated list flags (`-e A=1 -e B=2`), `--` to end flags. `docker run` and `docker exec` stop reading flags at
the first argument (`run IMAGE CMD -x`: `-x` belongs to CMD); the other verbs accept flags after arguments.

Errors read as the CLI's: `unknown flag: --foo`, `unknown shorthand flag: 'x' in -x`, `flag needs an argument:
--name`, `"docker tag" requires exactly 2 arguments.`, each with `See 'docker VERB --help'.` and the usage line.
Must not talk to the engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kube_magics.errors import UsageError

Kind = Literal["bool", "value", "list"]


@dataclass(frozen=True)
class Flag:
    name: str  # long name, without dashes
    short: str = ""
    kind: Kind = "bool"
    default: Any = None

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")


@dataclass(frozen=True)
class Verb:
    name: str
    usage: str  # "docker run [OPTIONS] IMAGE [COMMAND] [ARG...]"
    summary: str
    flags: tuple[Flag, ...] = ()
    min_args: int = 0
    max_args: int | None = None
    interspersed: bool = True

    def error(self, message: str, *, usage: bool = False) -> UsageError:
        text = f"{message}\nSee 'docker {self.name} --help'."
        if usage:
            text += f"\n\nUsage:  {self.usage}\n\n{self.summary}"
        return UsageError(text)


def parse(verb: Verb, argv: Sequence[str]) -> tuple[dict[str, Any], list[str]]:
    """(flag values by key, positional arguments) for `argv` (the words after the verb)."""
    by_long = {f.name: f for f in verb.flags}
    by_short = {f.short: f for f in verb.flags if f.short}
    values: dict[str, Any] = {f.key: _initial(f) for f in verb.flags}
    args: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            args.extend(argv[i:])
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word[2:].partition("=")
            flag = by_long.get(name)
            if flag is None:
                raise verb.error(f"unknown flag: --{name}")
            if flag.kind == "bool":
                _set(values, flag, _bool(verb, flag, value) if eq else True)
                continue
            if not eq:
                if i >= len(argv):
                    raise verb.error(f"flag needs an argument: --{name}")
                value, i = argv[i], i + 1
            _set(values, flag, value)
        elif word.startswith("-") and len(word) > 1:
            i = _shorthands(verb, by_short, values, word, argv, i)
        else:
            args.append(word)
            if not verb.interspersed:
                args.extend(argv[i:])
                break
    _check_count(verb, args)
    return values, args


def _initial(flag: Flag) -> Any:
    if flag.kind == "list":
        return []
    if flag.kind == "bool":
        return bool(flag.default)
    return flag.default


def _shorthands(verb: Verb, by_short: dict[str, Flag], values: dict[str, Any], word: str, argv: Sequence[str],
                i: int) -> int:
    """`-it`, `-p8080:80`, `-p 8080:80`: pflag's shorthand rules. Returns the next index into argv."""
    letters = word[1:]
    j = 0
    while j < len(letters):
        c = letters[j]
        flag = by_short.get(c)
        if flag is None:
            raise verb.error(f"unknown shorthand flag: '{c}' in {word}")
        rest = letters[j + 1:]
        if flag.kind == "bool":
            if rest.startswith("="):
                _set(values, flag, _bool(verb, flag, rest[1:]))
                return i
            _set(values, flag, True)
            j += 1
            continue
        if rest:
            _set(values, flag, rest[1:] if rest.startswith("=") else rest)
            return i
        if i >= len(argv):
            raise verb.error(f"flag needs an argument: '{c}' in {word}")
        _set(values, flag, argv[i])
        return i + 1
    return i


def _set(values: dict[str, Any], flag: Flag, value: Any) -> None:
    if flag.kind == "list":
        values[flag.key].append(value)
    else:
        values[flag.key] = value


def _bool(verb: Verb, flag: Flag, text: str) -> bool:
    lowered = text.lower()
    if lowered in ("1", "t", "true"):
        return True
    if lowered in ("0", "f", "false"):
        return False
    raise verb.error(f'invalid argument "{text}" for "--{flag.name}" flag: strconv.ParseBool: parsing "{text}": '
                     "invalid syntax")


def _plural(n: int) -> str:
    return f"{n} argument" + ("" if n == 1 else "s")


def _check_count(verb: Verb, args: list[str]) -> None:
    lo, hi = verb.min_args, verb.max_args
    if lo == hi and len(args) != lo:
        raise verb.error(f'"docker {verb.name}" requires exactly {_plural(lo)}.', usage=True)
    if len(args) < lo:
        raise verb.error(f'"docker {verb.name}" requires at least {_plural(lo)}.', usage=True)
    if hi is not None and len(args) > hi:
        if hi == 0:
            raise verb.error(f'"docker {verb.name}" accepts no arguments.', usage=True)
        raise verb.error(f'"docker {verb.name}" requires at most {_plural(hi)}.', usage=True)
