"""The one per-kernel state holder: which cluster the cells talk to, and the user's settings.

A `Session` is created when the extension loads and lives as long as the kernel. The backend is created on first
use (a fresh simulated cluster unless configured otherwise), so loading the extension stays cheap.

The backend is configured as `sim`, `kind`, `kind:CLUSTER`, `context:NAME` or `current` (`KubeMagics.backend`, or
the KUBE_MAGICS_BACKEND environment variable, which wins); `%kube use` switches it while the kernel runs.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kube_magics.errors import SimulatorOnlyError

if TYPE_CHECKING:
    from kube_magics.backends.base import Backend
    from kube_magics.docker_magics.context import DockerSide

ENV_BACKEND = "KUBE_MAGICS_BACKEND"


@dataclass
class Settings:
    backend: str = "sim"
    namespace: str = "default"
    sim_workers: int = 2
    sim_seed: int = 0
    language: str = "en"
    allowed_contexts: list[str] = field(default_factory=list)  # non-local contexts that may be written to


class Session:
    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        env = os.environ.get(ENV_BACKEND)
        if env:
            self.settings.backend = env
        self._backend: Backend | None = None
        self._views: list[Any] = []  # the views open on the current backend (and a server serving it)
        self._player: Any = None  # one clock player per simulated cluster, shared by its views
        # The one lock under which the simulated cluster moves: the player's, a served API's, the cells'.
        self._lock = threading.RLock()
        self._docker: DockerSide | None = None

    @property
    def backend(self) -> Backend:
        if self._backend is None:
            self._backend = self._make(self.settings.backend)
        return self._backend

    @property
    def has_backend(self) -> bool:
        return self._backend is not None

    @property
    def docker(self) -> DockerSide:
        """The Docker side: which engine `%docker` and `%%dockerfile` use, and the images built here."""
        if self._docker is None:
            from kube_magics.docker_magics.context import DockerSide

            self._docker = DockerSide(lambda: self._backend.sim if self._backend is not None else None,
                                      seed=self.settings.sim_seed)
        return self._docker

    def _make(self, spec: str) -> Backend:
        from kube_magics.backends.contexts import parse_backend

        kind, name = parse_backend(spec)
        if kind == "sim":
            return self.use_sim()
        return self.use_context(name or "", check=False)

    def use_context(self, name: str, *, allow_writes: bool = False, check: bool = True) -> Backend:
        """Talk to a kubeconfig context ("" for the kubeconfig's current one). With `check`, the server is asked
        for its version first, so an unreachable cluster is reported now and the session keeps its backend."""
        from kube_magics.backends import contexts
        from kube_magics.backends.kube import KubeBackend

        config = contexts.load()
        ctx = config.get(name or config.current)
        backend = KubeBackend(ctx, config.paths, allow_writes=allow_writes,
                              allowed=lambda: self.settings.allowed_contexts)
        if check:
            backend.version()
        self._switch(backend)
        self.settings.backend = f"context:{ctx.name}"
        if ctx.namespace:
            self.settings.namespace = ctx.namespace
        return backend

    def use_sim(self, *, workers: int | None = None, seed: int | None = None, **options: Any) -> Backend:
        """Start a fresh simulated cluster and make it the active backend."""
        from kube_magics.backends.sim import SimBackend

        backend = SimBackend(workers=self.settings.sim_workers if workers is None else workers,
                             seed=self.settings.sim_seed if seed is None else seed, **options)
        self._switch(backend)
        self.settings.backend = "sim"
        if self._docker is not None:  # images built in this kernel stay pullable, as from a registry
            self._docker.attach(backend.sim)
        return backend

    def swap_backend(self, backend: Backend) -> Backend | None:
        """Put `backend` in front of the cells in place of the active one (which is returned): e.g. the same
        cluster reached through a served API's lock (`%kube serve`)."""
        previous, self._backend = self._backend, backend
        return previous

    def reset(self) -> Backend:
        """A fresh cluster of the same kind as the active one (the simulator only: a real cluster stays)."""
        if self._backend is not None and self._backend.sim is None:
            raise SimulatorOnlyError(f"%kube reset works on the simulated cluster only; this notebook talks to "
                                     f"{self._backend.name}", hint="%kube use sim starts a fresh simulated cluster")
        self._switch(None)
        return self.backend

    def simulated(self, command: str) -> Any:
        """The simulated cluster behind the active backend, for `%kube COMMAND`, which works on it only."""
        sim = self.backend.sim
        if sim is None:
            raise SimulatorOnlyError(f"%kube {command} works on the simulated cluster only; "
                                     f"this notebook talks to {self.backend.name}")
        return sim

    # --- the views --------------------------------------------------------------------------------------------

    def _switch(self, backend: Backend | None) -> None:
        """Make `backend` the active one; views of the previous cluster stop watching it."""
        for view in self._views:
            getattr(view, "detach", view.close)()
        self._views.clear()
        if self._player is not None:
            self._player.pause()
        self._player = None
        self._backend = backend

    def player(self) -> Any:
        """The clock player of the simulated cluster (play/pause/step/speed), shared by all its views."""
        from kube_magics.widgets import Player

        sim = self.backend.sim
        if sim is None:
            raise SimulatorOnlyError("the clock controls work on the simulated cluster only")
        if self._player is None:
            self._player = Player(sim, lock=self._lock)
        return self._player

    def sim_lock(self) -> Any:
        """The lock under which the simulated cluster moves, shared by the player, the cells and a served API
        (`%kube serve`), so that a cell, the play button and a kubectl request never change it at the same time."""
        return self._lock

    def keep(self, view: Any) -> Any:
        """Remember a view, so that it is closed when the notebook switches clusters; returns it."""
        self._views.append(view)
        return view

    def refresh_views(self) -> None:
        """Bring open views up to date after the clock moved (ages change without any watch event)."""
        for view in self._views:
            refresh = getattr(view, "refresh", None)
            if refresh is not None:
                refresh()

    def find_image(self, ref: str) -> Any:
        """An image by reference: one built in this session, or one the simulated registry serves."""
        sim = self.backend.sim
        registry = sim.rt.services.get("registry") if sim is not None else None  # type: ignore[attr-defined]
        return registry.resolve(ref) if registry is not None else None

    def writes(self) -> int:
        """How many writes the active real-cluster backend has sent (0 on the simulator)."""
        return int(getattr(self._backend, "writes", 0) or 0)

    def name_context(self, result: Any, since: int) -> Any:
        """A magic's output after writes to a real cluster ends with the context they went to:
        `(context kind-workshop)` on a line of its own, so a cell never leaves doubt where it wrote."""
        from kube_magics.results import TextResult

        if self._backend is None or self._backend.sim is not None or self.writes() == since:
            return result
        if not isinstance(result, TextResult):
            return result
        note = f"(context {self._backend.name})"
        text = f"{result.text.rstrip(chr(10))}\n{note}" if result.text.strip() else note
        html = result._repr_html_()
        if html is not None:
            from kube_magics.results import pre

            html += pre(note)
        return TextResult(text, html_text=html, objects=result.objects, value=result.value)

    def describe_target(self) -> str:
        """One line: which cluster the cells will talk to."""
        if self.settings.backend in ("sim", "simulator", ""):
            return ("kube-magics: cells talk to a fresh simulated Kubernetes cluster (sim, "
                    f"{self.settings.sim_workers} workers, virtual clock); %kube use to change it")
        from kube_magics.backends.contexts import parse_backend

        name = parse_backend(self.settings.backend)[1]
        where = f"context {name}" if name else "the current context"
        return f"kube-magics: cells talk to Kubernetes, {where} of the kubeconfig; %kube use lists the contexts"
