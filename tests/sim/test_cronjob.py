"""The CronJob controller on the virtual clock, through SimCluster, and the schedules it reads."""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any

import pytest

from kube_magics.errors import InvalidError
from kube_magics.printers import get
from kube_magics.sim import SimCluster, cron
from kube_magics.timefmt import parse_rfc3339


def cronjob(name: str = "hello", schedule: str = "* * * * *", command: str = '["sh", "-c", "date; sleep 70"]',
            extra: str = "") -> str:
    return f"""
apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
spec:
  schedule: "{schedule}"
{extra}  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers:
          - name: hello
            image: busybox:1.36
            command: {command}
"""


def jobs_of(c: SimCluster, name: str = "hello") -> list[dict[str, Any]]:
    return [j for j in c.list("jobs") if j["metadata"]["ownerReferences"][0]["name"] == name]


def reasons(c: SimCluster, name: str = "hello") -> list[str]:
    return [e["reason"] for e in c.events(c.get("cronjobs", name))]


def utc(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc).timestamp()


def test_every_minute_for_five_minutes_with_forbid_and_history_limits() -> None:
    c = SimCluster()  # the clock reads 09:00:00
    c.apply(cronjob(extra="  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: 2\n"))
    created: list[str] = []
    c.watch(lambda e: created.append(e["object"]["metadata"]["name"]) if e["type"] == "ADDED" else None, ["jobs"])
    running: list[int] = []
    c.watch(lambda e: running.append(sum(1 for j in c.rt.store.iter("Job") if not j["status"].get("conditions"))),
            ["jobs"])
    c.advance(59)
    assert jobs_of(c) == []
    c.advance(2)
    first = jobs_of(c)
    assert [j["metadata"]["name"] for j in first] == [f"hello-{int(utc('2026-01-05T09:01:00') // 60)}"]
    assert first[0]["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2026-01-05T09:01:00Z"
    status = c.get("cronjobs", "hello")["status"]
    assert status["lastScheduleTime"] == "2026-01-05T09:01:00Z"
    assert [a["name"] for a in status["active"]] == [first[0]["metadata"]["name"]]
    c.advance(240)  # to 09:05:01
    # Each run takes longer than a minute: Forbid never lets two run at once, and a run skipped while the
    # previous one was active starts as soon as it has finished (there is no startingDeadlineSeconds).
    assert max(running) == 1
    assert created == [f"hello-{int(utc(f'2026-01-05T09:0{m}:00') // 60)}" for m in range(1, 5)]
    names = [j["metadata"]["name"] for j in jobs_of(c)]
    assert names == created[1:]  # the oldest successful run was removed: at most two kept, plus the active one
    seen = reasons(c)
    assert "JobAlreadyActive" in seen
    assert seen.count("SuccessfulCreate") == 4 and seen.count("SawCompletedJob") == 3
    assert seen.count("SuccessfulDelete") == 1
    deleted = next(e["message"] for e in c.events(c.get("cronjobs", "hello")) if e["reason"] == "SuccessfulDelete")
    assert deleted == f"Deleted job {created[0]}"
    saw = next(e["message"] for e in c.events(c.get("cronjobs", "hello")) if e["reason"] == "SawCompletedJob")
    assert saw == f"Saw completed job: {created[0]}, status: Complete"
    status = c.get("cronjobs", "hello")["status"]
    assert status["lastSuccessfulTime"] == max(j["status"]["completionTime"] for j in jobs_of(c)
                                               if j["status"].get("completionTime"))
    row = get(c.list("cronjobs"), now=c.now).text.splitlines()[1].split()
    assert row[:7] == ["hello", "*", "*", "*", "*", "*", "<none>"]
    assert row[7:10] == ["False", "1", status_age(c, status)]


def status_age(c: SimCluster, status: dict[str, Any]) -> str:
    return f"{int(c.rt.now - parse_rfc3339(status['lastScheduleTime']))}s"


def test_allow_runs_side_by_side_and_replace_deletes_the_running_job() -> None:
    c = SimCluster()
    c.apply(cronjob("both", command='["sleep", "150"]'))
    c.apply(cronjob("swap", command='["sleep", "150"]', extra="  concurrencyPolicy: Replace\n"))
    c.advance(181)  # 09:03:01: three schedules have passed
    assert len(jobs_of(c, "both")) == 3
    assert len(c.get("cronjobs", "both")["status"]["active"]) == 3
    swap = jobs_of(c, "swap")
    assert len(swap) == 1 and swap[0]["metadata"]["name"].endswith(str(int(utc("2026-01-05T09:03:00") // 60)))
    assert reasons(c, "swap").count("SuccessfulDelete") == 2


def test_a_suspended_cronjob_creates_nothing_and_history_limit_zero_keeps_nothing() -> None:
    c = SimCluster()
    c.apply(cronjob("quiet", extra="  suspend: true\n"))
    c.apply(cronjob("tidy", command='["echo", "hi"]', extra="  successfulJobsHistoryLimit: 0\n"))
    c.advance(150)
    assert jobs_of(c, "quiet") == []
    assert jobs_of(c, "tidy") == []
    assert reasons(c, "tidy").count("SuccessfulCreate") == 2
    assert reasons(c, "tidy").count("SuccessfulDelete") == 2
    assert c.get("cronjobs", "tidy")["status"]["lastSuccessfulTime"]


def test_a_missed_schedule_beyond_the_starting_deadline_is_skipped() -> None:
    c = SimCluster()
    c.apply(cronjob("late", "*/5 * * * *", '["sleep", "400"]',
                    extra="  concurrencyPolicy: Forbid\n  startingDeadlineSeconds: 30\n"))
    c.advance(301)  # 09:05: the first run
    assert len(jobs_of(c, "late")) == 1
    c.advance(300)  # 09:10: still running, so Forbid skips this run
    assert len(jobs_of(c, "late")) == 1 and "JobAlreadyActive" in reasons(c, "late")
    c.advance(300)  # the first run ended at 09:11:4x, more than 30 s after 09:10: that run is not made up
    names = [j["metadata"]["name"] for j in jobs_of(c, "late")]
    assert names[1:] == [f"late-{int(utc('2026-01-05T09:15:00') // 60)}"]


# --- schedules ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("spec", "zone", "after", "expected"), [
    ("* * * * *", None, "2026-01-05T09:00:00", "2026-01-05T09:01:00"),
    ("*/15 * * * *", None, "2026-01-05T09:00:30", "2026-01-05T09:15:00"),
    ("30 2 * * *", None, "2026-01-05T09:00:00", "2026-01-06T02:30:00"),
    ("@hourly", None, "2026-01-05T09:00:00", "2026-01-05T10:00:00"),
    ("@weekly", None, "2026-01-05T09:00:00", "2026-01-11T00:00:00"),  # Sunday
    ("0 0 1 * mon", None, "2026-01-05T09:00:00", "2026-01-12T00:00:00"),  # day of month OR day of week
    ("0 0 13 * fri", None, "2026-02-01T00:00:00", "2026-02-06T00:00:00"),
    ("0 0 * * 1-5", None, "2026-01-09T12:00:00", "2026-01-12T00:00:00"),
    ("0 9 * * *", "Europe/Berlin", "2026-01-05T09:00:00", "2026-01-06T08:00:00"),
    ("0 9 * * *", "Asia/Seoul", "2026-01-05T09:00:00", "2026-01-06T00:00:00"),
    ("@every 90s", None, "2026-01-05T09:00:00", "2026-01-05T09:01:30"),
    ("0 0 30 2 *", None, "2026-01-05T09:00:00", None),
])
def test_next_firing(spec: str, zone: str | None, after: str, expected: str | None) -> None:
    got = cron.parse(spec, zone).next(utc(after))
    assert got == (math.inf if expected is None else utc(expected))


def test_a_time_zone_moves_the_schedule() -> None:
    c = SimCluster()  # 09:00 UTC is 18:00 in Seoul
    c.apply(cronjob("seoul", "1 18 * * *", '["echo", "hi"]', extra='  timeZone: "Asia/Seoul"\n'))
    c.advance(61)
    job = jobs_of(c, "seoul")[0]
    assert job["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == \
        "2026-01-05T18:01:00+09:00"
    assert get(c.list("cronjobs"), now=c.now).text.splitlines()[1].split()[6] == "Asia/Seoul"


@pytest.mark.parametrize(("zone", "message"), [
    ("Mars/Olympus", 'spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus'),
    ("Local", 'spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in '
              'https://www.iana.org/time-zones'),
])
def test_the_api_server_refuses_an_unknown_time_zone(zone: str, message: str) -> None:
    c = SimCluster()
    with pytest.raises(InvalidError) as info:
        c.apply(cronjob("tz", extra=f'  timeZone: "{zone}"\n'))
    assert [f"{x.field}: {x.message}" for x in info.value.causes] == [message]
