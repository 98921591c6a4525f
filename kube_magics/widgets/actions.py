"""What the buttons of a cluster view do: delete a pod, fail or recover a node, scale a Deployment, move the clock.

The browser sends `{"action": name, ...}`; `ACTIONS` routes it to one small function that calls the backend (the
Backend protocol, its `sim` controls, or the `Player`) and returns the line to show, in kubectl's words
(`pod "web-1" deleted`, `deployment.apps/web scaled`). Errors are `KubeMagicsError`s; the view shows their text.

Scaling goes through `backend.scale(resource, name, replicas, namespace=...)`, kubectl's verb; a backend without it
answers with a `BackendError`.

Must not: change a view's state (the watch brings the consequences back), or reach into the simulator.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from kube_magics.backends.base import Backend
from kube_magics.errors import BackendError, SimulatorOnlyError, UsageError
from kube_magics.widgets.player import Player

Msg = dict[str, Any]
Action = Callable[[Backend, Player | None, Msg], str]


def _split(key: str) -> tuple[str, str]:
    ns, _, name = key.partition("/")
    if not name:
        raise UsageError(f'expected "namespace/name", got "{key}"')
    return ns, name


def _locked(player: Player | None) -> AbstractContextManager[Any]:
    """The simulator moves under one lock; a change from a button takes it too."""
    return player.lock if player is not None else nullcontext()


def delete_pod(backend: Backend, player: Player | None, msg: Msg) -> str:
    ns, name = _split(str(msg.get("pod", "")))
    with _locked(player):
        backend.delete("pods", name, namespace=ns)
    return f'pod "{name}" deleted'


def _sim(backend: Backend) -> Any:
    if backend.sim is None:
        raise SimulatorOnlyError(f"only the simulated cluster can do that; {backend.name} is a real cluster")
    return backend.sim


def fail_node(backend: Backend, player: Player | None, msg: Msg) -> str:
    name = str(msg.get("node", ""))
    with _locked(player):
        _sim(backend).fail_node(name)
    return f"node/{name} failed: its kubelet stopped posting status"


def recover_node(backend: Backend, player: Player | None, msg: Msg) -> str:
    name = str(msg.get("node", ""))
    with _locked(player):
        _sim(backend).recover_node(name)
    return f"node/{name} recovered"


def scale(backend: Backend, player: Player | None, msg: Msg) -> str:
    ns, name = _split(str(msg.get("deployment", "")))
    replicas = int(msg.get("replicas", -1))
    if replicas < 0:
        raise UsageError("error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0")
    verb = getattr(backend, "scale", None)
    if verb is None:
        raise BackendError(f"{backend.name}: this backend cannot scale Deployments")
    with _locked(player):
        verb("deployments", name, replicas, namespace=ns)
    return f"deployment.apps/{name} scaled"


def _player(player: Player | None) -> Player:
    if player is None:
        raise SimulatorOnlyError("the clock controls need the simulated cluster")
    return player


CLOCK_OPS: dict[str, Callable[[Player, Msg], None]] = {
    "play": lambda p, m: p.play(),
    "pause": lambda p, m: p.pause(),
    "step": lambda p, m: p.step(),
    "speed": lambda p, m: p.set_speed(float(m.get("speed", 1))),
}


def clock(backend: Backend, player: Player | None, msg: Msg) -> str:
    op = CLOCK_OPS.get(str(msg.get("op")))
    if op is None:
        raise UsageError(f'unknown clock control "{msg.get("op")}"')
    op(_player(player), msg)
    return ""


ACTIONS: dict[str, Action] = {
    "delete_pod": delete_pod,
    "fail_node": fail_node,
    "recover_node": recover_node,
    "scale": scale,
    "clock": clock,
}


def run(backend: Backend, player: Player | None, msg: Msg) -> str:
    action = ACTIONS.get(str(msg.get("action")))
    if action is None:
        raise UsageError(f'unknown action "{msg.get("action")}"')
    return action(backend, player, msg)
