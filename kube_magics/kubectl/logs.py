"""`kubectl logs`: what a container printed.

    %k8s logs web-5d4f-abcde              %k8s logs web-5d4f-abcde -c sidecar --tail=20
    %k8s logs deploy/web                  (one of its pods, as kubectl picks it)
    %k8s logs web-5d4f-abcde --previous   (the run before the last restart)
    %k8s logs -l app=web --tail=5         %k8s logs web-5d4f-abcde -f --timeout=1m

`-f` follows for a bounded time (`--timeout`, else `--request-timeout`, default 30 s), then prints what the
container wrote meanwhile; on the simulator the clock moves on by that much.
"""

from __future__ import annotations

from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import NotFoundError, UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import namespace, preformatted, watch_bound
from kube_magics.kubectl.flags import TIMEOUT, Command, Flag, Options, parse
from kube_magics.kubectl.resources import pods_of, resolve
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

LOGS = Command("logs", "kubectl logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]", (
    TIMEOUT, Flag("container", "c", "str", default=""), Flag("previous", "p"),
    Flag("tail", kind="int", default=-1), Flag("follow", "f"), Flag("all-containers"),
    Flag("selector", "l", "str", default=""), Flag("prefix"), Flag("timestamps"),
    Flag("max-log-requests", kind="int", default=5), Flag("ignore-errors"), Flag("all-pods"),
    Flag("pod-running-timeout", kind="duration", default=20.0), Flag("limit-bytes", kind="int", default=0),
))
USAGE = ("expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\nPOD or TYPE/NAME is a required argument for "
         "the logs command")


@verb("logs")
def logs(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(LOGS, argv)
    _validate(o, args)
    backend = session.backend
    ns = namespace(session, o)
    container = o.container or (args[1] if len(args) == 2 else "")
    notes, pods = _pods(backend, o, args, ns)
    tail = int(o.tail) if o.tail >= 0 else (10 if o.selector and not o.was_set("tail") else None)
    pieces = [(pod, c) for pod in pods for c in _containers(pod, container, o.all_containers, notes, len(pods) > 1)]
    before = [_read(backend, pod, c, o.previous, None, o.prefix) for pod, c in pieces]
    text = notes[0] if notes else ""
    text += "".join(_tail(t, tail) for t in before)
    if o.follow:
        backend.wait_until(lambda: False, timeout=watch_bound(o))
        after = [_read(backend, pod, c, o.previous, None, o.prefix) for pod, c in pieces]
        text += "".join(a[len(b):] if a.startswith(b) else a for a, b in zip(after, before))
    return preformatted(text, objects=pods)


def _validate(o: Options, args: list[str]) -> None:
    if not args and not o.selector:
        raise LOGS.usage_error(USAGE)
    if args and o.selector:
        raise LOGS.usage_error("only a selector (-l) or a POD name is allowed")
    if len(args) > 2:
        raise LOGS.usage_error(USAGE)
    if o.container and len(args) == 2:
        raise LOGS.error("only one of -c or an inline [CONTAINER] arg is allowed")
    if o.all_containers and (o.container or len(args) == 2):
        raise LOGS.error(f"--all-containers=true should not be specified with container name "
                         f"{o.container or args[1]}")
    if o.tail < -1:
        raise LOGS.error("--tail must be greater than or equal to -1")
    if o.timestamps:
        raise LOGS.error("--timestamps is not available here: the log lines carry no times of their own")


def _pods(backend: Backend, o: Options, args: list[str], ns: str) -> tuple[list[str], list[Obj]]:
    """The pods to read (and kubectl's stderr notes: `Found 3 pods, using pod/...`)."""
    if o.selector:
        return [], backend.list("pods", ns, selector=o.selector)
    kind, slash, name = args[0].rpartition("/")
    if not slash or resolve(backend.catalogue, kind).kind == "Pod":
        try:
            return [], [backend.get("pods", name, ns)]
        except NotFoundError as exc:
            raise UsageError(f'error: error from server (NotFound): {exc.message} in namespace "{ns}"') from None
    pods = pods_of(backend, resolve(backend.catalogue, kind), name, ns)
    notes = [f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n"] if len(pods) > 1 else []
    return notes, pods[:1]


def _containers(pod: Obj, container: str, all_containers: bool, notes: list[str], several: bool) -> list[str]:
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or ()]
    inits = [c["name"] for c in spec.get("initContainers") or ()]
    every = ", ".join([*names, *(f"{n} (init)" for n in inits)])
    if all_containers:
        return [*inits, *names]
    wanted = container or (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    if wanted:
        if wanted not in names and wanted not in inits:
            raise UsageError(f"error: container {wanted} is not valid for pod {pod['metadata']['name']} out of: "
                             f"{every}")
        return [wanted]
    if (len(names) > 1 or inits) and not several:
        notes.insert(0, f'Defaulted container "{names[0]}" out of: {every}\n')
    return names[:1]


def _read(backend: Backend, pod: Obj, container: str, previous: bool, tail: int | None, prefix: bool) -> str:
    meta = pod["metadata"]
    text = backend.logs(meta["name"], meta.get("namespace"), container=container, previous=previous, tail=tail)
    if prefix:
        head = f"[pod/{meta['name']}/{container}] "
        text = "".join(head + line for line in text.splitlines(keepends=True))
    return text


def _tail(text: str, tail: int | None) -> str:
    if tail is None:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[-tail:]) if tail > 0 else ""
