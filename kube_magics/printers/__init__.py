"""Everything kubectl prints, written once for the simulator and for real clusters.

Inputs are plain dicts in the exact shape of the Kubernetes API and `now` (epoch seconds, so the simulator's
virtual clock gives the same AGE column on every run); outputs are byte-identical to kubectl 1.35's.

    get(objects, now=..., options=GetOptions(output="wide"))   `kubectl get` in every output format
    WatchPrinter(kind).initial(...) / .event(...)              `kubectl get -w [--output-watch-events]`
    describe(obj, now=..., related=cluster)                    `kubectl describe` (describe_many for several)
    rollout_history(deployment, replicasets, revision=N)       `kubectl rollout history`
    kubectl_events(events, now=...)                            `kubectl events`
    api_resources()                                            `kubectl api-resources`
    top_pods(pod_metrics) / top_nodes(node_metrics, nodes)     `kubectl top`
    table_for(kind, objects, now)                              the server-side Table (`.to_meta_table()`)

The printers import only the bottom layer (errors, kinds, quantity, selectors, timefmt); they never touch a
cluster except through the `related.list(...)` calls that `describe` makes.
"""

from __future__ import annotations

from kube_magics.printers.columns import table_for
from kube_magics.printers.describe import Related, describe, describe_many
from kube_magics.printers.events import kubectl_events
from kube_magics.printers.formats import qualified_name, render_output
from kube_magics.printers.get import ALL_RESOURCES, GetOptions, GetOutput, WatchPrinter, get, sort_objects
from kube_magics.printers.history import rollout_history
from kube_magics.printers.pods import PodSummary, summarize
from kube_magics.printers.resources import api_resources
from kube_magics.printers.table import PrintOptions, Table, render, to_html
from kube_magics.printers.top import top_nodes, top_pods

__all__ = [
    "ALL_RESOURCES",
    "GetOptions",
    "GetOutput",
    "PodSummary",
    "PrintOptions",
    "Related",
    "Table",
    "WatchPrinter",
    "api_resources",
    "describe",
    "describe_many",
    "get",
    "kubectl_events",
    "qualified_name",
    "render",
    "render_output",
    "rollout_history",
    "sort_objects",
    "summarize",
    "table_for",
    "to_html",
    "top_nodes",
    "top_pods",
]
