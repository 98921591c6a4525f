"""`kubectl delete`: by type and name, by label, `--all`, or the objects in files (`-f`).

    %k8s delete pod web                  pod "web" deleted from default namespace
    %k8s delete deploy,svc -l app=web    %k8s delete -f manifests/      %k8s delete pod web --wait=false

Like kubectl, it waits until the objects are gone (pods terminate gracefully first); on the simulator the clock
moves on meanwhile. The wait is capped (`--timeout`, default 10 minutes) so a cell always finishes.
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import KubeMagicsError, NotFoundError, UsageError, WaitTimeoutError
from kube_magics.kinds import ResourceKind
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import WAIT_CAP, fail, namespace, result, timeout
from kube_magics.kubectl.flags import (
    ALL_NAMESPACES,
    DRY_RUN,
    FILENAME,
    RECURSIVE,
    SELECTOR,
    TIMEOUT,
    Command,
    Flag,
    Options,
    dry_run,
    parse,
)
from kube_magics.kubectl.resources import Target, fetch, file_targets, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

DELETE = Command("delete", "kubectl delete ([-f FILENAME] | TYPE [(NAME | -l label | --all)])", (
    *SELECTOR, ALL_NAMESPACES, FILENAME, RECURSIVE, DRY_RUN, TIMEOUT, Flag("output", "o", "str", default=""),
    Flag("all"), Flag("cascade", kind="str", default="background", no_opt="background"),
    Flag("grace-period", kind="int", default=-1), Flag("force"), Flag("now"), Flag("wait", default=True),
    Flag("ignore-not-found"), Flag("interactive", "i"),
))

NOTHING = ("You must provide one or more resources by argument or filename.\nExample resource specifications "
           "include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
IMMEDIATE = ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
             "terminated. The resource may continue to run on the cluster indefinitely.\n")


@verb("delete")
def delete(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(DELETE, argv)
    grace, strategy, propagation = _check(o)
    backend = session.backend
    ns = namespace(session, o)
    targets = _targets(session, o, args)
    several = bool(o.all or o.selector or o.field_selector)
    found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector,
                  field_selector=o.field_selector, ignore_not_found=o.ignore_not_found or several)
    lines = [IMMEDIATE] if grace == 0 else []
    deleted: list[Obj] = []
    errors: list[KubeMagicsError] = list(found.errors)
    for obj in found.objects:
        rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
        if o.was_set("namespace") and not rk.namespaced and not any("cluster-scoped" in x for x in lines):
            lines.append("Warning: deleting cluster-scoped resources, not scoped to the provided namespace\n")
        try:
            gone = obj if strategy == "client" else backend.delete(
                rk.resource_group, obj["metadata"]["name"], obj["metadata"].get("namespace"), grace_period=grace,
                propagation=propagation, dry_run=strategy == "server")
        except NotFoundError as exc:
            if not o.ignore_not_found:
                errors.append(exc)
            continue
        deleted.append(gone)
        lines.append(_line(rk, obj, o, grace, strategy))
    if not deleted and not errors:
        lines.append("No resources found\n")
    text = "".join(lines)
    if errors:
        raise fail(text, errors, deleted)
    if o.wait and strategy == "none" and deleted:
        _wait_gone(session, deleted, timeout(o, WAIT_CAP), text)
    return result(text, objects=deleted)


def _check(o: Options) -> tuple[int | None, str, str]:
    """(grace period or None, dry-run strategy, propagation policy), as kubectl's Complete and Validate settle
    them."""
    if o.output not in ("", "name"):
        raise DELETE.error(f"unexpected -o output mode: {o.output}. We only support '-o name'")
    if o.all and o.selector:
        raise DELETE.error("cannot set --all and --selector at the same time")
    if o.all and o.field_selector:
        raise DELETE.error("cannot set --all and --field-selector at the same time")
    if o.interactive:
        raise DELETE.error("--interactive needs a terminal to answer on; a notebook cell has none")
    grace = int(o.grace_period)
    if o.now:
        if grace != -1:
            raise DELETE.error("--now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not o.force:
        grace = 1
    if o.force and grace < 0:
        grace = 0
    if o.force and grace > 0:
        raise DELETE.error("--force and --grace-period greater than 0 cannot be specified together")
    cascade = {"true": "background", "false": "orphan"}.get(o.cascade, o.cascade)
    if cascade not in ("background", "foreground", "orphan"):
        raise DELETE.error(f'invalid cascade value ({o.cascade}). Must be "background", "foreground", or "orphan".')
    return (None if grace < 0 else grace), dry_run(DELETE, o), cascade.capitalize()


def _targets(session: Session, o: Options, args: list[str]) -> list[Target]:
    backend = session.backend
    if o.filename:
        return file_targets(backend, o.filename, o.recursive)
    targets = parse_args(backend.catalogue, args, cmd="kubectl delete")
    if not targets:
        raise UsageError("error: " + NOTHING)
    if any(t.name is None for t in targets) and not (o.all or o.selector or o.field_selector):
        raise UsageError("error: resource(s) were provided, but no name was specified")
    return targets


def _line(rk: ResourceKind, obj: Obj, o: Options, grace: int | None, strategy: str) -> str:
    """kubectl's DeleteOptions.PrintObj: `pod "web" deleted from default namespace`."""
    name = obj["metadata"]["name"]
    if o.output == "name":
        return f"{rk.qualified}/{name}\n"
    operation = "force deleted" if grace == 0 else "deleted"
    if rk.namespaced:
        operation += f" from {obj['metadata'].get('namespace') or 'default'} namespace"
    operation += {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f'{rk.qualified} "{name}" {operation}\n'


def _wait_gone(session: Session, deleted: list[Obj], seconds: float, text: str) -> None:
    """Until every deleted object is gone (or replaced by a new one of the same name), as kubectl's IsDeleted."""
    backend = session.backend

    def still_there(obj: Obj) -> bool:
        rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
        try:
            live = backend.get(rk.resource_group, obj["metadata"]["name"], obj["metadata"].get("namespace"))
        except NotFoundError:
            return False
        return bool(live["metadata"].get("uid") == obj["metadata"].get("uid"))

    if backend.wait_until(lambda: not any(still_there(obj) for obj in deleted), timeout=seconds):
        return
    stuck = next(obj for obj in deleted if still_there(obj))
    rk = backend.catalogue.for_kind(stuck["apiVersion"], stuck["kind"])
    raise fail(text, [WaitTimeoutError(f"timed out waiting for the condition on {rk.plural}/"
                                       f"{stuck['metadata']['name']}")], deleted)
