"""`kubectl get` tables: each recorded table of tests/data/k8s-1.35 rebuilt from its objects, byte for byte."""

from __future__ import annotations

import re

import pytest

from kube_magics.printers import GetOptions, get, table_for
from kube_magics.timefmt import parse_rfc3339
from tests import printers_data as d
from tests.reference import objects, output


def created(obj: dict) -> float:
    return parse_rfc3339(obj["metadata"]["creationTimestamp"])


def nginx_pod() -> dict:
    return objects("pod.txt", "kubectl get pod nginx-pod -o yaml")


def test_get_pods_and_wide_match_the_recording() -> None:
    pod = nginx_pod()
    assert get([pod], now=created(pod) + 3).text == output("pod.txt", "kubectl get pods")
    wide = get([pod], now=created(pod) + 4, options=GetOptions(output="wide"))
    assert wide.text == output("pod.txt", "kubectl get pods -o wide")


def test_several_kinds_get_kind_prefixes_and_a_blank_line_between_tables() -> None:
    dep = objects("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")
    rs = objects("deployment.txt", "kubectl get rs -o yaml")["items"]
    pods = [d.pod(f"nginx-deployment-684f8cccc8-{s}", labels={"app": "nginx"}, owner=rs[0])
            for s in ("g8xh8", "qftrb", "vjbfm")]
    text = get([dep, *rs, *pods], now=created(dep) + 1, options=GetOptions(show_kind=True)).text
    assert text == output("deployment.txt", "kubectl get deploy,rs,pods")


def test_deployment_wide_shows_containers_images_and_selector() -> None:
    dep = objects("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")
    text = get([dep], now=created(dep) + 1, options=GetOptions(output="wide")).text
    assert text == output("deployment.txt", "kubectl get deploy nginx-deployment -o wide")


def test_get_all_during_a_rollout() -> None:
    now = 100.0  # seconds after T0
    new_rs = d.replicaset("nginx-deployment-6467688dfd", created=now - 4)
    pods = [d.pod(f"nginx-deployment-6467688dfd-{s}", created=now - age, owner=new_rs)
            for s, age in (("29sjt", 4), ("2x2q6", 3), ("5vnlq", 2))]
    leaving = d.pod("nginx-deployment-684f8cccc8-b6sfr", created=now - 7)
    leaving["metadata"]["deletionTimestamp"] = d.at(now - 1)
    kubernetes = d.service("kubernetes", ip="10.0.0.1", created=now - 22,
                           ports=[{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}])
    dep = d.deployment("nginx-deployment", created=now - 16)
    old = [d.replicaset("nginx-deployment-684f8cccc8", created=now - 16, replicas=0),
           d.replicaset("nginx-deployment-78764869f5", created=now - 11, replicas=0)]
    text = get([*pods, leaving, kubernetes, dep, new_rs, *old], now=d.T0 + now, options=GetOptions(show_kind=True)).text
    assert text == output("deployment.txt", "kubectl get all")


def services() -> list[dict]:
    http = [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    app = {"app": "nginx"}
    db = d.service("db", kind="ExternalName", ip=None, externalName="db.example.com")
    kubernetes = d.service("kubernetes", ip="10.0.0.1", created=-22,
                           ports=[{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}])
    lb = d.service("web-loadbalancer", kind="LoadBalancer", ip="10.0.0.185", selector=app,
                   ports=[{**http[0], "nodePort": 32004}])
    nodeport = objects("service.txt", "kubectl get svc web-nodeport -o yaml")
    nodeport["metadata"]["creationTimestamp"] = d.at(0)
    return [db, kubernetes, d.service("web-clusterip", selector=app, ports=http), lb, nodeport]


def test_services_of_the_four_types() -> None:
    assert get(services(), now=d.T0 + 2).text == output("service.txt", "kubectl get svc")
    wide = get(services(), now=d.T0 + 2, options=GetOptions(output="wide")).text
    assert wide == output("service.txt", "kubectl get svc -o wide")


def test_endpoints_carry_the_api_servers_deprecation_warning() -> None:
    first = objects("service.txt", "kubectl get endpoints web-clusterip -o yaml")
    eps = [first]
    for name in ("web-loadbalancer", "web-nodeport"):
        eps.append({**first, "metadata": {**first["metadata"], "name": name}})
    now = created(first) + 2
    assert get(eps, now=now).text == output("service.txt", "kubectl get endpoints")


def test_endpoint_slices_list_addresses_in_slice_order() -> None:
    slices = [d.endpoint_slice("web-clusterip-r2ng9", "web-clusterip", ["10.244.0.35", "10.244.0.34", "10.244.0.36"]),
              d.endpoint_slice("web-loadbalancer-8l9wh", "web-loadbalancer",
                               ["10.244.0.35", "10.244.0.36", "10.244.0.34"]),
              d.endpoint_slice("web-nodeport-6k8mg", "web-nodeport", ["10.244.0.36", "10.244.0.35", "10.244.0.34"])]
    assert get(slices, now=d.T0 + 2).text == output("service.txt", "kubectl get endpointslices")


def test_hpa_without_metrics_shows_unknown_current_value() -> None:
    hpa = objects("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    assert get([hpa], now=created(hpa) + 20).text == output("hpa.txt", "kubectl get hpa")


def test_configmaps_and_secrets_count_keys_never_show_values() -> None:
    cm = objects("config.txt", "kubectl get configmap app-config -o yaml")
    root_ca = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"ca.crt": "-----BEGIN CERTIFICATE-----"},
               "metadata": d.meta("kube-root-ca.crt", created=created(cm) - 33 - d.T0)}
    now = created(cm) + 1
    assert get([cm, root_ca], now=now).text == output("config.txt", "kubectl get configmaps")
    secret = objects("config.txt", "kubectl get secret db-secret -o yaml")
    text = get([secret], now=now).text
    assert text == output("config.txt", "kubectl get secrets")
    assert "czNjcjN0" not in text and "s3cr3t" not in text


def test_jobs_and_pods_wide_in_one_call() -> None:
    job = objects("workloads.txt", "kubectl get job train -o yaml")
    now = created(job) + 8
    rows = [("agent-f4rw9", "10.244.0.41", "fake-node-3", 8), ("agent-zm7j2", "10.244.0.39", "fake-node-2", 8),
            ("db-0", "10.244.0.40", "fake-node-2", 8), ("db-1", "10.244.0.42", "fake-node-3", 7),
            ("nginx-deployment-6467688dfd-29sjt", "10.244.0.34", "fake-node-3", 35),
            ("nginx-deployment-6467688dfd-2x2q6", "10.244.0.35", "fake-node-2", 34),
            ("nginx-deployment-6467688dfd-5vnlq", "10.244.0.36", "fake-node-2", 33),
            ("train-4k2tx", "10.244.0.37", "fake-node-3", 8), ("train-wf56x", "10.244.0.38", "fake-node-3", 8)]
    pods = [d.pod(name, ip=ip, node=node, created=now - age - d.T0) for name, ip, node, age in rows]
    text = get([job, *pods], now=now, options=GetOptions(output="wide", show_kind=True)).text
    assert text == output("workloads.txt", "kubectl get jobs,pods -o wide")


def test_daemonsets_and_statefulsets() -> None:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": d.meta("agent"),
          "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": d.template({"app": "agent"}, [d.container("a", "busybox:1.36")])},
          "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 2,
                     "updatedNumberScheduled": 2, "numberAvailable": 2}}
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": d.meta("db"),
           "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "db"}},
                    "template": d.template({"app": "db"}, [d.container("db", "redis:7")])},
           "status": {"replicas": 2, "readyReplicas": 2}}
    text = get([ds, sts], now=d.T0 + 8, options=GetOptions(show_kind=True)).text
    assert text == output("workloads.txt", "kubectl get ds,sts")


def test_nodes_ready_without_roles() -> None:
    nodes = [d.node(f"fake-node-{i}", created=-660) for i in (1, 2, 3)]
    assert get(nodes, now=d.T0 + 5).text == output("errors.txt", "kubectl get nodes")


def test_nothing_found_says_so_in_kubectls_words() -> None:
    out = get([], now=d.T0)
    assert out.text == output("errors.txt", "kubectl get pods -l app=nothing-here")
    assert not out.found
    assert get([], now=d.T0, options=GetOptions(all_namespaces=True)).text == "No resources found\n"
    assert get([], now=d.T0, namespaced=False).text == "No resources found\n"


def test_a_pod_that_cannot_be_scheduled_is_pending() -> None:
    big = d.pod("big", node=None, ip=None, phase="Pending", created=-3)
    assert get([big], now=d.T0).text == output("watch-and-pending.txt", "kubectl get pods")


def test_all_namespaces_adds_namespace_but_not_for_cluster_scoped_kinds() -> None:
    pods = [d.pod("coredns-1", namespace="kube-system", created=-120), d.pod("web", created=-5)]
    text = get(pods, now=d.T0, options=GetOptions(all_namespaces=True)).text
    assert text.splitlines() == [
        "NAMESPACE     NAME        READY   STATUS    RESTARTS   AGE",
        "kube-system   coredns-1   1/1     Running   0          2m",
        "default       web         1/1     Running   0          5s",
    ]
    nodes = get([d.node("sim-worker")], now=d.T0 + 60, options=GetOptions(all_namespaces=True)).text
    assert nodes.splitlines()[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]


def test_show_labels_and_label_columns() -> None:
    pods = [d.pod("web", labels={"app": "web", "tier": "front", "app.kubernetes.io/version": "2"}),
            d.pod("db", labels={"app": "db"})]
    text = get(pods, now=d.T0 + 3, options=GetOptions(show_labels=True, label_columns=("tier",
                                                                                       "app.kubernetes.io/version")))
    assert text.text.splitlines() == [
        "NAME   READY   STATUS    RESTARTS   AGE   TIER    VERSION   LABELS",
        "web    1/1     Running   0          3s    front   2         app=web,app.kubernetes.io/version=2,tier=front",
        "db     1/1     Running   0          3s                      app=db",
    ]


def test_sort_by_a_jsonpath_field() -> None:
    pods = [d.pod("b", created=-30, ip="10.0.0.9"), d.pod("a", created=-10, ip="10.0.0.10"),
            d.pod("c", created=-20, ip="10.0.0.8")]
    by_time = get(pods, now=d.T0, options=GetOptions(sort_by=".metadata.creationTimestamp")).text
    assert [line.split()[0] for line in by_time.splitlines()[1:]] == ["b", "c", "a"]
    by_name = get(pods, now=d.T0, options=GetOptions(sort_by="{.metadata.name}")).text
    assert [line.split()[0] for line in by_name.splitlines()[1:]] == ["a", "b", "c"]
    with pytest.raises(Exception, match="couldn't find any field with path"):
        get(pods, now=d.T0, options=GetOptions(sort_by=".spec.nothing"))


def test_sort_by_quantities_compares_amounts_not_text() -> None:
    quotas = []
    for name, cpu in (("a", "500m"), ("b", "2"), ("c", "1500m")):
        quotas.append({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": d.meta(name),
                       "spec": {"hard": {"cpu": cpu}}, "status": {"hard": {"cpu": cpu}, "used": {"cpu": "0"}}})
    text = get(quotas, now=d.T0, options=GetOptions(sort_by=".spec.hard.cpu")).text
    assert [line.split()[0] for line in text.splitlines()[1:]] == ["a", "c", "b"]
    assert text.splitlines()[1].split()[1:4] == ["cpu:", "0/500m", "0s"]


def test_tables_render_as_small_deterministic_html() -> None:
    pod = d.pod("web", labels={"app": "<x>"})
    out = get([pod], now=d.T0 + 3, options=GetOptions(show_labels=True))
    assert out.html == get([pod], now=d.T0 + 3, options=GetOptions(show_labels=True)).html
    assert out.html.startswith('<div class="kube-magics-get"><table class="kube-magics-table"><thead><tr><th>NAME</th>')
    assert "<td>app=&lt;x&gt;</td>" in out.html and "id=" not in out.html
    assert out._repr_html_() == out.html


def test_server_side_table_carries_every_column_with_priorities() -> None:
    table = table_for("Pod", [d.pod("web")], d.T0 + 3).to_meta_table()
    assert [c["name"] for c in table["columnDefinitions"] if c["priority"] == 1] == [
        "IP", "Node", "Nominated Node", "Readiness Gates"]
    assert table["rows"][0]["cells"] == ["web", "1/1", "Running", "0", "3s", "10.244.0.22", "fake-node-2", "<none>",
                                         "<none>"]


def test_kinds_without_a_printer_fall_back_as_the_api_server_does() -> None:
    limits = {"apiVersion": "v1", "kind": "LimitRange", "metadata": d.meta("mem-limits")}
    assert get([limits], now=d.T0 + 60).text == "NAME         CREATED AT\nmem-limits   2026-11-27T11:21:20Z\n"
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": d.meta("w1")}
    assert get([widget], now=d.T0 + 60).text == "NAME   AGE\nw1     60s\n"


def test_more_kinds_columns() -> None:
    now = d.T0 + 90
    cron = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": d.meta("nightly"),
            "spec": {"schedule": "0 2 * * *", "suspend": False,
                     "jobTemplate": {"spec": {"template": d.template({}, [d.container("b", "busybox:1.36")])}}},
            "status": {"active": [{"name": "nightly-1"}], "lastScheduleTime": d.at(30)}}
    assert get([cron], now=now).text.splitlines() == [
        "NAME      SCHEDULE    TIMEZONE   SUSPEND   ACTIVE   LAST SCHEDULE   AGE",
        "nightly   0 2 * * *   <none>     False     1        60s             90s"]
    ing = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": d.meta("web"),
           "spec": {"ingressClassName": "nginx", "tls": [{"hosts": ["a.example.com"]}],
                    "rules": [{"host": "a.example.com"}, {"host": "b.example.com"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "172.18.0.5"}]}}}
    assert get([ing], now=now).text.splitlines()[1].split() == [
        "web", "nginx", "a.example.com,b.example.com", "172.18.0.5", "80,", "443", "90s"]
    pvc = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": d.meta("data"),
           "spec": {"volumeName": "pvc-1", "storageClassName": "standard", "accessModes": ["ReadWriteOnce"]},
           "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"], "capacity": {"storage": "1Gi"}}}
    assert get([pvc], now=now).text.splitlines() == [
        "NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
        "data   Bound    pvc-1    1Gi        RWO            standard       <unset>                 90s"]
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": d.meta("agent")}
    rev = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 2,
           "metadata": d.meta("agent-6d5b8c", owner=ds)}
    assert get([rev], now=now).text.splitlines()[1].split() == ["agent-6d5b8c", "daemonset.apps/agent", "2", "90s"]
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": d.meta("sim-worker"),
             "spec": {"holderIdentity": "sim-worker"}}
    assert get([lease], now=now).text.splitlines()[1].split() == ["sim-worker", "sim-worker", "90s"]
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": d.meta("default")}
    assert get([sa], now=now).text.splitlines() == ["NAME      SECRETS   AGE", "default   0         90s"]


def test_hpa_targets_with_metrics_and_autoscaling_v1() -> None:
    hpa = objects("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    hpa["spec"]["metrics"].append({"type": "Resource", "resource": {"name": "memory", "target": {
        "type": "AverageValue", "averageValue": "200Mi"}}})
    hpa["spec"]["metrics"].append({"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {
        "type": "AverageValue", "averageValue": "100"}}})
    hpa["status"]["currentMetrics"] = [{"type": "Resource", "resource": {"name": "cpu", "current": {
        "averageUtilization": 45, "averageValue": "45m"}}}]
    cells = table_for("HorizontalPodAutoscaler", [hpa], created(hpa) + 20).rows[0].cells
    assert cells[2] == "cpu: 45%/50%, memory: <unknown>/200Mi + 1 more..."
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": d.meta("web"),
          "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2, "maxReplicas": 10,
                   "targetCPUUtilizationPercentage": 50},
          "status": {"currentReplicas": 4, "currentCPUUtilizationPercentage": 120}}
    assert table_for("HorizontalPodAutoscaler", [v1], d.T0).rows[0].cells[1:6] == [
        "Deployment/web", "cpu: 120%/50%", "2", 10, 4]


def test_events_wide_columns() -> None:
    pod = d.pod("web")
    ev = d.event(pod, "BackOff", "Back-off restarting failed container", last=60, first=0, count=5,
                 kind="Warning", source="kubelet")
    ev["source"]["host"] = "sim-worker"
    ev["involvedObject"]["fieldPath"] = "spec.containers{nginx}"
    row = get([ev], now=d.T0 + 90, options=GetOptions(output="wide")).text.splitlines()
    assert re.split(r"\s{2,}", row[0]) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "SUBOBJECT", "SOURCE", "MESSAGE",
                                          "FIRST SEEN", "COUNT", "NAME"]
    assert "spec.containers{nginx}   kubelet, sim-worker   Back-off restarting failed container   90s" in row[1]
    assert row[1].split()[-2:] == ["5", ev["metadata"]["name"]]
