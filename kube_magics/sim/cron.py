"""Cron schedules on the virtual clock: when a CronJob's schedule fires next, as robfig/cron v3 computes it.

`parse(spec, time_zone)` reads what the CronJob controller reads (`cron.ParseStandard`): five fields (minute,
hour, day of month, month, day of week; names like `mon` and `jan`; `*`, `?`, ranges, lists and steps), the
descriptors `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`, `@every <duration>`,
and a `TZ=`/`CRON_TZ=` prefix. The schedule's `next(t)` is the first instant strictly after `t` (epoch seconds) at
which it fires, in the schedule's time zone (UTC unless given).

As robfig/cron: when either day field is unrestricted (`*` or `?`), a day must match both; when both are
restricted, either may match (`0 0 1 * mon` fires on the 1st and on Mondays). A step over `*` (`*/2`) counts as
restricted.

Validation and its wording are `validation/cron.py`'s; this module assumes a valid schedule and never reads the
wall clock.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kube_magics.timefmt import parse_duration

_FIELDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep",
                                             "oct", "nov", "dec"])}),
    (0, 6, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
)
_DESCRIPTORS = {"@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
                "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *"}
_SEARCH_YEARS = 5  # robfig gives up after five years without a match (e.g. "0 0 30 2 *")


class CronError(ValueError):
    """A schedule or time zone this module cannot read."""


def zone(name: str | None) -> tzinfo:
    """The time zone a CronJob names (`time.LoadLocation`); UTC for none."""
    if not name or name == "UTC":
        return timezone.utc
    if name == "Local":
        raise CronError("timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise CronError(f"unknown time zone {name}") from None


@dataclass(frozen=True)
class Every:
    """`@every <duration>`: a constant delay, whole seconds, at least one."""

    seconds: int

    def next(self, after: float) -> float:
        return math.floor(after) + self.seconds


@dataclass(frozen=True)
class Spec:
    """A five-field schedule in a time zone."""

    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day: bool  # the day-of-month field was `*` or `?`
    any_weekday: bool
    tz: tzinfo

    def _day_matches(self, t: datetime) -> bool:
        dom = t.day in self.days
        dow = (t.isoweekday() % 7) in self.weekdays
        if self.any_day or self.any_weekday:
            return dom and dow
        return dom or dow

    def next(self, after: float) -> float:
        """The first firing strictly after `after`, searching at most five years ahead (math.inf if none)."""
        t = datetime.fromtimestamp((math.floor(after / 60) + 1) * 60, tz=timezone.utc).astimezone(self.tz)
        limit = t.year + _SEARCH_YEARS
        while t.year <= limit:
            if t.month not in self.months:
                t = _local(self.tz, t.year + t.month // 12, t.month % 12 + 1, 1)
            elif not self._day_matches(t):
                t = _local(self.tz, t.year, t.month, t.day, days=1)
            elif t.hour not in self.hours:
                t = _local(self.tz, t.year, t.month, t.day, t.hour, hours=1)
            elif t.minute not in self.minutes:
                t = (t.astimezone(timezone.utc) + timedelta(minutes=1)).astimezone(self.tz)
            else:
                return t.timestamp()
        return math.inf


Schedule = Spec | Every


def _local(tz: tzinfo, year: int, month: int, day: int, hour: int = 0, *, days: int = 0, hours: int = 0) -> datetime:
    """The start of a local day or hour, moved on by whole days or hours of wall time."""
    naive = datetime(year, month, day, hour) + timedelta(days=days, hours=hours)
    return datetime(naive.year, naive.month, naive.day, naive.hour, tzinfo=tz)


def parse(spec: str, time_zone: str | None = None) -> Schedule:
    """The schedule of a CronJob (`spec.schedule`, `spec.timeZone`)."""
    spec = spec.strip()
    tz = zone(time_zone)
    if spec.startswith(("TZ=", "CRON_TZ=")):
        head, _, spec = spec.partition(" ")
        tz = zone(head.split("=", 1)[1])
        spec = spec.strip()
    if spec.startswith("@every "):
        seconds = int(parse_duration(spec[len("@every "):].strip()))
        return Every(max(1, seconds))
    spec = _DESCRIPTORS.get(spec, spec)
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    sets = [_field(text, *bounds) for text, bounds in zip(fields, _FIELDS)]
    return Spec(sets[0][0], sets[1][0], sets[2][0], sets[3][0], sets[4][0], sets[2][1], sets[4][1], tz)


def _field(text: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for expr in text.split(","):
        part, star_here = _range(expr, low, high, names)
        values |= part
        star = star or star_here
    return frozenset(values), star


def _range(expr: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    body, _, step_text = expr.partition("/")
    step = int(step_text) if step_text else 1
    if body in ("*", "?"):
        start, end, star = low, high, step == 1
    else:
        first, _, last = body.partition("-")
        start = _number(first, names)
        end = _number(last, names) if last else (high if step_text else start)
        star = False
    if step <= 0:
        raise CronError(f"step of range should be a positive number: {expr}")
    return set(range(start, end + 1, step)), star


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    try:
        return int(text)
    except ValueError:
        raise CronError(f"failed to parse int from {text}") from None


def most_recent(schedule: Schedule, earliest: float, now: float) -> tuple[float | None, int]:
    """mostRecentScheduleTime: the latest firing after `earliest` and not after `now` (None if none), and how
    many firings were missed (approximated, as the controller does, from the gap between the first two)."""
    t1 = schedule.next(earliest)
    if now < t1:
        return None, 0
    t2 = schedule.next(t1)
    if now < t2:
        return t1, 1
    gap = round(t2 - t1)
    if gap < 1:
        raise CronError("time difference between two schedules is less than 1 second")
    missed = int(now - t1) // gap + 1
    return t1 + (missed - 1) * gap, missed
