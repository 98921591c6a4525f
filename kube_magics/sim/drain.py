"""`kubectl drain` on the simulator: which pods go, evicting them, and waiting until they are gone, with kubectl's
own lines (`SimCluster.drain` cordons first and prints `node/x drained` at the end).

kubectl's filters (`kube_magics.drainfilters`, shared with `%k8s drain`), in its order, the first that keeps a
pod deciding: DaemonSet-managed pods stay (an error without `ignore_daemonsets`, a warning with it); mirror pods
stay silently; pods with emptyDir volumes need `delete_emptydir_data`; pods no controller would replace need
`force`. Finished pods always go. With an error, nothing is evicted. Each pod is evicted through the Eviction
API (a PodDisruptionBudget may refuse: kubectl prints the refusal and tries again 5 s later), then kubectl polls
until it is gone ("pod/x evicted", in the order they go). The virtual clock moves meanwhile. kubectl waits
forever by default; here the wait ends after `timeout` with kubectl's error for it.

Must not: cordon, or print anything about the node itself (the caller does).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kube_magics.drainfilters import EVICT_RETRY, DrainFlags, aggregate, sort_pods
from kube_magics.errors import ApiError, DrainError, NotFoundError, TooManyRequestsError
from kube_magics.sim import eviction
from kube_magics.sim.controllers.kubelet_runtime import go_duration

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime

Obj = dict[str, Any]


@dataclass(frozen=True)
class DrainOptions:
    ignore_daemonsets: bool = True
    delete_emptydir_data: bool = False
    force: bool = False
    grace_period: int | None = None
    timeout: float = 600.0


@dataclass
class _Run:
    lines: list[str] = field(default_factory=list)
    evicted: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def drain_pods(rt: Runtime, node: str, options: DrainOptions) -> tuple[list[str], list[str]]:
    """Evict the node's pods and wait for them; returns (the lines printed, the pods evicted). Raises DrainError
    with kubectl's message (and the lines so far) when a filter refuses or a pod does not go in time."""
    pods = [p for p in rt.store.list("Pod") if p["spec"].get("nodeName") == node]
    flags = DrainFlags(options.ignore_daemonsets, options.delete_emptydir_data, options.force)
    verdicts = sort_pods(pods, flags, lambda ns, name: rt.store.get("DaemonSet", ns, name) is not None)
    problem = verdicts.fatal_error()
    if problem:
        raise DrainError(problem, output="")
    run = _Run()
    warning = verdicts.warning_line()
    if warning:
        run.lines.append(warning)
    chosen = verdicts.evict
    _evict_and_wait(rt, chosen, options, run)
    if run.errors:
        left = [p for p in chosen if _still_there(rt, p)]
        if left:
            run.lines.append(f'There are pending pods in node "{node}" when an error occurred: '
                             f"{aggregate(run.errors)}")
            run.lines.extend(f"pod/{p['metadata']['name']}" for p in left)
        raise DrainError(aggregate(run.errors), output="".join(line + "\n" for line in run.lines))
    return run.lines, run.evicted


def _evict_and_wait(rt: Runtime, pods: list[Obj], o: DrainOptions, run: _Run) -> None:
    deadline = rt.clock.now + o.timeout
    retry: dict[str, float] = {p["metadata"]["uid"]: rt.clock.now for p in pods}  # uid -> when to try
    waiting: list[Obj] = []
    by_uid = {p["metadata"]["uid"]: p for p in pods}
    while retry or waiting:
        now = rt.clock.now
        for uid in [u for u, at in retry.items() if at <= now]:
            pod = by_uid[uid]
            if _try_evict(rt, pod, o, run):
                del retry[uid]
                if _still_there(rt, pod):
                    waiting.append(pod)
            else:
                retry[uid] = now + EVICT_RETRY
        _note_gone(rt, waiting, run)
        if not retry and not waiting:
            return
        if now >= deadline:
            _time_out(retry, waiting, by_uid, o, run)
            return
        _wait(rt, waiting, min([deadline, *retry.values()]))


def _wait(rt: Runtime, waiting: list[Obj], until: float) -> None:
    """Move the clock until a pod waited for is gone, or `until`."""
    rt.run_until(lambda: rt.clock.now >= until or any(not _still_there(rt, p) for p in waiting),
                 timeout=until - rt.clock.now)


def _try_evict(rt: Runtime, pod: Obj, o: DrainOptions, run: _Run) -> bool:
    """One eviction request; False to try again later."""
    ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
    run.lines.append(f"evicting pod {ns}/{name}")
    try:
        eviction.evict(rt, ns, name, grace=o.grace_period)
        rt.settle()
    except TooManyRequestsError as exc:
        run.lines.append(f'error when evicting pods/"{name}" -n "{ns}" '
                         f"(will retry after {go_duration(EVICT_RETRY)}): {exc.message}")
        return False
    except NotFoundError:
        return True
    except ApiError as exc:
        run.errors.append(f'error when evicting pods/"{name}" -n "{ns}": {exc.message}')
    return True


def _note_gone(rt: Runtime, waiting: list[Obj], run: _Run) -> None:
    for pod in [p for p in waiting if not _still_there(rt, p)]:
        waiting.remove(pod)
        run.lines.append(f"pod/{pod['metadata']['name']} evicted")
        run.evicted.append(pod["metadata"]["name"])


def _time_out(retry: dict[str, float], waiting: list[Obj], by_uid: dict[str, Obj], o: DrainOptions,
              run: _Run) -> None:
    for uid in retry:
        meta = by_uid[uid]["metadata"]
        run.errors.append(f'error when evicting pods/"{meta["name"]}" -n "{meta["namespace"]}": global timeout '
                          f"reached: {go_duration(o.timeout)}")
    for pod in waiting:
        meta = pod["metadata"]
        run.errors.append(f'error when waiting for pod "{meta["name"]}" in namespace "{meta["namespace"]}" to '
                          "terminate: context deadline exceeded")


def _still_there(rt: Runtime, pod: Obj) -> bool:
    live = rt.store.get("Pod", pod["metadata"]["namespace"], pod["metadata"]["name"])
    return live is not None and live["metadata"]["uid"] == pod["metadata"]["uid"]
