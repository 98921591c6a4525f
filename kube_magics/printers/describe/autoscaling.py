"""`kubectl describe hpa` for autoscaling/v2 and autoscaling/v1 objects, and the generic describer that kubectl
uses for kinds without their own (every field, with labels made readable: `spec.maxReplicas` -> `Max Replicas`).

Imports only the bottom layer of kube_magics and the printers' own modules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from kube_magics.gojson import go_format
from kube_magics.printers.columns_workloads import hpa_as_v2
from kube_magics.printers.describe.common import annotations_multiline, events_section, labels_multiline
from kube_magics.printers.describe.writer import LEVEL_0, LEVEL_1, LEVEL_2, LEVEL_3, PrefixWriter
from kube_magics.printers.util import meta, rfc1123

Obj = Mapping[str, Any]


def _current(status: Mapping[str, Any], i: int, key: str) -> Mapping[str, Any] | None:
    metrics = status.get("currentMetrics") or []
    if i < len(metrics) and metrics[i].get(key) is not None:
        return (metrics[i][key] or {}).get("current") or {}
    return None


def _resource_metric(m: Mapping[str, Any], key: str, current: Mapping[str, Any] | None, w: PrefixWriter) -> None:
    src = m.get(key) or {}
    target = src.get("target") or {}
    if key == "resource":
        w.write(LEVEL_1, f"resource {src.get('name', '')} on pods")
    else:
        w.write(LEVEL_1, f'resource {src.get("name", "")} of container "{src.get("container", "")}" on pods')
    if target.get("averageValue") is not None:
        cur = (current or {}).get("averageValue", "<unknown>") if current is not None else "<unknown>"
        w.write(LEVEL_0, f":\t{cur} / {target['averageValue']}\n")
        return
    cur = "<unknown>"
    if current is not None and current.get("averageUtilization") is not None:
        cur = f"{current['averageUtilization']}% ({current.get('averageValue', '0')})"
    goal = f"{target['averageUtilization']}%" if target.get("averageUtilization") is not None else "<auto>"
    w.write(LEVEL_1, f"(as a percentage of request):\t{cur} / {goal}\n")


def _metric(m: Mapping[str, Any], i: int, status: Mapping[str, Any], w: PrefixWriter) -> None:
    kind = m.get("type")
    if kind in ("Resource", "ContainerResource"):
        key = "resource" if kind == "Resource" else "containerResource"
        _resource_metric(m, key, _current(status, i, key), w)
    elif kind == "Pods":
        src = m.get("pods") or {}
        cur = (_current(status, i, "pods") or {}).get("averageValue", "<unknown>")
        w.write(LEVEL_1, f'"{(src.get("metric") or {}).get("name", "")}" on pods:\t{cur} / '
                         f'{(src.get("target") or {}).get("averageValue", "")}\n')
    elif kind in ("Object", "External"):
        key = kind.lower()
        src = m.get(key) or {}
        target = src.get("target") or {}
        current = _current(status, i, key) or {}
        name = (src.get("metric") or {}).get("name", "")
        average = target.get("averageValue") is not None and (kind == "External" or target.get("type") ==
                                                              "AverageValue")
        which, field = ("target average value", "averageValue") if average else ("target value", "value")
        if kind == "Object":
            obj = src.get("describedObject") or {}
            w.write(LEVEL_1, f'"{name}" on {obj.get("kind", "")}/{obj.get("name", "")} ')
            w.write(LEVEL_0, f"({which}):\t{current.get(field, '<unknown>')} / {target.get(field, '')}\n")
        else:
            w.write(LEVEL_1, f'"{name}" ({which}):\t{current.get(field, "<unknown>")} / {target.get(field, "")}\n')
    else:
        w.write(LEVEL_1, f'<unknown metric type "{kind}">\n')


def _behavior(w: PrefixWriter, title: str, rules: Mapping[str, Any] | None) -> None:
    if rules is None:
        return
    w.write(LEVEL_1, f"{title}:\n")
    if rules.get("stabilizationWindowSeconds") is not None:
        w.write(LEVEL_2, f"Stabilization Window: {rules['stabilizationWindowSeconds']} seconds\n")
    if rules.get("policies"):
        w.write(LEVEL_2, f"Select Policy: {rules.get('selectPolicy') or 'Max'}\n")
        w.write(LEVEL_2, "Policies:\n")
        for p in rules["policies"]:
            w.write(LEVEL_3, f"- Type: {p.get('type')}\tValue: {p.get('value')}\tPeriod: {p.get('periodSeconds')} "
                             "seconds\n")


def describe_hpa(obj: Obj, events: Sequence[Obj] | None, now: float) -> str:
    """As kubectl describes it, which reads autoscaling/v2 (a v1 object is shown as the server converts it)."""
    hpa = hpa_as_v2(obj)
    spec, status = hpa.get("spec") or {}, hpa.get("status") or {}
    ref = spec.get("scaleTargetRef") or {}
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{meta(hpa).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(hpa).get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta(hpa).get("labels"))
    annotations_multiline(w, "Annotations", meta(hpa).get("annotations"))
    w.write(LEVEL_0, f"CreationTimestamp:\t{rfc1123(meta(hpa).get('creationTimestamp'))}\n")
    w.write(LEVEL_0, f"Reference:\t{ref.get('kind', '')}/{ref.get('name', '')}\n")
    w.write(LEVEL_0, "Metrics:\t( current / target )\n")
    for i, m in enumerate(spec.get("metrics") or []):
        _metric(m, i, status, w)
    min_replicas = spec.get("minReplicas")
    w.write(LEVEL_0, f"Min replicas:\t{'<unset>' if min_replicas is None else min_replicas}\n")
    w.write(LEVEL_0, f"Max replicas:\t{spec.get('maxReplicas', 0)}\n")
    if spec.get("behavior") is not None:
        w.write(LEVEL_0, "Behavior:\n")
        _behavior(w, "Scale Up", spec["behavior"].get("scaleUp"))
        _behavior(w, "Scale Down", spec["behavior"].get("scaleDown"))
    w.write(LEVEL_0, f"{ref.get('kind', '')} pods:\t")
    w.write(LEVEL_0, f"{status.get('currentReplicas', 0) or 0} current / {status.get('desiredReplicas', 0) or 0} "
                     "desired\n")
    conditions = status.get("conditions") or []
    if conditions:
        w.write(LEVEL_0, "Conditions:\n")
        w.write(LEVEL_1, "Type\tStatus\tReason\tMessage\n")
        w.write(LEVEL_1, "----\t------\t------\t-------\n")
        for c in conditions:
            w.write(LEVEL_1, f"{c.get('type', '')}\t{c.get('status', '')}\t{c.get('reason', '')}\t"
                             f"{c.get('message', '')}\n")
    events_section(w, events, now)
    return w.text()


def smart_label(field: str) -> str:
    """kubectl's smartLabelFor: `maxReplicas` -> `Max Replicas`, `podCIDR` -> `Pod CIDR`, `apiVersion` -> `API
    Version`."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts = re.findall(r"[A-Z]+(?=[A-Z][a-z]|$|[^A-Za-z])|[A-Z]?[a-z]+|[A-Z]+|[^A-Za-z]+", field)
    words = []
    for part in parts:
        if part.upper() in ("API", "URL", "UID", "GUID"):
            words.append(part.upper())
        elif part.lower() == part:
            words.append(part[:1].upper() + part[1:])
        else:
            words.append(part)
    return " ".join(words)


_SKIPPED = (".metadata.managedFields", ".metadata.name", ".metadata.namespace", ".metadata.labels",
            ".metadata.annotations")


def _unstructured(w: PrefixWriter, level: int, content: Mapping[str, Any], prefix: str) -> None:
    for key in sorted(content):
        value = content[key]
        path = f"{prefix}.{key}"
        if path in _SKIPPED:
            continue
        if isinstance(value, Mapping):
            w.write(level, f"{smart_label(key)}:\n")
            _unstructured(w, level + 1, value, path)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(key)}:\n")
            for child in value:
                if isinstance(child, Mapping):
                    _unstructured(w, level + 1, child, path)
                else:
                    w.write(level + 1, f"{go_format(child)}\n")
        else:
            w.write(level, f"{smart_label(key)}:\t{go_format(value)}\n")


def describe_generic(obj: Obj, events: Sequence[Obj] | None, now: float) -> str:
    """kubectl's genericDescriber, used for kinds that have no describer of their own."""
    w = PrefixWriter()
    w.write(LEVEL_0, f"Name:\t{meta(obj).get('name', '')}\n")
    w.write(LEVEL_0, f"Namespace:\t{meta(obj).get('namespace', '')}\n")
    labels_multiline(w, "Labels", meta(obj).get("labels"))
    annotations_multiline(w, "Annotations", meta(obj).get("annotations"))
    _unstructured(w, LEVEL_0, obj, "")
    events_section(w, events, now)
    return w.text()
