"""docker CLI verbs on a real engine: `run(engine, ["ps", "-a"])` returns what `docker ps -a` prints.

Verbs: images, ps, run, stop, rm, logs, exec, history, inspect, rmi, tag, pull, load-into. Flags are parsed as
the CLI parses them (flags.py), output is formatted as the CLI formats it (format.py), and the engine's errors
keep Docker's words (`Error response from daemon: ...`) with a hint (engine.translate).

Each verb returns a `TextResult` (the text, and the API objects behind it in `.objects`; `.value` holds an exit
code for `run` and `exec`). Must not parse Dockerfiles or know about the simulator.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from kube_magics.docker import format as fmt
from kube_magics.docker.engine import Engine
from kube_magics.docker.flags import Flag, Verb, parse
from kube_magics.errors import BackendError, KubeMagicsError, UsageError
from kube_magics.results import TextResult, pre

_FORMAT = Flag("format", kind="value")
_QUIET = Flag("quiet", "q")
_NO_TRUNC = Flag("no-trunc")
_FILTER = Flag("filter", "f", "list")

_MANAGEMENT = {("container", "ls"): "ps", ("container", "list"): "ps", ("image", "ls"): "images",
               ("image", "list"): "images", ("image", "rm"): "rmi", ("image", "remove"): "rmi",
               ("container", "remove"): "rm"}

Handler = Callable[[Engine, dict[str, Any], list[str]], TextResult]
VERBS: dict[str, tuple[Verb, Handler]] = {}


def verb(spec: Verb) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        VERBS[spec.name] = (spec, fn)
        return fn

    return register


def lookup(argv: Sequence[str]) -> tuple[str, Verb, list[str]]:
    """The verb of `docker ARGV...` (a management command as its verb: `image ls` is `images`), its flags' spec,
    and the words after it. The simulated engine routes with it too, so both know the same verbs and flags."""
    if not argv:
        raise UsageError("usage: %docker VERB [ARGS]: verbs: " + ", ".join(sorted(VERBS)))
    name, rest = argv[0], list(argv[1:])
    if name in ("container", "image") and rest:  # management commands: docker image ls, docker container rm
        sub = rest.pop(0)
        name = _MANAGEMENT.get((name, sub), sub)
    if name not in VERBS:
        raise UsageError(f"docker: unknown command: docker {name}\n\nRun 'docker --help' for more information",
                         hint="verbs here: " + ", ".join(sorted(VERBS)))
    return name, VERBS[name][0], rest


def run(engine: Engine, argv: Sequence[str]) -> TextResult:
    """`docker ARGV...` on the engine."""
    name, spec, rest = lookup(argv)
    handler = VERBS[name][1]
    options, args = parse(spec, rest)
    try:
        return handler(engine, options, args)
    except KubeMagicsError:
        raise
    except Exception as exc:
        from docker.errors import DockerException
        from requests.exceptions import RequestException

        if isinstance(exc, (DockerException, RequestException)):
            raise engine.translate(exc) from None
        raise


def _text(text: str, objects: list[dict[str, Any]] | None = None, value: Any = None) -> TextResult:
    return TextResult(text, html_text=pre(text) if text else None, objects=objects, value=value)


@verb(Verb("images", "docker images [OPTIONS] [REPOSITORY[:TAG]]", "List images",
           (Flag("all", "a"), _QUIET, _NO_TRUNC, Flag("digests"), _FORMAT, _FILTER), 0, 1))
def images(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    found = engine.api.images(name=args[0] if args else None, all=o["all"], filters=parse_filters(o["filter"]))
    text = fmt.format_images(found, now=time.time(), quiet=o["quiet"], no_trunc=o["no_trunc"],
                             digests=o["digests"], fmt=o["format"])
    return _text(text, found)


@verb(Verb("ps", "docker ps [OPTIONS]", "List containers",
           (Flag("all", "a"), _QUIET, _NO_TRUNC, _FORMAT, Flag("size", "s"), Flag("last", "n", "value"),
            Flag("latest", "l"), _FILTER), 0, 0))
def ps(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    limit = 1 if o["latest"] else int(o["last"]) if o["last"] is not None else -1
    found = engine.api.containers(all=o["all"] or limit > 0, limit=limit, size=o["size"],
                                  filters=parse_filters(o["filter"]))
    text = fmt.format_ps(found, now=time.time(), quiet=o["quiet"], no_trunc=o["no_trunc"], fmt=o["format"],
                         size=o["size"])
    return _text(text, found)


def parse_filters(items: list[str]) -> dict[str, list[str]] | None:
    """`--filter key=value` (repeatable) as the Engine API's filters: values by key; None for none."""
    out: dict[str, list[str]] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f'invalid argument "{item}" for "-f, --filter" flag: bad format of filter '
                             "(expected name=value)")
        out.setdefault(key, []).append(value)
    return out or None


RUN_FLAGS = (Flag("detach", "d"), Flag("publish", "p", "list"), Flag("env", "e", "list"), Flag("name", kind="value"),
             Flag("rm"), Flag("interactive", "i"), Flag("tty", "t"), Flag("workdir", "w", "value"),
             Flag("user", "u", "value"), Flag("entrypoint", kind="value"), Flag("label", "l", "list"),
             Flag("network", kind="value"), Flag("hostname", "h", "value"), Flag("restart", kind="value"),
             Flag("platform", kind="value"), Flag("expose", kind="list"))


@verb(Verb("run", "docker run [OPTIONS] IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image",
           RUN_FLAGS, 1, None, interspersed=False))
def run_container(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.docker import containers

    spec = run_spec(o, args)
    outcome = containers.run(engine, spec)
    if spec.detach:  # a pull's lines (when the image was not there), then the id
        return _text(outcome.output + outcome.container_id + "\n", value=0)
    return _text(outcome.output, value=outcome.exit_code)


def run_spec(o: dict[str, Any], args: list[str]) -> Any:
    """`docker run`'s parsed flags and arguments as a `containers.RunSpec`."""
    from kube_magics.docker import containers

    return containers.RunSpec(image=args[0], command=args[1:], name=o["name"], detach=o["detach"], remove=o["rm"],
                              publish=o["publish"], env=o["env"], workdir=o["workdir"], user=o["user"],
                              entrypoint=o["entrypoint"], labels=o["label"], network=o["network"],
                              hostname=o["hostname"], restart=o["restart"], platform=o["platform"],
                              expose=o["expose"])


@verb(Verb("stop", "docker stop [OPTIONS] CONTAINER [CONTAINER...]", "Stop one or more running containers",
           (Flag("time", "t", "value"), Flag("signal", "s", "value")), 1))
def stop(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    timeout = int(o["time"]) if o["time"] is not None else None

    def stop_one(name: str) -> list[str]:
        engine.api.stop(name, timeout=timeout)
        return [name]

    return _each(engine, args, stop_one)


@verb(Verb("rm", "docker rm [OPTIONS] CONTAINER [CONTAINER...]", "Remove one or more containers",
           (Flag("force", "f"), Flag("volumes", "v")), 1))
def rm(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    def remove(name: str) -> list[str]:
        engine.api.remove_container(name, force=o["force"], v=o["volumes"])
        return [name]

    return _each(engine, args, remove)


def _each(engine: Engine, names: list[str], action: Callable[[str], list[str]]) -> TextResult:
    """Apply to each name and print what worked; then the errors, as the CLI does."""
    from docker.errors import APIError

    done: list[str] = []
    errors: list[KubeMagicsError] = []
    for name in names:
        try:
            done.extend(action(name))
        except APIError as exc:
            errors.append(engine.translate(exc))
    text = "".join(n + "\n" for n in done)
    if errors:
        message = "\n".join(e.message for e in errors)
        raise BackendError(text + message, hint=errors[0].hint)
    return _text(text)


@verb(Verb("logs", "docker logs [OPTIONS] CONTAINER", "Fetch the logs of a container",
           (Flag("tail", "n", "value"), Flag("timestamps", "t"), Flag("since", kind="value"), Flag("follow", "f")),
           1, 1))
def logs(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    if o["follow"]:
        raise UsageError("--follow streams until the container stops, which would hold the notebook",
                         hint="run %docker logs again to see new lines, or use --tail N")
    tail: Any = "all" if o["tail"] in (None, "all") else int(o["tail"])
    data = engine.api.logs(args[0], stdout=True, stderr=True, tail=tail, timestamps=o["timestamps"],
                           since=o["since"])
    return _text(data.decode("utf-8", "replace"))


@verb(Verb("exec", "docker exec [OPTIONS] CONTAINER COMMAND [ARG...]",
           "Execute a command in a running container",
           (Flag("env", "e", "list"), Flag("workdir", "w", "value"), Flag("user", "u", "value"),
            Flag("interactive", "i"), Flag("tty", "t"), Flag("detach", "d")), 2, None, interspersed=False))
def exec_(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.docker import containers

    env = containers.env_list(o["env"])
    created = engine.api.exec_create(args[0], args[1:], environment=env or None, workdir=o["workdir"],
                                     user=o["user"] or "")
    if o["detach"]:
        engine.api.exec_start(created["Id"], detach=True)
        return _text("")
    output = engine.api.exec_start(created["Id"])
    code = engine.api.exec_inspect(created["Id"]).get("ExitCode")
    return _text(output.decode("utf-8", "replace"), value=code)


@verb(Verb("history", "docker history [OPTIONS] IMAGE", "Show the history of an image",
           (_QUIET, _NO_TRUNC, _FORMAT, Flag("human", "H", "bool", True)), 1, 1))
def history(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    rows = engine.api.history(args[0])
    human = o["human"] is not False
    text = fmt.format_history(rows, now=time.time(), human=human, no_trunc=o["no_trunc"], quiet=o["quiet"],
                              fmt=o["format"])
    return _text(text, rows)


@verb(Verb("inspect", "docker inspect [OPTIONS] NAME|ID [NAME|ID...]",
           "Return low-level information on Docker objects",
           (Flag("format", "f", "value"), Flag("type", kind="value"), Flag("size", "s")), 1))
def inspect(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from docker.errors import NotFound

    found: list[dict[str, Any]] = []
    for name in args:
        kinds = [o["type"]] if o["type"] else ["container", "image"]
        for kind in kinds:
            try:
                found.append(engine.api.inspect_container(name) if kind == "container"
                             else engine.api.inspect_image(name))
                break
            except NotFound:
                continue
        else:
            raise BackendError(f"Error: No such object: {name}", hint="%docker ps -a and %docker images list "
                                                                      "what exists")
    return _text(fmt.format_inspect(found, fmt=o["format"]), found)


@verb(Verb("rmi", "docker rmi [OPTIONS] IMAGE [IMAGE...]", "Remove one or more images",
           (Flag("force", "f"), Flag("no-prune")), 1))
def rmi(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    def remove(name: str) -> list[str]:
        items = engine.api.remove_image(name, force=o["force"], noprune=o["no_prune"]) or []
        return [f"{key}: {value}" for item in items for key, value in item.items()]

    return _each(engine, args, remove)


@verb(Verb("tag", "docker tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
           "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", (), 2, 2))
def tag(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.docker.containers import split_ref

    repo, tag_name = split_ref(args[1])
    engine.api.tag(args[0], repo, tag_name)
    return _text("")


@verb(Verb("pull", "docker pull [OPTIONS] NAME[:TAG|@DIGEST]", "Download an image from a registry",
           (_QUIET, Flag("platform", kind="value"), Flag("all-tags", "a")), 1, 1))
def pull(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.docker.containers import pull_image

    return _text(pull_image(engine, args[0], platform=o["platform"], quiet=o["quiet"]))


@verb(Verb("load-into", "docker load-into kind[:CLUSTER] IMAGE [IMAGE...]",
           "Load images into a kind cluster's nodes, as `kind load docker-image` does",
           (Flag("nodes", kind="value"),), 2))
def load_into(engine: Engine, o: dict[str, Any], args: list[str]) -> TextResult:
    from kube_magics.docker.kind import load_into_kind

    target, _, cluster = args[0].partition(":")
    if target != "kind":
        raise UsageError(f"cannot load into {target!r}: only kind clusters (kind[:CLUSTER]) are supported")
    nodes = [n for n in (o["nodes"] or "").split(",") if n] or None
    texts = [load_into_kind(engine, image, cluster or os.environ.get("KIND_CLUSTER_NAME", "kind"), nodes=nodes).text
             for image in args[1:]]
    return _text("\n".join(texts))
