"""ConfigMap and Secret objects as the API server stores them, against the recordings of Kubernetes 1.35
(config.txt, errors.txt): stringData folded into base64 data, kubectl's client-side apply keeping stringData in
plain text in its annotation, immutable objects, typed Secrets, and what pods keep seeing of an immutable one."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kube_magics import manifests, patch
from kube_magics.errors import InvalidError, KubeMagicsError
from kube_magics.printers import describe
from kube_magics.sim import SimCluster
from tests.reference import objects, output
from tests.seed_manifests import SEED_CONFIG

APPLIED = SEED_CONFIG
VOLATILE = ("uid", "resourceVersion", "creationTimestamp", "managedFields")


def kubectl_apply(c: SimCluster, text: str) -> list[dict[str, Any]]:
    """What `kubectl apply -f` sends for new objects: each with its namespace and the last-applied annotation."""
    out = []
    for doc in manifests.parse(text, template=False):
        obj = doc.object
        obj["metadata"].setdefault("namespace", "default")
        out.append(c.create(patch.modified_configuration(obj)))
    return out


def stable(obj: dict[str, Any]) -> dict[str, Any]:
    return {**obj, "metadata": {k: v for k, v in obj["metadata"].items() if k not in VOLATILE}}


def test_kubectl_apply_gives_the_recorded_objects() -> None:
    c = SimCluster(workers=1)
    kubectl_apply(c, APPLIED)
    cm, secret = c.get("configmap", "app-config"), c.get("secret", "db-secret")
    assert stable(cm) == stable(objects("config.txt", "kubectl get configmap app-config -o yaml"))
    assert stable(secret) == stable(objects("config.txt", "kubectl get secret db-secret -o yaml"))
    assert secret["data"] == {"PASSWORD": "czNjcjN0"} and "stringData" not in secret
    # base64 is an encoding, not encryption: anyone who can read the Secret reads the password.
    assert base64.b64decode(secret["data"]["PASSWORD"]) == b"s3cr3t"
    # And kubectl's client-side apply kept it in plain text in the annotation, for all readers of the object.
    annotation = secret["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"]
    assert json.loads(annotation)["stringData"] == {"PASSWORD": "s3cr3t"}
    assert describe(secret, now=c.now, related=c) == output("config.txt", "kubectl describe secret db-secret")
    assert describe(cm, now=c.now, related=c) == output("config.txt", "kubectl describe configmap app-config")


def test_kubectl_create_from_literal_shapes() -> None:
    c = SimCluster(workers=1)
    secret = c.create({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api-key"},
                       "data": {"KEY": base64.b64encode(b"abc123").decode()}})
    cm = c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "lit"}, "data": {"a": "1", "b": "2"}})
    assert secret["type"] == "Opaque" and secret["data"] == {"KEY": "YWJjMTIz"}
    assert cm["data"] == {"a": "1", "b": "2"} and "binaryData" not in cm


def test_data_that_is_not_base64_is_refused_as_the_api_server_refuses_it() -> None:
    c = SimCluster(workers=1)
    with pytest.raises(KubeMagicsError) as exc:
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"pw": "not base64!"}})
    recorded = output("errors.txt", "kubectl apply  -f - <<EOF", nth=_nth_secret_error())
    assert recorded.strip().endswith(exc.value.message)


def _nth_secret_error() -> int:
    """Which `kubectl apply -f -` block of errors.txt is the Secret's."""
    for i in range(50):
        if "illegal base64" in output("errors.txt", "kubectl apply  -f - <<EOF", nth=i):
            return i
    raise AssertionError("not recorded")


def test_immutable_configmaps_and_secrets_refuse_changes_but_not_labels() -> None:
    c = SimCluster(workers=1)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "immutable": True,
             "data": {"MODE": "production"}})
    c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "immutable": True,
             "stringData": {"A": "b"}})
    with pytest.raises(InvalidError) as data:
        c.patch("configmap", "app-config", {"data": {"MODE": "debug"}})
    assert str(data.value) == ('The ConfigMap "app-config" is invalid: data: Forbidden: field is immutable when '
                               '`immutable` is set')
    with pytest.raises(InvalidError) as flag:
        c.patch("configmap", "app-config", {"immutable": False})
    assert str(flag.value) == ('The ConfigMap "app-config" is invalid: immutable: Forbidden: field is immutable '
                               'when `immutable` is set')
    with pytest.raises(InvalidError) as secret:
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "immutable": True,
                 "stringData": {"A": "changed"}})
    assert str(secret.value) == 'The Secret "s" is invalid: data: Forbidden: field is immutable when `immutable` is set'
    c.patch("configmap", "app-config", {"metadata": {"labels": {"team": "a"}}})
    assert c.get("configmap", "app-config")["data"] == {"MODE": "production"}
    c.delete("configmap", "app-config")  # the way to change one: delete it and create it again
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"MODE": "debug"}})
    assert c.get("configmap", "app-config")["data"] == {"MODE": "debug"}


@pytest.mark.parametrize(("secret", "message"), [
    ({"type": "kubernetes.io/tls", "stringData": {"tls.crt": "x"}},
     'The Secret "s" is invalid: data[tls.key]: Required value'),
    ({"type": "kubernetes.io/basic-auth", "stringData": {"other": "x"}},
     'The Secret "s" is invalid: \n* data[username]: Required value\n* data[password]: Required value'),
    ({"type": "kubernetes.io/dockerconfigjson", "stringData": {".dockerconfigjson": "[]"}},
     'The Secret "s" is invalid: data[.dockerconfigjson]: Invalid value: "<secret contents redacted>": json: '
     "cannot unmarshal array into Go value of type map[string]interface {}"),
])
def test_typed_secrets_need_their_keys(secret: dict[str, Any], message: str) -> None:
    c = SimCluster(workers=1)
    with pytest.raises(InvalidError) as exc:
        c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, **secret})
    assert str(exc.value) == message


def test_typed_secrets_with_their_keys_are_accepted_and_their_type_cannot_change() -> None:
    c = SimCluster(workers=1)
    c.apply({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "auth"}, "type": "kubernetes.io/basic-auth",
             "stringData": {"username": "admin", "password": "pw"}})
    with pytest.raises(InvalidError) as exc:
        c.patch("secret", "auth", {"type": "Opaque"})
    assert str(exc.value).startswith('The Secret "auth" is invalid: type: Invalid value: "Opaque": field is immutable')


def bad_pod(env: list[dict[str, Any]] | None = None, volume: dict[str, Any] | None = None) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "app", "image": "busybox:1.36", "env": env or []}
    spec: dict[str, Any] = {"containers": [container]}
    if volume:
        spec["volumes"] = [volume]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec}


@pytest.mark.parametrize(("pod", "message"), [
    (bad_pod([{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels"}}}]),
     'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Unsupported value: "metadata.labels": supported '
     'values: "metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", '
     '"status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"'),
    (bad_pod([{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "metadata.nam"}}}]),
     'spec.containers[0].env[0].valueFrom.fieldRef.fieldPath: Invalid value: "metadata.nam": error converting '
     "fieldPath: field label not supported: metadata.nam"),
    (bad_pod([{"name": "X", "valueFrom": {"resourceFieldRef": {"resource": "limits.cpu", "divisor": "10m"}}}]),
     'spec.containers[0].env[0].valueFrom.resourceFieldRef.divisor: Invalid value: "limits.cpu": only divisor\'s '
     "values 1m and 1 are supported with the cpu resource"),
    (bad_pod(volume={"name": "d", "downwardAPI": {"items": [
        {"path": "ip", "fieldRef": {"fieldPath": "status.podIP"}}]}}),
     'spec.volumes[0].downwardAPI.items[0].fieldRef.fieldPath: Unsupported value: "status.podIP": supported values: '
     '"metadata.annotations", "metadata.labels", "metadata.name", "metadata.namespace", "metadata.uid"'),
    (bad_pod(volume={"name": "c", "configMap": {"name": "x", "items": [{"key": "a", "path": "../a"}]}}),
     "spec.volumes[0].configMap.items[0].path: Invalid value: \"../a\": must not contain '..'"),
])
def test_pods_asking_for_what_the_downward_api_cannot_give_are_refused(pod: dict[str, Any], message: str) -> None:
    c = SimCluster(workers=1)
    with pytest.raises(InvalidError) as exc:
        c.apply(pod)
    assert str(exc.value) == f'The Pod "p" is invalid: {message}'
