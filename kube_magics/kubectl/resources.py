"""Resource arguments as kubectl reads them (cli-runtime's resource builder), and fetching what they name.

    get pods                 every pod in the namespace (with -l / --field-selector / -A)
    get pod web db           two pods by name
    get pod/web deploy/api   TYPE/NAME pairs
    get deploy,rs,pods       several types; `all` is the "all" category
    get deploy,svc web       each type, each name

`parse_args` turns the words into `Target`s (resolving `po`, `deploy`, `deployments.apps` against the backend's
discovery); `fetch` asks the backend for them and keeps going after a NotFound, as kubectl does
(ContinueOnError), so that `get pod web nope` prints web and then the error. Talks to a cluster only through the
Backend protocol.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import ApiError, KubeMagicsError, NotFoundError, UsageError
from kube_magics.kinds import ResourceCatalogue, ResourceKind
from kube_magics.printers import ALL_RESOURCES
from kube_magics.printers.util import selector_string

Obj = dict[str, Any]

SLASH_WITH_TYPE = ("there is no need to specify a resource type as a separate argument when passing arguments in "
                   "resource/name form (e.g. '{cmd} resource/<resource_name>' instead of '{cmd} resource "
                   "resource/<resource_name>'")


@dataclass(frozen=True)
class Target:
    """One resource type, and one name in it or None for "every object of the type" (filtered by selectors)."""

    resource: ResourceKind
    name: str | None = None


@dataclass
class Fetched:
    objects: list[Obj] = field(default_factory=list)
    errors: list[KubeMagicsError] = field(default_factory=list)
    kinds: list[ResourceKind] = field(default_factory=list)  # the types that answered, in order

    @property
    def several_kinds(self) -> bool:
        return len({r.kind for r in self.kinds}) > 1


def resolve(catalogue: ResourceCatalogue, name: str) -> ResourceKind:
    """`po`, `deploy`, `deployments.apps` as discovery resolves them (`the server doesn't have a resource type`)."""
    return catalogue.resolve(name)


def expand_types(catalogue: ResourceCatalogue, text: str) -> list[ResourceKind]:
    """`deploy,rs,pods` or `all` as resources, in the order given (duplicates kept once)."""
    out: list[ResourceKind] = []
    for part in text.split(","):
        if not part:
            continue
        names = ALL_RESOURCES if part == "all" else (part,)
        for n in names:
            r = resolve(catalogue, n)
            if r not in out:
                out.append(r)
    return out


def parse_args(catalogue: ResourceCatalogue, args: list[str], *, cmd: str = "kubectl get") -> list[Target]:
    """The targets named by a command's arguments (an empty list if there are none)."""
    if not args:
        return []
    if any("/" in a for a in args):
        if "/" not in args[0]:
            raise UsageError("error: " + SLASH_WITH_TYPE.format(cmd=cmd))
        targets = []
        for a in args:
            kind, _, name = a.partition("/")
            if not kind or not name or "/" in name:
                raise UsageError("error: arguments in resource/name form must have a single resource and name")
            targets.append(Target(resolve(catalogue, kind), name))
        return targets
    types = expand_types(catalogue, args[0])
    names = args[1:]
    if not names:
        return [Target(r) for r in types]
    return [Target(r, n) for r in types for n in names]


def file_targets(backend: Backend, paths: list[str], recursive: bool) -> list[Target]:
    """The objects that the manifests in `-f` files name, one target each (for delete, label, scale ... -f)."""
    from kube_magics.kubectl.apply_files import objects_in_files

    return [Target(r.resource, r.name) for r in objects_in_files(backend, paths, recursive)]


def single_item(args: list[str], targets: list[Target]) -> bool:
    """kubectl prints one object as itself (not a List) when exactly one TYPE NAME or TYPE/NAME was asked for."""
    return len(targets) == 1 and targets[0].name is not None and "," not in args[0]


def check_selectors(targets: list[Target], selector: str | None, field_selector: str | None = None) -> None:
    if (selector or field_selector) and any(t.name is not None for t in targets):
        raise UsageError("error: name cannot be provided when a selector is specified")


def fetch(backend: Backend, targets: list[Target], *, namespace: str, all_namespaces: bool = False,
          selector: str | None = None, field_selector: str | None = None,
          ignore_not_found: bool = False) -> Fetched:
    """The objects the targets name, in order; NotFound and other API errors collected, not raised."""
    check_selectors(targets, selector, field_selector)
    out = Fetched()
    for t in targets:
        try:
            if t.name is None:
                items = backend.list(t.resource.resource_group, None if all_namespaces else namespace,
                                     selector=selector or None, field_selector=field_selector or None)
                out.objects.extend(items)
            else:
                if all_namespaces and t.resource.namespaced:
                    raise UsageError("error: a resource cannot be retrieved by name across all namespaces")
                out.objects.append(backend.get(t.resource.resource_group, t.name, namespace))
        except NotFoundError as exc:
            if not ignore_not_found:
                out.errors.append(exc)
            continue
        except ApiError as exc:
            out.errors.append(exc)
            continue
        if t.resource not in out.kinds:
            out.kinds.append(t.resource)
    return out


def pods_of(backend: Backend, resource: ResourceKind, name: str, namespace: str) -> list[Obj]:
    """The pods an object runs (a Deployment's, a Service's, ...), the one kubectl would pick for logs and exec
    first (podutils.ByLogging: scheduled, running, ready, more restarts, older)."""
    owner = backend.get(resource.resource_group, name, namespace)
    spec = owner.get("spec") or {}
    if owner["kind"] in ("Service", "ReplicationController"):
        selector = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items()))
    else:
        selector = selector_string(spec.get("selector"))
    if not selector:
        raise UsageError(f"error: cannot attach to {owner['kind']}: the object has no pod selector")
    pods = sorted(backend.list("pods", namespace, selector=selector), key=_logging_order)
    if not pods:
        raise UsageError(f"error: timed out waiting for the condition (no pod matches {selector})")
    return pods


def _logging_order(pod: Obj) -> tuple[Any, ...]:
    status = pod.get("status") or {}
    ready = any(c.get("type") == "Ready" and c.get("status") == "True" for c in status.get("conditions") or ())
    restarts = sum(int(c.get("restartCount") or 0) for c in status.get("containerStatuses") or ())
    phase = {"Running": 0, "Unknown": 1, "Pending": 2}.get(str(status.get("phase")), 3)
    return (not (pod.get("spec") or {}).get("nodeName"), phase, not ready, -restarts,
            pod["metadata"].get("creationTimestamp") or "~")
