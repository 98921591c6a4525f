"""Pure helpers of the Deployment controller (Kubernetes' `pkg/controller/deployment/util`), on plain dicts.

Owns the arithmetic and bookkeeping that every strategy shares: maxSurge/maxUnavailable from an int or a
percentage, replica counts summed over ReplicaSets, their orderings, the revision and replica annotations a
ReplicaSet carries, which ReplicaSet is "new", and the proportions used when a Deployment is resized mid-rollout.
Status and conditions are in `deployment_status`.

Must not: read the store or write anything. Objects come in as the store's read-only dicts and results go out
as new values; callers decide what to write.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from kube_magics.rollout import equal_ignore_hash
from kube_magics.sim.objects import annotations_of

Obj = dict[str, Any]

REVISION = "deployment.kubernetes.io/revision"
REVISION_HISTORY = "deployment.kubernetes.io/revision-history"
DESIRED_REPLICAS = "deployment.kubernetes.io/desired-replicas"
MAX_REPLICAS = "deployment.kubernetes.io/max-replicas"
ROLLBACK_TO = "deprecated.deployment.rollback.to"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
# Deployment annotations that are not copied to its ReplicaSets.
SKIP_COPY = frozenset({LAST_APPLIED, REVISION, REVISION_HISTORY, DESIRED_REPLICAS, MAX_REPLICAS, ROLLBACK_TO})
MAX_REV_HISTORY_CHARS = 2000



# --- rolling-update fenceposts ------------------------------------------------------------------------------------


def scaled_value(value: int | str | None, total: int, *, round_up: bool) -> int:
    """intstr.GetScaledValueFromIntOrPercent: an int as is, "25%" of `total` rounded up or down.

    Worked example, 3 replicas at 25%/25%: 0.75 surge rounds up to 1, 0.75 unavailable rounds down to 0.
    """
    if value is None:
        return 0
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if not text.endswith("%"):
        try:
            return int(text)
        except ValueError:
            return 0
    try:
        percent = int(text[:-1])
    except ValueError:
        return 0
    return -(-percent * total // 100) if round_up else percent * total // 100


def _rolling(d: Mapping[str, Any]) -> Mapping[str, Any] | None:
    strategy = d["spec"].get("strategy") or {}
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        return None
    return strategy.get("rollingUpdate") or {}


def resolve_fenceposts(d: Mapping[str, Any]) -> tuple[int, int]:
    """(maxSurge, maxUnavailable) for this Deployment; never both zero (then maxUnavailable is 1)."""
    ru = _rolling(d) or {}
    desired = replicas(d)
    surge = scaled_value(ru.get("maxSurge", 0), desired, round_up=True)
    unavailable = scaled_value(ru.get("maxUnavailable", 0), desired, round_up=False)
    if surge == 0 and unavailable == 0:
        # Rounding down may leave both at zero; Kubernetes then lets one pod be unavailable so a rollout can move.
        unavailable = 1
    return surge, unavailable


def max_surge(d: Mapping[str, Any]) -> int:
    if _rolling(d) is None:
        return 0
    return resolve_fenceposts(d)[0]


def max_unavailable(d: Mapping[str, Any]) -> int:
    if _rolling(d) is None or replicas(d) == 0:
        return 0
    return min(resolve_fenceposts(d)[1], replicas(d))


def is_rolling(d: Mapping[str, Any]) -> bool:
    return _rolling(d) is not None


# --- replica counts -----------------------------------------------------------------------------------------------


def replicas(obj: Mapping[str, Any] | None) -> int:
    if obj is None:
        return 0
    value = obj["spec"].get("replicas")
    return 1 if value is None else int(value)


def _status(obj: Mapping[str, Any], field: str) -> int:
    return int((obj.get("status") or {}).get(field) or 0)


def spec_total(rss: Iterable[Obj | None]) -> int:
    """GetReplicaCountForReplicaSets: the sum of spec.replicas."""
    return sum(replicas(rs) for rs in rss if rs is not None)


def actual_total(rss: Iterable[Obj | None]) -> int:
    return sum(_status(rs, "replicas") for rs in rss if rs is not None)


def ready_total(rss: Iterable[Obj | None]) -> int:
    return sum(_status(rs, "readyReplicas") for rs in rss if rs is not None)


def available_total(rss: Iterable[Obj | None]) -> int:
    return sum(_status(rs, "availableReplicas") for rs in rss if rs is not None)


def active(rss: Iterable[Obj | None]) -> list[Obj]:
    """FilterActiveReplicaSets: those with replicas > 0."""
    return [rs for rs in rss if rs is not None and replicas(rs) > 0]


# --- ordering -----------------------------------------------------------------------------------------------------


def by_creation(rs: Mapping[str, Any]) -> tuple[str, str]:
    """ReplicaSetsByCreationTimestamp: oldest first, then by name."""
    return rs["metadata"].get("creationTimestamp", ""), rs["metadata"]["name"]


def by_revision(rs: Mapping[str, Any]) -> tuple[int, str, str]:
    return (revision(rs), *by_creation(rs))


def size_then_newer(rss: Sequence[Obj]) -> list[Obj]:
    """ReplicaSetsBySizeNewer: largest first; equal sizes newest first."""
    newest_first = sorted(rss, key=by_creation, reverse=True)
    return sorted(newest_first, key=lambda rs: -replicas(rs))


def size_then_older(rss: Sequence[Obj]) -> list[Obj]:
    """ReplicaSetsBySizeOlder: largest first; equal sizes oldest first."""
    return sorted(sorted(rss, key=by_creation), key=lambda rs: -replicas(rs))


# --- revisions and annotations ------------------------------------------------------------------------------------


def revision(obj: Mapping[str, Any] | None) -> int:
    """The revision annotation as a number (0 when absent or not a number)."""
    if obj is None:
        return 0
    try:
        return int(annotations_of(obj).get(REVISION, "0"))
    except ValueError:
        return 0


def max_revision(rss: Iterable[Obj]) -> int:
    return max((revision(rs) for rs in rss), default=0)


def copy_annotations(d: Mapping[str, Any], rs_annotations: dict[str, str]) -> bool:
    """Copy the Deployment's annotations (but the ones it keeps to itself) onto a ReplicaSet's, in place."""
    changed = False
    for key, value in annotations_of(d).items():
        if key in SKIP_COPY or rs_annotations.get(key) == value:
            continue
        rs_annotations[key] = value
        changed = True
    return changed


def set_replicas_annotations(annotations: dict[str, str], desired: int, maximum: int) -> bool:
    changed = False
    for key, value in ((DESIRED_REPLICAS, str(desired)), (MAX_REPLICAS, str(maximum))):
        if annotations.get(key) != value:
            annotations[key] = value
            changed = True
    return changed


def replicas_annotations_need_update(rs: Mapping[str, Any], desired: int, maximum: int) -> bool:
    ann = annotations_of(rs)
    return ann.get(DESIRED_REPLICAS) != str(desired) or ann.get(MAX_REPLICAS) != str(maximum)


def set_new_rs_annotations(d: Mapping[str, Any], annotations: dict[str, str], new_revision: int, *,
                           exists: bool) -> bool:
    """SetNewReplicaSetAnnotations, in place on `annotations`: copies, bumps the revision, keeps the history.

    A ReplicaSet that comes back as the new one (a rollback) moves its old revision into revision-history.
    """
    changed = copy_annotations(d, annotations)
    old_text = annotations.get(REVISION)
    try:
        old = int(old_text) if old_text else 0
    except ValueError:
        return changed
    if old < new_revision:
        annotations[REVISION] = str(new_revision)
        changed = True
        if old_text:
            _append_history(annotations, old_text)
    if not exists:
        desired = replicas(d)
        changed = set_replicas_annotations(annotations, desired, desired + max_surge(d)) or changed
    return changed


def _append_history(annotations: dict[str, str], old: str) -> None:
    history = annotations.get(REVISION_HISTORY, "")
    if not history:
        annotations[REVISION_HISTORY] = old
        return
    parts = history.split(",")
    total = len(history) + len(old) + 1
    start = 0
    while total > MAX_REV_HISTORY_CHARS and start < len(parts):
        total -= len(parts[start]) + 1
        start += 1
    if total <= MAX_REV_HISTORY_CHARS:
        annotations[REVISION_HISTORY] = ",".join([*parts[start:], old])


# --- which ReplicaSet is new (templates compared by rollout.equal_ignore_hash) --------------------------------


def find_new(d: Mapping[str, Any], rss: Sequence[Obj]) -> Obj | None:
    """FindNewReplicaSet: the oldest ReplicaSet whose template is the Deployment's."""
    template = d["spec"].get("template") or {}
    for rs in sorted(rss, key=by_creation):
        if equal_ignore_hash(rs["spec"].get("template") or {}, template):
            return rs
    return None


def find_old(d: Mapping[str, Any], rss: Sequence[Obj]) -> list[Obj]:
    """FindOldReplicaSets' second result: every ReplicaSet but the new one."""
    new = find_new(d, rss)
    new_uid = new["metadata"]["uid"] if new is not None else None
    return [rs for rs in rss if rs["metadata"]["uid"] != new_uid]


# --- scaling ------------------------------------------------------------------------------------------------------


def new_rs_new_replicas(d: Mapping[str, Any], all_rss: Sequence[Obj | None], new_rs: Mapping[str, Any]) -> int:
    """How far the new ReplicaSet may grow now: up to replicas + maxSurge pods in all (RollingUpdate)."""
    if not is_rolling(d):
        return replicas(d)
    max_total = replicas(d) + max_surge(d)
    current = spec_total(all_rss)
    if current >= max_total:
        return replicas(new_rs)
    return replicas(new_rs) + min(max_total - current, replicas(d) - replicas(new_rs))


def is_saturated(d: Mapping[str, Any], rs: Mapping[str, Any] | None) -> bool:
    if rs is None:
        return False
    try:
        desired = int(annotations_of(rs).get(DESIRED_REPLICAS, ""))
    except ValueError:
        return False
    want = replicas(d)
    return replicas(rs) == want and desired == want and _status(rs, "availableReplicas") == want


def find_active_or_latest(new_rs: Obj | None, old_rss: Sequence[Obj]) -> Obj | None:
    """The one ReplicaSet with replicas (or, if none has any, the newest); None if several have replicas."""
    if new_rs is None and not old_rss:
        return None
    newest_first = sorted(old_rss, key=by_creation, reverse=True)
    live = active([*newest_first, new_rs])
    if not live:
        return new_rs if new_rs is not None else newest_first[0]
    return live[0] if len(live) == 1 else None


def proportion(d: Mapping[str, Any], rs: Mapping[str, Any], to_add: int, added: int) -> int:
    """GetReplicaSetProportion: this ReplicaSet's share of `to_add`, capped by what is left to hand out."""
    if replicas(rs) == 0 or to_add == 0 or to_add == added:
        return 0
    fraction = _fraction(d, rs)
    allowed = to_add - added
    return min(fraction, allowed) if to_add > 0 else max(fraction, allowed)


def _fraction(d: Mapping[str, Any], rs: Mapping[str, Any]) -> int:
    if replicas(d) == 0:
        return -replicas(rs)
    max_now = replicas(d) + max_surge(d)
    try:
        max_before = int(annotations_of(rs).get(MAX_REPLICAS, ""))
    except ValueError:
        max_before = 0
    if max_before == 0:
        max_before = _status(d, "replicas")
        if max_before == 0:
            return 0
    # Round half away from zero, as Go's math.Round.
    size = replicas(rs) * max_now / max_before
    return math.floor(size + 0.5) - replicas(rs)
