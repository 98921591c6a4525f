"""Cron schedules, checked as the CronJob API's validation checks them (robfig/cron v3's standard parser):
five fields (minute, hour, day of month, month, day of week) or a descriptor (`@hourly`, `@every 5m`), with
that parser's error messages (`expected exactly 5 fields, found 4: [* * * *]`).
"""

from __future__ import annotations

import re

# (min, max, names) per field, in order.
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),
    (0, 23, {}),
    (1, 31, {}),
    (1, 12, {m: i + 1 for i, m in enumerate(["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct",
                                             "nov", "dec"])}),
    (0, 6, {d: i for i, d in enumerate(["sun", "mon", "tue", "wed", "thu", "fri", "sat"])}),
)
_DESCRIPTORS = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"})
_DURATION = re.compile(r"^([0-9]*(\.[0-9]*)?(ns|us|µs|ms|s|m|h))+$")


def schedule_error(spec: str) -> str | None:
    """The parser's complaint about `spec`, or None when it parses."""
    if not spec:
        return "empty spec string"
    if spec.startswith(("TZ=", "CRON_TZ=")):
        space = spec.find(" ")
        spec = spec[space:].strip() if space > 0 else ""
    if spec.startswith("@"):
        if spec in _DESCRIPTORS:
            return None
        if spec.startswith("@every "):
            duration = spec[len("@every "):]
            if duration and _DURATION.match(duration):
                return None
            return f'failed to parse duration {spec}: time: invalid duration "{duration}"'
        return f"unrecognized descriptor: {spec}"
    fields = spec.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    for text, (low, high, names) in zip(fields, _BOUNDS):
        for expr in [e for e in text.split(",") if e]:
            problem = _range_error(expr, low, high, names)
            if problem:
                return problem
    return None


def _range_error(expr: str, low: int, high: int, names: dict[str, int]) -> str | None:
    range_and_step = expr.split("/")
    low_high = range_and_step[0].split("-")
    if low_high[0] in ("*", "?"):
        start, end = low, high
    else:
        start_or_err = _int_or_name(low_high[0], names)
        if isinstance(start_or_err, str):
            return start_or_err
        start = end = start_or_err
        if len(low_high) == 2:
            end_or_err = _int_or_name(low_high[1], names)
            if isinstance(end_or_err, str):
                return end_or_err
            end = end_or_err
        elif len(low_high) > 2:
            return f"too many hyphens: {expr}"
    step = 1
    if len(range_and_step) == 2:
        step_or_err = _int(range_and_step[1])
        if isinstance(step_or_err, str):
            return step_or_err
        step = step_or_err
        if len(low_high) == 1:
            end = high  # "N/step" means "N-max/step"
    elif len(range_and_step) > 2:
        return f"too many slashes: {expr}"
    if start < low:
        return f"beginning of range ({start}) below minimum ({low}): {expr}"
    if end > high:
        return f"end of range ({end}) above maximum ({high}): {expr}"
    if start > end:
        return f"beginning of range ({start}) beyond end of range ({end}): {expr}"
    if step == 0:
        return f"step of range should be a positive number: {expr}"
    return None


def _int_or_name(text: str, names: dict[str, int]) -> int | str:
    if text.lower() in names:
        return names[text.lower()]
    return _int(text)


def _int(text: str) -> int | str:
    if not re.match(r"^[+-]?[0-9]+$", text):
        return f'failed to parse int from {text}: strconv.Atoi: parsing "{text}": invalid syntax'
    value = int(text)
    if value < 0:
        return f"negative number ({value}) not allowed: {text}"
    return value
