"""The `%docker` and `%%dockerfile` magics' domain: which engine (context.py), builds of a cell (cell.py, with
sim_build.py and engine_build.py), what a build returns (result.py), and `%docker VERB ...` (here).

`run(session, argv)` routes `%docker context ...` to the session's Docker side and every other verb to the
engine of the current context: the real one's CLI (`kube_magics.docker.run_cli`) or the simulated one's
(`kube_magics.sim_docker.cli`), which know the same verbs and flags and print with the same formatters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kube_magics.results import TextResult

if TYPE_CHECKING:
    from kube_magics.session import Session


def run(session: Session, argv: Sequence[str]) -> TextResult:
    """`%docker ARGV...`: context verbs here, the others on the current context's engine."""
    side = session.docker
    words = list(argv)
    if words[:1] == ["context"]:
        return side.context_command(words[1:])
    if side.current == "sim":
        from kube_magics.sim_docker import cli

        return cli.run(side.sim(), words)
    from kube_magics.docker import run_cli

    return run_cli(side.engine(), words)
