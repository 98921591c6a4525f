"""Events, written as the real components write them.

Two recorders, as in Kubernetes:
- `record` is client-go's core/v1 recorder (controllers, kubelet): events named `<object>.<hex nanoseconds>`,
  with `count`, `firstTimestamp`/`lastTimestamp` and `source`, passed through client-go's EventCorrelator:
  identical events are counted into one (`count` grows), more than 10 events that differ only in message
  within 10 minutes are combined (`(combined from similar events): ...`), and a per-object token bucket
  (burst 25, one more every 5 minutes) drops the rest.
- `record_series` is the events.k8s.io/v1 recorder the scheduler uses: `eventTime`, `reportingController`,
  `reportingInstance`, `action`, no `source` or counts.

Events expire after an hour, as with the API server's default `--event-ttl`.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import TYPE_CHECKING, Any

from kube_magics.sim.objects import ref_to
from kube_magics.timefmt import rfc3339, rfc3339_micro

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]

AGGREGATE_MAX = 10
AGGREGATE_WINDOW = 600.0
SPAM_BURST = 25
SPAM_REFILL = 300.0  # seconds per token
EVENT_TTL = 3600.0
_CACHE_SIZE = 4096


class _Lru(OrderedDict):
    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        if len(self) > _CACHE_SIZE:
            self.popitem(last=False)


class EventRecorder:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self._observed = _Lru()  # event key -> (namespace, name)
        self._aggregates = _Lru()  # aggregate key -> [set of messages, last time]
        self._spam = _Lru()  # spam key -> [tokens, last refill time]
        self._seq = 0
        self._expiry_armed = False
        self.enabled = True

    # --- client-go's record.EventRecorder ---------------------------------------------------------------------

    def record(self, obj: Obj, type_: str, reason: str, message: str, *, component: str, host: str = "",
               field_path: str = "", ref: Obj | None = None) -> None:
        """`field_path` names the part of the object the event is about (`spec.containers{nginx}`); `ref` is the
        involvedObject when the component's reference differs from the object's own (the kubelet's to its Node)."""
        if not self.enabled:
            return
        now = self.rt.clock.now
        ref = dict(ref) if ref is not None else ref_to(obj)
        if field_path:
            ref["fieldPath"] = field_path
        source = {"component": component}
        if host:
            source["host"] = host
        obj_key = (component, host, ref.get("kind"), ref.get("namespace", ""), ref["name"], ref.get("uid", ""),
                   ref.get("apiVersion", ""))
        # EventAggregate: over AGGREGATE_MAX distinct messages for one (source, object, type, reason) combine them.
        agg_key = (*obj_key, type_, reason)
        record = self._aggregates.get(agg_key)
        if record is None or now - record[1] > AGGREGATE_WINDOW:
            record = [set(), now]
        record[0].add(message)
        record[1] = now
        self._aggregates.put(agg_key, record)
        reporting = component
        if len(record[0]) >= AGGREGATE_MAX:
            record[0].pop()
            message = "(combined from similar events): " + message
            key: tuple[Any, ...] = ("aggregate", *agg_key)
            reporting = ""
        else:
            key = (*agg_key, field_path, message)
        # The spam filter sees every event, counted ones included.
        if not self._spam_accept(obj_key, now):
            return
        seen = self._observed.get(key)
        namespace = ref.get("namespace") or "default"
        if seen is not None:
            existing = self.rt.store.get("Event", seen[0], seen[1])
            if existing is not None:
                updated = dict(existing)
                updated["count"] = existing.get("count", 1) + 1
                updated["lastTimestamp"] = rfc3339(now)
                updated["message"] = message
                self.rt.store.update(updated)
                self._observed.put(key, seen)
                return
        name = self._name(ref["name"], now)
        stamp = rfc3339(now)
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": name, "namespace": namespace},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": source,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
            "type": type_,
            "eventTime": None,
            "reportingComponent": reporting,
            "reportingInstance": host if reporting else "",
        }
        self.rt.store.create(event)
        self._observed.put(key, (namespace, name))
        self._arm_expiry()

    def _spam_accept(self, key: tuple[Any, ...], now: float) -> bool:
        bucket = self._spam.get(key)
        if bucket is None:
            bucket = [float(SPAM_BURST), now]
        tokens = min(float(SPAM_BURST), bucket[0] + (now - bucket[1]) / SPAM_REFILL)
        bucket[1] = now
        ok = tokens >= 1.0
        bucket[0] = tokens - 1.0 if ok else tokens
        self._spam.put(key, bucket)
        return ok

    # --- events.k8s.io/v1 (the scheduler's recorder) ------------------------------------------------------------

    def record_series(
        self, obj: Obj, type_: str, reason: str, message: str, *, controller: str, instance: str, action: str
    ) -> None:
        if not self.enabled:
            return
        now = self.rt.clock.now
        ref = ref_to(obj)
        namespace = ref.get("namespace") or "default"
        event = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": self._name(ref["name"], now), "namespace": namespace},
            "involvedObject": ref,
            "reason": reason,
            "message": message,
            "source": {},
            "firstTimestamp": None,
            "lastTimestamp": None,
            "type": type_,
            "eventTime": rfc3339_micro(now),
            "action": action,
            "reportingComponent": controller,
            "reportingInstance": instance,
        }
        self.rt.store.create(event)
        self._arm_expiry()

    # --- housekeeping -----------------------------------------------------------------------------------------

    def _name(self, base: str, now: float) -> str:
        # `<name>.<UnixNano in hex>`; a per-recorder sequence keeps names unique within one virtual instant.
        self._seq += 1
        nanos = round(now * 1e9) + self._seq
        return f"{base}.{nanos:x}"

    def _arm_expiry(self) -> None:
        if not self._expiry_armed:
            self._expiry_armed = True
            self.rt.clock.after(300.0, self._expire)

    def _expire(self) -> None:
        self._expiry_armed = False
        cutoff = self.rt.clock.now - EVENT_TTL
        store = self.rt.store
        left = 0
        for ev in store.iter("Event"):
            stamp = ev.get("lastTimestamp") or ev.get("eventTime") or ev["metadata"]["creationTimestamp"]
            if _parse(stamp) < cutoff:
                store.remove("Event", ev["metadata"]["namespace"], ev["metadata"]["name"])
            else:
                left += 1
        if left:
            self._arm_expiry()


def _parse(stamp: str) -> float:
    from kube_magics.timefmt import parse_rfc3339

    return parse_rfc3339(stamp)
