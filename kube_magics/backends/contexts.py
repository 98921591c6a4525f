"""Kubeconfig contexts, and the workshop safety guard: which contexts kube-magics may write to.

Reads kubeconfig files as kubectl merges them (`KUBECONFIG`, a list of paths separated by `:`, else
`~/.kube/config`; for each context, cluster and user the first file that names it wins, and so does the first
`current-context`). The guard decides from the kubeconfig alone, before any server is contacted:

- writes are allowed to contexts that look local: the context is named `kind-*`, `k3d-*`, `minikube`,
  `docker-desktop`, `rancher-desktop`, `orbstack` or `kube-magics-sim` (the simulator's served API), or its
  cluster's server is on `127.0.0.1`, `localhost` or `::1`;
- and to contexts the user allowed: `%kube use context NAME --allow-writes`, or `KubeMagics.allowed_contexts`;
- every other context is read-only: reads work, writes raise `ReadOnlyContextError` naming the context and how
  to allow writes.

Must not import the `kubernetes` client (loading the extension stays light) nor talk to any server.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kube_magics.errors import BackendError

SIM_CONTEXT = "kube-magics-sim"
LOCAL_NAMES = frozenset({"minikube", "docker-desktop", "docker-for-desktop", "rancher-desktop", "orbstack",
                         SIM_CONTEXT})
LOCAL_PREFIXES = ("kind-", "k3d-")
LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})


class KubeconfigError(BackendError):
    """No kubeconfig, an unreadable one, or a context it does not define (kubectl's wording)."""


class ReadOnlyContextError(BackendError):
    """A write to a context that the guard keeps read-only."""


@dataclass(frozen=True)
class Context:
    """One context of the merged kubeconfig, with what the guard needs to know about it."""

    name: str
    cluster: str
    user: str
    namespace: str
    server: str  # the cluster's API server URL ("" when the cluster is not defined)

    @property
    def host(self) -> str:
        """`127.0.0.1:6443`: the server's host and port, as kubectl names it in connection errors."""
        parts = urlsplit(self.server)
        return parts.netloc or self.server

    def looks_local(self) -> bool:
        return looks_local(self.name, self.server)


@dataclass(frozen=True)
class Kubeconfig:
    """The merged kubeconfig: its contexts in file order, the current one, and the files it came from."""

    contexts: tuple[Context, ...]
    current: str
    paths: tuple[str, ...]

    def get(self, name: str) -> Context:
        if not name:
            raise KubeconfigError("error: current-context is not set",
                                  hint=_known(self) + "; %kube use context NAME picks one")
        for c in self.contexts:
            if c.name == name:
                return c
        raise KubeconfigError(f'error: context "{name}" does not exist',
                              hint=_known(self) + "; %kube use lists the contexts")

    def names(self) -> list[str]:
        return [c.name for c in self.contexts]


def looks_local(context: str, server: str = "") -> bool:
    """Whether a context looks like a cluster on this machine (by its name or its server's host)."""
    if context in LOCAL_NAMES or context.startswith(LOCAL_PREFIXES):
        return True
    host = (urlsplit(server).hostname or "") if "://" in server else server.split(":")[0]
    return host.lower() in LOCAL_HOSTS


def kubeconfig_paths(environ: Mapping[str, str] | None = None) -> list[str]:
    """The files kubectl reads: `$KUBECONFIG` (several, `:`-separated), else `~/.kube/config`."""
    env = os.environ if environ is None else environ
    value = env.get("KUBECONFIG", "")
    if value:
        return [p for p in value.split(os.pathsep) if p]
    return [str(Path(env.get("HOME") or Path.home()) / ".kube" / "config")]


def load(paths: Iterable[str] | None = None) -> Kubeconfig:
    """Read and merge kubeconfig files (kubectl's rules: the first definition of a name wins)."""
    import yaml

    paths = list(kubeconfig_paths() if paths is None else paths)
    existing = [p for p in paths if Path(p).expanduser().is_file()]
    if not existing:
        raise KubeconfigError(f"error: no kubeconfig found (looked in {', '.join(paths) or 'nothing'})",
                              hint="`kind create cluster` writes one; set KUBECONFIG to use another file; "
                                   "%kube use sim talks to the simulated cluster")
    contexts: dict[str, Mapping[str, Any]] = {}
    clusters: dict[str, Mapping[str, Any]] = {}
    current = ""
    for path in existing:
        try:
            doc = yaml.safe_load(Path(path).expanduser().read_text()) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise KubeconfigError(f"error: error loading config file \"{path}\": {exc}") from None
        if not isinstance(doc, Mapping):
            raise KubeconfigError(f'error: error loading config file "{path}": not a kubeconfig')
        current = current or str(doc.get("current-context") or "")
        _merge(contexts, doc.get("contexts"), "context")
        _merge(clusters, doc.get("clusters"), "cluster")
    out = []
    for name, ctx in contexts.items():
        cluster = str(ctx.get("cluster") or "")
        out.append(Context(name, cluster, str(ctx.get("user") or ""), str(ctx.get("namespace") or ""),
                           str((clusters.get(cluster) or {}).get("server") or "")))
    return Kubeconfig(tuple(out), current, tuple(existing))


def _merge(into: dict[str, Mapping[str, Any]], entries: Any, key: str) -> None:
    for entry in entries or ():
        if isinstance(entry, Mapping) and entry.get("name") and str(entry["name"]) not in into:
            into[str(entry["name"])] = entry.get(key) or {}


def _known(config: Kubeconfig) -> str:
    names = config.names()
    return f"contexts in {', '.join(config.paths)}: {', '.join(names)}" if names else "the kubeconfig has no contexts"


# --- the guard ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WriteGuard:
    """Whether writes may go to one context, and why. Built from the kubeconfig; never contacts a server."""

    context: str
    writable: bool
    reason: str  # "local" | "allowed" | "read-only"

    @classmethod
    def for_context(cls, ctx: Context, *, allow: bool = False, allowed: Iterable[str] = ()) -> WriteGuard:
        if ctx.looks_local():
            return cls(ctx.name, True, "local")
        if allow or ctx.name in set(allowed):
            return cls(ctx.name, True, "allowed")
        return cls(ctx.name, False, "read-only")

    def check(self, what: str = "write") -> None:
        """Raise ReadOnlyContextError unless writes may go to this context."""
        if self.writable:
            return
        raise ReadOnlyContextError(
            f'error: context "{self.context}" is read-only in kube-magics: refusing to {what}',
            hint=f"writes go only to local clusters (kind-*, k3d-*, minikube, docker-desktop, rancher-desktop, "
                 f"orbstack, or a server on localhost) unless allowed: %kube use context {self.context} "
                 f"--allow-writes, or %config KubeMagics.allowed_contexts = ['{self.context}']")

    def describe(self) -> str:
        return {"local": "writes allowed (local cluster)", "allowed": "writes allowed (allowed by you)",
                "read-only": "read-only"}[self.reason]


# --- what the user types ------------------------------------------------------------------------------------------


def kind_context(cluster: str | None) -> str:
    """`%kube use kind [CLUSTER]`: kind names its context `kind-CLUSTER` (the cluster is `kind` by default)."""
    return f"kind-{cluster or 'kind'}"


def parse_backend(spec: str) -> tuple[str, str | None]:
    """A backend as configured (`KubeMagics.backend`, `KUBE_MAGICS_BACKEND`): ("sim", None) or ("context", NAME).

    `sim`; `context:NAME` (or `context=NAME`); `kind` or `kind:CLUSTER`; `current` (the kubeconfig's current
    context, resolved when first used)."""
    text = spec.strip()
    if text in ("", "sim", "simulator"):
        return "sim", None
    head, sep, rest = text.replace("=", ":", 1).partition(":")
    if head == "kind":
        return "context", kind_context(rest or None)
    if head == "context" and sep and rest:
        return "context", rest
    if head == "current" and not sep:
        return "context", ""
    raise BackendError(f"unknown backend {spec!r}",
                       hint="use sim, kind, kind:CLUSTER, context:NAME or current")
