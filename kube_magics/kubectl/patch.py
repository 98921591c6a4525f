"""`kubectl patch`: change fields of objects in place.

    %k8s patch deployment web -p '{"spec":{"replicas":2}}'                 deployment.apps/web patched
    %k8s patch deploy web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":3}]'
    %k8s patch pod web --type=merge -p '{"metadata":{"labels":{"tier":null}}}'

`--type` is strategic (the default: lists merge by their keys, containers by name), merge (RFC 7386) or json
(RFC 6902). A patch that changes nothing prints `patched (no change)`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from kube_magics.errors import KubeMagicsError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, result
from kube_magics.kubectl.flags import DRY_RUN, FIELD_MANAGER, FILENAME, Command, Flag, Options, dry_run, parse
from kube_magics.kubectl.resources import fetch, file_targets, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

PATCH = Command("patch", "kubectl patch (-f FILENAME | TYPE NAME) [-p PATCH|--patch-file FILE]", (
    DRY_RUN, FIELD_MANAGER, FILENAME, Flag("patch", "p", "str", default=""), Flag("patch-file", kind="str", default=""),
    Flag("type", kind="str", default="strategic"), Flag("local"), Flag("subresource", kind="str", default=""),
    Flag("output", "o", "str", default=""),
))
TYPES = ("json", "merge", "strategic")


@verb("patch")
def patch(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(PATCH, argv)
    strategy = dry_run(PATCH, o)
    body = _body(o)
    backend = session.backend
    if o.filename:
        targets = file_targets(backend, o.filename, False)
    else:
        targets = parse_args(backend.catalogue, args, cmd="kubectl patch")
    found = fetch(backend, targets, namespace=namespace(session, o))
    if not found.objects and not found.errors:
        raise PATCH.error("no objects passed to patch")
    lines: list[str] = []
    done: list[Obj] = []
    for obj in found.objects:
        rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
        try:
            new = backend.patch(rk.resource_group, obj["metadata"]["name"], body,
                                namespace=obj["metadata"].get("namespace"), patch_type=o.type,
                                subresource=o.subresource or None, dry_run=strategy != "none",
                                manager=o.field_manager or "kubectl-patch")
        except KubeMagicsError as exc:
            raise fail("".join(lines), [exc], done) from None
        done.append(new)
        lines.append(_line(rk.qualified, obj, new, strategy, o.output))
    if found.errors:
        raise fail("".join(lines), list(found.errors), done)
    return result("".join(lines), objects=done)


def _body(o: Options) -> Any:
    if o.patch and o.patch_file:
        raise PATCH.error("cannot specify --patch and --patch-file together")
    if not o.patch and not o.patch_file:
        raise PATCH.error("must specify --patch or --patch-file containing the contents of the patch")
    if o.local:
        raise PATCH.error("--local works on files, and a cell patches the objects in the cluster: drop --local")
    if o.type not in TYPES:
        raise PATCH.error(f'--type must be one of [{" ".join(TYPES)}], not "{o.type}"')
    text = o.patch
    if o.patch_file:
        try:
            text = Path(o.patch_file).read_text()
        except OSError as exc:
            raise PATCH.error(f"unable to read patch file: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        try:
            return yaml.safe_load(text)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise PATCH.error(f'unable to parse "{text}": yaml: {problem}') from None


def _line(qualified: str, old: Obj, new: Obj, strategy: str, output: str) -> str:
    if output:
        from kube_magics.printers import render_output

        return render_output(output, [new], single=True)
    same = {k: v for k, v in old.items() if k != "metadata"} == {k: v for k, v in new.items() if k != "metadata"} \
        and (old["metadata"].get("labels"), old["metadata"].get("annotations")) == \
        (new["metadata"].get("labels"), new["metadata"].get("annotations"))
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f"{qualified}/{old['metadata']['name']} {'patched (no change)' if same else 'patched'}{suffix}\n"
