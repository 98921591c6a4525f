"""The one per-kernel state holder: which cluster the cells talk to, and the user's settings.

A `Session` is created when the extension loads and lives as long as the kernel. The backend is created on first
use (a fresh simulated cluster unless configured otherwise), so loading the extension stays cheap.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kube_magics.errors import UsageError

if TYPE_CHECKING:
    from kube_magics.backends.base import Backend

ENV_BACKEND = "KUBE_MAGICS_BACKEND"


@dataclass
class Settings:
    backend: str = "sim"
    namespace: str = "default"
    sim_workers: int = 2
    sim_seed: int = 0
    language: str = "en"


class Session:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        env = os.environ.get(ENV_BACKEND)
        if env:
            self.settings.backend = env
        self._backend: Backend | None = None

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self._make(self.settings.backend)
        return self._backend

    @property
    def has_backend(self) -> bool:
        return self._backend is not None

    def _make(self, spec: str) -> Backend:
        if spec in ("sim", "simulator", ""):
            return self.use_sim()
        raise UsageError(f"unknown backend {spec!r}: use 'sim' (the simulated cluster)")

    def use_sim(self, *, workers: int | None = None, seed: int | None = None, **options: Any) -> Backend:
        """Start a fresh simulated cluster and make it the active backend."""
        from kube_magics.backends.sim import SimBackend

        backend = SimBackend(workers=self.settings.sim_workers if workers is None else workers,
                             seed=self.settings.sim_seed if seed is None else seed, **options)
        self._backend = backend  # type: ignore[assignment]
        return backend  # type: ignore[return-value]

    def swap_backend(self, backend: Backend) -> Backend | None:
        """Put `backend` in front of the cells in place of the active one (which is returned): e.g. the same
        cluster reached through a served API's lock (`%kube serve`)."""
        previous, self._backend = self._backend, backend
        return previous

    def reset(self) -> Backend:
        """A fresh cluster of the same kind as the active one."""
        self._backend = None
        return self.backend

    def describe_target(self) -> str:
        """One line: which cluster the cells will talk to."""
        if self.settings.backend in ("sim", "simulator", ""):
            return ("kube-magics: cells talk to a fresh simulated Kubernetes cluster (sim, "
                    f"{self.settings.sim_workers} workers, virtual clock); %kube use to change it")
        return f"kube-magics: cells talk to {self.settings.backend}"
