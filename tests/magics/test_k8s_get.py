"""`%k8s get` through a real IPython shell: tables, output formats, several kinds, errors, captured results."""

from __future__ import annotations

import json

from tests.magics.k8s_cells import CONFIG, NGINX_DEPLOYMENT, NGINX_POD, rows, text
from tests.reference import output


def test_get_pods_prints_kubectls_table(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    starting = rows(ip.ok("%k8s get pods"))
    assert starting[1][:4] == ["nginx-pod", "0/1", "ContainerCreating", "0"]
    ip.ok("%k8s wait --for=condition=Ready pod/nginx-pod")
    result = ip.ok("%k8s get pods")
    recorded = output("pod.txt", "kubectl get pods").splitlines()
    assert text(result).splitlines()[0] == recorded[0]
    assert rows(result)[1][:4] == recorded[1].split()[:4] == ["nginx-pod", "1/1", "Running", "0"]
    wide = rows(ip.ok("%k8s get pods -o wide"))
    assert wide[0] == output("pod.txt", "kubectl get pods -o wide").splitlines()[0].split()
    assert wide[1][6] in ("sim-worker", "sim-worker2")


def test_get_a_pod_by_name_in_every_simple_format(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s get pod nginx-pod -o name")) == output("pod.txt", "kubectl get pod nginx-pod -o name")
    assert text(ip.ok("%k8s get po/nginx-pod -o name")) == "pod/nginx-pod\n"
    as_yaml = text(ip.ok("%k8s get pod nginx-pod -o yaml"))
    assert as_yaml.startswith("apiVersion: v1\nkind: Pod\nmetadata:\n")
    single = json.loads(text(ip.ok("%k8s get pod nginx-pod -o json")))
    assert single["kind"] == "Pod" and single["metadata"]["name"] == "nginx-pod"


def test_jsonpath_braces_pass_through_the_line_verbatim(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s get pod nginx-pod -o jsonpath='{.metadata.name}'")) == "nginx-pod"
    assert text(ip.ok("%k8s get pod nginx-pod -o jsonpath={.spec.containers[0].image}")) == "nginx:1.20"
    listed = text(ip.ok("%k8s get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\n\"}{end}'"))
    assert listed == "nginx-pod\n"


def test_json_of_a_list_is_a_List_and_the_result_carries_the_objects(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    ip.run("r = %k8s get pods -o json")
    r = ip.shell.user_ns["r"]
    doc = json.loads(r.text)
    assert doc["kind"] == "List" and doc["apiVersion"] == "v1" and doc["metadata"] == {"resourceVersion": ""}
    assert [p["metadata"]["name"] for p in doc["items"]] == ["nginx-pod"]
    assert [p["kind"] for p in r.objects] == ["Pod"]
    assert r.objects[0]["spec"]["containers"][0]["image"] == "nginx:1.20"


def test_several_kinds_get_kind_prefixes_and_blank_lines_between_tables(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok(CONFIG)
    out = text(ip.ok("%k8s get deploy,cm"))
    tables = out.split("\n\n")
    assert len(tables) == 2
    assert tables[0].splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert tables[0].splitlines()[1].startswith("deployment.apps/nginx-deployment ")
    assert [line.split()[0] for line in tables[1].splitlines()[1:]] == ["configmap/app-config",
                                                                        "configmap/kube-root-ca.crt"]
    everything = text(ip.ok("%k8s get all"))
    assert "deployment.apps/nginx-deployment" in everything and "configmap" not in everything


def test_no_resources_found_is_not_an_error(ip) -> None:  # type: ignore[no-untyped-def]
    recorded = output("errors.txt", "kubectl get pods -l app=nothing-here")
    assert text(ip.ok("%k8s get pods -l app=nothing-here")) == recorded
    assert text(ip.ok("%k8s get pods -n kube-public")) == "No resources found in kube-public namespace.\n"
    assert text(ip.ok("%k8s get statefulsets -A")) == "No resources found\n"


def test_a_missing_object_is_kubectls_not_found_error(ip) -> None:  # type: ignore[no-untyped-def]
    message = ip.fails("%k8s get pod nope")
    assert message + "\n" == output("errors.txt", "kubectl get pod nope")
    ip.ok(NGINX_POD)
    both = ip.fails_showing("%k8s get pod nginx-pod nope")
    lines = both.splitlines()
    assert lines[0].split()[0] == "NAME" and lines[1].split()[0] == "nginx-pod"
    assert lines[-1] == 'Error from server (NotFound): pods "nope" not found'
    assert text(ip.ok("%k8s get pod nope --ignore-not-found")) == ""


def test_all_namespaces_labels_and_sorting(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    ip.ok("%k8s label pod nginx-pod tier=web")
    header = rows(ip.ok("%k8s get pods -A"))[0]
    assert header[:2] == ["NAMESPACE", "NAME"]
    shown = rows(ip.ok("%k8s get pods --show-labels"))
    assert shown[0][-1] == "LABELS" and shown[1][-1] == "tier=web"
    column = rows(ip.ok("%k8s get pods -L tier"))
    assert column[0][-1] == "TIER" and column[1][-1] == "web"
    by_name = [o["metadata"]["name"] for o in ip.ok("%k8s get cm -A --sort-by=.metadata.name -o json").objects]
    assert by_name == sorted(by_name) and len(set(by_name)) > 1
    assert ip.fails("%k8s get pods --show-labels -o yaml") == "error: --show-labels option cannot be used with " \
                                                              "yaml printer"


def test_dollar_names_expand_from_the_notebook(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    ip.run("which = 'nginx-pod'")
    assert text(ip.ok("%k8s get pod $which -o name")) == "pod/nginx-pod\n"
    assert text(ip.ok("%k8s get pod ${which} -o name")) == "pod/nginx-pod\n"


def test_table_results_have_html_and_describe_is_preformatted(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    table = ip.ok("%k8s get pods")
    assert "<table" in table._repr_html_() and "nginx-pod" in table._repr_html_()
    described = ip.ok("%k8s describe pod nginx-pod")
    assert described._repr_html_().startswith("<pre>")
    assert text(described).splitlines()[0] == "Name:             nginx-pod"


def test_get_without_a_type_says_what_kubectl_says(ip) -> None:  # type: ignore[no-untyped-def]
    message = ip.fails("%k8s get")
    assert message.startswith('You must specify the type of resource to get. Use "kubectl api-resources"')
    assert message.endswith("See 'kubectl get -h' for help and examples")
    assert ip.fails("%k8s get bogus") == 'error: the server doesn\'t have a resource type "bogus"'
    assert ip.fails("%k8s get pods pod/x").startswith("error: there is no need to specify a resource type")


def test_templates_and_custom_columns_pass_through(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s get pods -o go-template='{{range .items}}{{.metadata.name}} {{end}}'")) == "nginx-pod "
    columns = text(ip.ok("%k8s get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image"))
    assert columns == "NAME        IMAGE\nnginx-pod   nginx:1.20\n"
    no_headers = text(ip.ok("%k8s get pods --no-headers"))
    assert no_headers.split()[:2] == ["nginx-pod", "0/1"] and len(no_headers.splitlines()) == 1
