"""SimCluster verbs: Deployments and their kin: scale, rollout history/undo/restart/pause/resume, set image."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class WorkloadOps:
    rt: Runtime
