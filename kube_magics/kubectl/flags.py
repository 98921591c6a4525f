"""kubectl's flags, parsed as kubectl parses them (cobra and spf13/pflag), with kubectl's error messages.

`--namespace=web`, `--namespace web`, `-n web`, `-nweb`, `-n=web`; combined boolean shorthands (`-Aw`); `--all=false`;
repeated list flags (`--from-literal a=1 --from-literal b=2`) and comma-separated ones (`-L app,tier`); `--` ends
the flags (`exec POD -- ls /`); arguments and flags in any order. Values are checked by type as pflag checks them
(`strconv.ParseInt`, Go durations), and every error reads as kubectl's:

    error: unknown flag: --foo
    See 'kubectl get --help' for usage.

`Command` declares one kubectl command (its path, usage line and flags); `parse(command, argv)` gives the flag
values (`Options`, attribute access with underscores) and the positional arguments. Common flag groups (output,
selectors, dry run, the global `-n`) are defined here once. Must not talk to a cluster.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from kube_magics.errors import UsageError

Kind = Literal["bool", "str", "int", "duration", "array", "slice"]


@dataclass(frozen=True)
class Flag:
    """One flag. `no_opt` is pflag's NoOptDefVal: the value a flag that takes one gets when given bare."""

    name: str
    short: str = ""
    kind: Kind = "bool"
    default: Any = None
    no_opt: str | None = None
    help: str = ""

    @property
    def key(self) -> str:
        return self.name.replace("-", "_")

    @property
    def label(self) -> str:
        """How pflag names the flag in an `invalid argument` error: `-r, --replicas` or `--replicas`."""
        return f"-{self.short}, --{self.name}" if self.short else f"--{self.name}"


@dataclass(frozen=True)
class Command:
    """A kubectl command: `path` as in `kubectl rollout status`, its usage line and flags."""

    path: str
    usage: str
    flags: tuple[Flag, ...] = ()
    interspersed: bool = True  # False: flags end at the first argument (kubectl exec/run after the name)

    def error(self, message: str) -> UsageError:
        """An error from checking the options (kubectl's Complete/Validate): `error: MESSAGE`."""
        return UsageError(f"error: {message}")

    def flag_error(self, message: str) -> UsageError:
        """An error parsing the flags, with cobra's pointer to the help."""
        return UsageError(f"error: {message}\nSee 'kubectl {self.path} --help' for usage.")

    def usage_error(self, message: str) -> UsageError:
        """cmdutil.UsageErrorf: `error: MESSAGE` and the hint to `-h`."""
        return UsageError(f"error: {message}\nSee 'kubectl {self.path} -h' for help and examples")

    def help(self) -> str:
        lines = [f"Usage:\n  {self.usage}\n", "Options:"]
        for f in sorted(self.all_flags(), key=lambda f: f.name):
            name = f"-{f.short}, --{f.name}" if f.short else f"    --{f.name}"
            value = "" if f.kind == "bool" else f"={_default_text(f)}"
            lines.append(f"    {name}{value}" + (f"\n\t{f.help}" if f.help else ""))
        return "\n".join(lines) + "\n"

    def all_flags(self) -> tuple[Flag, ...]:
        return (*self.flags, *GLOBAL)


def _default_text(f: Flag) -> str:
    if f.kind in ("array", "slice"):
        return "[]"
    if f.default is None:
        return "''"
    return str(f.default)


class Options:
    """Flag values by key (`o.all_namespaces`), and which flags the user set (`o.changed`)."""

    def __init__(self, values: dict[str, Any], changed: set[str]) -> None:
        self._values = values
        self.changed = changed

    def __getattr__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise AttributeError(key) from None

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def was_set(self, name: str) -> bool:
        return name.replace("-", "_") in self.changed


class HelpRequested(Exception):
    """`-h` / `--help`: the command's help is the output."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def parse(command: Command, argv: Sequence[str]) -> tuple[Options, list[str]]:
    """(flag values, positional arguments) for the words after the command's name."""
    flags = command.all_flags()
    by_long = {f.name: f for f in flags}
    by_short = {f.short: f for f in flags if f.short}
    values: dict[str, Any] = {f.key: _initial(f) for f in flags}
    changed: set[str] = set()
    args: list[str] = []
    i = 0
    while i < len(argv):
        word = argv[i]
        i += 1
        if word == "--":
            args.append("--")
            args.extend(argv[i:])
            break
        if word in ("-h", "--help"):
            raise HelpRequested(command.help())
        if word.startswith("--") and len(word) > 2:
            i = _long(command, by_long, values, changed, word, argv, i)
        elif word.startswith("-") and len(word) > 1:
            i = _shorthands(command, by_short, values, changed, word, argv, i)
        else:
            args.append(word)
            if not command.interspersed:
                rest = list(argv[i:])
                args.extend(rest)
                break
    return Options(values, changed), args


def _initial(flag: Flag) -> Any:
    if flag.kind in ("array", "slice"):
        return []
    if flag.kind == "bool":
        return bool(flag.default)
    return flag.default


def split_dashes(args: list[str]) -> tuple[list[str], list[str] | None]:
    """(arguments before `--`, the command after it or None)."""
    if "--" in args:
        at = args.index("--")
        return args[:at], args[at + 1:]
    return args, None


def _long(command: Command, by_long: dict[str, Flag], values: dict[str, Any], changed: set[str], word: str,
          argv: Sequence[str], i: int) -> int:
    name, eq, value = word[2:].partition("=")
    flag = by_long.get(name)
    if flag is None:
        raise command.flag_error(f"unknown flag: --{name}")
    if eq:
        _set(command, flag, values, changed, value)
    elif flag.kind == "bool":
        _set(command, flag, values, changed, "true")
    elif flag.no_opt is not None:
        _set(command, flag, values, changed, flag.no_opt)
    elif i < len(argv):
        _set(command, flag, values, changed, argv[i])
        return i + 1
    else:
        raise command.flag_error(f"flag needs an argument: --{name}")
    return i


def _shorthands(command: Command, by_short: dict[str, Flag], values: dict[str, Any], changed: set[str], word: str,
                argv: Sequence[str], i: int) -> int:
    """`-Aw`, `-nweb`, `-n web`, `-n=web`: pflag's shorthand rules. Returns the next index into argv."""
    letters = word[1:]
    j = 0
    while j < len(letters):
        c = letters[j]
        flag = by_short.get(c)
        if flag is None:
            raise command.flag_error(f"unknown shorthand flag: '{c}' in {word}")
        rest = letters[j + 1:]
        if rest.startswith("="):
            _set(command, flag, values, changed, rest[1:])
            return i
        if flag.kind == "bool" or (flag.no_opt is not None and not rest):
            _set(command, flag, values, changed, "true" if flag.kind == "bool" else str(flag.no_opt))
            j += 1
            continue
        if rest:
            _set(command, flag, values, changed, rest)
            return i
        if i >= len(argv):
            raise command.flag_error(f"flag needs an argument: '{c}' in {word}")
        _set(command, flag, values, changed, argv[i])
        return i + 1
    return i


def _set(command: Command, flag: Flag, values: dict[str, Any], changed: set[str], text: str) -> None:
    changed.add(flag.key)
    try:
        value = convert(flag.kind, text)
    except ValueError as exc:
        raise command.flag_error(f'invalid argument "{text}" for "{flag.label}" flag: {exc}') from None
    if flag.kind == "array":
        values[flag.key] = [*values[flag.key], value]
    elif flag.kind == "slice":
        values[flag.key] = [*values[flag.key], *value]
    else:
        values[flag.key] = value


def convert(kind: Kind, text: str) -> Any:
    """A flag's text as pflag converts it; ValueError carries Go's message."""
    if kind == "bool":
        return parse_bool(text)
    if kind == "int":
        if not re.fullmatch(r"[+-]?\d+", text):
            raise ValueError(f'strconv.ParseInt: parsing "{text}": invalid syntax')
        return int(text)
    if kind == "duration":
        return go_duration(text)
    if kind == "slice":
        return [] if text == "" else _csv(text)
    return text


def parse_bool(text: str) -> bool:
    """Go's strconv.ParseBool."""
    if text in ("1", "t", "T", "TRUE", "true", "True"):
        return True
    if text in ("0", "f", "F", "FALSE", "false", "False"):
        return False
    raise ValueError(f'strconv.ParseBool: parsing "{text}": invalid syntax')


def _csv(text: str) -> list[str]:
    """pflag's StringSlice reads its value as one CSV record."""
    import csv

    return next(csv.reader([text]))


_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+\.?\d*|\.\d+)([a-zµμ]*)")


def go_duration(text: str) -> float:
    """Go's time.ParseDuration, in seconds: `30s`, `1m30s`, `1.5h`, `0`; a number without a unit is an error."""
    original, t = text, text
    sign = 1.0
    if t[:1] in "+-":
        sign, t = (-1.0 if t[0] == "-" else 1.0), t[1:]
    if t == "0":
        return 0.0
    if not t:
        raise ValueError(f'time: invalid duration "{original}"')
    total, pos = 0.0, 0
    while pos < len(t):
        m = _PART.match(t, pos)
        if m is None:
            raise ValueError(f'time: invalid duration "{original}"')
        number, unit = m.groups()
        if not unit:
            raise ValueError(f'time: missing unit in duration "{original}"')
        if unit not in _UNITS:
            raise ValueError(f'time: unknown unit "{unit}" in duration "{original}"')
        total += float(number) * _UNITS[unit]
        pos = m.end()
    return sign * total


def go_duration_text(seconds: float) -> str:
    """Go's Duration.String() for whole and fractional seconds: `30s`, `1m0s`, `1h30m0s`, `1.5s`."""
    if seconds == 0:
        return "0s"
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    sec_text = f"{secs:.9f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{sign}{int(hours)}h{int(minutes)}m{sec_text}"
    if minutes:
        return f"{sign}{int(minutes)}m{sec_text}"
    return sign + sec_text


# --- flags many commands share --------------------------------------------------------------------------------------

GLOBAL: tuple[Flag, ...] = (
    Flag("namespace", "n", "str", help="If present, the namespace scope for this CLI request"),
    Flag("request-timeout", kind="str", default="0",
         help="The length of time to wait before giving up on a single server request (bounds `get -w`)"),
    Flag("context", kind="str", help="The name of the kubeconfig context to use (only the active one here)"),
)

SELECTOR = (
    Flag("selector", "l", "str", help="Selector (label query) to filter on"),
    Flag("field-selector", kind="str", help="Selector (field query) to filter on"),
)
ALL_NAMESPACES = Flag("all-namespaces", "A", help="List the requested object(s) across all namespaces")
OUTPUT = Flag("output", "o", "str", default="", help="Output format: json|yaml|name|wide|jsonpath=...|...")
DRY_RUN = Flag("dry-run", kind="str", default="none", no_opt="unchanged",
               help='Must be "none", "server", or "client"')
TIMEOUT = Flag("timeout", kind="duration", help="How long to wait (Go duration: 30s, 5m, 1h)")
FILENAME = Flag("filename", "f", "array", help="Files or directories with the resources")
RECURSIVE = Flag("recursive", "R", help="Process the directory used in -f recursively")
SHOW_MANAGED = Flag("show-managed-fields", help="Keep managedFields when printing objects in JSON or YAML")
TEMPLATE = Flag("template", kind="str", help="Template string for -o go-template / jsonpath")
FIELD_MANAGER = Flag("field-manager", kind="str", help="Name of the manager used to track field ownership")
PRINT = (OUTPUT, SHOW_MANAGED, TEMPLATE, Flag("allow-missing-template-keys", default=True))


def dry_run(command: Command, o: Options) -> str:
    """"none", "client" or "server" from `--dry-run`, as cmdutil.GetDryRunStrategy reads it (a bare `--dry-run`
    and `--dry-run=true` are the deprecated spellings of client)."""
    value = str(o.dry_run)
    if value in ("unchanged", "client"):
        return "client"
    if value in ("server", "none"):
        return value
    try:
        return "client" if parse_bool(value) else "none"
    except ValueError:
        raise command.error(f'Invalid dry-run value ({value}). Must be "none", "server", or "client".') from None
