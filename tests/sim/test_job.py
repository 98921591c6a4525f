"""The Job controller and the TTL-after-finished controller, through SimCluster on the real scheduler and kubelet
(compare workloads.txt of the reference recordings)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from kube_magics.errors import NotFoundError
from kube_magics.printers import GetOptions, get
from kube_magics.sim import SimCluster
from kube_magics.timefmt import parse_rfc3339
from tests.reference import objects, output

TRAIN = """
apiVersion: batch/v1
kind: Job
metadata:
  name: train
spec:
  completions: 3
  parallelism: 2
  template:
    spec:
      restartPolicy: Never
      containers:
        - name: t
          image: python:3.9
          command: ["python", "-c", "import time; time.sleep(5)"]
"""


def job_with(name: str, command: str, extra: str = "", image: str = "busybox:1.36") -> str:
    """A Job named `name` running `command` (a JSON list), with extra spec lines (indented by two)."""
    return f"""
apiVersion: batch/v1
kind: Job
metadata:
  name: {name}
spec:
{extra}  template:
    spec:
      restartPolicy: Never
      containers:
        - name: main
          image: {image}
          command: {command}
"""


def pods_of(c: SimCluster, job: str) -> list[dict[str, Any]]:
    return c.list("pods", selector=f"job-name={job}")


def conditions(job: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(x["type"], x["status"], x.get("reason", "")) for x in job["status"].get("conditions") or ()]


def events(c: SimCluster, obj: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e["reason"], e["message"]) for e in c.events(obj)]


def watch_active(c: SimCluster, job: str) -> list[int]:
    """Records, after every change, how many of the Job's pods are running or about to (not finished)."""
    seen: list[int] = []

    def on_change(_: dict[str, Any]) -> None:
        seen.append(sum(1 for p in c.rt.store.iter("Pod") if p["metadata"].get("labels", {}).get("job-name") == job
                        and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")))

    c.watch(on_change, ["pods"])
    return seen


def normalise(line: str) -> list[str]:
    """A table line's cells with what differs between clusters (names' random suffixes, uids, IPs, nodes, ages)
    replaced by placeholders."""
    line = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<uid>", line)
    line = re.sub(r"\b(train-)[a-z0-9]{5}\b", r"\1<id>", line)
    line = re.sub(r"\b10\.244\.\d+\.\d+\b", "<ip>", line)
    line = re.sub(r"\b(fake-node-\d|sim-worker\d*)\b", "<node>", line)
    return [re.sub(r"^(\d+[smhd])+$", "<age>", cell) for cell in line.split()]


# --- the recorded Job ----------------------------------------------------------------------------------------------


def test_the_recorded_job_runs_two_pods_at_a_time_and_completes_after_the_third() -> None:
    c = SimCluster()
    running = watch_active(c, "train")
    c.apply(TRAIN)
    assert len(pods_of(c, "train")) == 2
    assert c.rt.run_until(lambda: c.get("jobs", "train")["status"].get("ready") == 2, timeout=120)
    # `kubectl get jobs,pods -o wide` while the first two run, as in the recording (names, IPs, ages aside).
    ours = get(c.list("jobs") + pods_of(c, "train"), now=c.now,
               options=GetOptions(output="wide", show_kind=True)).text.splitlines()
    real = [line for line in output("workloads.txt", "kubectl get jobs,pods -o wide").splitlines()
            if not line.startswith("pod/") or line.startswith("pod/train-")]
    assert [normalise(line) for line in ours] == [normalise(line) for line in real]
    running_job = c.get("jobs", "train")
    real_job = objects("workloads.txt", "kubectl get job train -o yaml")
    assert set(running_job["status"]) == set(real_job["status"])
    assert {k: v for k, v in running_job["status"].items() if k != "startTime"} == \
        {k: v for k, v in real_job["status"].items() if k != "startTime"}

    assert c.rt.run_until(lambda: "Complete" in [t for t, _, _ in conditions(c.get("jobs", "train"))],
                          timeout=300)
    assert max(running) == 2
    job = c.get("jobs", "train")
    assert job["status"]["succeeded"] == 3 and "active" not in job["status"]
    assert conditions(job) == [("SuccessCriteriaMet", "True", "CompletionsReached"),
                               ("Complete", "True", "CompletionsReached")]
    assert job["status"]["conditions"][1]["message"] == "Reached expected number of succeeded pods"
    pods = pods_of(c, "train")
    assert len(pods) == 3 and all(p["status"]["phase"] == "Succeeded" for p in pods)
    assert all(re.fullmatch(r"train-[bcdfghjklmnpqrstvwxz2456789]{5}", p["metadata"]["name"]) for p in pods)
    # The third pod started only when one of the first two had finished; the Job completed after it did.
    last_start = max(parse_rfc3339(p["metadata"]["creationTimestamp"]) for p in pods)
    first_done = min(_finished(p) for p in pods)
    assert last_start >= first_done
    assert parse_rfc3339(job["status"]["completionTime"]) >= max(_finished(p) for p in pods)
    assert [r for r, _ in events(c, job)] == ["SuccessfulCreate"] * 3 + ["Completed"]
    assert sorted(m for r, m in events(c, job) if r == "SuccessfulCreate") == \
        sorted(f"Created pod: {p['metadata']['name']}" for p in pods)
    table = get(c.list("jobs"), now=c.now).text.splitlines()
    assert table[1].split()[:3] == ["train", "Complete", "3/3"]


def _finished(pod: dict[str, Any]) -> float:
    return parse_rfc3339(pod["status"]["containerStatuses"][0]["state"]["terminated"]["finishedAt"])


def test_job_pods_carry_the_tracking_finalizer_until_they_are_counted() -> None:
    c = SimCluster()
    c.apply(job_with("once", '["sh", "-c", "sleep 2"]'))
    pod = pods_of(c, "once")[0]
    assert pod["metadata"]["finalizers"] == ["batch.kubernetes.io/job-tracking"]
    ref = pod["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["controller"], ref["blockOwnerDeletion"]) == ("Job", "once", True, True)
    job = c.get("jobs", "once")
    assert pod["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == job["metadata"]["uid"]
    c.advance(10)
    assert "finalizers" not in pods_of(c, "once")[0]["metadata"]
    assert c.get("jobs", "once")["status"]["succeeded"] == 1


# --- failures ------------------------------------------------------------------------------------------------------


def test_a_failing_command_is_retried_with_back_off_until_the_backoff_limit() -> None:
    c = SimCluster()
    c.apply(job_with("flaky", '["sh", "-c", "exit 1"]', "  backoffLimit: 2\n"))
    c.advance(120)
    job = c.get("jobs", "flaky")
    pods = sorted(pods_of(c, "flaky"), key=lambda p: p["metadata"]["creationTimestamp"])
    assert len(pods) == 3 and all(p["status"]["phase"] == "Failed" for p in pods)
    # The back-off before a replacement: 10 s after the first failure, 20 s after the second.
    starts = [parse_rfc3339(p["metadata"]["creationTimestamp"]) for p in pods]
    assert 10 <= starts[1] - _finished(pods[0]) < 12
    assert 20 <= starts[2] - _finished(pods[1]) < 22
    assert job["status"]["failed"] == 3
    assert conditions(job) == [("FailureTarget", "True", "BackoffLimitExceeded"),
                               ("Failed", "True", "BackoffLimitExceeded")]
    assert job["status"]["conditions"][1]["message"] == "Job has reached the specified backoff limit"
    assert ("BackoffLimitExceeded", "Job has reached the specified backoff limit") in events(c, job)
    assert "completionTime" not in job["status"]
    assert get(c.list("jobs"), now=c.now).text.splitlines()[1].split()[:3] == ["flaky", "Failed", "0/1"]


def test_active_deadline_stops_the_job_and_its_pods() -> None:
    c = SimCluster()
    c.apply(job_with("slow", '["sleep", "300"]', "  activeDeadlineSeconds: 20\n  parallelism: 2\n"
                                                  "  completions: 4\n"))
    c.advance(19)
    assert conditions(c.get("jobs", "slow")) == []
    c.advance(2)
    job = c.get("jobs", "slow")
    assert conditions(job) == [("FailureTarget", "True", "DeadlineExceeded")]
    pods = pods_of(c, "slow")
    assert len(pods) == 2 and all(p["metadata"].get("deletionTimestamp") for p in pods)
    assert job["status"]["terminating"] == 2 and job["status"]["failed"] == 2
    assert sorted(m for r, m in events(c, job) if r == "SuccessfulDelete") == \
        sorted(f"Deleted pod: {p['metadata']['name']}" for p in pods)
    # `sleep` ignores SIGTERM: the pods go when the grace period ends, and only then is the Job Failed.
    assert c.rt.run_until(lambda: not pods_of(c, "slow"), timeout=60)
    c.advance(2)
    job = c.get("jobs", "slow")
    assert conditions(job) == [("FailureTarget", "True", "DeadlineExceeded"), ("Failed", "True", "DeadlineExceeded")]
    assert ("DeadlineExceeded", "Job was active longer than specified deadline") in events(c, job)


def test_a_pod_failure_policy_can_fail_the_job_at_once() -> None:
    c = SimCluster()
    policy = ("  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes:\n"
              "        containerName: main\n        operator: In\n        values: [42]\n")
    c.apply(job_with("strict", '["sh", "-c", "exit 42"]', policy))
    c.advance(10)
    job = c.get("jobs", "strict")
    pod = pods_of(c, "strict")[0]
    assert conditions(job) == [("FailureTarget", "True", "PodFailurePolicy"), ("Failed", "True", "PodFailurePolicy")]
    assert job["status"]["conditions"][1]["message"] == \
        f"Container main for pod default/{pod['metadata']['name']} failed with exit code 42 matching FailJob " \
        "rule at index 0"
    assert len(pods_of(c, "strict")) == 1


# --- finishing, deleting, suspending, indexes ----------------------------------------------------------------------


def test_ttl_after_finished_deletes_the_job_and_its_pods() -> None:
    c = SimCluster()
    c.apply(job_with("brief", '["sh", "-c", "echo done"]', "  ttlSecondsAfterFinished: 30\n"))
    assert c.rt.run_until(lambda: "Complete" in [t for t, _, _ in conditions(c.get("jobs", "brief"))], timeout=60)
    done = parse_rfc3339(c.get("jobs", "brief")["status"]["completionTime"])
    c.advance(done + 29 - c.rt.now)
    assert len(pods_of(c, "brief")) == 1
    c.advance(2)
    with pytest.raises(NotFoundError):
        c.get("jobs", "brief")
    assert pods_of(c, "brief") == []


def test_deleting_a_running_job_deletes_its_pods() -> None:
    c = SimCluster()
    c.apply(job_with("long", '["sleep", "300"]', "  parallelism: 2\n"))
    c.advance(5)
    c.delete("jobs", "long")
    pods = pods_of(c, "long")
    assert len(pods) == 2
    assert all(p["metadata"].get("deletionTimestamp") and "finalizers" not in p["metadata"] for p in pods)
    c.advance(35)
    assert pods_of(c, "long") == []


def test_an_indexed_job_names_its_pods_by_index() -> None:
    c = SimCluster()
    c.apply(job_with("idx", '["sleep", "3"]', "  completionMode: Indexed\n  completions: 3\n  parallelism: 2\n"))
    first = sorted(pods_of(c, "idx"), key=lambda p: p["metadata"]["name"])
    assert [p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in first] == ["0", "1"]
    for i, pod in enumerate(first):
        assert re.fullmatch(rf"idx-{i}-[a-z0-9]{{5}}", pod["metadata"]["name"])
        assert pod["spec"]["hostname"] == f"idx-{i}"
        assert pod["metadata"]["labels"]["batch.kubernetes.io/job-completion-index"] == str(i)
        assert pod["spec"]["containers"][0]["env"][0]["name"] == "JOB_COMPLETION_INDEX"
    assert c.rt.run_until(lambda: "Complete" in [t for t, _, _ in conditions(c.get("jobs", "idx"))], timeout=60)
    job = c.get("jobs", "idx")
    assert job["status"]["completedIndexes"] == "0-2" and job["status"]["succeeded"] == 3
    assert any(p["metadata"]["name"].startswith("idx-2-") for p in pods_of(c, "idx"))


def test_suspending_a_job_deletes_its_pods_and_resuming_starts_them_again() -> None:
    c = SimCluster()
    c.apply(job_with("sus", '["sleep", "300"]', "  parallelism: 2\n  completions: 2\n"))
    c.advance(5)
    c.patch("jobs", "sus", {"spec": {"suspend": True}}, patch_type="merge")
    c.advance(35)
    job = c.get("jobs", "sus")
    assert pods_of(c, "sus") == []
    assert conditions(job) == [("Suspended", "True", "JobSuspended")]
    assert get(c.list("jobs"), now=c.now).text.splitlines()[1].split()[:2] == ["sus", "Suspended"]
    assert "failed" not in job["status"]  # pods removed by a suspension are not failures
    c.patch("jobs", "sus", {"spec": {"suspend": False}}, patch_type="merge")
    c.advance(1)
    job = c.get("jobs", "sus")
    assert conditions(job) == [("Suspended", "False", "JobResumed")]
    assert len(pods_of(c, "sus")) == 2
    # As syncJob: the pods first, then the condition and its event.
    assert [r for r, _ in events(c, job)][-4:] == ["Suspended", "SuccessfulCreate", "SuccessfulCreate", "Resumed"]
