"""Strict decoding against the Kubernetes 1.35 schema, worded as the API server words it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from kube_magics import schema
from kube_magics.errors import BadRequestError, UnknownResourceError
from kube_magics.kinds import BUILTIN, METRICS, ResourceCatalogue
from kube_magics.schema.go import base64_error, go_float, quantity_error

POD: dict[str, Any] = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "labels": {"app": "web"}},
    "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
                             "resources": {"limits": {"cpu": "500m"}}}]},
}
DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"},
    "spec": {"replicas": 3, "selector": {"matchLabels": {"a": "b"}},
             "template": {"metadata": {"labels": {"a": "b"}},
                          "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
}


def refused(obj: dict[str, Any]) -> schema.DecodeError:
    with pytest.raises(schema.DecodeError) as info:
        schema.check(obj)
    assert isinstance(info.value, BadRequestError) and info.value.code == 400
    return info.value


def with_(base: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    obj = copy.deepcopy(base)
    parts = schema.parse_path(path)
    node: Any = obj
    for part in parts[:-1]:
        node = node[part]
    node[parts[-1]] = value
    return obj


def test_valid_objects_pass_and_null_is_accepted_anywhere() -> None:
    schema.check(POD)
    schema.check(DEPLOYMENT)
    schema.check(with_(DEPLOYMENT, "spec.strategy", None))
    schema.check(with_(DEPLOYMENT, "spec.replicas", 2.0))  # kubectl sends 2.0 as JSON 2


def test_the_recorded_messages() -> None:
    assert refused(with_(POD, "spec.containers[0].portz", [{"containerPort": 80}])).message == (
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field '
        '"spec.containers[0].portz"')
    assert refused(with_(DEPLOYMENT, "spec.replicas", "three")).message == (
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct '
        'field DeploymentSpec.spec.replicas of type int32')
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"pw": "not base64!"}}
    assert refused(secret).message == ('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at '
                                       'input byte 3')


@pytest.mark.parametrize(("api_version", "kind", "version"), [
    ("apps/v1", "Deployment", "v1"), ("autoscaling/v2", "HorizontalPodAutoscaler", "v2"),
    ("autoscaling/v1", "HorizontalPodAutoscaler", "v1"), ("networking.k8s.io/v1", "Ingress", "v1"),
])
def test_the_version_named_is_the_api_version_without_its_group(api_version: str, kind: str, version: str) -> None:
    err = refused({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": 1})
    assert err.message.startswith(f'{kind} in version "{version}" cannot be handled as a {kind}: ')
    assert err.kind == kind and err.name == "x" and err.group == api_version.rpartition("/")[0]


def test_unknown_fields_are_all_listed_in_the_order_kubectl_sends_them() -> None:
    obj = with_(DEPLOYMENT, "spec.template.spec.containers[0].imagee", "x")
    obj["spec"]["replica"] = 3
    obj["metadata"]["label"] = {}
    err = refused(obj)
    assert err.message.endswith('strict decoding error: unknown field "metadata.label", unknown field '
                                '"spec.replica", unknown field "spec.template.spec.containers[0].imagee"')
    assert err.fields == ["metadata.label", "spec.replica", "spec.template.spec.containers[0].imagee"]
    assert err.suggestions[("spec", "replica")] == "replicas"


def test_a_wrong_type_hides_unknown_fields_and_the_first_in_key_order_is_reported() -> None:
    obj = with_(DEPLOYMENT, "spec.replicas", "x")
    obj["spec"]["minReadySeconds"] = "y"
    obj["spec"]["bogus"] = 1
    err = refused(obj)
    assert "DeploymentSpec.spec.minReadySeconds of type int32" in err.message
    assert err.fields == ["spec.minReadySeconds"]


def test_a_value_that_decodes_itself_stops_decoding_even_after_a_type_error() -> None:
    obj = with_(POD, "metadata.labels.app", 1)  # metadata sorts first: a saved type error
    obj = with_(obj, "spec.containers[0].resources.limits.cpu", "1 core")
    err = refused(obj)
    assert err.message.endswith("quantities must match the regular expression "
                                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
    assert err.fields == ["spec.containers[0].resources.limits[cpu]"]


@pytest.mark.parametrize(("path", "value", "expected"), [
    ("metadata.labels.version", 1.5, "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels "
                                     "of type string"),
    ("metadata.labels.enabled", True, "json: cannot unmarshal bool into Go struct field ObjectMeta.metadata.labels "
                                      "of type string"),
    ("spec.containers[0].imagePullPolicy", 5, "json: cannot unmarshal number into Go struct field "
                                              "Container.spec.containers.imagePullPolicy of type v1.PullPolicy"),
    ("spec.containers[0].resources.limits", "1", "json: cannot unmarshal string into Go struct field "
                                                 "ResourceRequirements.spec.containers.resources.limits of type "
                                                 "v1.ResourceList"),
    ("spec.containers[0].ports", {"containerPort": 80}, "json: cannot unmarshal object into Go struct field "
                                                        "Container.spec.containers.ports of type []v1.ContainerPort"),
    ("spec.containers[0].ports[0].containerPort", 3000000000, "json: cannot unmarshal number 3000000000 into Go "
                                                              "struct field ContainerPort.spec.containers.ports."
                                                              "containerPort of type int32"),
    ("spec", "x", "json: cannot unmarshal string into Go struct field Pod.spec of type v1.PodSpec"),
    ("spec.containers[0].readinessProbe", {"httpGet": {"port": True}}, "json: cannot unmarshal bool into Go struct "
                                                                       "field HTTPGetAction.spec.containers."
                                                                       "readinessProbe.httpGet.port of type int32"),
    ("spec.containers[0].readinessProbe", {"httpGet": {"port": 80.5}}, "json: cannot unmarshal number 80.5 into Go "
                                                                       "struct field HTTPGetAction.spec.containers."
                                                                       "readinessProbe.httpGet.port of type int32"),
    ("metadata.creationTimestamp", "yesterday", 'parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot '
                                                'parse "yesterday" as "2006"'),
])
def test_type_errors_name_the_go_struct_field_path_and_type(path: str, value: Any, expected: str) -> None:
    err = refused(with_(POD, path, value))
    assert err.message == f'Pod in version "v1" cannot be handled as a Pod: {expected}'
    parts = schema.parse_path(path)
    assert len(err.paths) == 1 and err.paths[0][:len(parts)] == parts


def test_int_or_string_fields_take_either() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 80, "targetPort": "http"}, {"port": 81, "targetPort": 8081}]}}
    schema.check(service)


def test_kinds_the_api_does_not_serve_are_named_as_kubectl_names_them_with_a_hint() -> None:
    with pytest.raises(schema.UnknownKindError) as info:
        schema.check({"apiVersion": "v1", "kind": "Deployment", "metadata": {"name": "d"}})
    err = info.value
    assert isinstance(err, UnknownResourceError)
    assert err.message == 'no matches for kind "Deployment" in version "v1"\nensure CRDs are installed first'
    assert err.hint == "Deployment is in apps/v1: use apiVersion: apps/v1"
    assert err.field == "apiVersion" and err.name == "d"
    with pytest.raises(schema.UnknownKindError) as info:
        schema.check({"apiVersion": "apps/v1", "kind": "Deploymnet"})
    assert info.value.hint == "did you mean kind: Deployment (apiVersion: apps/v1)?"
    assert info.value.field == "kind"
    # Served without a published schema (the metrics API): nothing to decode against.
    with_metrics = ResourceCatalogue((*BUILTIN, *METRICS))
    schema.check({"apiVersion": "metrics.k8s.io/v1beta1", "kind": "PodMetrics", "anything": 1},
                 catalogue=with_metrics)


@pytest.mark.parametrize(("text", "problem"), [
    ("czNjcjN0", None), ("", None), ("YWJj\nZGVm\n", None), ("ab==", None), ("abc=", None),
    ("abc", "illegal base64 data at input byte 0"),
    ("s3cr3t", "illegal base64 data at input byte 4"),
    ("a===", "illegal base64 data at input byte 1"),
    ("aGVsbG8=x", "illegal base64 data at input byte 8"),
    ("ab=", "illegal base64 data at input byte 3"),
    ("not base64!", "illegal base64 data at input byte 3"),
    ("dGVzdA==\r\n", None),
])
def test_base64_errors_are_at_the_byte_go_stops_at(text: str, problem: str | None) -> None:
    assert base64_error(text) == problem


@pytest.mark.parametrize(("value", "problem"), [
    ("100m", None), ("0.5", None), ("128Mi", None), ("1e3", None), ("1E", None), (2, None), (0.25, None),
    ("Mi", None), ("+1.5Gi", None), (" 1 ", None),
    ("1 core", "format"), ("", "format"), ("1.2.3", "format"), (True, "format"), ("12Gb", "format"),
    ("2mm", "suffix"), ("1Ki5", "suffix"),
])
def test_quantities_are_parsed_as_apimachinery_parses_them(value: Any, problem: str | None) -> None:
    result = quantity_error(value)
    if problem is None:
        assert result is None
    elif problem == "format":
        assert result is not None and result.startswith("quantities must match the regular expression")
    else:
        assert result == "unable to parse quantity's suffix"


def test_floats_are_written_as_go_writes_them() -> None:
    assert [go_float(x) for x in (1.0, 1.5, 0.1, 1e21, 1e-7, -2.5e-9)] == ["1", "1.5", "0.1", "1e+21", "1e-7",
                                                                         "-2.5e-9"]


def test_paths_parse_and_print_in_kubernetes_notation() -> None:
    path = schema.parse_path("metadata.labels[app.kubernetes.io/name]")
    assert path == ("metadata", "labels", "app.kubernetes.io/name")
    assert schema.field_path(path) == "metadata.labels[app.kubernetes.io/name]"
    assert schema.parse_path("spec.containers[0].image") == ("spec", "containers", 0, "image")
    assert schema.format_path(("spec", "containers", 0, "portz")) == "spec.containers[0].portz"


def test_checkers_are_compiled_once_and_know_each_kinds_fields() -> None:
    assert schema.compiled("io.k8s.api.core.v1.Pod") is schema.compiled("io.k8s.api.core.v1.Pod")
    fields = schema.field_names("apps/v1", "Deployment", ("spec", "template", "spec", "containers"))
    assert {"image", "ports", "resources", "env"} <= set(fields)
    assert schema.field_names("v1", "Nope", ()) == []
