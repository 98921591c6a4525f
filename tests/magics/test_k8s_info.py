"""Verbs that read: describe, explain, api-resources, top, wait, and the bounded `get -w`."""

from __future__ import annotations

from tests.magics.k8s_cells import CONFIG, NGINX_DEPLOYMENT, NGINX_POD, clock, text
from tests.reference import output


def test_describe_by_name_prefix_selector_and_type_name(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    ip.ok(CONFIG)
    ip.ok("%k8s wait --for=condition=Ready pod/nginx-pod")
    one = text(ip.ok("%k8s describe pod nginx-pod"))
    recorded = output("pod.txt", "kubectl describe pod nginx-pod").splitlines()
    assert one.splitlines()[:4] == recorded[:4]
    events = one.splitlines()[one.splitlines().index("Events:") + 1:]
    assert events[0].split() == ["Type", "Reason", "Age", "From", "Message"]
    assert events[2].split()[:2] == ["Normal", "Scheduled"] and "default-scheduler" in events[2]
    assert text(ip.ok("%k8s describe po/nginx-pod")) == one
    prefixed = text(ip.ok("%k8s describe pod nginx"))
    assert prefixed.startswith("Name:             nginx-pod\n") and "\nEvents:" not in prefixed
    assert prefixed.endswith("\n\n")
    secret = text(ip.ok("%k8s describe secret db-secret"))
    assert secret.splitlines()[:4] == output("config.txt", "kubectl describe secret db-secret").splitlines()[:4]
    assert "s3cr3t" not in secret
    assert ip.fails("%k8s describe pod nope") == 'Error from server (NotFound): pods "nope" not found'
    assert text(ip.ok("%k8s describe deploy")) == "No resources found in default namespace.\n"


def test_api_resources_is_the_recorded_discovery(ip) -> None:  # type: ignore[no-untyped-def]
    assert text(ip.ok("%k8s api-resources")) == output("deployment.txt", "kubectl api-resources")
    names = text(ip.ok("%k8s api-resources --namespaced=false -o name")).splitlines()
    assert "nodes" in names and "pods" not in names
    wide = text(ip.ok("%k8s api-resources --api-group=apps -o wide")).splitlines()
    assert wide[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND", "VERBS", "CATEGORIES"]
    assert len(wide) == 6


def test_explain_lays_out_kind_fields_and_descriptions(ip) -> None:  # type: ignore[no-untyped-def]
    pod = text(ip.ok("%k8s explain pods"))
    assert pod.startswith("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n    Pod is a collection of containers "
                          "that can run on a host. This resource is\n    created by clients and scheduled onto "
                          "hosts.\n    \nFIELDS:\n  apiVersion\t<string>\n")
    assert "  spec\t<PodSpec>\n    Specification of the desired behavior of the pod. More info:\n" in pod
    strategy = text(ip.ok("%k8s explain deploy.spec.strategy"))
    assert strategy.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                               "FIELD: strategy <DeploymentStrategy>\n\n\nDESCRIPTION:\n")
    assert "  rollingUpdate\t<RollingUpdateDeployment>\n" in strategy
    containers = text(ip.ok("%k8s explain pod.spec.containers --recursive"))
    assert "FIELD: containers <[]Container>" in containers
    assert "  env\t<[]EnvVar>\n    name\t<string> -required-\n" in containers
    assert "  name\t<string> -required-\n" in containers
    assert ip.fails("%k8s explain pod.spec.nope") == 'error: field "nope" does not exist'
    assert ip.fails("%k8s explain nope") == 'error: the server doesn\'t have a resource type "nope"'


def test_top_without_a_metrics_server_is_kubectls_error(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok("%kube use sim --no-metrics-server")  # as kind comes: the simulator serves metrics unless told not to
    assert ip.fails("%k8s top pods") + "\n" == output("errors.txt", "kubectl top pods")
    assert ip.fails("%k8s top nodes") == "error: Metrics API not available"
    assert ip.fails("%k8s top pods --sort-by=name") == "error: --sort-by accepts only cpu or memory"


def test_wait_for_conditions_jsonpath_and_delete(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert ip.fails("%k8s wait --for=condition=Ready pod/nginx-pod --timeout=0") == \
        "error: condition not met for pods/nginx-pod"
    start = clock(ip)
    assert text(ip.ok("%k8s wait --for=condition=Ready pod/nginx-pod")) == "pod/nginx-pod condition met\n"
    assert 0 < clock(ip) - start < 30  # the kubelet pulled the image and started nginx meanwhile
    assert text(ip.ok("%k8s wait --for=jsonpath='{.status.phase}'=Running pod/nginx-pod")) == \
        "pod/nginx-pod condition met\n"
    assert text(ip.ok("%k8s wait --for=jsonpath={.spec.containers[0].name} pod/nginx-pod")) == \
        "pod/nginx-pod condition met\n"
    start = clock(ip)
    assert ip.fails("%k8s wait --for=jsonpath={.status.phase}=Failed pod/nginx-pod --timeout=5s") == \
        "error: timed out waiting for the condition on pods/nginx-pod"
    assert clock(ip) - start == 5
    assert ip.fails("%k8s wait --for=nonsense pod/nginx-pod") == 'error: unrecognized condition: "nonsense"'
    assert ip.fails("%k8s wait --for=condition=Ready pod/nope") == \
        'Error from server (NotFound): pods "nope" not found'
    assert text(ip.ok("%k8s wait --for=delete pod/nope")) == ""  # nothing to wait for, as in kubectl
    ip.ok("%k8s delete pod nginx-pod --wait=false")
    assert text(ip.ok("%k8s wait --for=delete pod/nginx-pod")) == "pod/nginx-pod condition met\n"


def test_get_watch_prints_the_table_and_moves_the_clock_for_its_bound(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    start = clock(ip)
    watched = text(ip.ok("%k8s get deploy -w --request-timeout=12s"))
    assert watched.splitlines()[0].split() == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"]
    assert clock(ip) - start == 12
    events = text(ip.ok("%k8s get deploy nginx-deployment -w --output-watch-events --timeout=1s"))
    assert events.splitlines()[0].split()[:2] == ["EVENT", "NAME"]
    assert events.splitlines()[1].split()[:2] == ["ADDED", "nginx-deployment"]
    assert ip.fails("%k8s get deploy,pods -w") == "error: you may only specify a single resource type"
    assert ip.fails("%k8s get pods --output-watch-events") == \
        "error: --output-watch-events option can only be used with --watch or --watch-only"
