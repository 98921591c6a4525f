"""`kubectl label` and `kubectl annotate`.

    %k8s label pod web tier=frontend           pod/web labeled
    %k8s label pod web tier=backend --overwrite
    %k8s label pod web tier-                   pod/web unlabeled
    %k8s annotate deploy web note='hello'      deployment.apps/web annotated
    %k8s label pods --all env=dev              %k8s label pod web --list

Without `--overwrite` a key that already has another value is an error, as in kubectl. A label that is already
as asked prints `not labeled`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from kube_magics.errors import KubeMagicsError, UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, result
from kube_magics.kubectl.flags import (
    ALL_NAMESPACES,
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    RECURSIVE,
    SELECTOR,
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

_FLAGS = (*SELECTOR, ALL_NAMESPACES, DRY_RUN, FILENAME, RECURSIVE, FIELD_MANAGER,
          Flag("output", "o", "str", default=""), Flag("overwrite"), Flag("list"), Flag("local"), Flag("all"),
          Flag("resource-version", kind="str"))
LABEL = Command("label", "kubectl label [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... KEY_N=VAL_N "
                         "[--resource-version=version]", _FLAGS)
ANNOTATE = Command("annotate", "kubectl annotate [--overwrite] (-f FILENAME | TYPE NAME) KEY_1=VAL_1 ... "
                               "KEY_N=VAL_N [--resource-version=version]", _FLAGS)

_LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")
_LABEL_VALUE_HELP = ("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
                     "and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or "
                     "'12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


@dataclass(frozen=True)
class _Kind:
    """What differs between label and annotate."""

    command: Command
    field: str  # "labels" | "annotations"
    noun: str  # "label" | "annotation"


@verb("label")
def label(session: Session, argv: list[str]) -> TextResult:
    return _run(session, argv, _Kind(LABEL, "labels", "label"))


@verb("annotate")
def annotate(session: Session, argv: list[str]) -> TextResult:
    return _run(session, argv, _Kind(ANNOTATE, "annotations", "annotation"))


def _run(session: Session, argv: list[str], k: _Kind) -> TextResult:
    o, args = parse(k.command, argv)
    resources, pairs = _split(args, k.noun)
    new, remove = _pairs(pairs, k)
    strategy = _validate(o, k, resources, new, remove)
    backend = session.backend
    targets = _targets(session, o, resources, k)
    found = fetch(backend, targets, namespace=namespace(session, o), all_namespaces=o.all_namespaces,
                  selector=o.selector, field_selector=o.field_selector)
    single = len(targets) == 1 and targets[0].name is not None
    if o.resource_version and not single:
        raise k.command.error("--resource-version may only be used with a single resource")
    out: list[str] = []
    changed: list[Obj] = []
    try:
        for obj in found.objects:
            out.append(_one(session, o, k, obj, new, remove, strategy, single, changed))
    except KubeMagicsError as exc:
        raise fail("".join(out), [exc], changed) from None
    if found.errors:
        raise fail("".join(out), list(found.errors), changed)
    return result("".join(out), objects=changed)


def _split(args: list[str], noun: str) -> tuple[list[str], list[str]]:
    """cmdutil.GetResourcesAndPairs: resources first, then KEY=VALUE / KEY- pairs."""
    resources: list[str] = []
    pairs: list[str] = []
    for a in args:
        is_pair = ("=" in a and not a.startswith("=")) or (a.endswith("-") and a != "-")
        if is_pair:
            pairs.append(a)
        elif pairs:
            raise UsageError(f"error: all resources must be specified before {noun} changes: {a}")
        else:
            resources.append(a)
    return resources, pairs


def _pairs(pairs: list[str], k: _Kind) -> tuple[dict[str, str], list[str]]:
    new: dict[str, str] = {}
    remove: list[str] = []
    for p in pairs:
        if "=" in p:
            key, _, value = p.partition("=")
            if k.field == "labels":
                if "=" in value:
                    raise k.command.error(f"invalid label spec: {p}")
                if not _LABEL_VALUE.fullmatch(value) or len(value) > 63:
                    raise k.command.error(f'invalid label value: "{p}": {_LABEL_VALUE_HELP}')
            new[key] = value
        else:
            remove.append(p[:-1])
    both = [r for r in remove if r in new]
    if both and k.field == "labels":
        raise k.command.error("can not both modify and remove a label in the same command")
    if both:
        raise k.command.error("can not both modify and remove the following annotation(s) in the same command: "
                              + ", ".join(both))
    return new, remove


def _validate(o: Options, k: _Kind, resources: list[str], new: dict[str, str], remove: list[str]) -> str:
    strategy = dry_run(k.command, o)
    if o.list and o.output:
        raise k.command.error("--list and --output may not be specified together")
    if o.all and o.selector:
        raise k.command.error("cannot set --all and --selector at the same time")
    if o.all and o.field_selector:
        raise k.command.error("cannot set --all and --field-selector at the same time")
    if o.local:
        raise k.command.error("--local works on files only, and a cell has the objects in the cluster: "
                              "drop --local")
    if not resources and not o.filename:
        raise k.command.error("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    if not new and not remove and not o.list:
        raise k.command.error(f"at least one {k.noun} update is required")
    return strategy


def _targets(session: Session, o: Options, resources: list[str], k: _Kind) -> list[Target]:
    if o.filename:
        return file_targets(session.backend, o.filename, o.recursive)
    targets = parse_args(session.backend.catalogue, resources, cmd=f"kubectl {k.command.path}")
    if any(t.name is None for t in targets) and not (o.all or o.selector or o.field_selector):
        raise UsageError("error: resource(s) were provided, but no name was specified")
    return targets


def _one(session: Session, o: Options, k: _Kind, obj: Obj, new: dict[str, str], remove: list[str], strategy: str,
         single: bool, changed: list[Obj]) -> str:
    """Update one object; returns the line kubectl prints for it."""
    backend = session.backend
    rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    name = obj["metadata"]["name"]
    current = dict(obj["metadata"].get(k.field) or {})
    notes = "".join(f'label "{r}" not found.\n' for r in remove
                    if k.field == "labels" and r not in current and strategy == "none" and not o.list)
    if not o.overwrite:
        _no_overwrites(k, current, new)
    updated = {**current, **new}
    for r in remove:
        updated.pop(r, None)
    added = [key for key in new if current.get(key) != new[key]]
    removed = [r for r in remove if r in current]
    out = obj
    if (added or removed) and strategy != "client" and not o.list:
        out = _patch(session, o, k, obj, {key: new[key] for key in added}, removed, strategy)
    elif strategy == "client" or o.list:
        out = {**obj, "metadata": {**obj["metadata"], k.field: updated}}
    changed.append(out)
    if o.list:
        indent = "" if single else " "
        head = "" if single else f"Listing {k.field} for {obj['kind']}.{rk.group}/{name}:\n"
        return head + "".join(f"{indent}{key}={value}\n" for key, value in sorted(updated.items()))
    if o.output == "name":
        return f"{rk.qualified}/{name}\n"
    if o.output:
        from kube_magics.printers import render_output

        return render_output(o.output, [out], single=True)
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f"{notes}{rk.qualified}/{name} {_message(k, added, removed)}{suffix}\n"


def _patch(session: Session, o: Options, k: _Kind, obj: Obj, added: dict[str, str], removed: list[str],
           strategy: str) -> Obj:
    """A JSON merge patch of the changed keys (null removes one), as kubectl sends it."""
    changes: dict[str, Any] = {**added, **{key: None for key in removed}}
    meta_patch: dict[str, Any] = {k.field: changes}
    if o.resource_version:
        meta_patch["resourceVersion"] = o.resource_version
    rk = session.backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    manager = o.field_manager or ("kubectl-label" if k.field == "labels" else "kubectl-annotate")
    return session.backend.patch(rk.resource_group, obj["metadata"]["name"], {"metadata": meta_patch},
                                 namespace=obj["metadata"].get("namespace"), patch_type="merge",
                                 dry_run=strategy == "server", manager=manager)


def _no_overwrites(k: _Kind, current: dict[str, str], new: dict[str, str]) -> None:
    clashes = [(key, current[key]) for key in new if key in current and current[key] != new[key]
               and key != "kubernetes.io/change-cause"]
    if not clashes:
        return
    if k.field == "annotations":
        listed = "; ".join(f"'{key}' already has a value ({value})" for key, value in clashes)
        raise UsageError(f"error: --overwrite is false but found the following declared annotation(s): {listed}")
    messages = [f"'{key}' already has a value ({value}), and --overwrite is false" for key, value in clashes]
    raise UsageError("error: " + (messages[0] if len(messages) == 1 else "[" + ", ".join(messages) + "]"))


def _message(k: _Kind, added: list[str], removed: list[str]) -> str:
    if k.field == "annotations":
        return "annotated"
    if added and removed:
        return "modified"
    if added:
        return "labeled"
    if removed:
        return "unlabeled"
    return "not labeled"
