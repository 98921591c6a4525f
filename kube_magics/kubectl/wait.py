"""`kubectl wait`: until a condition holds on one or many objects.

    %k8s wait --for=condition=Available deployment/web --timeout=60s    deployment.apps/web condition met
    %k8s wait --for=delete pod/web-abc --timeout=30s
    %k8s wait --for=jsonpath='{.status.readyReplicas}'=3 deploy/web
    %k8s wait --for=create pod/web

The default timeout is kubectl's (30 s); on the simulator the clock moves on until the condition holds or the time
is up, so a wait costs no real time. `--timeout=0` checks once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import KubeMagicsError, NotFoundError, UsageError, WaitTimeoutError
from kube_magics.gojson import go_format
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import WAIT_CAP, fail, namespace, result
from kube_magics.kubectl.flags import ALL_NAMESPACES, FILENAME, RECURSIVE, SELECTOR, Command, Flag, parse
from kube_magics.kubectl.resources import Target, fetch, file_targets, parse_args
from kube_magics.printers import jsonpath
from kube_magics.printers.jsonpath_eval import find_results
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

WAIT = Command("wait", "kubectl wait ([-f FILENAME] | resource.group/resource.name | resource.group [(-l label | "
                       "--all)]) [--for=create|--for=delete|--for condition=available|--for=jsonpath='{}'[=value]]", (
    *SELECTOR, ALL_NAMESPACES, FILENAME, RECURSIVE, Flag("all"), Flag("for", kind="array"),
    Flag("timeout", kind="duration", default=30.0), Flag("output", "o", "str", default=""), Flag("local"),
))


@dataclass(frozen=True)
class Condition:
    """One `--for`: `check(live object or None)` says whether it holds."""

    kind: str  # "delete" | "create" | "condition" | "jsonpath"
    check: Callable[[Obj | None], bool]


@verb("wait")
def wait(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(WAIT, argv)
    conditions = [_condition(c) for c in o.get("for")]
    if not conditions:
        raise WAIT.error("unrecognized condition: []")
    backend = session.backend
    seconds = WAIT_CAP if o.timeout < 0 else float(o.timeout)
    deadline = backend.now() + seconds
    targets = _targets(session, o.filename, o.recursive, args)
    ns = namespace(session, o)
    for_delete = any(c.kind == "delete" for c in conditions)
    if any(c.kind == "create" for c in conditions):
        _wait_created(backend, targets, ns, o, deadline)
    found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector,
                  field_selector=o.field_selector, ignore_not_found=for_delete)
    if found.errors:
        raise fail("", list(found.errors))
    if not found.objects and not for_delete:
        raise UsageError("error: no matching resources found")
    lines: list[str] = []
    for obj in found.objects:
        for cond in (c for c in conditions if c.kind != "create"):
            try:
                _wait_one(backend, obj, cond, deadline, seconds)
            except KubeMagicsError as exc:
                raise fail("".join(lines), [exc], found.objects) from None
            rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
            name = f"{rk.qualified}/{obj['metadata']['name']}"
            lines.append(f"{name}\n" if o.output == "name" else f"{name} condition met\n")
    return result("".join(lines), objects=found.objects)


def _targets(session: Session, filenames: list[str], recursive: bool, args: list[str]) -> list[Target]:
    if filenames:
        return file_targets(session.backend, filenames, recursive)
    targets = parse_args(session.backend.catalogue, args, cmd="kubectl wait")
    if not targets:
        raise UsageError("error: resource(s) were provided, but no name was specified")
    return targets


def _condition(text: str) -> Condition:
    lowered = text.lower()
    if lowered == "delete":
        return Condition("delete", lambda obj: obj is None)
    if lowered == "create":
        return Condition("create", lambda obj: obj is not None)
    if text.startswith("condition="):
        name, _, value = text[len("condition="):].partition("=")
        return Condition("condition", lambda obj: obj is not None and _has_condition(obj, name, value or "true"))
    if text.startswith("jsonpath="):
        return Condition("jsonpath", _jsonpath_condition(text[len("jsonpath="):]))
    raise WAIT.error(f'unrecognized condition: "{text}"')


def _has_condition(obj: Obj, name: str, value: str) -> bool:
    """kubectl's ConditionalWait.checkCondition: the condition's status, unless it describes an older generation."""
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if str(cond.get("type", "")).lower() != name.lower() or "status" not in cond:
            continue
        generation = obj["metadata"].get("generation")
        observed = cond.get("observedGeneration", (obj.get("status") or {}).get("observedGeneration"))
        if generation is not None and observed is not None and int(observed) < int(generation):
            return False
        return str(cond["status"]).lower() == value.lower()
    return False


def _split_jsonpath(text: str) -> list[str]:
    """kubectl's splitJSONPathInput: split on a single `=`, keeping `==`."""
    parts, current, i = [], "", 0
    while i < len(text):
        if text[i] == "=":
            if text[i + 1:i + 2] == "=":
                current += "=="
                i += 2
                continue
            parts.append(current)
            current = ""
        else:
            current += text[i]
        i += 1
    return [*parts, current]


def _jsonpath_condition(text: str) -> Callable[[Obj | None], bool]:
    parts = _split_jsonpath(text)
    if not 1 <= len(parts) <= 2:
        raise WAIT.error("jsonpath wait format must be --for=jsonpath='{.status.readyReplicas}'=3 or "
                         "--for=jsonpath='{.status.readyReplicas}'")
    expression = parts[0].strip("'\"")
    if not expression:
        raise WAIT.error("jsonpath expression cannot be empty")
    root = jsonpath.parse(jsonpath.relaxed(expression))
    expected = parts[1].strip("'\"") if len(parts) == 2 else None
    if expected == "":
        raise WAIT.error("jsonpath wait has to have a value after equal sign, like "
                         "--for=jsonpath='{.status.readyReplicas}'=3")

    def check(obj: Obj | None) -> bool:
        if obj is None:
            return False
        results = find_results(root, obj)
        if not results or not results[0]:
            return False
        if len(results) > 1:
            raise UsageError("error: given jsonpath expression matches more than one list")
        if len(results[0]) > 1:
            raise UsageError("error: given jsonpath expression matches more than one value")
        value = results[0][0]
        if isinstance(value, (dict, list)):
            raise UsageError("error: jsonpath leads to a nested object or list which is not supported")
        return expected is None or go_format(value).strip() == expected.strip()

    return check


def _live(backend: Backend, obj: Obj) -> Obj | None:
    rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    try:
        live = backend.get(rk.resource_group, obj["metadata"]["name"], obj["metadata"].get("namespace"))
    except NotFoundError:
        return None
    return live


def _wait_one(backend: Backend, obj: Obj, cond: Condition, deadline: float, seconds: float) -> None:
    rk = backend.catalogue.for_kind(obj["apiVersion"], obj["kind"])
    uid = obj["metadata"].get("uid")

    def holds() -> bool:
        live = _live(backend, obj)
        if cond.kind == "delete" and live is not None and live["metadata"].get("uid") != uid:
            live = None
        return cond.check(live)

    name = obj["metadata"]["name"]
    if seconds == 0:
        if not holds():
            raise UsageError(f"error: condition not met for {rk.resource_group}/{name}")
        return
    if not backend.wait_until(holds, timeout=max(0.0, deadline - backend.now())):
        raise WaitTimeoutError(f"timed out waiting for the condition on {rk.plural}/{name}")


def _wait_created(backend: Backend, targets: list[Target], ns: str, o: Any, deadline: float) -> None:
    def exist() -> bool:
        found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector,
                      field_selector=o.field_selector)
        return not found.errors and bool(found.objects)

    if not backend.wait_until(exist, timeout=max(0.0, deadline - backend.now())):
        raise WaitTimeoutError("timed out waiting for the condition")
