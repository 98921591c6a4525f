"""The workshop guard and kubeconfig reading: decided from the kubeconfig alone, before any server is contacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from kube_magics.backends import contexts
from kube_magics.backends.contexts import KubeconfigError, ReadOnlyContextError, WriteGuard
from kube_magics.errors import BackendError
from kube_magics.session import Session
from tests.kube.kubeconfigs import REMOTE, WORKSHOP, kubeconfig

LOCAL = [name for name in WORKSHOP if name not in REMOTE]


@pytest.fixture
def workshop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> contexts.Kubeconfig:
    path = kubeconfig(tmp_path / "config", WORKSHOP, current="kind-workshop", namespaces={"minikube": "shop"})
    monkeypatch.setenv("KUBECONFIG", str(path))
    return contexts.load()


def test_contexts_are_read_in_file_order_with_their_cluster_server_and_namespace(workshop) -> None:  # type: ignore[no-untyped-def]
    assert workshop.names() == list(WORKSHOP)
    assert workshop.current == "kind-workshop"
    mk = workshop.get("minikube")
    assert (mk.cluster, mk.user, mk.namespace, mk.server) == ("minikube", "minikube", "shop",
                                                               "https://192.168.49.2:8443")
    assert mk.host == "192.168.49.2:8443"


@pytest.mark.parametrize("name", LOCAL)
def test_local_looking_contexts_take_writes(workshop, name: str) -> None:  # type: ignore[no-untyped-def]
    guard = WriteGuard.for_context(workshop.get(name))
    assert guard.writable and guard.reason == "local"
    guard.check("apply Deployment/web")  # does not raise


@pytest.mark.parametrize("name", REMOTE)
def test_remote_contexts_are_read_only_with_a_message_that_names_them_and_the_way_out(  # type: ignore[no-untyped-def]
        workshop, name: str) -> None:
    guard = WriteGuard.for_context(workshop.get(name))
    assert not guard.writable
    with pytest.raises(ReadOnlyContextError) as caught:
        guard.check("apply Deployment/web")
    text = str(caught.value)
    assert text.startswith(f'error: context "{name}" is read-only in kube-magics: refusing to apply Deployment/web')
    assert f"%kube use context {name} --allow-writes" in text
    assert f"KubeMagics.allowed_contexts = ['{name}']" in text


def test_a_remote_context_takes_writes_when_allowed_by_flag_or_by_the_configured_list(workshop) -> None:  # type: ignore[no-untyped-def]
    prod = workshop.get(REMOTE[0])
    assert WriteGuard.for_context(prod, allow=True).reason == "allowed"
    assert WriteGuard.for_context(prod, allowed=[REMOTE[0]]).writable
    # the list names contexts exactly: another remote context stays read-only
    assert not WriteGuard.for_context(workshop.get(REMOTE[1]), allowed=[REMOTE[0]]).writable


def test_the_server_host_decides_for_contexts_with_other_names() -> None:
    assert contexts.looks_local("lab", "https://127.0.0.1:6443")
    assert contexts.looks_local("lab", "https://LOCALHOST:6443")
    assert contexts.looks_local("lab", "https://[::1]:6443")
    assert not contexts.looks_local("lab", "https://10.0.0.5:6443")
    assert not contexts.looks_local("lab", "https://127.0.0.1.example.com:6443")
    assert not contexts.looks_local("kindly-prod", "https://10.0.0.5:6443")  # a prefix, not a substring


def test_kubeconfig_files_merge_as_kubectl_merges_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = kubeconfig(tmp_path / "a", {"kind-a": "https://127.0.0.1:1", "shared": "https://10.0.0.1"})
    second = kubeconfig(tmp_path / "b", {"shared": "https://127.0.0.1:2", "prod": "https://10.0.0.2"},
                        current="prod")
    monkeypatch.setenv("KUBECONFIG", f"{first}:{tmp_path / 'missing'}:{second}")
    config = contexts.load()
    assert config.names() == ["kind-a", "shared", "prod"]
    assert config.get("shared").server == "https://10.0.0.1"  # the first file that defines a name wins
    assert config.current == "prod"  # the first file that sets current-context
    assert config.paths == (str(first), str(second))


def test_missing_kubeconfig_and_unknown_context_say_so_in_kubectls_words(  # type: ignore[no-untyped-def]
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workshop) -> None:
    with pytest.raises(KubeconfigError, match='error: context "kind-nope" does not exist') as caught:
        workshop.get("kind-nope")
    assert "kind-workshop" in str(caught.value)
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "nothing-here"))
    with pytest.raises(KubeconfigError, match="error: no kubeconfig found") as caught:
        contexts.load()
    assert "kind create cluster" in str(caught.value)
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert contexts.kubeconfig_paths() == [str(tmp_path / ".kube" / "config")]


def test_backend_specs() -> None:
    assert contexts.parse_backend("sim") == ("sim", None)
    assert contexts.parse_backend("kind") == ("context", "kind-kind")
    assert contexts.parse_backend("kind:workshop") == ("context", "kind-workshop")
    assert contexts.parse_backend("context:gke_acme") == ("context", "gke_acme")
    assert contexts.parse_backend("context=arn:aws:eks:x") == ("context", "arn:aws:eks:x")
    assert contexts.parse_backend("current") == ("context", "")
    with pytest.raises(BackendError, match="unknown backend 'k8s'"):
        contexts.parse_backend("k8s")


def test_the_environment_variable_picks_a_context_and_writes_are_refused_before_any_request(  # type: ignore[no-untyped-def]
        workshop, monkeypatch: pytest.MonkeyPatch) -> None:
    # The remote server's address is unreachable from here: had the guard contacted it, this would be a
    # connection error (or hang), not the guard's refusal.
    monkeypatch.setenv("KUBE_MAGICS_BACKEND", f"context:{REMOTE[0]}")
    session = Session()
    backend = session.backend
    assert backend.name == REMOTE[0] and backend.sim is None
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": []}}
    for write in (lambda: backend.apply([pod]), lambda: backend.create(pod),
                  lambda: backend.delete("pods", "p"), lambda: backend.patch("pods", "p", {}),
                  lambda: backend.replace(pod)):
        with pytest.raises(ReadOnlyContextError, match=f'context "{REMOTE[0]}" is read-only'):
            write()
    assert session.writes() == 0


def test_the_environment_variable_names_kind_clusters(workshop, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KUBE_MAGICS_BACKEND", "kind:workshop")
    session = Session()
    assert session.describe_target() == ("kube-magics: cells talk to Kubernetes, context kind-workshop of the "
                                         "kubeconfig; %kube use lists the contexts")
    assert session.backend.name == "kind-workshop"
    assert session.backend.guard.reason == "local"  # type: ignore[attr-defined]
