"""The Docker side of a session: which engine `%docker` and `%%dockerfile` talk to, and the images the simulated
cluster can pull.

Two Docker "contexts", as `docker context` names them:

- `default`: the real engine at DOCKER_HOST or the local socket (`kube_magics.docker`);
- `sim`: the simulated engine in this kernel (`kube_magics.sim_docker`), which follows the simulated cluster's
  clock when the notebook's cluster is the simulator.

`%docker context use sim|default` chooses; until then the engine is the real one when it answers (probed once,
with a short timeout, when first needed) and the simulator otherwise. Tutorial notebooks pin `sim`, so their
outputs do not depend on the machine.

Every image built here (on either engine) or tagged on the simulated engine is pushed to the simulated cluster's
registry (`rt.services["registry"]`), and again into each new simulated cluster (`attach`), so a Deployment that
names it runs there, as it would from a real registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kube_magics.docker.engine import EngineStatus, engine_url, probe
from kube_magics.docker.units import tabulate
from kube_magics.errors import UsageError
from kube_magics.results import TextResult, pre

if TYPE_CHECKING:
    from kube_magics.docker.engine import Engine
    from kube_magics.sim.registry import Image as RegistryImage
    from kube_magics.sim_docker import SimDockerEngine
    from kube_magics.sim_docker.images import LocalImage

CONTEXTS = ("default", "sim")
DESCRIPTIONS = {"default": "Current DOCKER_HOST based configuration",
                "sim": "Simulated engine in this kernel (kube-magics)"}
PROBE_TIMEOUT = 1.0


class DockerSide:
    """Per-session Docker state. `cluster_of()` gives the simulated cluster the notebook uses now, or None."""

    def __init__(self, cluster_of: Callable[[], Any], *, seed: int = 0,
                 prober: Callable[[], EngineStatus] | None = None) -> None:
        self._cluster_of = cluster_of
        self._seed = seed
        self._prober = prober or (lambda: probe(timeout=PROBE_TIMEOUT))
        self.chosen: str | None = None  # None: decided by whether an engine answers
        self._status: EngineStatus | None = None
        self._engine: Engine | None = None
        self._sim: SimDockerEngine | None = None
        self._published: dict[str, RegistryImage] = {}  # ref -> image, for clusters made later

    # --- which engine ----------------------------------------------------------------------------------------

    def status(self) -> EngineStatus:
        """Whether the real engine answers (asked once)."""
        if self._status is None:
            self._status = self._prober()
        return self._status

    @property
    def current(self) -> str:
        if self.chosen is not None:
            return self.chosen
        return "default" if self.status() else "sim"

    def engine(self) -> Engine:
        """The real engine, connected on first use (a BackendError in Docker's words when it does not answer)."""
        if self._engine is None:
            from kube_magics.docker.engine import Engine

            self._engine = Engine.connect()
        return self._engine

    def sim(self) -> SimDockerEngine:
        if self._sim is None:
            from kube_magics.sim_docker import EngineClock, SimDockerEngine

            self._sim = SimDockerEngine(clock=EngineClock(self._cluster_of), seed=self._seed)
            self._sim.on_tagged = self._sim_tagged
        return self._sim

    # --- `%docker context ...` ---------------------------------------------------------------------------------

    def context_command(self, argv: list[str]) -> TextResult:
        verb, rest = (argv[0], argv[1:]) if argv else ("ls", [])
        if verb in ("ls", "list"):
            return self.listing()
        if verb == "use" and len(rest) == 1:
            return self.use(rest[0])
        if verb == "show" and not rest:
            return _text(self.current + "\n")
        raise UsageError(f"usage: %docker context ls | use {'|'.join(CONTEXTS)} | show")

    def use(self, name: str) -> TextResult:
        if name not in CONTEXTS:
            raise UsageError(f'context "{name}": context not found',
                             hint="the contexts here: default (the Docker engine at DOCKER_HOST or the local socket) "
                                  "and sim (the simulated engine)")
        self.chosen = name
        lines = [name, f'Current context is now "{name}"']
        if name == "default":
            self._status = None  # ask again: the engine may have been started since
            status = self.status()
            if not status:
                lines.append(f"warning: {status.reason} (commands will fail until an engine answers; "
                             "%docker context use sim for the simulated engine)")
        return _text("\n".join(lines) + "\n")

    def listing(self) -> TextResult:
        """`docker context ls`: NAME DESCRIPTION DOCKER ENDPOINT ERROR, the current one marked with `*`."""
        from kube_magics.sim_docker.engine import ENDPOINT

        current = self.current
        rows = [["NAME", "DESCRIPTION", "DOCKER ENDPOINT", "ERROR"]]
        for name, endpoint in (("default", engine_url()), ("sim", ENDPOINT)):
            rows.append([name + (" *" if name == current else ""), DESCRIPTIONS[name], endpoint, ""])
        return _text(tabulate(rows))

    # --- the simulated cluster's registry ---------------------------------------------------------------------

    def publish(self, image: RegistryImage, tags: list[str]) -> None:
        """Make `image` pullable by the simulated cluster under `tags` (now, and in clusters made later)."""
        if not tags:
            return
        for tag in tags:
            self._published[tag] = image
        cluster = self._cluster_of()
        if cluster is not None:
            _registry(cluster).push(image, *tags[1:])

    def attach(self, cluster: Any) -> None:
        """A new simulated cluster: the images built in this kernel are in its registry too."""
        registry = _registry(cluster)
        for tag, image in self._published.items():
            registry.push(image, tag)

    def _sim_tagged(self, image: LocalImage, tags: list[str]) -> None:
        self.publish(image.registry_image(tags[0]), tags)


def _registry(cluster: Any) -> Any:
    from kube_magics.sim.registry import registry_of

    return registry_of(cluster.rt.services)


def _text(text: str) -> TextResult:
    return TextResult(text, html_text=pre(text) if text else None)
