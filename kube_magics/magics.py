"""The notebook magics: `%%k8s`, `%k8s`, `%kube`, `%%dockerfile` and `%docker`.

Each magic does three things: expand and split its line, make one call into the domain (`kubectl/`, `kubecmd`,
`docker_magics/`), and return a result object that displays itself. Errors from the domain (`KubeMagicsError`) become
`CellError`s: the message alone, no traceback, and the cell still fails.

Lines are taken verbatim (`@no_var_expand`): IPython's `{}` expansion would break kubectl's jsonpath and
docker's Go templates. `$name` expands a notebook variable, as in `!cmd $name` (see `lineparse`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from IPython.core.magic import Magics, cell_magic, line_cell_magic, line_magic, magics_class, no_var_expand
from traitlets import Int, List, Unicode, observe

from kube_magics.errors import KubeMagicsError
from kube_magics.results import CellError
from kube_magics.session import Session

F = TypeVar("F", bound=Callable[..., Any])


def boundary(fn: F) -> F:
    """The one error boundary: domain errors become clean notebook errors.

    What a verb printed before it failed (`rollout status` lines before a timeout) goes to the output as ordinary
    text, as kubectl's stdout would; only the error itself is shown as the error.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except KubeMagicsError as exc:
            if exc.printed:
                print(exc.printed.rstrip("\n"))
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
                 annotate patch cordon uncordon drain exec explain api-resources events
          `%k8s VERB --help` shows a verb's flags; `get -w` and `logs -f` watch for 30 s (--request-timeout)

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
          %kube use sim --no-metrics-server         ... without the metrics API (as kind comes: no top, no HPA)
          %kube use kind [CLUSTER]                  a kind cluster (context kind-CLUSTER)
          %kube use context NAME [--allow-writes]   any kubeconfig context; only local-looking ones take
                                                    writes unless allowed (KubeMagics.allowed_contexts)
          %kube status | reset
          %kube advance 60s                         move the simulator's clock (30s, 2m, 1h30m)
          %kube serve [--port N] [--speed X]        serve this cluster's Kubernetes API for kubectl
          %kube serve stop
          %kube fail-node NAME | recover-node NAME
          %kube load svc/web --rps 600 | requests svc/web --count 100
          %kube stack | topology | watch [-l SELECTOR] [-n NS] | lang ko|en
        """
        from kube_magics import kubecmd

        return kubecmd.run(self.session, self._line(line))

    @no_var_expand
    @cell_magic
    @boundary
    def dockerfile(self, line: str, cell: str) -> Any:
        """The cell is a Dockerfile: build it, on the Docker engine or the simulated builder.

          %%dockerfile -t NAME[:TAG] [--context DIR] [--build-arg K=V]... [--target STAGE] [--no-cache]
                       [--platform P] [--builder docker|sim] [--file-out PATH] [--no-lint]
                       [--load-into kind[:CLUSTER]]

        The builder is --builder, else the Docker context (%docker context use sim|default; by default the
        engine when one answers, else the simulator). The context directory is the notebook's directory unless
        --context says otherwise; .dockerignore is honoured. The linter's findings show above the build.
        {{ expression }} in the cell is filled in from the notebook's variables; `$name` in the line expands
        a variable (-t app:$version). The image is also pushed to the simulated cluster's registry, so a
        Deployment naming it runs there. The result shows the layer stack; `.id`, `.tags`, `.size`, `.layers`
        and `.config` are there for Python.
        """
        from kube_magics.docker_magics.cell import build_cell

        return build_cell(self.session, self._line(line), cell, self._template_namespace())

    @no_var_expand
    @line_magic
    @boundary
    def docker(self, line: str) -> Any:
        """The docker CLI in a cell, on the engine of the Docker context.

          %docker images | ps [-a] | run [-d] [-p H:C] [-e K=V] [--name N] [--rm] IMAGE [CMD...]
          %docker stop | rm [-f] | logs | exec | history | inspect | rmi | tag | pull ...
          %docker load-into kind[:CLUSTER] IMAGE    copy an engine's image into a kind cluster's nodes
          %docker context ls | use sim|default | show

        Output is the docker CLI's, flags as it parses them (--format '{{.Names}}' passes through). On the
        simulated engine, containers are simulated processes on the simulated cluster's virtual clock.
        """
        from kube_magics import docker_magics

        return docker_magics.run(self.session, self._line(line))
