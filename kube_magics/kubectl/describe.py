"""`kubectl describe`: details of objects, with the events about them.

    %k8s describe pod web-5d4f-abcde     %k8s describe deploy/web     %k8s describe pods -l app=web
    %k8s describe pod web                (no pod named web: every pod whose name starts with web)

Events are shown for one object and hidden for several, unless `--show-events` says otherwise (kubectl's rule).
The describers fetch what they need (events, ReplicaSets, pods) through the backend's `list`.
"""

from __future__ import annotations

from kube_magics.errors import KubeMagicsError, NotFoundError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, preformatted
from kube_magics.kubectl.flags import ALL_NAMESPACES, FILENAME, RECURSIVE, Command, Flag, Options, parse
from kube_magics.kubectl.resources import Fetched, Target, fetch, parse_args
from kube_magics.printers import describe_many
from kube_magics.results import TextResult
from kube_magics.session import Session

DESCRIBE = Command("describe", "kubectl describe (-f FILENAME | TYPE [NAME_PREFIX | -l label] | TYPE/NAME)", (
    Flag("selector", "l", "str"), ALL_NAMESPACES, FILENAME, RECURSIVE, Flag("show-events", default=True),
    Flag("chunk-size", kind="int", default=500),
))


@verb("describe")
def describe(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(DESCRIBE, argv)
    backend = session.backend
    if o.filename:
        from kube_magics.kubectl.apply_files import objects_in_files

        args = [f"{r.resource.resource_group}/{r.name}" for r in objects_in_files(backend, o.filename, o.recursive)]
    targets = parse_args(backend.catalogue, args, cmd="kubectl describe")
    if not targets:
        raise DESCRIBE.usage_error("Required resource not specified.")
    ns = namespace(session, o)
    found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector)
    if found.errors and len(args) == 2 and "/" not in args[1] and isinstance(found.errors[0], NotFoundError):
        return _by_prefix(session, o, targets[0], args[1], ns, found.errors[0])
    show_events = o.show_events if o.was_set("show-events") else not found.errors and len(found.objects) <= 1
    text = _text(session, o, found, ns, show_events)
    if found.errors:
        raise fail(text, list(found.errors), found.objects)
    return preformatted(text, objects=found.objects)


def _text(session: Session, o: Options, found: Fetched, ns: str, show_events: bool) -> str:
    if not found.objects:
        return describe_many([], now=session.backend.now(), namespace=ns, all_namespaces=o.all_namespaces)
    return describe_many(found.objects, now=session.backend.now(), related=session.backend,
                         show_events=show_events)


def _by_prefix(session: Session, o: Options, target: Target, prefix: str, ns: str,
               original: KubeMagicsError) -> TextResult:
    """kubectl's DescribeMatchingResources: no object has that name, so describe those whose name starts with it."""
    backend = session.backend
    listed = fetch(backend, [Target(target.resource)], namespace=ns)
    matching = [obj for obj in listed.objects if obj["metadata"]["name"].startswith(prefix)]
    if not matching:
        raise fail("", [original])
    text = describe_many(matching, now=backend.now(), related=backend,
                         show_events=bool(o.show_events) and o.was_set("show-events"), prefix=prefix)
    return preformatted(text, objects=matching)
