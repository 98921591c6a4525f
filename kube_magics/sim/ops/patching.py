"""SimCluster verbs: Patches: JSON patch, JSON merge patch, strategic merge patch, server-side apply patches."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class PatchOps:
    rt: Runtime
