"""The horizontal-pod-autoscaler controller (kube-controller-manager's `pkg/controller/podautoscaler`).

Every 15 s (`--horizontal-pod-autoscaler-sync-period`; the first sync 15 s after the HPA appears, as its queue's
fixed-interval rate limiter does) each HorizontalPodAutoscaler is reconciled, top-down as `reconcileAutoscaler`:

    read the target's scale subresource (FailedGetScale if it cannot)
    -> outside minReplicas..maxReplicas: go there; replicas 0: autoscaling is disabled
    -> else a proposal per metric from the metrics API (`hpa_replicas`), the highest wins; unusable metrics give
       FailedGetResourceMetric and FailedComputeMetricsReplicas with Kubernetes' messages
    -> stabilization and rate limits (`hpa_behavior`), conditions AbleToScale, ScalingActive, ScalingLimited
    -> a new size through the target's scale subresource, a SuccessfulRescale event
    -> status: currentReplicas, desiredReplicas, currentMetrics, lastScaleTime, conditions

autoscaling/v1 objects are read as the API converts them to v2; their status is written back in v1's shape, with
the conditions and current metrics in the annotations the API server uses for them (`printers.hpaconv`).
Metrics come from `rt.services["metrics"]` (sim/metrics.py); without it the HPA reports exactly what it reports
on a cluster without metrics-server (reference/k8s-1.35/hpa.txt).

Must not: change the target other than through its scale subresource, or touch pods.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kube_magics import quantity
from kube_magics.errors import KubeMagicsError, UnknownResourceError
from kube_magics.printers.hpaconv import CONDITIONS_ANNOTATION, METRICS_ANNOTATION, v1_annotations
from kube_magics.selectors import parse
from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers import hpa_behavior as behavior
from kube_magics.sim.controllers.hpa_replicas import (
    CalcError,
    PodMetric,
    plain_replicas,
    pod_metrics_from_api,
    resource_replicas,
)
from kube_magics.sim.defaults import hpa_as_v1, hpa_as_v2
from kube_magics.sim.patchapi import SCALABLE, scale_of
from kube_magics.sim.store import WatchEvent
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
Key = tuple[str, str]

SYNC_SECONDS = 15.0
NO_METRICS_API = ("unable to fetch metrics from resource metrics API: the server could not find the requested "
                  "resource (get pods.metrics.k8s.io)")
NO_METRICS = "no metrics returned from resource metrics API"
DEFAULT_SCALE_UP: Obj = {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4},
                                 {"periodSeconds": 15, "type": "Percent", "value": 100}],
                    "selectPolicy": "Max", "stabilizationWindowSeconds": 0}
DEFAULT_SCALE_DOWN: Obj = {"policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}], "selectPolicy": "Max"}


class MetricFailure(Exception):
    """A metric that gave no proposal: the condition it sets and the error `computeReplicasForMetrics` reports."""

    def __init__(self, reason: str, error: str, detail: str) -> None:
        super().__init__(error)
        self.reason, self.error, self.detail = reason, error, detail


@dataclass
class Proposal:
    replicas: int
    metric: str = ""
    statuses: list[Obj] = field(default_factory=list)
    error: str = ""


@dataclass
class Sync:
    """One reconcile's working state: the HPA as autoscaling/v2 shows it and its conditions being set."""

    hpa: Obj
    now: float
    conditions: list[Obj]

    def set(self, ctype: str, status: str, reason: str, message: str) -> None:
        """`setCondition`: replace the condition of its type in place (or append it); the transition time moves
        only when the status does."""
        for c in self.conditions:
            if c["type"] == ctype:
                if c.get("status") != status:
                    c["lastTransitionTime"] = rfc3339(self.now)
                c.update(status=status, reason=reason, message=message)
                return
        self.conditions.append({"lastTransitionTime": rfc3339(self.now), "message": message, "reason": reason,
                                "status": status, "type": ctype})


class HorizontalPodAutoscalerController(Controller):
    name = "horizontal-pod-autoscaler"
    watches = ("HorizontalPodAutoscaler",)

    def __init__(self, rt: Any) -> None:
        super().__init__(rt)
        self.recommendations: dict[Key, list[behavior.Recommendation]] = {}
        self.scale_ups: dict[Key, list[behavior.ScaleEvent]] = {}
        self.scale_downs: dict[Key, list[behavior.ScaleEvent]] = {}

    # --- the queue: every HPA every 15 s ---------------------------------------------------------------------

    def start(self) -> None:
        for hpa in self.rt.store.iter("HorizontalPodAutoscaler"):
            self.queue.add_after(_key(hpa), SYNC_SECONDS)

    def on_event(self, event: WatchEvent) -> None:
        key = _key(event.object)
        if event.type == "DELETED":
            self._forget(key)
            return
        self.queue.add_after(key, SYNC_SECONDS)

    def keys_for(self, event: WatchEvent) -> Iterable[Any]:
        return ()

    def reconcile(self, key: Any) -> None:
        live = self.rt.store.get("HorizontalPodAutoscaler", *key)
        if live is None:
            self._forget(key)
            return
        self.queue.add_after(key, SYNC_SECONDS)
        self._sync(key, live)

    def _forget(self, key: Key) -> None:
        for table in (self.recommendations, self.scale_ups, self.scale_downs):
            table.pop(key, None)

    # --- reconcileAutoscaler ---------------------------------------------------------------------------------

    def _sync(self, key: Key, live: Obj) -> None:
        view = hpa_as_v2(live)
        spec, old = view["spec"], dict(view.get("status") or {})
        s = Sync(view, self.rt.clock.now, [dict(c) for c in old.get("conditions") or ()])
        try:
            kind, target = self._target(view)
        except CalcError as exc:
            self._event(view, "Warning", "FailedGetScale", str(exc))
            s.set("AbleToScale", "False", "FailedGetScale",
                  f"the HPA controller was unable to get the target's current scale: {exc}")
            self._write(live, view, {**old, "conditions": s.conditions})
            return
        s.set("AbleToScale", "True", "SucceededGetScale",
              "the HPA controller was able to get the target's current scale")
        scale = scale_of(target)
        current = int(scale["spec"]["replicas"] or 0)
        self.recommendations.setdefault(key, [behavior.Recommendation(current, s.now)])
        minimum, maximum = int(spec.get("minReplicas", 1)), int(spec["maxReplicas"])
        statuses: list[Obj] = []
        desired, reason, rescale = 0, "", True
        if current == 0 and minimum != 0:
            rescale = False
            s.set("ScalingActive", "False", "ScalingDisabled",
                  "scaling is disabled since the replica count of the target is zero")
        elif current > maximum:
            desired, reason = maximum, "Current number of replicas above Spec.MaxReplicas"
        elif current < minimum:
            desired, reason = minimum, "Current number of replicas below Spec.MinReplicas"
        else:
            proposal = self._metrics(s, scale, current)
            statuses = proposal.statuses
            if proposal.replicas == -1:
                self._write(live, view, _status(old, s, current, int(old.get("desiredReplicas") or 0), statuses))
                self._event(view, "Warning", "FailedComputeMetricsReplicas", proposal.error)
                return
            desired = proposal.replicas
            reason = f"{proposal.metric} above target" if desired > current else \
                "All metrics below target" if desired < current else ""
            desired = self._normalize(s, key, current, desired, minimum, maximum)
            rescale = desired != current
        if rescale and not self._rescale(s, kind, target, desired, reason):
            self._write(live, view, _status(old, s, current, int(old.get("desiredReplicas") or 0), statuses))
            return
        if rescale:
            self._record_scale_event(key, spec.get("behavior"), current, desired, s.now)
        else:
            desired = current
        self._write(live, view, _status(old, s, current, desired, statuses, scaled=rescale))

    def _target(self, view: Obj) -> tuple[str, Obj]:
        """The scale target (kind, object), or CalcError with the message the API or the REST mapper gives."""
        ref = view["spec"].get("scaleTargetRef") or {}
        api_version, kind, name = ref.get("apiVersion") or "", ref.get("kind") or "", ref.get("name") or ""
        group = api_version.rpartition("/")[0] if "/" in api_version else ""
        try:
            rk = self.rt.catalogue.for_kind(api_version, kind)
        except UnknownResourceError:
            raise CalcError(f'no matches for kind "{kind}" in group "{group}"') from None
        target = self.rt.store.get(rk.kind, view["metadata"]["namespace"], name) if rk.kind in SCALABLE else None
        if target is None:
            resource = f"{rk.plural}/scale" + (f".{rk.group}" if rk.group else "")
            raise CalcError(f'{resource} "{name}" not found')
        return rk.kind, target

    def _rescale(self, s: Sync, kind: str, target: Obj, desired: int, reason: str) -> bool:
        meta = target["metadata"]
        try:
            self.rt.api.patch(kind, meta["namespace"], meta["name"], {"spec": {"replicas": desired}},
                              patch_type="merge", subresource="scale", manager="kube-controller-manager")
        except KubeMagicsError as exc:
            self._event(s.hpa, "Warning", "FailedRescale", f"New size: {desired}; reason: {reason}; error: {exc}")
            s.set("AbleToScale", "False", "FailedUpdateScale",
                  f"the HPA controller was unable to update the target scale: {exc}")
            return False
        s.set("AbleToScale", "True", "SucceededRescale",
              f"the HPA controller was able to update the target scale to {desired}")
        self._event(s.hpa, "Normal", "SuccessfulRescale", f"New size: {desired}; reason: {reason}")
        return True

    # --- computeReplicasForMetrics -------------------------------------------------------------------------

    def _metrics(self, s: Sync, scale: Obj, current: int) -> Proposal:
        specs = s.hpa["spec"].get("metrics") or []
        namespace = s.hpa["metadata"]["namespace"]
        selector = parse(scale["status"].get("selector") or "")
        pods = [p for p in self.rt.store.list("Pod", namespace) if selector.matches(p["metadata"].get("labels"))]
        best = Proposal(0, statuses=[{"type": ""} for _ in specs])
        failures: list[MetricFailure] = []
        for i, spec in enumerate(specs):
            try:
                replicas, metric, status = self._one_metric(s, spec, pods, current)
            except MetricFailure as failure:
                self._event(s.hpa, "Warning", failure.reason, failure.detail)
                failures.append(failure)
                continue
            best.statuses[i] = status
            if best.replicas == 0 or replicas > best.replicas:
                best.replicas, best.metric = replicas, metric
        if len(failures) >= len(specs) or (failures and best.replicas < current):
            first = failures[0] if failures else None
            if first is not None:
                s.set("ScalingActive", "False", first.reason,
                      f"the HPA was unable to compute the replica count: {first.detail}")
            best.replicas = -1
            best.error = (f"invalid metrics ({len(failures)} invalid out of {len(specs)}), first error is: "
                          f"{first.error if first else '<nil>'}")
            return best
        s.set("ScalingActive", "True", "ValidMetricFound",
              f"the HPA was able to successfully calculate a replica count from {best.metric}")
        return best

    def _one_metric(self, s: Sync, spec: Obj, pods: list[Obj], current: int) -> tuple[int, str, Obj]:
        kind = spec.get("type") or ""
        if kind not in ("Resource", "ContainerResource"):
            raise _custom_metric_failure(kind, spec)
        field_name = "resource" if kind == "Resource" else "containerResource"
        source = spec.get(field_name) or {}
        resource, container = str(source.get("name") or ""), str(source.get("container") or "")
        target = source.get("target") or {}
        word = f"{resource} container resource" if container else f"{resource} resource"
        reason = "FailedGetContainerResourceMetric" if container else "FailedGetResourceMetric"
        outer = f"failed to get {container} container metric value" if container else \
            f"failed to get {resource} resource metric value"
        try:
            if target.get("averageValue") is not None:
                try:
                    metrics = self._pod_metrics(s.hpa["metadata"]["namespace"], pods, resource, container)
                    replicas, usage = plain_replicas(current, quantity.milli(target["averageValue"]), resource, pods,
                                                     metrics, s.now)
                except CalcError as exc:
                    raise CalcError(f"failed to get {resource} usage: {exc}") from None
                current_value: Obj = {"averageValue": _milli_quantity(usage)}
                metric = word
            elif target.get("averageUtilization") is not None:
                try:
                    metrics = self._pod_metrics(s.hpa["metadata"]["namespace"], pods, resource, container)
                    replicas, utilization, raw = resource_replicas(current, int(target["averageUtilization"]),
                                                                   resource, pods, metrics, s.now, container=container)
                except CalcError as exc:
                    raise CalcError(f"failed to get {resource} utilization: {exc}") from None
                current_value = {"averageUtilization": utilization, "averageValue": _milli_quantity(raw)}
                metric = f"{word} utilization (percentage of request)"
            else:
                raise CalcError("invalid resource metric source: neither a utilization target nor a value target "
                                "was set")
        except CalcError as exc:
            raise MetricFailure(reason, f"{outer}: {exc}", str(exc)) from None
        source_status: Obj = {"container": container} if container else {}
        status = {"type": kind, field_name: {**source_status, "current": current_value, "name": resource}}
        return replicas, metric, status

    def _pod_metrics(self, namespace: str, pods: list[Obj], resource: str, container: str) -> dict[str, PodMetric]:
        server = self.rt.services.get("metrics")
        try:
            if server is None:
                raise CalcError(NO_METRICS_API)
            names = {p["metadata"]["name"] for p in pods}
            items = [m for m in server.pod_metrics(namespace) if m["metadata"]["name"] in names]
            if not items:
                raise CalcError(NO_METRICS)
            return pod_metrics_from_api(items, resource, container)
        except CalcError as exc:
            raise CalcError(f"unable to get metrics for resource {resource}: {exc}") from None

    # --- normalizeDesiredReplicas(WithBehaviors) -------------------------------------------------------------

    def _normalize(self, s: Sync, key: Key, current: int, desired: int, minimum: int, maximum: int) -> int:
        rules = s.hpa["spec"].get("behavior")
        recommendations = self.recommendations.setdefault(key, [])
        if rules is None:
            stabilized = behavior.stabilize(recommendations, desired, s.now)
            s.set("AbleToScale", "True", *(behavior.DOWN_STABILIZED if stabilized != desired else behavior.READY))
            result, limiting = behavior.limit_legacy(current, stabilized, minimum, maximum)
        else:
            up = rules.get("scaleUp") or DEFAULT_SCALE_UP
            down = rules.get("scaleDown") or DEFAULT_SCALE_DOWN
            down_window = down.get("stabilizationWindowSeconds")
            stabilized, stabilizing = behavior.stabilize_with_behaviors(
                recommendations, current, desired, s.now, up_window=float(up.get("stabilizationWindowSeconds") or 0),
                down_window=behavior.DOWNSCALE_STABILIZATION if down_window is None else float(down_window))
            s.set("AbleToScale", "True", *(stabilizing if stabilized != desired else behavior.READY))
            result, limiting = behavior.limit_with_behaviors(
                current, stabilized, minimum, maximum, {"scaleUp": up, "scaleDown": down},
                self.scale_ups.get(key, []), self.scale_downs.get(key, []), s.now)
        s.set("ScalingLimited", "False" if result == stabilized else "True", *limiting)
        return result

    def _record_scale_event(self, key: Key, rules: Obj | None, current: int, desired: int, now: float) -> None:
        if rules is None:
            return  # the legacy path keeps no scale events
        if desired > current:
            period = behavior.longest_period(rules.get("scaleUp") or DEFAULT_SCALE_UP)
            behavior.record_scale_event(self.scale_ups.setdefault(key, []), desired - current, period, now)
        else:
            period = behavior.longest_period(rules.get("scaleDown") or DEFAULT_SCALE_DOWN)
            behavior.record_scale_event(self.scale_downs.setdefault(key, []), current - desired, period, now)

    # --- writing -------------------------------------------------------------------------------------------

    def _event(self, view: Obj, type_: str, reason: str, message: str) -> None:
        self.event(view, type_, reason, message)

    def _write(self, live: Obj, view: Obj, status: Obj) -> None:
        """The status, in the shape of the stored object's version (v1: conditions in an annotation)."""
        if live.get("apiVersion") != "autoscaling/v1":
            self.rt.api.write_status(live, status)
            return
        v1 = hpa_as_v1({**view, "status": status})
        annotations = {k: v for k, v in (live["metadata"].get("annotations") or {}).items()
                       if k not in (CONDITIONS_ANNOTATION, METRICS_ANNOTATION)}
        annotations.update(v1_annotations(status))
        new = dict(live)
        new["metadata"] = {**live["metadata"], "annotations": annotations}
        new["status"] = v1["status"]
        self.rt.api.write(new, subresource="status")


def _status(old: Obj, s: Sync, current: int, desired: int, metrics: list[Obj], *, scaled: bool = False) -> Obj:
    """`setStatus`: what the HPA's status says after a sync (currentReplicas is omitted when 0, as in Go)."""
    status: Obj = {}
    if s.conditions:
        status["conditions"] = s.conditions
    if metrics:
        status["currentMetrics"] = metrics
    if current:
        status["currentReplicas"] = current
    status["desiredReplicas"] = desired
    last = rfc3339(s.now) if scaled else old.get("lastScaleTime")
    if last:
        status["lastScaleTime"] = last
    return status


def _custom_metric_failure(kind: str, spec: Obj) -> MetricFailure:
    """Pods, Object and External metrics need a custom or external metrics API, which the simulator does not
    serve: the failure reads as it does on a cluster without an adapter."""
    words = {"Pods": "pods", "Object": "object", "External": "external"}
    if kind not in words:
        message = f'unknown metric source type "{kind}"'
        return MetricFailure("InvalidMetricSourceType", message, message)
    name = ((spec.get(kind.lower()) or {}).get("metric") or {}).get("name", "")
    if kind == "External":
        detail = (f"unable to get external metric {name}: unable to fetch metrics from external metrics API: "
                  "no external metrics API (external.metrics.k8s.io) registered")
    else:
        detail = (f"unable to get metric {name}: unable to fetch metrics from custom metrics API: "
                  "no custom metrics API (custom.metrics.k8s.io) registered")
    return MetricFailure(f"FailedGet{kind}Metric", f"failed to get {words[kind]} metric value: {detail}", detail)


def _milli_quantity(value: int) -> str:
    """`resource.NewMilliQuantity(value, DecimalSI)` as the API writes it: 60 -> `60m`, 2000 -> `2`."""
    return quantity.canonical(f"{value}m")


def _key(obj: Obj) -> Key:
    return obj["metadata"].get("namespace") or "", obj["metadata"]["name"]
