"""SimCluster verbs: What a container sees: its environment and its mounted files."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kube_magics.sim.runtime import Runtime


class ConfigOps:
    rt: Runtime
