"""Errors from a real cluster become kubectl's words plus a hint, in one place (`backends.kube_errors`).

The API errors are the client's own `ApiException` carrying `Status` bodies as the API server sends them; the
connection errors come from the official client talking to real sockets that refuse, stay silent, or speak the
wrong protocol."""

from __future__ import annotations

import json
import ssl
from pathlib import Path
from typing import Any

import pytest
from kubernetes.client.exceptions import ApiException

from kube_magics import errors as E
from kube_magics.backends import contexts
from kube_magics.backends.kube import KubeBackend
from kube_magics.backends.kube_errors import translate, translated
from tests.kube import sockets
from tests.kube.kubeconfigs import kubeconfig
from tests.reference import DATA

RECORDED = (DATA / "errors.txt").read_text()
KIND = contexts.Context("kind-workshop", "kind-workshop", "kind-workshop", "", "https://127.0.0.1:40123")


def status(code: int, reason: str, message: str, **details: Any) -> ApiException:
    body: dict[str, Any] = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                            "message": message, "reason": reason, "code": code}
    if details:
        body["details"] = details
    return ApiException(status=code, reason=reason, body=json.dumps(body))


def test_not_found_is_kubectls_line() -> None:
    err = translate(status(404, "NotFound", 'pods "nope" not found', name="nope", kind="pods"), KIND)
    assert isinstance(err, E.NotFoundError)
    assert err.kubectl_text() == 'Error from server (NotFound): pods "nope" not found'
    assert err.kubectl_text() in RECORDED
    err = translate(status(404, "NotFound", 'deployments.apps "nope" not found', name="nope", group="apps",
                           kind="deployments"), KIND)
    assert isinstance(err, E.NotFoundError) and (err.kind, err.name, err.group) == ("deployments", "nope", "apps")
    assert err.kubectl_text() in RECORDED


def test_invalid_with_one_cause_reads_as_kubectl_prints_it() -> None:
    exc = status(422, "Invalid", 'Deployment.apps "d" is invalid: spec.replicas: Invalid value: -1: must be greater '
                 "than or equal to 0", name="d", group="apps", kind="Deployment",
                 causes=[{"reason": "FieldValueInvalid", "message": "Invalid value: -1: must be greater than or "
                          "equal to 0", "field": "spec.replicas"}])
    err = translate(exc, KIND)
    assert isinstance(err, E.InvalidError)
    text = err.kubectl_text()
    assert text == 'The Deployment "d" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
    assert text in RECORDED
    assert [(c.field, c.reason) for c in err.causes] == [("spec.replicas", "FieldValueInvalid")]


def test_invalid_with_several_causes_lists_them() -> None:
    exc = status(422, "Invalid", 'Deployment.apps "d" is invalid: [spec.selector: Required value, '
                 'spec.template.metadata.labels: Invalid value: {"a":"b"}: `selector` does not match template '
                 "`labels`]", name="d", group="apps", kind="Deployment",
                 causes=[{"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"},
                         {"reason": "FieldValueInvalid", "message": 'Invalid value: {"a":"b"}: `selector` does not '
                          "match template `labels`", "field": "spec.template.metadata.labels"},
                         {"reason": "FieldValueRequired", "message": "Required value", "field": "spec.selector"}])
    text = translate(exc, KIND).kubectl_text()  # type: ignore[union-attr]
    assert text == ('The Deployment "d" is invalid: \n* spec.selector: Required value\n'
                    '* spec.template.metadata.labels: Invalid value: {"a":"b"}: `selector` does not match template '
                    "`labels`")
    assert text in RECORDED


def test_conflicts_say_what_to_do() -> None:
    stale = translate(status(409, "Conflict", 'Operation cannot be fulfilled on deployments.apps "web": the object '
                             "has been modified; please apply your changes to the latest version and try again",
                             name="web", group="apps", kind="deployments"), KIND)
    assert isinstance(stale, E.ConflictError)
    assert stale.kubectl_text().startswith('Error from server (Conflict): Operation cannot be fulfilled on ')
    assert stale.hint is not None and "read it again" in stale.hint
    owned = translate(status(409, "Conflict", 'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply"'
                             " using apps/v1: .spec.replicas", causes=[{"reason": "FieldManagerConflict", "message":
                             'conflict with "kubectl-client-side-apply" using apps/v1', "field": ".spec.replicas"}]),
                      KIND)
    assert isinstance(owned, E.ConflictError)
    assert owned.hint is not None and "--force-conflicts" in owned.hint


def test_forbidden_names_the_context_in_its_hint() -> None:
    message = ('pods is forbidden: User "system:serviceaccount:default:student" cannot list resource "pods" in API '
               'group "" in the namespace "kube-system"')
    err = translate(status(403, "Forbidden", message, kind="pods"), KIND)
    assert isinstance(err, E.ForbiddenError)
    assert err.kubectl_text() == f"Error from server (Forbidden): {message}"
    assert err.hint is not None and "kind-workshop" in err.hint and "RBAC" in err.hint


def test_already_exists_bad_request_and_gone() -> None:
    err = translate(status(409, "AlreadyExists", 'pods "p" already exists', name="p", kind="pods"), KIND)
    assert isinstance(err, E.AlreadyExistsError)
    assert err.kubectl_text() == 'Error from server (AlreadyExists): pods "p" already exists'
    message = 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field ' \
              '"spec.containers[0].portz"'
    err = translate(status(400, "BadRequest", message), KIND)
    assert isinstance(err, E.BadRequestError)
    assert err.message in RECORDED
    assert isinstance(translate(status(410, "Expired", "too old resource version: 1 (5021)"), KIND), E.GoneError)


def test_expired_credentials_are_a_login_problem() -> None:
    err = translate(status(401, "Unauthorized", "Unauthorized"), KIND)
    assert isinstance(err, E.UnauthorizedError)
    assert err.kubectl_text() == "error: You must be logged in to the server (Unauthorized)"
    assert err.hint is not None and "kind-workshop" in err.hint and "kind export kubeconfig" in err.hint


def test_other_reasons_and_answers_without_a_status() -> None:
    busy = translate(status(503, "ServiceUnavailable", "the server is currently unable to handle the request"), KIND)
    assert isinstance(busy, E.ApiError) and (busy.reason, busy.code) == ("ServiceUnavailable", 503)
    assert busy.kubectl_text() == ("Error from server (ServiceUnavailable): the server is currently unable to "
                                   "handle the request")
    pdb = translate(status(429, "TooManyRequests", "Cannot evict pod as it would violate the pod's disruption "
                           "budget."), KIND)
    assert isinstance(pdb, E.ApiError) and pdb.reason == "TooManyRequests"
    no_reason = translate(status(500, "", "map: map[image:x] does not contain declared merge key: name"), KIND)
    assert no_reason is not None and no_reason.kubectl_text() == \
        "Error from server: map: map[image:x] does not contain declared merge key: name"
    page = translate(ApiException(status=404, reason="Not Found", body="404 page not found\n"), KIND)
    assert isinstance(page, E.NotFoundError)
    assert page.kubectl_text() == "Error from server (NotFound): the server could not find the requested resource"


def test_translated_leaves_no_client_exception_behind() -> None:
    with pytest.raises(E.NotFoundError) as caught, translated(KIND):
        raise status(404, "NotFound", 'pods "x" not found', name="x", kind="pods")
    assert caught.value.__suppress_context__
    with pytest.raises(ZeroDivisionError), translated(KIND):  # not a transport error: not ours to translate
        1 / 0  # noqa: B018


# --- the server does not answer: the official client against real sockets ----------------------------------------


def backend_for(tmp_path: Path, name: str, server: str, **cluster: Any) -> KubeBackend:
    path = kubeconfig(tmp_path / f"config-{abs(hash(server))}", {name: server}, current=name, extra_cluster=cluster)
    config = contexts.load([str(path)])
    return KubeBackend(config.get(name), config.paths)


def test_connection_refused(tmp_path: Path) -> None:
    port = sockets.closed_port()
    backend = backend_for(tmp_path, "kind-workshop", f"https://127.0.0.1:{port}")
    with pytest.raises(E.ClusterUnreachableError) as caught:
        backend.list("pods")
    err = caught.value
    assert err.message == (f"The connection to the server 127.0.0.1:{port} was refused - did you specify the right "
                           "host or port?")
    assert err.kubectl_text() == err.message  # kubectl prints it without "error: "
    assert err.hint is not None and "kind get clusters" in err.hint and "workshop-control-plane" in err.hint


def test_unknown_host(tmp_path: Path) -> None:
    backend = backend_for(tmp_path, "prod", "https://api.cluster.invalid:6443")
    with pytest.raises(E.ClusterUnreachableError) as caught:
        backend.version()
    assert caught.value.message == "Unable to connect to the server: dial tcp: lookup api.cluster.invalid: no such host"


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with sockets.silent_server() as port:
        backend = backend_for(tmp_path, "kind-slow", f"http://127.0.0.1:{port}")
        with pytest.raises(E.ClusterUnreachableError) as caught:
            backend.rest.request("GET", "/version", timeout=(2.0, 0.3))
    assert caught.value.message.startswith("Unable to connect to the server: net/http: request canceled")
    assert caught.value.hint is not None and "did not answer in time" in caught.value.hint


def test_plain_http_where_tls_is_expected(tmp_path: Path) -> None:
    with sockets.answering_server(sockets.HTTP_404) as port:
        backend = backend_for(tmp_path, "kind-tls", f"https://127.0.0.1:{port}", **{"insecure-skip-tls-verify": True})
        with pytest.raises(E.ClusterUnreachableError) as caught:
            backend.version()
    assert caught.value.message == "Unable to connect to the server: http: server gave HTTP response to HTTPS client"


def test_a_certificate_the_kubeconfig_does_not_trust(tmp_path: Path) -> None:
    served_cert, served_key = sockets.self_signed(tmp_path)
    other_ca, _ = sockets.self_signed(tmp_path)
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(served_cert, served_key)
    with sockets.answering_server(sockets.HTTP_404, tls=tls) as port:
        backend = backend_for(tmp_path, "kind-ca", f"https://127.0.0.1:{port}",
                              **{"certificate-authority": str(other_ca)})
        with pytest.raises(E.ClusterUnreachableError) as caught:
            backend.version()
    assert caught.value.message == ("Unable to connect to the server: tls: failed to verify certificate: x509: "
                                    "certificate signed by unknown authority")
    assert caught.value.hint is not None and "certificate authority" in caught.value.hint


def test_a_server_that_answers_without_a_status(tmp_path: Path) -> None:
    with sockets.answering_server(sockets.HTTP_404) as port:
        backend = backend_for(tmp_path, "kind-odd", f"http://127.0.0.1:{port}")
        with pytest.raises(E.NotFoundError) as caught:
            backend.version()
    assert caught.value.message == "the server could not find the requested resource"


def test_a_broken_kubeconfig_context(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("apiVersion: v1\nkind: Config\ncontexts:\n- name: lab\n  context: {cluster: gone, user: u}\n"
                    "users:\n- name: u\n  user: {token: t}\nclusters: []\n")
    config = contexts.load([str(path)])
    with pytest.raises(contexts.KubeconfigError) as caught:
        KubeBackend(config.get("lab"), config.paths)
    assert caught.value.message.startswith("error: Invalid kube-config file. Expected object with name gone")
