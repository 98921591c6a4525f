"""Pieces every `kubectl describe` shares: labels, annotations, tolerations, taints, the Events section, and how
related objects (events, pods, ReplicaSets) are looked up.

`Related` is the one seam to a cluster: anything with kubectl-like `list(resource, namespace, selector,
field_selector)` (the simulator's SimCluster and every Backend have it). Describers ask it for what kubectl's
describers fetch, with the same selectors.

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, PrefixWriter
from kube_magics.printers.gosort import go_sort
from kube_magics.printers.util import meta, since, timestamp

Obj = Mapping[str, Any]

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


class Related(Protocol):
    """What describers need from a cluster: a list call with label and field selectors."""

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[dict[str, Any]]: ...


def search_events(related: Related | None, obj: Obj, *, with_kind: bool = True,
                  uid: str | None = None) -> list[dict[str, Any]] | None:
    """Events about `obj`, as kubectl's searchEvents selects them (None when events are not shown)."""
    if related is None:
        return None
    md = meta(obj)
    name, ns = str(md.get("name", "")), str(md.get("namespace") or "")
    uid = str(md.get("uid") or "") if uid is None else uid
    kind = str(obj.get("kind", "")) if with_kind else ""
    fields = {"involvedObject.name": name, "involvedObject.namespace": ns}
    if kind:
        fields["involvedObject.kind"] = kind
    if uid:
        fields["involvedObject.uid"] = uid
    selector = ",".join(f"{k}={v}" for k, v in fields.items())
    found = related.list("events", ns or None, field_selector=selector)
    return [e for e in found if all(_field(e, k) == v for k, v in fields.items())]


def _field(obj: Obj, path: str) -> str:
    cur: Any = obj
    for part in path.split("."):
        cur = cur.get(part) if isinstance(cur, Mapping) else None
    return "" if cur is None else str(cur)


def labels_multiline(w: PrefixWriter, title: str, labels: Mapping[str, Any] | None, *, initial: str = "",
                     inner: str = "\t") -> None:
    """`printLabelsMultilineWithIndent`: one `k=v` per line, sorted, `<none>` when empty."""
    w.write(LEVEL_0, f"{initial}{title}:{inner}")
    keys = sorted(labels or {})
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(LEVEL_0, initial)
            w.write(LEVEL_0, inner)
        w.write(LEVEL_0, f"{key}={(labels or {})[key]}\n")


def annotations_multiline(w: PrefixWriter, title: str, annotations: Mapping[str, Any] | None) -> None:
    """`printAnnotationsMultiline`: skips kubectl's last-applied-configuration, folds long values."""
    w.write(LEVEL_0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, key in enumerate(keys):
        if i:
            w.write(LEVEL_0, "\t")
        value = str((annotations or {})[key]).removesuffix("\n")
        if len(value) + len(key) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(LEVEL_0, f"{key}:\n")
            for part in value.split("\n"):
                short = part if len(part) <= MAX_ANNOTATION_LEN - 2 else part[: MAX_ANNOTATION_LEN - 2] + "..."
                w.write(LEVEL_0, f"\t  {short}\n")
        else:
            w.write(LEVEL_0, f"{key}: {value}\n")


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: Sequence[Mapping[str, Any]] | None, *,
                          initial: str = "", inner: str = "\t") -> None:
    w.write(LEVEL_0, f"{initial}{title}:{inner}")
    items = list(tolerations or [])
    if not items:
        w.line("<none>")
        return
    go_sort(items, lambda a, b: str(a.get("key", "")) < str(b.get("key", "")))
    for i, t in enumerate(items):
        if i:
            w.write(LEVEL_0, initial)
            w.write(LEVEL_0, inner)
        text = str(t.get("key", ""))
        if t.get("value"):
            text += f"={t['value']}"
        if t.get("effect"):
            text += f":{t['effect']}"
        if t.get("operator") == "Exists" and not t.get("value"):
            text += " op=Exists" if (t.get("key") or t.get("effect")) else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            text += f" for {t['tolerationSeconds']}s"
        w.write(LEVEL_0, text + "\n")


def taint_text(taint: Mapping[str, Any]) -> str:
    """`Taint.ToString`: `key=value:Effect`, `key:Effect`."""
    value = f"={taint['value']}" if taint.get("value") else ""
    return f"{taint.get('key', '')}{value}:{taint.get('effect', '')}"


def taints_multiline(w: PrefixWriter, title: str, taints: Sequence[Mapping[str, Any]] | None) -> None:
    w.write(LEVEL_0, f"{title}:\t")
    items = list(taints or [])
    if not items:
        w.line("<none>")
        return
    go_sort(items, lambda a, b: f"{a.get('effect', '')},{a.get('key', '')}" < f"{b.get('effect', '')},"
                                                                              f"{b.get('key', '')}")
    for i, t in enumerate(items):
        if i:
            w.write(LEVEL_0, "\t")
        w.write(LEVEL_0, taint_text(t) + "\n")


def controlled_by(obj: Obj) -> str:
    for ref in meta(obj).get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref.get('kind', '')}/{ref.get('name', '')}"
    return ""


def _last_timestamp(event: Obj) -> float:
    t = timestamp(event.get("lastTimestamp"))
    return float("-inf") if t is None else t


def events_section(w: PrefixWriter, events: Sequence[Obj] | None, now: float) -> None:
    """`DescribeEvents`: `Events:  <none>`, or the table sorted by lastTimestamp with `(x4 over 2m)` counts."""
    if events is None:
        return
    if not events:
        w.write(LEVEL_0, "Events:\t<none>\n")
        return
    w.flush()
    # The API server lists events by name; kubectl then sorts them by lastTimestamp with Go's (unstable) sort.
    items = sorted(events, key=lambda e: str(meta(e).get("name", "")))
    go_sort(items, lambda a, b: _last_timestamp(a) < _last_timestamp(b))
    w.write(LEVEL_0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(LEVEL_1, "----\t------\t----\t----\t-------\n")
    for e in items:
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count', 0)} over {first})"
        elif (e.get("count") or 0) > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingComponent") or ""
        message = str(e.get("message", "")).strip()
        field_path = (e.get("involvedObject") or {}).get("fieldPath")
        if field_path:
            message = f"{field_path}: {message}"
        w.write(LEVEL_1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{message}\n")
