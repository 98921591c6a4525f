"""`kubectl scale`: set the replicas of Deployments, ReplicaSets, StatefulSets and ReplicationControllers.

    %k8s scale deployment/web --replicas=5          deployment.apps/web scaled
    %k8s scale deploy web --replicas=0 --current-replicas=5

With `--timeout` it waits until the controller reports the new number (on the simulator, in virtual time).
"""

from __future__ import annotations

from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import KubeMagicsError, NotFoundError, UsageError, WaitTimeoutError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, result
from kube_magics.kubectl.flags import DRY_RUN, FILENAME, RECURSIVE, TIMEOUT, Command, Flag, Options, dry_run, parse
from kube_magics.kubectl.resources import Target, fetch, file_targets, parse_args
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

SCALE = Command("scale", "kubectl scale [--resource-version=version] [--current-replicas=count] --replicas=COUNT "
                         "(-f FILENAME | TYPE NAME)", (
    DRY_RUN, FILENAME, RECURSIVE, TIMEOUT, Flag("selector", "l", "str"), Flag("all"),
    Flag("replicas", kind="int", default=-1), Flag("current-replicas", kind="int", default=-1),
    Flag("resource-version", kind="str"), Flag("output", "o", "str", default=""),
))

SCALABLE = frozenset({"Deployment", "ReplicaSet", "StatefulSet", "ReplicationController"})


@verb("scale")
def scale(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(SCALE, argv)
    if not o.was_set("replicas"):
        raise UsageError('error: required flag(s) "replicas" not set')
    if o.replicas < 0:
        raise SCALE.error("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    if o.current_replicas < -1:
        raise SCALE.error("The --current-replicas must specify an integer of -1 or greater")
    strategy = dry_run(SCALE, o)
    backend = session.backend
    found = fetch(backend, _targets(session, o, args), namespace=namespace(session, o), selector=o.selector)
    if o.resource_version and len(found.objects) > 1:
        raise SCALE.error("cannot use --resource-version with multiple resources")
    if not found.objects:
        raise fail("", list(found.errors) or [UsageError("error: no objects passed to scale")])
    lines: list[str] = []
    done: list[Obj] = []
    for obj in found.objects:
        try:
            done.append(_scale_one(backend, o, obj, strategy))
        except KubeMagicsError as exc:
            raise fail("".join(lines), [exc], done) from None
        rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
        name = f"{rk.qualified}/{obj['metadata']['name']}"
        suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(strategy, "")
        lines.append(f"{name}\n" if o.output == "name" else f"{name} scaled{suffix}\n")
    if found.errors:
        raise fail("".join(lines), list(found.errors), done)
    return result("".join(lines), objects=done)


def _targets(session: Session, o: Options, args: list[str]) -> list[Target]:
    if o.filename:
        return file_targets(session.backend, o.filename, o.recursive)
    targets = parse_args(session.backend.catalogue, args, cmd="kubectl scale")
    if any(t.name is None for t in targets) and not (o.all or o.selector):
        raise UsageError("error: resource(s) were provided, but no name was specified")
    return targets


def _scale_one(backend: Backend, o: Options, obj: Obj, strategy: str) -> Obj:
    """The scale subresource's update: check the preconditions, set spec.replicas, optionally wait for it."""
    rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    if rk.kind not in SCALABLE:
        raise NotFoundError("the server could not find the requested resource", kind=rk.plural,
                            name=obj["metadata"]["name"])
    current = int((obj.get("spec") or {}).get("replicas", 1))
    if o.current_replicas != -1 and o.current_replicas != current:
        raise UsageError(f"error: Expected replicas to be {o.current_replicas}, was {current}")
    if o.resource_version and o.resource_version != obj["metadata"].get("resourceVersion"):
        raise UsageError(f"error: Expected resource version to be {o.resource_version}, was "
                         f"{obj['metadata'].get('resourceVersion')}")
    new = {**obj, "spec": {**obj.get("spec", {}), "replicas": int(o.replicas)}}
    if strategy == "client":
        return new
    meta = obj["metadata"]
    # The scale subresource, as kubectl's scaler patches it (kubectl sends no field manager: the server names
    # the writer after kubectl's user agent).
    backend.patch(rk.resource_group, meta["name"], {"spec": {"replicas": int(o.replicas)}},
                  namespace=meta.get("namespace"), patch_type="merge", subresource="scale",
                  dry_run=strategy == "server", manager="kubectl")
    if strategy == "server":
        return new
    if o.timeout:
        _wait_replicas(backend, rk.resource_group, new, int(o.replicas), float(o.timeout))
    return backend.get(rk.resource_group, meta["name"], meta.get("namespace"))


def _wait_replicas(backend: Backend, resource: str, obj: Obj, replicas: int, seconds: float) -> None:
    meta = obj["metadata"]

    def reached() -> bool:
        live = backend.get(resource, meta["name"], meta.get("namespace"))
        status = live.get("status") or {}
        return int(status.get("replicas") or 0) == replicas and \
            int(status.get("observedGeneration") or 0) >= int(live["metadata"].get("generation") or 0)

    if not backend.wait_until(reached, timeout=seconds):
        raise WaitTimeoutError("timed out waiting for the condition")
