"""`kubectl set image`: change container images of a pod template (or of a pod).

    %k8s set image deployment/web nginx=nginx:1.21       deployment.apps/web image updated
    %k8s set image deploy/web '*=nginx:1.21'             every container

A Deployment then rolls out the new template (`%k8s rollout status deployment/web` follows it).
"""

from __future__ import annotations

from typing import Any

from kube_magics import rollout
from kube_magics.errors import KubeMagicsError, UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, result
from kube_magics.kubectl.flags import ALL_NAMESPACES, DRY_RUN, FILENAME, RECURSIVE, Command, Flag, dry_run, parse
from kube_magics.kubectl.resources import fetch, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

SET_IMAGE = Command("set image", "kubectl set image (-f FILENAME | TYPE NAME) CONTAINER_NAME_1=CONTAINER_IMAGE_1 ... "
                                 "CONTAINER_NAME_N=CONTAINER_IMAGE_N", (
    DRY_RUN, FILENAME, RECURSIVE, ALL_NAMESPACES, Flag("selector", "l", "str"), Flag("all"), Flag("local"),
    Flag("output", "o", "str", default=""), Flag("field-manager", kind="str"),
))
SET = Command("set", "kubectl set SUBCOMMAND")


@verb("set")
def set_verb(session: Session, argv: list[str]) -> TextResult:
    if not argv or argv[0] != "image":
        parse(SET, argv)  # -h
        raise UsageError("error: set supports `image` here (set image TYPE NAME CONTAINER=IMAGE)")
    return _set_image(session, argv[1:])


def _set_image(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(SET_IMAGE, argv)
    strategy = dry_run(SET_IMAGE, o)
    resources = [a for a in args if "=" not in a]
    images = dict(a.split("=", 1) for a in args if "=" in a)
    if not images:
        raise SET_IMAGE.error("at least one image update is required")
    targets = parse_args(session.backend.catalogue, resources, cmd="kubectl set image")
    if not targets:
        raise SET_IMAGE.error("one or more resources must be specified as <resource> <name> or <resource>/<name>")
    found = fetch(session.backend, targets, namespace=namespace(session, o), all_namespaces=o.all_namespaces,
                  selector=o.selector)
    lines: list[str] = []
    done: list[Obj] = []
    for obj in found.objects:
        try:
            lines.append(_update(session, obj, images, strategy, o.output, done))
        except KubeMagicsError as exc:
            raise fail("".join(lines), [exc], done) from None
    if found.errors:
        raise fail("".join(lines), list(found.errors), done)
    return result("".join(lines), objects=done)


def _update(session: Session, obj: Obj, images: dict[str, str], strategy: str, output: str, done: list[Obj]) -> str:
    backend = session.backend
    rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    if obj["kind"] == "Pod":
        new, missing = _pod_with_images(obj, images)
    else:
        new, missing = rollout.with_images(obj, images)
    if missing:
        raise UsageError(f'error: unable to find container named "{missing[0]}"')
    changed = new.get("spec") != obj.get("spec")
    if changed and strategy != "client":
        meta = obj["metadata"]
        new = backend.patch(rk.resource_group, meta["name"], _patch(obj, new), namespace=meta.get("namespace"),
                            dry_run=strategy == "server", manager="kubectl-set")
    done.append(new)
    if output:
        from kube_magics.printers import render_output

        return render_output(output, [new], single=True)
    if not changed:
        return ""
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
    return f"{rk.qualified}/{obj['metadata']['name']} image updated{suffix}\n"


def _patch(old: Obj, new: Obj) -> Obj:
    """The strategic merge patch kubectl sends: the changed containers, by name, with their new image."""
    pod_old = old["spec"] if old["kind"] == "Pod" else old["spec"]["template"]["spec"]
    pod_new = new["spec"] if new["kind"] == "Pod" else new["spec"]["template"]["spec"]
    spec: Obj = {}
    for group in ("initContainers", "containers"):
        before = {c["name"]: c.get("image") for c in pod_old.get(group) or ()}
        changed = [{"image": c["image"], "name": c["name"]} for c in pod_new.get(group) or ()
                   if before.get(c["name"]) != c.get("image")]
        if changed:
            spec[group] = changed
    return {"spec": spec} if old["kind"] == "Pod" else {"spec": {"template": {"spec": spec}}}


def _pod_with_images(pod: Obj, images: dict[str, str]) -> tuple[Obj, list[str]]:
    """`set image pod/x ...`: the containers of the pod itself."""
    wrapped = {**pod, "spec": {"template": {"spec": pod.get("spec") or {}}}}
    new, missing = rollout.with_images(wrapped, images)
    return {**pod, "spec": new["spec"]["template"]["spec"]}, missing
