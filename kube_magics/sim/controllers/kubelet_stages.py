"""The simulated kubelet's container lifecycle, as data: stages, their delays, and what each does.

KWOK-style: each container of a pod is in one stage (`CState.stage`) with a due time; when the clock reaches
it, the stage's step runs and moves the container on. The kubelet controller only finds what is due and writes
the resulting status (`kubelet_status.py`), so several steps at one instant make one status update.

    stage         due after                         step
    idle          -                                 waits for the sandbox and the init containers before it
    image         0                                 imagePullPolicy: "already present" | Pulling | ErrImageNeverPull
    pulling       the node's puller                 Pulled (and cached on the node) | ErrImagePull
    pull-backoff  PLEG, then the pull back-off      ImagePullBackOff; then pull again
    create        DELAYS["create"] (same sync)      Created, Started (or StartError, or CreateContainerConfigError)
    config-error  the pod worker's back-off (10 s)  the image check and create again (at once when a ConfigMap or
                                                    Secret it uses appears: `kubelet_config.py`)
    running       the process's next event          exits, OOM kill, probe results, liveness kill
    stopping      the process's shutdown time       it has exited (or was killed at the grace period's end)
    exited        DELAYS["pleg"]                    restart now | CrashLoopBackOff | stay terminated
    backoff       the crash back-off                restart (image check, create)
    done          -                                 terminated for good

Back-offs are the kubelet's: 10 s doubling to 5 min, for crashes and for pulls; the first restart after a
crash is immediate and a container that ran for 10 minutes starts again from 10 s.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kube_magics import quantity
from kube_magics.sim.clock import quantize
from kube_magics.sim.controllers import kubelet_probes as probes
from kube_magics.sim.controllers.kubelet_runtime import container_id, go_duration
from kube_magics.sim.controllers.kubelet_state import CState, Instance, PodRuntime

if TYPE_CHECKING:
    from kube_magics.sim.controllers.kubelet import KubeletController

DELAYS = {
    "sandbox": 0.5,  # the pause container and its network: PodReadyToStartContainers, the pod IP
    "create": 0.0,  # create and start a container, once its image is there (within the same sync)
    "pleg": 1.0,  # the kubelet notices an exit (PLEG relist) and syncs the pod again
}
BACKOFF_START, BACKOFF_MAX, BACKOFF_RESET = 10.0, 300.0, 600.0
CONFIG_RETRY = 10.0  # the pod worker's back-off after a sync that failed (kubelet's backOffPeriod)


Step = Callable[["KubeletController", PodRuntime, CState, float], None]


def memory_limit(spec: dict[str, Any]) -> int | None:
    value = ((spec.get("resources") or {}).get("limits") or {}).get("memory")
    return quantity.integer(value) if value is not None else None


# --- image -------------------------------------------------------------------------------------------------

def step_image(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    node = kl.node_runtime(p.node)
    ref = c.image_ref
    policy = c.spec.get("imagePullPolicy") or "IfNotPresent"
    present = c.image_key in node.images
    if present and policy != "Always":
        c.image = node.images[c.image_key]
        kl.container_event(p, c, "Normal", "Pulled",
                           f'Container image "{ref}" already present on machine and can be accessed by the pod')
        _to(c, "create", now + DELAYS["create"])
        if not DELAYS["create"]:
            step_create(kl, p, c, now)
        return
    if policy == "Never":
        msg = f'Container image "{ref}" is not present with pull policy of Never'
        c.waiting = ("ErrImageNeverPull", msg)
        kl.container_event(p, c, "Warning", "ErrImageNeverPull", msg)
        kl.container_event(p, c, "Warning", "Failed", "Error: ErrImageNeverPull")
        _to(c, "image-never", None)
        return
    kl.container_event(p, c, "Normal", "Pulling", f'Pulling image "{ref}"')
    c.pull = node.pull(ref, kl.registry, now)
    _to(c, "pulling", c.pull.finished)


def step_pulling(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    result, ref = c.pull, c.image_ref
    assert result is not None
    if result.image is None:
        c.pull_error = kl.registry.pull_error(ref)
        kl.container_event(p, c, "Warning", "Failed", f'Failed to pull image "{ref}": {c.pull_error}')
        kl.container_event(p, c, "Warning", "Failed", "Error: ErrImagePull")
        c.waiting = ("ErrImagePull", c.pull_error)
        c.pull_backoff = BACKOFF_START if not c.pull_backoff else min(BACKOFF_MAX, c.pull_backoff * 2)
        c.pull_failed_at = now
        _to(c, "pull-backoff", now + DELAYS["pleg"])
        return
    kl.node_runtime(p.node).store_image(ref, result.image)
    kl.images_changed(p.node)
    c.image = result.image
    kl.container_event(p, c, "Normal", "Pulled", (
        f'Successfully pulled image "{ref}" in {go_duration(result.finished - result.started)} '
        f"({go_duration(result.finished - result.requested)} including waiting). "
        f"Image size: {result.image.compressed} bytes."))
    c.pull_backoff = 0.0
    _to(c, "create", now + DELAYS["create"])
    if not DELAYS["create"]:
        step_create(kl, p, c, now)


def step_pull_backoff(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    retry = c.pull_failed_at + c.pull_backoff
    if now < retry:
        ref = c.image_ref
        kl.container_event(p, c, "Normal", "BackOff", f'Back-off pulling image "{ref}"')
        kl.container_event(p, c, "Warning", "Failed", "Error: ImagePullBackOff")
        c.waiting = ("ImagePullBackOff", f'Back-off pulling image "{ref}": ErrImagePull: {c.pull_error}')
        _to(c, "pull-backoff", retry)
        return
    step_image(kl, p, c, now)


# --- create, run, exit ----------------------------------------------------------------------------------------

def step_create(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    cfg = kl.config.generate(p, c)
    if isinstance(cfg, str):
        # generateContainerConfig failed: no container is created (a restart is not counted until one is); the
        # pod's next sync tries again.
        kl.container_event(p, c, "Warning", "Failed", f"Error: {cfg}")
        c.waiting = ("CreateContainerConfigError", cfg)
        if c.current is not None and not c.uncounted:
            c.restarts, c.uncounted = c.restarts - 1, True
        _to(c, "config-error", now + CONFIG_RETRY)
        return
    if c.uncounted:
        c.restarts, c.uncounted = c.restarts + 1, False
    process = kl.plan(p, c, cfg)
    inst = Instance(container_id(p.uid, c.name, c.restarts), process, now, env=cfg.env, subpaths=cfg.subpaths)
    if c.current is not None:
        c.previous = c.current
    c.current = inst
    c.waiting = ("", "")
    if process.start_error:
        kl.container_event(p, c, "Warning", "Failed", f"Error: {process.start_error}")
        _exit(kl, p, c, now, 128, "StartError", process.start_error)
        return
    kl.container_event(p, c, "Normal", "Created", "Container created")
    kl.container_event(p, c, "Normal", "Started", "Container started")
    limit = memory_limit(c.spec)
    if limit is not None:
        at = process.oom_offset(limit)
        inst.oom_at = None if at is None else now + at
    _plan_probes(p, c, inst, now)
    _to(c, "running", _running_due(c, inst, now))


def _plan_probes(p: PodRuntime, c: CState, inst: Instance, now: float) -> None:
    spec, proc, ip = c.spec, inst.process, p.ip
    startup = spec.get("startupProbe")
    if startup and not c.init:
        ok_at = probes.next_flip(startup, proc, started=inst.started, after=now, want=True, threshold=1, ip=ip,
                                 container=spec)
        fail_at = probes.next_flip(startup, proc, started=inst.started, after=now, want=False,
                                   threshold=int(startup.get("failureThreshold") or 3), ip=ip, container=spec)
        if fail_at is not None and (ok_at is None or fail_at < ok_at):
            inst.kill_at, inst.kill_reason = fail_at, "startup"
        inst.started_ok = ok_at
    else:
        inst.started_ok = now
    _plan_readiness(p, c, inst, after=now)
    _plan_liveness(p, c, inst)


def _plan_readiness(p: PodRuntime, c: CState, inst: Instance, *, after: float) -> None:
    probe = c.spec.get("readinessProbe")
    if inst.started_ok is None or c.init:
        inst.next_ready_flip = None
        return
    if not probe:
        inst.next_ready_flip = inst.started_ok if not inst.ready else None
        return
    want = not inst.ready
    threshold = int(probe.get("successThreshold") or 1) if want else int(probe.get("failureThreshold") or 3)
    inst.next_ready_flip = probes.next_flip(probe, inst.process, started=inst.started,
                                            after=max(after, inst.started_ok), want=want, threshold=threshold,
                                            ip=p.ip, container=c.spec)


def _plan_liveness(p: PodRuntime, c: CState, inst: Instance) -> None:
    probe = c.spec.get("livenessProbe")
    if not probe or c.init or inst.started_ok is None or inst.kill_at is not None:
        return
    at = probes.next_flip(probe, inst.process, started=inst.started, after=inst.started_ok, want=False,
                          threshold=int(probe.get("failureThreshold") or 3), ip=p.ip, container=c.spec)
    if at is not None:
        inst.kill_at, inst.kill_reason = at, "liveness"


def _running_due(c: CState, inst: Instance, now: float) -> float | None:
    proc = inst.process
    times = [t for t in (inst.oom_at, inst.kill_at, inst.next_ready_flip) if t is not None]
    if inst.started_ok is not None and inst.started_ok > now:
        times.append(inst.started_ok)  # `started` turns true then
    if proc.exit_after is not None:
        times.append(inst.started + proc.exit_after)
    unhealthy = _next_unhealthy(c, inst)
    if unhealthy is not None:
        times.append(unhealthy)
    return min(times) if times else None


def _next_unhealthy(c: CState, inst: Instance) -> float | None:
    """The next probe that fails while the container is not ready (reported as an Unhealthy event)."""
    probe = c.spec.get("readinessProbe")
    if not probe or inst.ready or inst.started_ok is None or c.init:
        return None
    after = max(inst.unhealthy_seen, inst.started_ok)
    for t in probes.probe_times(probe, started=inst.started, after=after, until=after + 3600):
        return t
    return None


def step_running(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    inst = c.current
    assert inst is not None
    proc = inst.process
    if inst.oom_at is not None and inst.oom_at <= now:
        _exit(kl, p, c, now, 137, "OOMKilled", "")
        return
    if proc.exit_after is not None and inst.started + proc.exit_after <= now:
        _exit(kl, p, c, now, proc.exit_code, "Completed" if proc.exit_code == 0 else "Error", "")
        return
    _report_unhealthy(kl, p, c, inst, now)
    if inst.kill_at is not None and inst.kill_at <= now:
        kind = "Liveness" if inst.kill_reason == "liveness" else "Startup"
        probe = c.spec.get(f"{inst.kill_reason}Probe") or {}
        ok, msg = probes.outcome(probe, inst.process, now - inst.started, ip=p.ip, container=c.spec)
        if not ok:
            for _ in range(int(probe.get("failureThreshold") or 3)):
                kl.container_event(p, c, "Warning", "Unhealthy", f"{kind} probe failed: {msg}")
        kl.container_event(p, c, "Normal", "Killing",
                           f"Container {c.name} failed {kind.lower()} probe, will be restarted")
        stop(kl, p, c, now, _grace(p, c.spec.get(f"{inst.kill_reason}Probe") or {}))
        return
    if inst.next_ready_flip is not None and inst.next_ready_flip <= now:
        inst.ready = not inst.ready
        inst.ready_changed = now
        _plan_readiness(p, c, inst, after=now + 1e-6)
    _to(c, "running", _running_due(c, inst, now))


def _report_unhealthy(kl: KubeletController, p: PodRuntime, c: CState, inst: Instance, now: float) -> None:
    probe = c.spec.get("readinessProbe")
    if not probe or inst.started_ok is None or c.init:
        return
    times = probes.probe_times(probe, started=inst.started, after=max(inst.unhealthy_seen, inst.started_ok),
                               until=now)
    for t in times[-10:]:
        ok, msg = probes.outcome(probe, inst.process, t - inst.started, ip=p.ip, container=c.spec)
        if not ok:
            kl.container_event(p, c, "Warning", "Unhealthy", f"Readiness probe failed: {msg}")
    inst.unhealthy_seen = max(inst.unhealthy_seen, now)


def _grace(p: PodRuntime, probe: dict[str, Any]) -> float:
    if probe.get("terminationGracePeriodSeconds") is not None:
        return float(probe["terminationGracePeriodSeconds"])
    return float(p.obj["spec"].get("terminationGracePeriodSeconds", 30))


def stop(kl: KubeletController, p: PodRuntime, c: CState, now: float, grace: float) -> None:
    """Send the stop signal: the process exits after its shutdown time, or is killed when the grace ends."""
    inst = c.current
    assert inst is not None
    inst.signalled = now
    own = inst.process.stop_seconds
    if own is not None and own <= grace:
        inst.exit_code, inst.reason = inst.process.stop_exit_code, "signal"
        _to(c, "stopping", now + own)
    else:
        inst.exit_code, inst.reason = 137, "killed"
        _to(c, "stopping", now + grace)


def step_stopping(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    inst = c.current
    assert inst is not None
    code = inst.exit_code
    _exit(kl, p, c, now, code, "Completed" if code == 0 else "Error", "")


def _exit(kl: KubeletController, p: PodRuntime, c: CState, now: float, code: int, reason: str, message: str) -> None:
    inst = c.current
    assert inst is not None
    inst.finished, inst.exit_code, inst.reason, inst.message = now, code, reason, message
    inst.ready = False
    if p.terminating:
        _to(c, "done", None)
        return
    _to(c, "exited", now + DELAYS["pleg"])


def restart_policy(p: PodRuntime, c: CState) -> str:
    if c.init and c.spec.get("restartPolicy") == "Always":
        return "Always"
    policy = str(p.obj["spec"].get("restartPolicy") or "Always")
    if c.init and policy == "Always":
        return "OnFailure"  # init containers are retried until they succeed
    return policy


def step_exited(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    inst = c.current
    assert inst is not None and inst.finished is not None
    policy = restart_policy(p, c)
    if c.changed:
        c.changed = False
        c.restarts += 1
        step_image(kl, p, c, now)
        return
    if policy == "Never" or (policy == "OnFailure" and inst.exit_code == 0):
        c.succeeded = c.init and inst.exit_code == 0
        _to(c, "done", None)
        return
    # The kubelet's back-off (flowcontrol.Backoff): in back-off while less than `backoff` has passed since
    # the container finished; a restart after a long quiet spell starts again at 10 s.
    expired = c.backoff_at is None or inst.finished - c.backoff_at > BACKOFF_RESET
    if expired or now - inst.finished >= c.backoff:
        restart(kl, p, c, now, expired)
        return
    c.waiting = ("CrashLoopBackOff", f"back-off {go_duration(c.backoff)} restarting failed container={c.name} "
                                     f"pod={p.name}_{p.namespace}({p.uid})")
    kl.container_event(p, c, "Warning", "BackOff",
                       f"Back-off restarting failed container {c.name} in pod {p.name}_{p.namespace}({p.uid})")
    _to(c, "backoff", inst.finished + c.backoff)


def restart(kl: KubeletController, p: PodRuntime, c: CState, now: float, expired: bool = False) -> None:
    c.backoff = BACKOFF_START if expired or not c.backoff else min(BACKOFF_MAX, c.backoff * 2)
    c.backoff_at = now
    c.restarts += 1
    step_image(kl, p, c, now)


def step_backoff(kl: KubeletController, p: PodRuntime, c: CState, now: float) -> None:
    restart(kl, p, c, now)


def redefine(kl: KubeletController, p: PodRuntime, c: CState, spec: dict[str, Any], now: float) -> None:
    """The container's image was changed in the pod spec: stop the running container and start the new one
    (as the kubelet does when a container's definition changes)."""
    c.spec = spec
    c.__post_init__()
    c.static_status = None
    if c.stage == "running" and c.current is not None:
        kl.container_event(p, c, "Normal", "Killing", f"Container {c.name} definition changed, will be restarted")
        c.changed = True
        stop(kl, p, c, now, _grace(p, {}))
    elif c.stage in ("backoff", "pull-backoff", "image-never", "exited", "config-error"):
        _to(c, "image", now)


def _to(c: CState, stage: str, due: float | None) -> None:
    # Due times are kept at the clock's resolution, so that "due" and "now" compare exactly.
    c.stage, c.due = stage, None if due is None else quantize(due)


STAGES: dict[str, Step] = {
    "image": step_image,
    "pulling": step_pulling,
    "pull-backoff": step_pull_backoff,
    "create": step_create,
    "config-error": step_image,
    "running": step_running,
    "stopping": step_stopping,
    "exited": step_exited,
    "backoff": step_backoff,
}
