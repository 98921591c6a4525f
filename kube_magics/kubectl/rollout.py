"""`kubectl rollout status|history|undo|restart|pause|resume`.

    %k8s rollout status deployment/web            Waiting for deployment "web" rollout to finish: ... then
                                                  deployment "web" successfully rolled out
    %k8s rollout history deployment/web [--revision=2]
    %k8s rollout undo deployment/web [--to-revision=1]          deployment.apps/web rolled back
    %k8s rollout restart deployment/web                         deployment.apps/web restarted
    %k8s rollout pause deployment/web / rollout resume deployment/web

The changes are computed on the client side as kubectl computes them (`kube_magics.rollout`) and written through
the backend, so they work the same on the simulator and on a real cluster. `rollout status` waits (on the
simulator: the clock moves on) for at most `--timeout`, default 10 minutes.
"""

from __future__ import annotations

from typing import Any

from kube_magics import rollout
from kube_magics.backends.base import Backend
from kube_magics.errors import UsageError
from kube_magics.kinds import ResourceKind
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import WAIT_CAP, CommandError, namespace, preformatted, result, timeout
from kube_magics.kubectl.flags import DRY_RUN, FIELD_MANAGER, TIMEOUT, Command, Flag, Options, dry_run, parse
from kube_magics.kubectl.resources import parse_args
from kube_magics.kubectl.rollout_status import watch_status
from kube_magics.printers import rollout_history
from kube_magics.results import TextResult
from kube_magics.session import Session
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]

_OUT = Flag("output", "o", "str", default="")
STATUS = Command("rollout status", "kubectl rollout status (TYPE NAME | TYPE/NAME) [flags]",
                 (TIMEOUT, Flag("watch", "w", default=True), Flag("revision", kind="int", default=0)))
HISTORY = Command("rollout history", "kubectl rollout history (TYPE NAME | TYPE/NAME) [flags]",
                  (_OUT, Flag("revision", kind="int", default=0)))
UNDO = Command("rollout undo", "kubectl rollout undo (TYPE NAME | TYPE/NAME) [flags]",
               (_OUT, DRY_RUN, Flag("to-revision", kind="int", default=0)))
CHANGES = {name: Command(f"rollout {name}", f"kubectl rollout {name} RESOURCE", (_OUT, DRY_RUN, FIELD_MANAGER,
                                                                                Flag("selector", "l", "str")))
           for name in ("restart", "pause", "resume")}
ROLLOUT = Command("rollout", "kubectl rollout SUBCOMMAND")


@verb("rollout")
def rollout_verb(session: Session, argv: list[str]) -> TextResult:
    sub, rest = (argv[0], argv[1:]) if argv else ("", [])
    if sub == "status":
        return _status(session, rest)
    if sub == "history":
        return _history(session, rest)
    if sub == "undo":
        return _undo(session, rest)
    if sub in CHANGES:
        return _change(session, sub, rest)
    parse(ROLLOUT, argv)  # -h
    raise UsageError(f'error: unknown command "{sub}" for "kubectl rollout"' if sub else
                     "error: rollout needs a subcommand: status, history, undo, restart, pause, resume")


def _target(session: Session, command: Command, o: Options, args: list[str]) -> tuple[ResourceKind, Obj]:
    targets = parse_args(session.backend.catalogue, args, cmd=f"kubectl {command.path}")
    if not targets:
        raise UsageError("error: required resource not specified")
    if len(targets) > 1 or targets[0].name is None:
        raise UsageError("error: rollout works on one object at a time: TYPE NAME or TYPE/NAME")
    rk = targets[0].resource
    return rk, session.backend.get(rk.resource_group, str(targets[0].name), namespace(session, o))


def _status(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(STATUS, argv)
    rk, obj = _target(session, STATUS, o, args)
    try:
        lines = watch_status(session.backend, rk, obj["metadata"]["name"], namespace(session, o), watch=o.watch,
                             timeout=timeout(o, WAIT_CAP), revision=int(o.revision))
    except rollout.RolloutError as exc:
        raise CommandError(f"error: {exc.message}", output="".join(line + "\n" for line in exc.lines)) from None
    return result("".join(line + "\n" for line in lines), objects=[obj])


def _owned(backend: Backend, obj: Obj, resource: str) -> list[Obj]:
    uid = obj["metadata"].get("uid")
    items = backend.list(resource, obj["metadata"].get("namespace"))
    return [i for i in items if any(r.get("controller") and r.get("uid") == uid
                                    for r in i["metadata"].get("ownerReferences") or ())]


def _history(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(HISTORY, argv)
    rk, obj = _target(session, HISTORY, o, args)
    if rk.kind not in ("Deployment", "DaemonSet", "StatefulSet"):
        raise UsageError(f'error: no history viewer has been implemented for "{_group_kind(rk)}"')
    related = _owned(session.backend, obj, "replicasets.apps" if rk.kind == "Deployment" else
                     "controllerrevisions.apps")
    try:
        text = rollout_history(obj, related, revision=int(o.revision))
    except UsageError as exc:
        raise UsageError(f"error: {exc.message}") from None
    return preformatted(text, objects=[obj])


def _undo(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(UNDO, argv)
    strategy = dry_run(UNDO, o)
    rk, obj = _target(session, UNDO, o, args)
    if rk.kind != "Deployment":
        raise UsageError(f'error: no rollbacker has been implemented for "{_group_kind(rk)}"')
    new, action = rollout.rollback(obj, _owned(session.backend, obj, "replicasets.apps"), int(o.to_revision))
    if new is not None and strategy != "client":
        # kubectl's rollbacker: a JSON patch of the template and the annotations.
        patch = [{"op": "replace", "path": "/spec/template", "value": new["spec"]["template"]},
                 {"op": "replace", "path": "/metadata/annotations", "value": new["metadata"].get("annotations")}]
        obj = session.backend.patch(rk.resource_group, obj["metadata"]["name"], patch,
                                    namespace=obj["metadata"].get("namespace"), patch_type="json",
                                    dry_run=strategy == "server", manager="kubectl")
    return result(_line(rk, obj, action, strategy, o.output), objects=[obj])


def _change(session: Session, sub: str, argv: list[str]) -> TextResult:
    """restart, pause, resume: one write each, computed as kubectl computes it."""
    command = CHANGES[sub]
    o, args = parse(command, argv)
    strategy = dry_run(command, o)
    rk, obj = _target(session, command, o, args)
    if sub == "restart":
        stamp = rfc3339(session.backend.now())
        rollout.restarted(obj, stamp, resource=rk.resource_group)  # checks, in kubectl's words
        patch: Obj = {"spec": {"template": {"metadata": {"annotations": {rollout.RESTARTED_AT: stamp}}}}}
        action = "restarted"
    else:
        rollout.paused(obj, sub == "pause", resource=rk.resource_group)
        patch = {"spec": {"paused": True if sub == "pause" else None}}
        action = "paused" if sub == "pause" else "resumed"
    if strategy != "client":
        obj = session.backend.patch(rk.resource_group, obj["metadata"]["name"], patch,
                                    namespace=obj["metadata"].get("namespace"), dry_run=strategy == "server",
                                    manager=o.field_manager or "kubectl-rollout")
    return result(_line(rk, obj, action, strategy, o.output), objects=[obj])


def _group_kind(rk: ResourceKind) -> str:
    return f"{rk.kind}.{rk.group}" if rk.group else rk.kind


def _line(rk: ResourceKind, obj: Obj, action: str, strategy: str, output: str) -> str:
    if output:
        from kube_magics.printers import render_output

        return render_output(output, [obj], single=True)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f"{rk.qualified}/{obj['metadata']['name']} {action}{suffix}\n"
