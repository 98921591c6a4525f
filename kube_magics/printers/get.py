"""`kubectl get`: one call from objects to what kubectl prints, for every output format, and `get -w` lines.

`get(objects, now=..., options=GetOptions(...))` takes the objects in the order they were asked for (e.g. the
Deployments, then the ReplicaSets, then the Pods of `get deploy,rs,pods`), groups consecutive objects of a kind
into one table each, separates tables with a blank line, prefixes names with `deployment.apps/` when several
kinds were asked for (`show_kind`), adds NAMESPACE for `-A` (not for cluster-scoped kinds), -L columns,
--show-labels, sorts with --sort-by as kubectl does (Go's unstable sort, nulls first), and says
`No resources found in default namespace.` when there is nothing. Other formats go to `formats.render_output`.

`WatchPrinter` prints the initial table of `get -w` and then one line per change, aligned with what came before.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kube_magics import quantity
from kube_magics.errors import UnknownResourceError, UsageError
from kube_magics.kinds import CATALOGUE, ResourceKind
from kube_magics.printers import jsonpath
from kube_magics.printers.columns import table_for
from kube_magics.printers.formats import render_output, split_output
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.jsonpath_eval import find_results
from kube_magics.printers.table import PrintOptions, Row, Table, join_html, render, tab_text, to_html
from kube_magics.printers.tabwriter import TabWriter, get_writer
from kube_magics.printers.util import as_epoch

Obj = Mapping[str, Any]

# What `kubectl get all` expands to (the "all" category), in discovery order.
ALL_RESOURCES = ("pods", "replicationcontrollers", "services", "daemonsets.apps", "deployments.apps",
                 "replicasets.apps", "statefulsets.apps", "horizontalpodautoscalers.autoscaling", "cronjobs.batch",
                 "jobs.batch")


@dataclass(frozen=True)
class GetOptions:
    """The flags of `kubectl get` that change what is printed."""

    output: str = ""  # "", "wide", "yaml", "json", "name", "jsonpath=...", "custom-columns=...", "go-template=..."
    namespace: str = "default"
    all_namespaces: bool = False
    show_kind: bool = False  # set when several resource types (or `all`) were asked for
    show_labels: bool = False
    label_columns: tuple[str, ...] = ()
    sort_by: str = ""
    no_headers: bool = False
    show_managed_fields: bool = False
    single: bool = False  # one object asked for by name: -o yaml/json print it rather than a List


# Warnings the API server sends with responses about deprecated APIs, as kubectl prints them before the output.
DEPRECATIONS = {("v1", "Endpoints"): "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"}


def deprecation_warnings(objects: Sequence[Obj]) -> list[str]:
    """`Warning: ...` lines for the deprecated APIs among the objects (kubectl prints them on stderr)."""
    seen = []
    for obj in objects:
        text = DEPRECATIONS.get((str(obj.get("apiVersion", "")), str(obj.get("kind", ""))))
        if text and text not in seen:
            seen.append(text)
    return [f"Warning: {text}" for text in seen]


@dataclass
class GetOutput:
    """What `kubectl get` printed, as text and as HTML for notebooks.

    `text` starts with the API server's deprecation warnings (`Warning: v1 Endpoints is deprecated ...`), as a
    terminal shows kubectl's stderr before its output; `warnings` has them on their own.
    """

    text: str
    html: str = ""
    found: bool = True
    tables: list[Table] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        return self.html or f"<pre>{html.escape(self.text)}</pre>"


def resource_of(obj: Obj) -> ResourceKind | None:
    try:
        return CATALOGUE.for_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
    except UnknownResourceError:
        return None


def _groups(objects: Sequence[Obj]) -> list[tuple[str, ResourceKind | None, list[Obj]]]:
    groups: list[tuple[str, ResourceKind | None, list[Obj]]] = []
    for obj in objects:
        key = f"{obj.get('apiVersion', '')}/{obj.get('kind', '')}"
        if groups and groups[-1][0] == key:
            groups[-1][2].append(obj)
        else:
            groups.append((key, resource_of(obj), [obj]))
    return groups


def _options(resource: ResourceKind | None, kind: str, options: GetOptions, wide: bool) -> PrintOptions:
    namespaced = resource.namespaced if resource is not None else True
    prefix = ""
    if options.show_kind:
        prefix = resource.qualified if resource is not None else kind.lower()
    return PrintOptions(wide=wide, no_headers=options.no_headers,
                        with_namespace=options.all_namespaces and namespaced, kind_prefix=prefix,
                        show_labels=options.show_labels, label_columns=options.label_columns)


def no_resources(options: GetOptions, objects_namespaced: bool = True) -> str:
    if options.all_namespaces or not objects_namespaced:
        return "No resources found"
    return f"No resources found in {options.namespace} namespace."


def get(objects: Sequence[Obj], *, now: float | datetime, options: GetOptions | None = None,
        namespaced: bool = True) -> GetOutput:
    """Print `objects` as `kubectl get` would. `namespaced` says whether the asked-for kinds are namespaced
    (it decides the wording of `No resources found`)."""
    out = _get(objects, as_epoch(now), options or GetOptions(), namespaced)
    out.warnings = deprecation_warnings(objects)
    if out.warnings:
        out.text = "".join(w + "\n" for w in out.warnings) + out.text
    return out


def _get(objects: Sequence[Obj], now: float, options: GetOptions, namespaced: bool) -> GetOutput:
    fmt, _ = split_output(options.output)
    if fmt not in ("", "wide"):
        if options.sort_by:
            objects = sort_objects(objects, options.sort_by)
        text = render_output(options.output, objects, single=options.single, no_headers=options.no_headers,
                             show_managed_fields=options.show_managed_fields)
        if not objects and fmt in ("name", "custom-columns"):
            text = no_resources(options, namespaced) + "\n"
        return GetOutput(text, found=bool(objects))
    texts, htmls, tables = [], [], []
    for _, resource, objs in _groups(objects):
        kind = str(objs[0].get("kind", ""))
        table = table_for(kind, objs, now)
        if options.sort_by:
            sort_rows(table, options.sort_by)
        opts = _options(resource, kind, options, fmt == "wide")
        texts.append(render(table, opts))
        htmls.append(to_html(table, opts))
        tables.append(table)
    if not tables:
        return GetOutput(no_resources(options, namespaced) + "\n", found=False)
    return GetOutput("\n".join(texts), join_html(htmls), True, tables)


# --- --sort-by ------------------------------------------------------------------------------------------------------

_MISSING = object()


def _sort_key(root: jsonpath.Node, obj: Obj) -> Any:
    results = find_results(root, obj)
    if not results or not results[0]:
        return _MISSING
    return results[0][0]


def _less(a: Any, b: Any) -> bool:
    """kubectl's TableSorter.Less with isLess on decoded JSON values."""
    if a is _MISSING:
        return True
    if b is _MISSING:
        return False
    if a is None or b is None:
        return a is None and b is not None
    if isinstance(a, (bool, dict, list)):
        raise UsageError(f"unsortable type: {type(a).__name__}")
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(b, bool) \
            and isinstance(a, int) == isinstance(b, int):
        return bool(a < b)
    if isinstance(a, str) and isinstance(b, str):
        try:
            return quantity.parse(a)[0] < quantity.parse(b)[0]
        except quantity.QuantityError:
            return a < b
    raise UsageError(f"unsortable interface: {type(a).__name__}")


def sort_rows(table: Table, sort_by: str) -> None:
    """Sort a table's rows by a JSONPath field as `kubectl get --sort-by` does."""
    field_spec = jsonpath.relaxed(sort_by)
    root = jsonpath.parse(field_spec)
    keyed = [(_sort_key(root, row.object), row) for row in table.rows]
    if keyed and all(k is _MISSING for k, _ in keyed):
        raise UsageError(f'couldn\'t find any field with path "{field_spec}" in the list of objects')
    go_sort(keyed, lambda x, y: _less(x[0], y[0]))
    table.rows = [row for _, row in keyed]


def sort_objects(objects: Sequence[Obj], sort_by: str) -> list[Obj]:
    """Objects sorted by a JSONPath field (for -o yaml/json/name with --sort-by)."""
    table = Table([], [Row([], o) for o in objects])
    sort_rows(table, sort_by)
    return [row.object for row in table.rows]


# --- get -w ---------------------------------------------------------------------------------------------------------


class WatchPrinter:
    """The output of `kubectl get -w` for one kind: the current objects, then a line per watch event.

    Widths are remembered across lines (kubectl's tabwriter does), so a later `Terminating` widens its column for
    the lines after it without re-printing the header. With `output_watch_events` each line starts with the event
    type (ADDED, MODIFIED, DELETED), the current objects being ADDED.
    """

    def __init__(self, kind: str, *, options: GetOptions | None = None, output_watch_events: bool = False) -> None:
        self.kind = kind
        self.options = options or GetOptions()
        self.events = output_watch_events
        self._writer: TabWriter = get_writer()
        self._printed_header = False
        try:
            resource: ResourceKind | None = CATALOGUE.by_kind(kind)
        except UnknownResourceError:
            resource = None
        base = _options(resource, kind, self.options, split_output(self.options.output)[0] == "wide")
        self._opts = PrintOptions(**{**base.__dict__, "with_event_type": output_watch_events})

    def initial(self, objects: Sequence[Obj], *, now: float | datetime) -> str:
        """The table of the objects that exist when the watch starts (nothing if there are none)."""
        return self._print(objects, now, "ADDED")

    def event(self, event_type: str, obj: Obj, *, now: float | datetime) -> str:
        """One line for a watch event (with the header first if nothing was printed before)."""
        return self._print([obj], now, event_type)

    def _print(self, objects: Sequence[Obj], now: float | datetime, event_type: str) -> str:
        if not objects:
            return ""
        table = table_for(self.kind, objects, as_epoch(now))
        header = not self._printed_header
        self._printed_header = True
        return self._writer.format(tab_text(table, self._opts, header=header, event_type=event_type))
