"""`kubectl get` and `kubectl get -w`.

    %k8s get pods -o wide            %k8s get deploy,rs,pods          %k8s get all -A
    %k8s get pod web -o jsonpath='{.status.podIP}'                    %k8s get pods -l app=web --show-labels
    %k8s get pods -w                 (watches 30 s; --request-timeout=2m or --timeout=2m for longer)

A watch is bounded, since a cell has to finish: it prints the current objects, then one line per change for
`--request-timeout` (kubectl's own bound on a request) or `--timeout`, default 30 s. On the simulator that time is
virtual: the clock moves on, and the changes are those the cluster makes meanwhile.
"""

from __future__ import annotations

from typing import Any

from kube_magics import selectors
from kube_magics.backends.base import Backend
from kube_magics.errors import UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import fail, namespace, result, watch_bound
from kube_magics.kubectl.flags import (
    ALL_NAMESPACES,
    FILENAME,
    PRINT,
    RECURSIVE,
    SELECTOR,
    TIMEOUT,
    Command,
    Flag,
    Options,
    parse,
)
from kube_magics.kubectl.resources import Target, fetch, parse_args, single_item
from kube_magics.printers import GetOptions, WatchPrinter, sort_objects
from kube_magics.printers import get as print_get
from kube_magics.printers.formats import render_output, split_output
from kube_magics.results import TextResult, pre
from kube_magics.session import Session

Obj = dict[str, Any]

GET = Command("get", "kubectl get [(-o|--output=)json|yaml|name|go-template|go-template-file|template|templatefile|"
                     "jsonpath|jsonpath-as-json|jsonpath-file|custom-columns|custom-columns-file|wide] "
                     "(TYPE[.VERSION][.GROUP] [NAME | -l label] | TYPE[.VERSION][.GROUP]/NAME ...) [flags]", (
    *PRINT, *SELECTOR, ALL_NAMESPACES, FILENAME, RECURSIVE, TIMEOUT,
    Flag("show-labels"), Flag("label-columns", "L", "slice"), Flag("sort-by", kind="str", default=""),
    Flag("no-headers"), Flag("show-kind"), Flag("watch", "w"), Flag("watch-only"), Flag("output-watch-events"),
    Flag("ignore-not-found"), Flag("chunk-size", kind="int", default=500), Flag("server-print", default=True),
    Flag("subresource", kind="str"),
))

NO_TYPE = ('You must specify the type of resource to get. Use "kubectl api-resources" for a complete list of '
           "supported resources.\n\n")


@verb("get")
def get(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(GET, argv)
    _validate(o)
    backend = session.backend
    if o.filename:
        from kube_magics.kubectl.apply_files import objects_in_files

        args = [f"{r.resource.resource_group}/{r.name}" for r in objects_in_files(backend, o.filename, o.recursive)]
    targets = parse_args(backend.catalogue, args)
    if not targets:
        raise UsageError(NO_TYPE + GET.usage_error(
            "Required resource not specified.\nUse \"kubectl explain <resource>\" for a detailed description of that "
            "resource (e.g. kubectl explain pods).").message)
    ns = namespace(session, o)
    if o.watch or o.watch_only:
        return _watch(backend, o, targets, ns)
    found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector,
                  field_selector=o.field_selector, ignore_not_found=o.ignore_not_found)
    options = _get_options(o, ns, show_kind=o.show_kind or found.several_kinds,
                           single=single_item(args, targets))
    namespaced = all(t.resource.namespaced for t in targets)
    if not found.objects and found.errors:
        raise fail("", list(found.errors))
    out = print_get(found.objects, now=backend.now(), options=options, namespaced=namespaced)
    text = "" if not found.objects and o.ignore_not_found and any(t.name for t in targets) else out.text
    if found.errors:
        raise fail(text, list(found.errors), found.objects)
    html = out.html if out.tables else (pre(text) if text else None)
    objects = found.objects
    if o.sort_by and not found.several_kinds:
        objects = [dict(obj) for obj in sort_objects(objects, o.sort_by)]  # in the order printed
    return result(text, objects=objects, html=html)


def _validate(o: Options) -> None:
    fmt, _ = split_output(o.output)
    if fmt not in ("", "wide"):
        if o.show_labels:
            raise GET.error(f"--show-labels option cannot be used with {o.output} printer")
        if o.label_columns:
            raise GET.error(f"--label-columns option cannot be used with {o.output} printer")
    if o.output_watch_events and not (o.watch or o.watch_only):
        raise GET.error("--output-watch-events option can only be used with --watch or --watch-only")


def _get_options(o: Options, ns: str, *, show_kind: bool = False, single: bool = False) -> GetOptions:
    return GetOptions(output=o.output, namespace=ns, all_namespaces=o.all_namespaces, show_kind=show_kind,
                      show_labels=o.show_labels, label_columns=tuple(o.label_columns), sort_by=o.sort_by,
                      no_headers=o.no_headers, show_managed_fields=o.show_managed_fields, single=single)


# --- get -w ---------------------------------------------------------------------------------------------------------


def _watch(backend: Backend, o: Options, targets: list[Target], ns: str) -> TextResult:
    kinds = {t.resource for t in targets}
    if len(kinds) > 1:
        raise GET.error("you may only specify a single resource type")
    resource = targets[0].resource
    names = {t.name for t in targets if t.name is not None}
    found = fetch(backend, targets, namespace=ns, all_namespaces=o.all_namespaces, selector=o.selector,
                  field_selector=o.field_selector)
    if found.errors:
        raise fail("", list(found.errors))
    lines = _WatchLines(resource.kind, o, _get_options(o, ns))
    if not o.watch_only:
        lines.add_initial(found.objects, backend.now())
    wanted = _Filter(resource.namespaced and not o.all_namespaces, ns, names, o.selector, o.field_selector)

    def on_event(event: Obj) -> None:
        if wanted(event["object"]):
            lines.add(event["type"], event["object"], backend.now())

    stop = backend.watch(on_event, [resource.resource_group])
    try:
        backend.wait_until(lambda: False, timeout=watch_bound(o))
    finally:
        stop()
    return result(lines.text(), objects=lines.objects)


class _Filter:
    """Which watch events a `get -w` prints: its namespace, names, label and field selectors."""

    def __init__(self, namespaced: bool, ns: str, names: set[str], selector: str | None,
                 field_selector: str | None) -> None:
        self.ns = ns if namespaced else None
        self.names = names
        self.selector = selectors.parse(selector) if selector else None
        self.fields = selectors.parse_field_selector(field_selector) if field_selector else []

    def __call__(self, obj: Obj) -> bool:
        meta = obj.get("metadata") or {}
        if self.ns is not None and meta.get("namespace") != self.ns:
            return False
        if self.names and meta.get("name") not in self.names:
            return False
        if self.selector is not None and not self.selector.matches(meta.get("labels")):
            return False
        return selectors.matches_fields(obj, self.fields)


class _WatchLines:
    """The text of a watch: a WatchPrinter for tables, one document per change for -o name/json/yaml."""

    def __init__(self, kind: str, o: Options, options: GetOptions) -> None:
        self.output = o.output
        self.table = split_output(o.output)[0] in ("", "wide")
        self.printer = WatchPrinter(kind, options=options, output_watch_events=o.output_watch_events)
        self.events = o.output_watch_events
        self.parts: list[str] = []
        self.objects: list[Obj] = []

    def add_initial(self, objects: list[Obj], now: float) -> None:
        if self.table:
            self.parts.append(self.printer.initial(objects, now=now))
            self.objects.extend(objects)
        else:
            for obj in objects:
                self.add("ADDED", obj, now)

    def add(self, event_type: str, obj: Obj, now: float) -> None:
        self.objects.append(obj)
        if self.table:
            self.parts.append(self.printer.event(event_type, obj, now=now))
            return
        if self.events:
            doc = {"type": event_type, "object": obj}
            self.parts.append(render_output(self.output, [doc], single=True))
        else:
            self.parts.append(render_output(self.output, [obj], single=True))

    def text(self) -> str:
        if split_output(self.output)[0] == "yaml":
            return "---\n".join(p for p in self.parts if p)
        return "".join(self.parts)
