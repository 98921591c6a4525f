"""kubectl's verbs for `%k8s`, and applying a `%%k8s` cell, against any Backend.

`run(session, argv)` routes a verb to its module; each verb parses kubectl's flags for it, calls the backend,
and prints with `kube_magics.printers`, so the output is the same on the simulator and on a real cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.session import Session

Verb = Callable[[Session, list[str]], Any]

VERBS: dict[str, Verb] = {}


def verb(name: str, *aliases: str) -> Callable[[Verb], Verb]:
    def deco(fn: Verb) -> Verb:
        for n in (name, *aliases):
            VERBS[n] = fn
        return fn

    return deco


def run(session: Session, argv: list[str]) -> Any:
    _load_verbs()
    if not argv:
        raise UsageError("usage: %k8s VERB [ARGS]; verbs: " + ", ".join(sorted(VERBS)))
    name, rest = argv[0], argv[1:]
    fn = VERBS.get(name)
    if fn is None:
        raise UsageError(f'error: unknown command "{name}" for "kubectl"\n'
                         "Run '%k8s --help' for usage.")
    return fn(session, rest)


def apply_cell(session: Session, argv: list[str], cell: str, namespace: dict[str, Any]) -> Any:
    from kube_magics.kubectl.apply import apply_cell as impl

    return impl(session, argv, cell, namespace)


def _load_verbs() -> None:
    """Import the verb modules (they register themselves); done on first use to keep %load_ext light."""
    from kube_magics.kubectl import apply  # noqa: F401
