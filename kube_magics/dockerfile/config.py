"""A build stage's state, and the image config that the metadata instructions compute, exactly as Docker does.

Owns BuildKit's dispatch rules for ENV, ARG, LABEL, EXPOSE, CMD, ENTRYPOINT, USER, WORKDIR, VOLUME, STOPSIGNAL,
HEALTHCHECK, SHELL, ONBUILD and MAINTAINER: which words are substituted (and with which variables: the stage's
environment, where ARG values live beside ENV ones but only ENV reaches the image), PATH always present, CMD
reset by an ENTRYPOINT unless this stage set CMD itself, exposed ports parsed as `docker build` parses them
(`invalid containerPort: #`), and the history line each instruction leaves (`CMD ["npm" "start"]`). RUN, COPY and
ADD, which make layers, are the builder's; this module makes no layers.
"""

from __future__ import annotations

import copy
import json
import posixpath
from dataclasses import dataclass, field
from typing import Any

from kube_magics.dockerfile import instructions as ins
from kube_magics.dockerfile.substitution import ShellLex, SubstitutionError
from kube_magics.errors import DockerfileError

DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_SHELL = ["/bin/sh", "-c"]
# The order of fields in Docker's container config, which `docker inspect` keeps (empty ones omitted).
CONFIG_ORDER = ("Hostname", "Domainname", "User", "ExposedPorts", "Env", "Cmd", "Healthcheck", "ArgsEscaped",
                "Image", "Volumes", "WorkingDir", "Entrypoint", "OnBuild", "Labels", "StopSignal", "Shell")
_SIGNALS = {"ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE",
            "POLL", "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN", "TTOU",
            "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ"}


@dataclass
class HistoryEntry:
    created_by: str  # BuildKit's words: `RUN /bin/sh -c npm install # buildkit`, `CMD ["npm" "start"]`
    size: int = 0
    empty_layer: bool = True
    classic: str = ""  # the classic builder's words: `/bin/sh -c #(nop)  CMD ["npm" "start"]`
    comment: str = "buildkit.dockerfile.v0"
    created: float | None = None


@dataclass(frozen=True)
class Layer:
    """One filesystem layer: the instruction that made it, its size, and whether the build reused it."""

    instruction: str
    size: int
    cached: bool
    from_base: bool = False
    estimated: bool = False
    diff_id: str = ""


@dataclass
class StageState:
    """Everything a stage has built up so far: config, environment, tools, known files, history, cache key."""

    name: str
    config: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)  # ENV and ARG values, for substitution and RUN
    arg_names: list[str] = field(default_factory=list)  # ARGs declared in this stage (RUN's `|n K=V` prefix)
    cmd_set: bool = False
    history: list[HistoryEntry] = field(default_factory=list)
    tools: set[str] = field(default_factory=set)
    sh: str = "ash"
    files: dict[str, int] = field(default_factory=dict)  # absolute path -> bytes, what COPY --from can take
    texts: dict[str, str] = field(default_factory=dict)  # absolute path -> text of small copied files
    apt_lists: bool = False
    key: str = ""  # the cache chain: the key of the last layer (or of the base image)
    author: str = ""
    layers: list[Layer] = field(default_factory=list)
    behaviour: str = "sleep"
    base_ref: str = ""
    has_run: bool = False

    @property
    def workdir(self) -> str:
        return str(self.config.get("WorkingDir") or "/")


def new_state(name: str, base_config: dict[str, Any], *, os_name: str = "linux") -> StageState:
    config = copy.deepcopy(base_config)
    env_list = list(config.get("Env") or [])
    if os_name != "windows" and not any(e.split("=", 1)[0] == "PATH" for e in env_list):
        env_list.append(f"PATH={DEFAULT_PATH}")  # BuildKit makes sure PATH is always set
    config["Env"] = env_list
    config.pop("OnBuild", None)
    env = dict(e.split("=", 1) if "=" in e else (e, "") for e in env_list)
    return StageState(name, config, env)


def ordered(config: dict[str, Any]) -> dict[str, Any]:
    """The config as `docker inspect` shows it: Docker's field order, empty fields left out."""
    return {k: config[k] for k in CONFIG_ORDER if config.get(k) not in (None, "", [], {}, False)}


def go_quote_list(items: list[str]) -> str:
    """Go's `%q` of a []string: `["npm" "start"]`."""
    return "[" + " ".join(json.dumps(i, ensure_ascii=False) for i in items) + "]"


class Expander:
    """Substitution with a stage's environment, reporting unset names (for the UndefinedVar-style check)."""

    def __init__(self, escape: str) -> None:
        self.lex = ShellLex(escape=escape)
        self.unmatched: set[str] = set()

    def word(self, text: str, env: dict[str, str], line: int) -> str:
        try:
            value, missing = self.lex.process_word(text, env)
        except SubstitutionError as err:
            raise DockerfileError(str(err), line=line) from None
        self.unmatched |= missing
        return value

    def words(self, text: str, env: dict[str, str], line: int) -> list[str]:
        try:
            return self.lex.process_words(text, env)
        except SubstitutionError as err:
            raise DockerfileError(str(err), line=line) from None


def _set_env(state: StageState, key: str, value: str) -> None:
    env_list = state.config["Env"]
    for i, entry in enumerate(env_list):
        if entry.split("=", 1)[0] == key:
            env_list[i] = f"{key}={value}"
            break
    else:
        env_list.append(f"{key}={value}")
    state.env[key] = value


def _commit(state: StageState, created_by: str, classic: str) -> None:
    state.history.append(HistoryEntry(created_by, classic=f"/bin/sh -c #(nop)  {classic}"))


def apply(inst: ins.Instruction, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    """Apply one metadata instruction to the stage (RUN, COPY, ADD, FROM are not handled here)."""
    handler = _HANDLERS.get(type(inst))
    if handler is not None:
        handler(inst, state, ex, ctx)


@dataclass
class MetaContext:
    build_args: dict[str, str]
    global_args: dict[str, str]


def _env(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    parts = []
    for key, value in inst.pairs:
        k, v = ex.word(key, state.env, inst.line), ex.word(value, state.env, inst.line)
        _set_env(state, k, v)
        parts.append(f"{k}={v}")
    _commit(state, "ENV " + " ".join(parts), "ENV " + " ".join(parts))


def _arg(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    parts = []
    for key, default in inst.args:
        value: str | None
        if key in ctx.build_args:
            value = ctx.build_args[key]
        elif default is not None:
            value = ex.word(default, state.env, inst.line)
        else:
            value = ctx.global_args.get(key)
        if value is not None:
            state.env[key] = value
        if key not in state.arg_names:
            state.arg_names.append(key)
        parts.append(key if value is None else f"{key}={value}")
    _commit(state, "ARG " + " ".join(parts), "ARG " + " ".join(parts))


def _label(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    labels = state.config.setdefault("Labels", {})
    parts = []
    for key, value in inst.pairs:
        k, v = ex.word(key, state.env, inst.line), ex.word(value, state.env, inst.line)
        labels[k] = v
        parts.append(f"{k}={v}")
    _commit(state, "LABEL " + " ".join(parts), "LABEL " + " ".join(parts))


def _expose(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    specs: list[str] = []
    for port in inst.ports:
        specs += ex.words(port, state.env, inst.line)
    exposed = [p for spec in specs for p in parse_port(spec, inst.line)]
    state.config.setdefault("ExposedPorts", {}).update({p: {} for p in exposed})
    _commit(state, f"EXPOSE [{' '.join(exposed)}]", "EXPOSE " + " ".join(specs))


def parse_port(raw: str, line: int) -> list[str]:
    """`3000`, `53/udp`, `8000-8002` -> ["3000/tcp"] ...; anything else fails as BuildKit's EXPOSE does."""
    parts = raw.split(":")
    container = parts[-1]
    port, _, proto = container.partition("/")
    if port == "":
        raise DockerfileError(f'invalid port: "{raw}": no port specified', line=line)
    if proto.lower() not in ("", "tcp", "udp", "sctp"):
        raise DockerfileError(f'invalid port: "{raw}": invalid proto: {proto}', line=line)
    start, _, end = port.partition("-")
    if not _port_number(start) or (end and end != start and not _port_number(end)) or (
            end and end != start and int(end) < int(start)):
        raise DockerfileError(f"invalid containerPort: {port}", line=line)
    last = int(end) if end and end != start else int(start)
    return [f"{n}/{(proto or 'tcp').lower()}" for n in range(int(start), last + 1)]


def _port_number(text: str) -> bool:
    return text.isascii() and text.isdigit() and 0 <= int(text) <= 65535


def shell_words(state: StageState) -> list[str]:
    return list(state.config.get("Shell") or DEFAULT_SHELL)


def _command(inst: Any, state: StageState) -> list[str]:
    return [*shell_words(state), " ".join(inst.command)] if inst.shell_form else list(inst.command)


def _cmd(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    args = _command(inst, state)
    state.config["Cmd"] = args
    state.config["ArgsEscaped"] = True  # BuildKit sets it on every CMD (a Windows field; harmless on Linux)
    state.cmd_set = True
    _commit(state, f"CMD {go_quote_list(args)}", f"CMD {go_quote_list(args)}")


def _entrypoint(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    args = _command(inst, state) if inst.command else []
    state.config["Entrypoint"] = args
    if not state.cmd_set:
        state.config.pop("Cmd", None)  # an ENTRYPOINT discards the base image's CMD, not one set in this stage
    _commit(state, f"ENTRYPOINT {go_quote_list(args)}", f"ENTRYPOINT {go_quote_list(args)}")


def normalize_workdir(current: str, path: str) -> str:
    joined = posixpath.join(current or "/", path)
    cleaned = posixpath.normpath(joined)
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def apply_workdir(inst: ins.Workdir, state: StageState, ex: Expander) -> str:
    """Set WorkingDir (relative paths join the current one) and return it; the builder makes the layer."""
    path = normalize_workdir(state.workdir, ex.word(inst.path, state.env, inst.line))
    state.config["WorkingDir"] = path
    return path


def _user(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    state.config["User"] = ex.word(inst.user, state.env, inst.line)
    _commit(state, f"USER {state.config['User']}", f"USER {state.config['User']}")


def _volume(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    paths = [ex.word(p, state.env, inst.line) for p in inst.paths]
    if any(p == "" for p in paths):
        raise DockerfileError("VOLUME specified can not be an empty string", line=inst.line)
    state.config.setdefault("Volumes", {}).update({p: {} for p in paths})
    _commit(state, f"VOLUME [{' '.join(paths)}]", f"VOLUME {go_quote_list(paths)}")


def _stopsignal(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    sig = ex.word(inst.signal, state.env, inst.line)
    name = sig.upper().removeprefix("SIG")
    if not (sig.isdigit() or name in _SIGNALS or name.startswith("RTMIN") or name.startswith("RTMAX")):
        raise DockerfileError(f"Invalid signal: {sig}", line=inst.line)
    state.config["StopSignal"] = sig
    _commit(state, f"STOPSIGNAL {sig}", f"STOPSIGNAL {sig}")


def _healthcheck(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    check: dict[str, Any] = {"Test": list(inst.test)}
    for key, seconds in (("Interval", inst.interval), ("Timeout", inst.timeout),
                         ("StartPeriod", inst.start_period), ("StartInterval", inst.start_interval)):
        if seconds:
            check[key] = round(seconds * 1e9)
    if inst.retries:
        check["Retries"] = inst.retries
    state.config["Healthcheck"] = check
    text = (f"{{Test:[{' '.join(inst.test)}] Interval:{go_duration(inst.interval)} "
            f"Timeout:{go_duration(inst.timeout)} StartPeriod:{go_duration(inst.start_period)} "
            f"StartInterval:{go_duration(inst.start_interval)} Retries:{inst.retries}}}")
    _commit(state, f"HEALTHCHECK {text}", f"HEALTHCHECK &{text}")


def go_duration(seconds: float) -> str:
    """Go's time.Duration String for whole-millisecond values: `0s`, `30s`, `1m30s`, `1.5s`, `2h0m0s`."""
    if seconds == 0:
        return "0s"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{int(hours)}h{int(minutes)}m{text}"
    return f"{int(minutes)}m{text}" if minutes else text


def _shell(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    state.config["Shell"] = list(inst.shell)
    _commit(state, f"SHELL [{' '.join(inst.shell)}]", f"SHELL {go_quote_list(inst.shell)}")


def _onbuild(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    state.config.setdefault("OnBuild", []).append(inst.expression)


def _maintainer(inst: Any, state: StageState, ex: Expander, ctx: MetaContext) -> None:
    state.author = inst.maintainer
    _commit(state, f"MAINTAINER {inst.maintainer}", f"MAINTAINER {inst.maintainer}")


_HANDLERS: dict[type, Any] = {
    ins.Env: _env, ins.Arg: _arg, ins.Label: _label, ins.Expose: _expose, ins.Cmd: _cmd,
    ins.Entrypoint: _entrypoint, ins.User: _user, ins.Volume: _volume, ins.StopSignal: _stopsignal,
    ins.Healthcheck: _healthcheck, ins.Shell: _shell, ins.Onbuild: _onbuild, ins.Maintainer: _maintainer,
}
