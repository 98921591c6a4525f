"""Small formatting helpers shared by the printers: ages, times, selectors, quantities, container lists.

Each mirrors a helper of kubectl or apimachinery (`translateTimestampSince`, `metav1.FormatLabelSelector`,
`Quantity.String`, `layoutContainerCells`) so that the printers read like their Go counterparts.

Imports only the bottom layer of kube_magics.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from fractions import Fraction
from typing import Any

from kube_magics import quantity
from kube_magics.timefmt import describe_time, human_duration, parse_rfc3339

Obj = Mapping[str, Any]


def as_epoch(now: float | datetime) -> float:
    """`now` as epoch seconds: a float, or a timezone-aware datetime (the simulator's clock gives either)."""
    if isinstance(now, datetime):
        return now.timestamp()
    return float(now)


def meta(obj: Obj) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def name_of(obj: Obj) -> str:
    return str(meta(obj).get("name") or "")


def timestamp(value: Any) -> float | None:
    """Epoch seconds of an RFC 3339 string (metav1.Time or MicroTime); None for null or empty."""
    if not value:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    return parse_rfc3339(str(value))


def since(value: Any, now: float) -> str:
    """`translateTimestampSince`: `3s`, `6m33s`, or `<unknown>` for a zero time."""
    t = timestamp(value)
    if t is None:
        return "<unknown>"
    return human_duration(now - t)


def age(obj: Obj, now: float) -> str:
    return since(meta(obj).get("creationTimestamp"), now)


def rfc1123(value: Any) -> str:
    """`Time.Format(time.RFC1123Z)`: `Fri, 27 Nov 2026 11:21:16 +0000`."""
    t = timestamp(value)
    if t is None:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    return describe_time(t)


def _requirement(key: str, op: str, values: Iterable[str]) -> str:
    vals = sorted(str(v) for v in values)
    if op == "In":
        return f"{key} in ({','.join(vals)})"
    if op == "NotIn":
        return f"{key} notin ({','.join(vals)})"
    if op == "Exists":
        return key
    if op == "DoesNotExist":
        return f"!{key}"
    return f"{key} {op} ({','.join(vals)})"


def selector_string(selector: Mapping[str, Any] | None) -> str:
    """`LabelSelectorAsSelector(sel).String()`: requirements sorted by key, "" for an empty or nil selector."""
    if not selector:
        return ""
    reqs: list[tuple[str, str]] = []
    for k, v in (selector.get("matchLabels") or {}).items():
        reqs.append((k, f"{k}={v}"))
    for expr in selector.get("matchExpressions") or []:
        key = str(expr.get("key", ""))
        reqs.append((key, _requirement(key, str(expr.get("operator", "")), expr.get("values") or [])))
    return ",".join(text for _, text in sorted(reqs, key=lambda r: r[0]))


def format_selector(selector: Mapping[str, Any] | None) -> str:
    """`metav1.FormatLabelSelector`: like `selector_string` but `<none>` when empty."""
    return selector_string(selector) or "<none>"


def format_labels(labels: Mapping[str, Any] | None) -> str:
    """`labels.FormatLabels`: `a=b,c=d` sorted by key, `<none>` when empty."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={labels[k]}" for k in sorted(labels))


def containers_cells(containers: Iterable[Mapping[str, Any]] | None) -> tuple[str, str]:
    """`layoutContainerCells`: names and images joined by commas."""
    items = list(containers or [])
    return ",".join(str(c.get("name", "")) for c in items), ",".join(str(c.get("image", "")) for c in items)


def quantity_string(value: Any) -> str:
    """`Quantity.String()` of a value as the API returns it (already canonical, but be safe)."""
    if value is None or value == "":
        return "0"
    try:
        return quantity.canonical(value)
    except quantity.QuantityError:
        return str(value)


class QuantitySum:
    """Adds quantities as `resource.Quantity.Add` does: the result keeps the format of the first non-zero term."""

    def __init__(self) -> None:
        self.amount = Fraction(0)
        self.fmt = ""

    def add(self, value: Any) -> None:
        amount, fmt = quantity.parse(value)
        if not self.fmt and amount != 0:
            self.fmt = fmt
        self.amount += amount

    def milli(self) -> int:
        return int(-(-self.amount * 1000 // 1))

    def value(self) -> int:
        return int(-(-self.amount // 1))

    def __str__(self) -> str:
        return format_amount(self.amount, self.fmt or "DecimalSI")


def format_amount(amount: Fraction, fmt: str) -> str:
    """An exact amount in canonical form for the given format ("BinarySI", "DecimalSI", "DecimalExponent")."""
    if amount == 0:
        return "0"
    if fmt == "BinarySI" and amount.denominator == 1 and int(amount) % 1024 == 0:
        return quantity.canonical(f"{int(amount) // 1024}Ki")
    if fmt == "DecimalExponent":
        nanos = -(-amount * 10**9 // 1)
        return quantity.canonical(f"{nanos}e-9")
    nanos = -(-amount * 10**9 // 1)
    return quantity.canonical(f"{nanos}n")


def sorted_resource_names(resources: Mapping[str, Any] | None) -> list[str]:
    return sorted(resources or {})


def bool_text(value: Any) -> str:
    """kubectl's printBool: `True` / `False`."""
    return "True" if value else "False"


def bool_ptr_text(value: Any) -> str:
    """kubectl's printBoolPtr: `<unset>` for a missing value."""
    return "<unset>" if value is None else bool_text(value)
