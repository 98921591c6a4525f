"""The table model behind every `kubectl get`, and how kubectl lays a table out as text and as HTML.

A `Table` is what the API server's table convertor returns (`metav1.Table`): column definitions, each with a
priority (1 means "only with -o wide"), and rows of cells plus the object each row came from. The per-kind column
builders (`columns_*.py`) produce it; `render` prints it as kubectl's human-readable printer does: upper-cased
headers, the NAMESPACE column for `-A`, `kind/` name prefixes when several kinds are printed, `-L` label columns,
`--show-labels`, the EVENT column of `--output-watch-events`, aligned by kubectl's tabwriter. `to_meta_table`
gives the `metav1.Table` JSON a served API would send.

Imports only the bottom layer of kube_magics; knows nothing about clusters.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kube_magics.printers.tabwriter import TabWriter, get_writer

Obj = Mapping[str, Any]

# kubectl pads the watch event type to eight characters (cli-runtime's formattedEventType).
_EVENT_TYPES = {"ADDED": "ADDED   ", "MODIFIED": "MODIFIED", "DELETED": "DELETED ", "ERROR": "ERROR   "}


@dataclass(frozen=True)
class Column:
    """A column definition as in `metav1.TableColumnDefinition`."""

    name: str
    type: str = "string"
    priority: int = 0
    format: str = ""
    description: str = ""


@dataclass
class Row:
    cells: list[Any]
    object: Obj


@dataclass
class Table:
    columns: list[Column]
    rows: list[Row] = field(default_factory=list)

    def to_meta_table(self, *, include_object: bool = False) -> dict[str, Any]:
        """The `meta.k8s.io/v1` Table a real API server returns for `Accept: application/json;as=Table`."""
        rows = []
        for row in self.rows:
            entry: dict[str, Any] = {"cells": list(row.cells)}
            if include_object:
                entry["object"] = dict(row.object)
            else:
                entry["object"] = {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                                   "metadata": dict(row.object.get("metadata") or {})}
            rows.append(entry)
        return {
            "kind": "Table",
            "apiVersion": "meta.k8s.io/v1",
            "metadata": {"resourceVersion": ""},
            "columnDefinitions": [
                {"name": c.name, "type": c.type, "format": c.format, "description": c.description,
                 "priority": c.priority} for c in self.columns
            ],
            "rows": rows,
        }


@dataclass(frozen=True)
class PrintOptions:
    """The human-readable printer's options (cli-runtime's `printers.PrintOptions`)."""

    wide: bool = False
    no_headers: bool = False
    with_namespace: bool = False
    kind_prefix: str = ""  # "deployment.apps" when several kinds are printed (--show-kind)
    show_labels: bool = False
    label_columns: tuple[str, ...] = ()
    with_event_type: bool = False  # --output-watch-events


def format_cell(value: Any) -> str:
    """A cell as Go's fmt.Fprint prints it."""
    if value is None:
        return "<none>"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_labels(labels: Mapping[str, str] | None) -> str:
    """`labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def header_cells(table: Table, options: PrintOptions) -> list[str]:
    cells = []
    if options.with_event_type:
        cells.append("EVENT")
    if options.with_namespace:
        cells.append("NAMESPACE")
    cells += [c.name.upper() for c in _visible(table, options)]
    cells += [label.split("/")[-1].upper() for label in options.label_columns]
    if options.show_labels:
        cells.append("LABELS")
    return cells


def row_cells(table: Table, row: Row, options: PrintOptions, event_type: str = "") -> list[str]:
    cells = []
    if options.with_event_type:
        cells.append(_EVENT_TYPES.get(event_type, event_type))
    if options.with_namespace:
        cells.append(str((row.object.get("metadata") or {}).get("namespace") or ""))
    indexes = _visible_indexes(table, options)
    for n, i in enumerate(indexes):
        text = format_cell(row.cells[i]) if i < len(row.cells) else ""
        if n == 0 and options.kind_prefix:
            text = f"{options.kind_prefix}/{text}"
        cells.append(text)
    labels = (row.object.get("metadata") or {}).get("labels") or {}
    cells += [str(labels.get(key, "")) for key in options.label_columns]
    if options.show_labels:
        cells.append(format_labels(labels))
    return cells


def tab_text(table: Table, options: PrintOptions, *, header: bool = True, event_type: str = "") -> str:
    """The table as tab-separated lines, before alignment."""
    lines = []
    if header and not options.no_headers:
        lines.append("\t".join(header_cells(table, options)))
    for row in table.rows:
        lines.append("\t".join(row_cells(table, row, options, event_type)))
    return "".join(line + "\n" for line in lines)


def render(table: Table, options: PrintOptions | None = None, *, writer: TabWriter | None = None) -> str:
    """The table as `kubectl get` prints it (an empty string for a table without rows)."""
    options = options or PrintOptions()
    if not table.rows:
        return ""
    return (writer or get_writer()).format(tab_text(table, options))


def to_html(table: Table, options: PrintOptions | None = None) -> str:
    """A small deterministic HTML table with the same cells as the text (no ids, no timestamps, no styles)."""
    options = options or PrintOptions()
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header_cells(table, options))
    body = []
    for row in table.rows:
        cells = "".join(f"<td>{html.escape(c)}</td>" for c in row_cells(table, row, options))
        body.append(f"<tr>{cells}</tr>")
    thead = "" if options.no_headers else f"<thead><tr>{head}</tr></thead>"
    return f'<table class="kube-magics-table">{thead}<tbody>{"".join(body)}</tbody></table>'


def _visible_indexes(table: Table, options: PrintOptions) -> list[int]:
    return [i for i, c in enumerate(table.columns) if options.wide or c.priority == 0]


def _visible(table: Table, options: PrintOptions) -> list[Column]:
    return [table.columns[i] for i in _visible_indexes(table, options)]


def join_html(parts: Sequence[str]) -> str:
    """Several tables (one per kind) in one block."""
    return '<div class="kube-magics-get">' + "".join(parts) + "</div>"
