"""docker CLI verbs on the simulated engine: `run(engine, ["ps", "-a"])` returns what `docker ps -a` prints.

The same verbs and flags as the real engine's (`kube_magics.docker.cli.lookup`, parsed as pflag parses them), the
same formatters (`kube_magics.docker.format`), the same result (`TextResult`; `.value` is the exit code of `run`
and `exec`). Only what differs is here: the engine answering is `SimDockerEngine`. Each command runs as one
command of the engine's clock (clock.py): `--rm` containers that have exited are removed first, and on the
engine's own clock a command that waited for nothing takes a second.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from typing import Any

from kube_magics.docker import format as fmt
from kube_magics.docker.cli import lookup, parse_filters, run_spec
from kube_magics.docker.flags import parse
from kube_magics.errors import BackendError, KubeMagicsError, UsageError
from kube_magics.results import TextResult, pre
from kube_magics.sim_docker.engine import SimDockerEngine

Handler = Callable[[SimDockerEngine, dict[str, Any], list[str]], TextResult]
HANDLERS: dict[str, Handler] = {}


def handles(name: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        return fn

    return register


def run(engine: SimDockerEngine, argv: Sequence[str]) -> TextResult:
    """`docker ARGV...` on the simulated engine."""
    name, spec, rest = lookup(argv)
    options, args = parse(spec, rest)
    with engine.clock.command():
        engine.reap()
        return HANDLERS[name](engine, options, args)


def _text(text: str, objects: list[dict[str, Any]] | None = None, value: Any = None) -> TextResult:
    return TextResult(text, html_text=pre(text) if text else None, objects=objects, value=value)


def _lines(lines: list[str]) -> str:
    return "".join(line + "\n" for line in lines)


@handles("images")
def images(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    found = [i.list_entry() for i in engine.images()]
    filters = parse_filters(o["filter"]) or {}
    if args:
        filters.setdefault("reference", []).append(args[0])
    found = [i for i in found if _image_matches(i, filters, all_=o["all"])]
    text = fmt.format_images(found, now=engine.now(), quiet=o["quiet"], no_trunc=o["no_trunc"],
                             digests=o["digests"], fmt=o["format"])
    return _text(text, found)


def _image_matches(entry: dict[str, Any], filters: dict[str, list[str]], *, all_: bool) -> bool:
    tags = [t for t in entry["RepoTags"] if t != "<none>:<none>"]
    for value in filters.get("dangling", []):
        if (value == "true") != (not tags):
            return False
    for pattern in filters.get("reference", []):
        with_tag = pattern if ":" in pattern.rsplit("/", 1)[-1] else pattern + ":*"
        if not any(fnmatch.fnmatchcase(t, with_tag) for t in tags):
            return False
    return True


@handles("ps")
def ps(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    limit = 1 if o["latest"] else int(o["last"]) if o["last"] is not None else -1
    now = engine.now()
    found = [c.list_entry(now) for c in engine.containers(all=o["all"] or limit > 0)]
    filters = parse_filters(o["filter"]) or {}
    found = [c for c in found if _container_matches(c, filters)]
    if limit > 0:
        found = found[:limit]
    if o["size"]:
        for entry in found:
            entry["SizeRootFs"] = engine.image(entry["ImageID"]).size
    text = fmt.format_ps(found, now=now, quiet=o["quiet"], no_trunc=o["no_trunc"], fmt=o["format"], size=o["size"])
    return _text(text, found)


def _container_matches(c: dict[str, Any], filters: dict[str, list[str]]) -> bool:
    tests: dict[str, Callable[[str], bool]] = {
        "name": lambda v: any(v in n for n in c["Names"]),
        "id": lambda v: c["Id"].startswith(v),
        "status": lambda v: c["State"] == v,
        "ancestor": lambda v: c["Image"] == v or c["ImageID"].startswith(v),
        "label": lambda v: (v.partition("=")[0] in c["Labels"]
                            and (not v.partition("=")[1] or c["Labels"][v.partition("=")[0]] == v.partition("=")[2])),
    }
    for key, values in filters.items():
        test = tests.get(key)
        if test is None:
            raise UsageError(f"invalid filter '{key}'", hint="the simulated engine filters by " + ", ".join(tests))
        if not any(test(v) for v in values):
            return False
    return True


@handles("run")
def run_container(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    spec = run_spec(o, args)
    outcome = engine.run(spec)
    if spec.detach:
        return _text(outcome.output + outcome.container_id + "\n", value=0)
    return _text(outcome.output, value=outcome.exit_code)


@handles("stop")
def stop(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    timeout = float(o["time"]) if o["time"] is not None else None
    engine.stop([a for a in args if engine.find_container(a) is not None], timeout=timeout, signal=o["signal"])

    def stopped(name: str) -> None:
        engine.container(name)  # an unknown name is reported after the others, as the CLI does

    return _each(args, stopped)


@handles("rm")
def rm(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    return _each(args, lambda name: engine.remove(name, force=o["force"]))


def _each(names: list[str], action: Callable[[str], Any]) -> TextResult:
    """Apply to each name and print what worked; then the errors, as the CLI does."""
    done: list[str] = []
    errors: list[KubeMagicsError] = []
    for name in names:
        try:
            out = action(name)
            done.extend(out if isinstance(out, list) else [name])
        except BackendError as exc:
            errors.append(exc)
    text = _lines(done)
    if errors:
        raise BackendError(text + "\n".join(e.message for e in errors), hint=errors[0].hint)
    return _text(text)


@handles("logs")
def logs(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    if o["follow"]:
        raise UsageError("--follow streams until the container stops, which would hold the notebook",
                         hint="run %docker logs again to see new lines, or use --tail N")
    if o["timestamps"] or o["since"]:
        raise UsageError("the simulated Docker engine does not model --timestamps or --since",
                         hint="use the real engine for them (%docker context use default)")
    tail = None if o["tail"] in (None, "all") else int(o["tail"])
    return _text(_lines(engine.logs(args[0], tail=tail)))


@handles("exec")
def exec_(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    lines, code = engine.exec(args[0], args[1:], env=o["env"], workdir=o["workdir"])
    return _text("" if o["detach"] else _lines(lines), value=code)


@handles("history")
def history(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    rows = engine.image(args[0]).history()
    text = fmt.format_history(rows, now=engine.now(), human=o["human"] is not False, no_trunc=o["no_trunc"],
                              quiet=o["quiet"], fmt=o["format"])
    return _text(text, rows)


@handles("inspect")
def inspect(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    found: list[dict[str, Any]] = []
    now = engine.now()
    for name in args:
        kinds = [o["type"]] if o["type"] else ["container", "image"]
        container = engine.find_container(name) if "container" in kinds else None
        image = engine.find_image(name) if container is None and "image" in kinds else None
        if container is not None:
            found.append(container.inspect(now))
        elif image is not None:
            found.append(image.inspect())
        else:
            raise BackendError(f"Error: No such object: {name}", hint="%docker ps -a and %docker images list "
                                                                      "what exists")
    return _text(fmt.format_inspect(found, fmt=o["format"]), found)


@handles("rmi")
def rmi(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    return _each(args, lambda name: engine.remove_image(name, force=o["force"]))


@handles("tag")
def tag(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    engine.tag(args[0], args[1])
    return _text("")


@handles("pull")
def pull(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.sim_docker.images import full_name

    ref = args[0]
    explicit = ":" in ref.rsplit("/", 1)[-1] or "@" in ref
    image, lines = engine.pull(ref)
    lines = ([] if explicit else ["Using default tag: latest"]) + lines
    return _text(_lines([*([] if o["quiet"] else lines), full_name(ref)]), [image.inspect()])


@handles("load-into")
def load_into(engine: SimDockerEngine, o: dict[str, Any], args: list[str]) -> TextResult:
    target = args[0].partition(":")[0]
    if target != "kind":
        raise UsageError(f"cannot load into {target!r}: only kind clusters (kind[:CLUSTER]) are supported")
    lines = []
    for ref in args[1:]:
        image = engine.find_image(ref)
        if image is None:
            raise BackendError(f'ERROR: image: "{ref}" not present locally',
                               hint="build it first (%%dockerfile -t NAME) or check %docker images")
        lines.append(in_registry_note(ref, image.id))
    return _text(_lines(lines))


def in_registry_note(ref: str, image_id: str) -> str:
    return (f'Image: "{ref}" with ID "{image_id}" is in the simulated cluster\'s registry already: its pods pull it '
            "from there (no kind cluster to load into on the simulator)")
