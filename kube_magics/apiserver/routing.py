"""URL paths of the Kubernetes API, as the API server's router reads them.

`route(path, catalogue)` turns a request path into a `Route`: what is asked for (`version`, `discovery`, `openapi`,
`resource`, `health`) and, for resources, the group, version, resource, namespace, name and subresource:

    /api/v1/namespaces/default/pods/web-1/log   -> core v1 pods, namespace default, name web-1, subresource log
    /apis/apps/v1/deployments                   -> apps v1 deployments in every namespace
    /api/v1/namespaces/default                  -> core v1 namespaces, name default
    /api/v1/watch/namespaces/default/pods       -> the same as ?watch=true (the deprecated watch paths)

Paths that name no served resource give a NotFound Status, worded as the API server words it.

Owns: path parsing only. Must not: touch the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass

from kube_magics.errors import NotFoundError
from kube_magics.kinds import ResourceCatalogue, ResourceKind

NOT_FOUND = "the server could not find the requested resource"


@dataclass(frozen=True)
class Route:
    """What a request path asks for. For `what == "resource"`, `resource` is the served resource."""

    what: str  # "resource" | "discovery" | "openapi" | "version" | "health"
    group: str = ""
    version: str = ""
    resource: ResourceKind | None = None
    namespace: str | None = None
    name: str | None = None
    subresource: str = ""
    watch: bool = False
    rest: str = ""  # the path after /openapi/ (v2, v3, v3/apis/apps/v1)

    @property
    def collection(self) -> bool:
        return self.name is None


def not_found() -> NotFoundError:
    return NotFoundError(NOT_FOUND)


def route(path: str, catalogue: ResourceCatalogue | Index) -> Route:
    """The route of a request path (without its query string); NotFoundError if the API has no such path."""
    index = (catalogue if isinstance(catalogue, Index) else Index(catalogue)).current()
    parts = [p for p in path.split("/") if p]
    if not parts:
        return Route("discovery")
    head = parts[0]
    if head == "version" and len(parts) == 1:
        return Route("version")
    if head in ("healthz", "livez", "readyz"):
        return Route("health", rest="/".join(parts))
    if head == "openapi" and len(parts) >= 2:
        return Route("openapi", rest="/".join(parts[1:]))
    if head == "api":
        if len(parts) == 1:
            return Route("discovery")
        return _group_path("", parts[1], parts[2:], index)
    if head == "apis":
        if len(parts) <= 2:
            return Route("discovery", group=parts[1] if len(parts) == 2 else "")
        return _group_path(parts[1], parts[2], parts[3:], index)
    raise not_found()


def _group_path(group: str, version: str, rest: list[str], index: Index) -> Route:
    if (group, version) not in index.versions:
        raise not_found()
    if not rest:
        return Route("discovery", group=group, version=version)
    watch = False
    if rest[0] == "watch":
        watch, rest = True, rest[1:]
        if not rest:
            raise not_found()
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3 and not (group == "" and len(rest) == 3 and
                                                            rest[2] in ("status", "finalize")):
        # /namespaces/{ns}/{resource}[/{name}[/{sub}]]; /namespaces/{name}/status is the namespace's own status.
        namespace, rest = rest[1], rest[2:]
    resource = _resource(group, version, rest[0], index)
    if namespace is not None and not resource.namespaced:
        raise not_found()
    name = rest[1] if len(rest) >= 2 else None
    sub = "/".join(rest[2:])
    if watch and sub:
        raise not_found()
    return Route("resource", group=group, version=version, resource=resource, namespace=namespace, name=name,
                 subresource=sub, watch=watch)


def _resource(group: str, version: str, plural: str, index: Index) -> ResourceKind:
    found = index.resources.get((group, version, plural))
    if found is None:
        raise not_found()
    return found


class Index:
    """The served group versions and resources of a catalogue, rebuilt when it grows (a CRD adds resources)."""

    def __init__(self, catalogue: ResourceCatalogue) -> None:
        self.catalogue = catalogue
        self._size = -1
        self.versions: set[tuple[str, str]] = set()
        self.resources: dict[tuple[str, str, str], ResourceKind] = {}

    def current(self) -> Index:
        resources = list(self.catalogue)
        if len(resources) != self._size:
            self.versions = {(r.group, r.version) for r in resources}
            self.resources = {(r.group, r.version, r.plural): r for r in reversed(resources)}
            self._size = len(resources)
        return self
