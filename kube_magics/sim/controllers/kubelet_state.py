"""The simulated kubelet's state for a pod on its node: the pod, its containers, and each container's runs.

Plain data, changed by the stages (`kubelet_stages.py`) and read by the status builder (`kubelet_status.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kube_magics.images import normalise
from kube_magics.sim.behaviour import Process
from kube_magics.sim.controllers.kubelet_runtime import PullResult
from kube_magics.sim.registry import Image
from kube_magics.sim.volumes import MountedVolume


@dataclass
class Instance:
    """One run of a container (a containerd container)."""

    id: str
    process: Process
    started: float
    oom_at: float | None = None
    finished: float | None = None
    exit_code: int = 0
    reason: str = ""
    message: str = ""
    signalled: float | None = None  # when the stop signal was sent
    started_ok: float | None = None  # startup probe passed (or none)
    ready: bool = False
    ready_changed: float = 0.0
    kill_at: float | None = None  # a failing liveness or startup probe kills it then
    kill_reason: str = ""
    next_ready_flip: float | None = None
    unhealthy_seen: float = 0.0  # failing probes up to here have been reported
    env: dict[str, str] = field(default_factory=dict)  # the process's environment, fixed when it started
    subpaths: dict[str, Any] = field(default_factory=dict)  # subPath mounts: mountPath -> what was there then


@dataclass
class CState:
    """The kubelet's view of one container of a pod."""

    name: str
    spec: dict[str, Any]
    init: bool
    stage: str = "idle"
    due: float | None = None
    waiting: tuple[str, str] = ("ContainerCreating", "")
    current: Instance | None = None
    previous: Instance | None = None
    restarts: int = 0
    image: Image | None = None
    pull: PullResult | None = None
    pull_error: str = ""
    pull_backoff: float = 0.0
    pull_failed_at: float = 0.0
    backoff: float = 0.0
    backoff_at: float | None = None
    succeeded: bool = False  # an init container that completed
    changed: bool = False  # its definition changed: restart it once stopped, without back-off
    uncounted: bool = False  # a restart whose container could not be created yet (not counted until it is)
    static_status: dict[str, Any] | None = None  # status fields that depend only on the spec

    @property
    def field_path(self) -> str:
        return f"spec.{'initContainers' if self.init else 'containers'}{{{self.name}}}"

    def __post_init__(self) -> None:
        self.image_ref = str(self.spec.get("image", ""))
        self.image_key = normalise(self.image_ref)  # the node's image store is keyed by the normalised reference


@dataclass
class PodRuntime:
    """The kubelet's state for one pod on its node."""

    namespace: str
    name: str
    uid: str
    node: str
    obj: dict[str, Any]
    accepted: float
    sandbox_due: float
    sandbox_ready: float | None = None
    ip: str = ""
    containers: list[CState] = field(default_factory=list)
    transitions: dict[str, tuple[str, float]] = field(default_factory=dict)  # condition -> (status, since)
    conditions: dict[str, tuple[Any, dict[str, Any]]] = field(default_factory=dict)  # the last one written
    terminating: bool = False
    finished: bool = False
    written: tuple[Any, ...] | None = None  # what the last status write showed
    # Volumes (`kubelet_config.py`): those set up, and for those not yet, the next attempt (due, back-off).
    volumes: dict[str, MountedVolume] = field(default_factory=dict)
    mount_retry: dict[str, tuple[float, float]] = field(default_factory=dict)
    mount_timeout: float | None = None  # when the wait for the volumes gives up (and tries again)
    refresh_due: float | None = None  # when the next sync rewrites volumes whose sources changed
    refs: tuple[tuple[str, str], ...] = ()  # the ConfigMaps and Secrets the pod uses: (kind, name)

    inits: list[CState] = field(default_factory=list)
    mains: list[CState] = field(default_factory=list)

    @property
    def mounting(self) -> bool:
        """Some volume is not set up yet: no sandbox, no containers."""
        return bool(self.mount_retry)

    def next_due(self) -> float | None:
        times = [c.due for c in self.containers if c.due is not None]
        if self.sandbox_ready is None and not self.terminating:
            if self.mount_retry:
                times += [due for due, _ in self.mount_retry.values()]
                if self.mount_timeout is not None:
                    times.append(self.mount_timeout)
            else:
                times.append(self.sandbox_due)
        if self.refresh_due is not None and not self.terminating:
            times.append(self.refresh_due)
        return min(times) if times else None
