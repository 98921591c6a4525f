"""The notebook magics: `%%k8s`, `%k8s`, `%kube` (and `%%dockerfile`, `%docker` from docker_magics).

Each magic does three things: expand and split its line, make one call into the domain (`kubectl/`, `kubecmd`,
`docker/`), and return a result object that displays itself. Errors from the domain (`KubeMagicsError`) become
`CellError`s: the message alone, no traceback, and the cell still fails.

Lines are taken verbatim (`@no_var_expand`): IPython's `{}` expansion would break kubectl's jsonpath and
docker's Go templates. `$name` expands a notebook variable, as in `!cmd $name` (see `lineparse`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from IPython.core.magic import Magics, line_cell_magic, line_magic, magics_class, no_var_expand
from traitlets import Int, List, Unicode, observe

from kube_magics.errors import KubeMagicsError
from kube_magics.results import CellError
from kube_magics.session import Session

F = TypeVar("F", bound=Callable[..., Any])


def boundary(fn: F) -> F:
    """The one error boundary: domain errors become clean notebook errors."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KubeMagicsError as exc:
            raise CellError(str(exc)) from None

    return wrapper  # type: ignore[return-value]


@magics_class
class KubeMagics(Magics):
    """Docker and Kubernetes in notebook cells. Configure with `%config KubeMagics.<name> = value`."""

    backend = Unicode("sim", help="The cluster cells talk to at first: 'sim' (the simulated cluster), 'kind', "
                                  "'kind:CLUSTER', 'context:NAME' or 'current' (the kubeconfig's current context). "
                                  "The KUBE_MAGICS_BACKEND environment variable, when set, wins.",
                      ).tag(config=True)
    allowed_contexts = List(Unicode(), help="Kubeconfig contexts that may be written to although they do not look "
                                            "local (kind-*, k3d-*, minikube, docker-desktop, ... are always "
                                            "writable). Every other context is read-only.").tag(config=True)
    namespace = Unicode("default", help="The namespace verbs use when none is given.").tag(config=True)
    sim_workers = Int(2, help="Worker nodes of a new simulated cluster.").tag(config=True)
    sim_seed = Int(0, help="Seed of a new simulated cluster (names and traffic follow from it).").tag(config=True)

    def __init__(self, shell: Any = None, session: Session | None = None, **kwargs: Any) -> None:
        super().__init__(shell=shell, **kwargs)
        if session is None:
            from kube_magics.session import Settings

            session = Session(Settings(backend=self.backend, namespace=self.namespace,
                                       sim_workers=self.sim_workers, sim_seed=self.sim_seed,
                                       allowed_contexts=list(self.allowed_contexts)))
        self.session = session

    @observe("allowed_contexts")
    def _allowed_changed(self, change: dict[str, Any]) -> None:
        # `%config KubeMagics.allowed_contexts = [...]` after loading: the guard reads the session's list.
        self.session.settings.allowed_contexts[:] = list(change["new"])

    def _line(self, line: str) -> list[str]:
        from kube_magics.lineparse import expand, split

        return split(expand(line, self.shell.user_ns if self.shell is not None else {}))

    def _template_namespace(self) -> dict[str, Any]:
        return dict(self.shell.user_ns) if self.shell is not None else {}

    @no_var_expand
    @line_cell_magic
    @boundary
    def k8s(self, line: str, cell: str | None = None) -> Any:
        """kubectl in a cell.

        As a line magic, a kubectl verb:  %k8s get pods -o wide   %k8s describe deploy/web   %k8s logs web-1
          verbs: get describe logs delete scale rollout set wait top expose create run autoscale apply label
                 annotate cordon uncordon drain exec explain api-resources

        As a cell magic, the cell is YAML to apply (several documents, `---` separated), server-side apply:
          %%k8s [-n NAMESPACE] [--dry-run] [--diff] [--delete] [--wait[=TIMEOUT]] [--no-validate]
                [--no-template] [--force-conflicts]
          {{ expression }} in the cell is filled in from the notebook's variables (Jinja2 syntax);
          `$name` in the line expands a notebook variable.
        """
        from kube_magics import kubectl

        argv = self._line(line)
        since = self.session.writes()
        if cell is None:
            out = kubectl.run(self.session, argv)
        else:
            out = kubectl.apply_cell(self.session, argv, cell, self._template_namespace())
        return self.session.name_context(out, since)

    @no_var_expand
    @line_magic
    @boundary
    def kube(self, line: str) -> Any:
        """The toolkit itself: which cluster, the simulator's clock and faults, the views.

          %kube use                                 the clusters to choose from (the kubeconfig's contexts)
          %kube use sim [--workers N] [--seed S]   a fresh simulated cluster
          %kube use sim --node-group min=2,max=5   ... with worker nodes the cluster autoscaler adds and
                                                    removes ([NAME:]min=N,max=M[,cpu=4,memory=8Gi])
          %kube use kind [CLUSTER]                  a kind cluster (context kind-CLUSTER)
          %kube use context NAME [--allow-writes]   any kubeconfig context; only local-looking ones take
                                                    writes unless allowed (KubeMagics.allowed_contexts)
          %kube status | reset
          %kube advance 60s                         move the simulator's clock (30s, 2m, 1h30m)
          %kube fail-node NAME | recover-node NAME
          %kube load svc/web --rps 600 | requests svc/web --count 100
          %kube stack | topology | watch [-l SELECTOR] [-n NS] | lang ko|en
        """
        from kube_magics import kubecmd

        return kubecmd.run(self.session, self._line(line))
