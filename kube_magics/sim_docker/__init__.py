"""A simulated Docker engine, for notebooks where no engine answers (Binder) or that must give the same output
everywhere (`%docker context use sim`).

    engine.py      SimDockerEngine: images (the simulated builder's, the catalogue's once pulled), tags, rmi
    lifecycle.py   containers: run, stop, rm, logs, exec, in the daemon's order and words
    containers.py  a container: the behaviour model's process, its state at any instant, its API shapes
    images.py      an image's API shapes (list entry, history, inspect) and a pull's lines
    clock.py       the engine's time: the simulated cluster's clock, or its own (and the rule that moves it)
    cli.py         the docker CLI's verbs over it, with the real engine's flag parsing and formatters

Must not import the magics or the session; the simulated cluster is reached only through the clock and the
`on_tagged` callback.
"""

from __future__ import annotations

from kube_magics.sim_docker.clock import EngineClock
from kube_magics.sim_docker.engine import SimDockerEngine

__all__ = ["EngineClock", "SimDockerEngine"]
