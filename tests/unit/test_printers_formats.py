"""-o yaml, json, name, jsonpath, custom-columns and go-template, against the recordings and kubectl's rules."""

from __future__ import annotations

import json

import pytest

from kube_magics.errors import UsageError
from kube_magics.printers import GetOptions, get, qualified_name
from kube_magics.printers.jsonpath import execute, relaxed
from kube_magics.printers.yamlfmt import needs_double_quotes, to_yaml
from tests import printers_data as d
from tests.reference import objects, output

RECORDED_YAML = [
    ("pod.txt", "kubectl get pod nginx-pod -o yaml"),
    ("config.txt", "kubectl get configmap app-config -o yaml"),
    ("config.txt", "kubectl get secret db-secret -o yaml"),
    ("service.txt", "kubectl get svc web-nodeport -o yaml"),
    ("hpa.txt", "kubectl get hpa nginx-deployment -o yaml"),
    ("deployment.txt", "kubectl get deploy nginx-deployment -o yaml"),
    ("workloads.txt", "kubectl get job train -o yaml"),
]


@pytest.mark.parametrize(("recording", "command"), RECORDED_YAML)
def test_single_objects_print_as_kubectl_printed_them(recording: str, command: str) -> None:
    obj = objects(recording, command)
    text = get([obj], now=d.T0, options=GetOptions(output="yaml", single=True)).text
    assert text == output(recording, command)


def test_lists_print_as_a_list_even_of_one() -> None:
    items = objects("deployment.txt", "kubectl get rs -o yaml")["items"]
    assert get(items, now=d.T0, options=GetOptions(output="yaml")).text == output("deployment.txt",
                                                                                  "kubectl get rs -o yaml")
    events = objects("deployment.txt", "kubectl get events -o yaml")["items"]
    text = get(events, now=d.T0, options=GetOptions(output="yaml")).text
    assert text == output("deployment.txt", "kubectl get events -o yaml --field-selector involvedObject.kind")


def test_endpoints_yaml_comes_with_the_deprecation_warning() -> None:
    ep = objects("service.txt", "kubectl get endpoints web-clusterip -o yaml")
    text = get([ep], now=d.T0, options=GetOptions(output="yaml", single=True)).text
    assert text == output("service.txt", "kubectl get endpoints web-clusterip -o yaml")


def test_long_strings_fold_and_ambiguous_strings_are_double_quoted() -> None:
    text = to_yaml({"message": "word " * 20, "version": "1.20", "flag": "y", "empty": "", "ip": "10.0.0.1",
                    "sexagesimal": "1:20", "colon": "a: b", "script": "echo hi\necho there\n"})
    assert text == (
        "colon: 'a: b'\n"
        'empty: ""\n'
        'flag: "y"\n'
        "ip: 10.0.0.1\n"
        "message: 'word word word word word word word word word word word word word word word\n"
        "  word word word word word '\n"
        'script: |\n  echo hi\n  echo there\n'
        'sexagesimal: "1:20"\n'
        'version: "1.20"\n')
    assert needs_double_quotes("true") and needs_double_quotes("0x1F") and needs_double_quotes("2026-11-27")
    assert not needs_double_quotes("nginx:1.20") and not needs_double_quotes("app=nginx")


def test_json_is_sorted_indented_and_escaped_like_go() -> None:
    pod = d.pod("web", labels={"app": "<web>"})
    text = get([pod], now=d.T0, options=GetOptions(output="json")).text
    doc = json.loads(text)
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1" and doc["metadata"] == {"resourceVersion": ""}
    assert text.startswith('{\n    "apiVersion": "v1",\n    "items": [\n        {\n')
    assert '"app": "\\u003cweb\\u003e"' in text
    single = get([pod], now=d.T0, options=GetOptions(output="json", single=True))
    assert json.loads(single.text)["kind"] == "Pod"
    as_yaml = get([pod], now=d.T0, options=GetOptions(output="yaml", single=True))
    assert "app: <web>\n" in as_yaml.text
    assert "app: &lt;web&gt;" in as_yaml._repr_html_() and "<web>" not in as_yaml._repr_html_()


def test_managed_fields_are_left_out_unless_asked_for() -> None:
    pod = d.pod("web")
    pod["metadata"]["managedFields"] = [{"manager": "kube-magics", "operation": "Apply"}]
    assert "managedFields" not in get([pod], now=d.T0, options=GetOptions(output="yaml", single=True)).text
    shown = get([pod], now=d.T0, options=GetOptions(output="yaml", single=True, show_managed_fields=True)).text
    assert "manager: kube-magics" in shown
    assert pod["metadata"]["managedFields"], "the caller's object is not changed"


def test_secrets_stay_base64_in_yaml_and_json() -> None:
    secret = objects("config.txt", "kubectl get secret db-secret -o yaml")
    assert "PASSWORD: czNjcjN0" in get([secret], now=d.T0, options=GetOptions(output="yaml", single=True)).text
    assert '"PASSWORD": "czNjcjN0"' in get([secret], now=d.T0, options=GetOptions(output="json", single=True)).text


def test_names_carry_the_group() -> None:
    dep = objects("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")
    assert qualified_name(dep) == "deployment.apps/nginx-deployment"
    hpa = objects("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    assert get([dep, hpa], now=d.T0, options=GetOptions(output="name")).text == (
        "deployment.apps/nginx-deployment\nhorizontalpodautoscaler.autoscaling/nginx-deployment\n")
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}}
    assert qualified_name(widget) == "widget.example.com/w"
    assert get([], now=d.T0, options=GetOptions(output="name")).text == "No resources found in default namespace.\n"


def test_recorded_jsonpath_prints_without_a_newline() -> None:
    pod = objects("pod.txt", "kubectl get pod nginx-pod -o yaml")
    text = get([pod], now=d.T0, options=GetOptions(output="jsonpath={.status.podIP}", single=True)).text
    assert text == output("pod.txt", "kubectl get pod nginx-pod -o jsonpath={.status.podIP}")


def pods_list() -> dict:
    return {"apiVersion": "v1", "kind": "List", "items": [
        d.pod("web-1", ip="10.244.1.5", labels={"app": "web"}),
        d.pod("web-2", ip="10.244.2.7", phase="Pending", node=None, labels={"app": "web"}),
        d.pod("db-0", ip="10.244.1.9", labels={"app": "db", "app.kubernetes.io/name": "postgres"})]}


@pytest.mark.parametrize(("template", "expected"), [
    ("{.items[*].metadata.name}", "web-1 web-2 db-0"),
    ('{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}',
     "web-1\tRunning\nweb-2\tPending\ndb-0\tRunning\n"),
    ('{.items[?(@.status.phase=="Pending")].metadata.name}', "web-2"),
    ("{.items[?(@.spec.nodeName)].metadata.name}", "web-1 db-0"),
    ("{.items[0].metadata.name}", "web-1"),
    ("{.items[-1:].metadata.name}", "db-0"),
    ("{.items[0:2].metadata.name}", "web-1 web-2"),
    ("{.items[0,2].metadata.name}", "web-1 db-0"),
    ("{.items[2].metadata.labels.app\\.kubernetes\\.io/name}", "postgres"),
    ("{.items[0].metadata.labels}", '{"app":"web"}'),
    ("{.items[0].spec.containers[*].ports[*].containerPort}", "80"),
    ("{..podIP}", "10.244.1.5 10.244.2.7 10.244.1.9"),
    ("{.items[0].status.conditions[?(@.type=='Ready')].status}", "True"),
    ("{.items[0].status.conditions[0].lastProbeTime}", "<nil>"),
    ("{.items[0].nothing}", ""),
    ("names: {.items[0].metadata.name} end", "names: web-1 end"),
    ("{range .items[?(@.metadata.labels.app=='web')]}[{.metadata.name}]{end}", "[web-1][web-2]"),
])
def test_jsonpath_dialect(template: str, expected: str) -> None:
    assert execute(template, pods_list()) == expected


def test_jsonpath_errors_are_kubectls() -> None:
    pods = pods_list()["items"]
    with pytest.raises(UsageError, match="unclosed action"):
        get(pods, now=d.T0, options=GetOptions(output="jsonpath={.items[0]"))
    with pytest.raises(UsageError, match="array index out of bounds"):
        get(pods, now=d.T0, options=GetOptions(output="jsonpath={.items[5]}"))
    assert relaxed("metadata.name") == relaxed(".metadata.name") == relaxed("{.metadata.name}") == "{.metadata.name}"


def test_custom_columns() -> None:
    pods = pods_list()["items"]
    spec = "custom-columns=NAME:.metadata.name,IP:status.podIP,NODE:{.spec.nodeName},PORTS:.spec.containers[*].ports[*]"
    text = get(pods, now=d.T0, options=GetOptions(output=spec)).text
    assert text.splitlines() == [
        "NAME    IP           NODE          PORTS",
        "web-1   10.244.1.5   fake-node-2   map[containerPort:80 protocol:TCP]",
        "web-2   10.244.2.7   <none>        map[containerPort:80 protocol:TCP]",
        "db-0    10.244.1.9   fake-node-2   map[containerPort:80 protocol:TCP]",
    ]
    with pytest.raises(UsageError, match="expected <header>:<json-path-expr>"):
        get(pods, now=d.T0, options=GetOptions(output="custom-columns=NAME"))


def test_go_templates_for_the_common_forms() -> None:
    pods = pods_list()["items"]
    template = 'go-template={{range .items}}{{.metadata.name}} {{index .metadata.labels "app"}}{{"\\n"}}{{end}}'
    assert get(pods, now=d.T0, options=GetOptions(output=template)).text == "web-1 web\nweb-2 web\ndb-0 db\n"
    one = get(pods[:1], now=d.T0, options=GetOptions(output="go-template={{.metadata.labels}} {{.nope}}",
                                                     single=True))
    assert one.text == "map[app:web] <no value>"
    counted = get(pods, now=d.T0, options=GetOptions(
        output='go-template={{len .items}}{{range $i, $p := .items}}{{if $i}},{{end}}{{$p.metadata.name}}{{end}}'))
    assert counted.text == "3web-1,web-2,db-0"


def test_sort_by_applies_to_the_other_formats_too() -> None:
    pods = pods_list()["items"]
    text = get(pods, now=d.T0, options=GetOptions(output="name", sort_by=".metadata.name")).text
    assert text == "pod/db-0\npod/web-1\npod/web-2\n"


def test_unknown_output_format_is_kubectls_error() -> None:
    with pytest.raises(UsageError, match='unable to match a printer suitable for the output format "xml"'):
        get([d.pod("web")], now=d.T0, options=GetOptions(output="xml"))
