"""Describers the recordings do not cover, checked line by line against kubectl's describe.go layout: a busy pod,
Jobs, CronJobs, StatefulSets, Namespaces with quotas and limits, Endpoints, ServiceAccounts, and the generic one."""

from __future__ import annotations

from kube_magics.printers import describe, describe_many
from tests import printers_data as d


def busy_pod() -> tuple[dict, list[dict]]:
    rs = d.replicaset("web-7d4b9c8f6d")
    app = d.container(
        "app", "python:3.12", port=8080, command=["python", "-c", "import time\ntime.sleep(5)"],
        env=[{"name": "MODE", "value": "production"},
             {"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-secret", "key": "PASSWORD"}}},
             {"name": "LOG_LEVEL", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "LOG_LEVEL",
                                                                     "optional": True}}},
             {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
        envFrom=[{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"}],
        resources={"limits": {"memory": "128Mi"}, "requests": {"cpu": "100m", "memory": "64Mi"}},
        readinessProbe={"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 5,
                        "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1, "failureThreshold": 3},
        volumeMounts=[{"name": "config", "mountPath": "/etc/app"}, {"name": "cache", "mountPath": "/cache"}])
    oom = {"exitCode": 137, "reason": "OOMKilled", "startedAt": d.at(100), "finishedAt": d.at(160)}
    pod = d.pod("web-7d4b9c8f6d-x2x7q", containers=[app], labels={"app": "web"}, owner=rs,
                statuses=[d.running("app", "python:3.12", started=161, restarts=2, last_terminated=oom)])
    pod["spec"]["initContainers"] = [d.container("migrate", "busybox:1.36", command=["sh", "-c", "exit 0"])]
    pod["status"]["initContainerStatuses"] = [d.terminated("migrate", reason="Completed", started=2, finished=3)]
    pod["spec"]["volumes"] = [{"name": "config", "configMap": {"name": "app-config"}},
                              {"name": "cache", "emptyDir": {}},
                              {"name": "data", "persistentVolumeClaim": {"claimName": "data"}}]
    pulled = d.event(pod, "Pulled", 'Container image "python:3.12" already present on machine', last=161, first=2,
                     count=3, source="kubelet")
    pulled["involvedObject"]["fieldPath"] = "spec.containers{app}"
    backoff = d.event(pod, "BackOff", "Back-off restarting failed container app", last=150, first=120, count=4,
                      kind="Warning", source="kubelet", seq=1)
    return pod, [pulled, backoff]


def test_busy_pod_sections() -> None:
    pod, events = busy_pod()
    lines = describe(pod, now=d.T0 + 200, related=d.Cluster(pod, *events)).splitlines()
    assert "Controlled By:  ReplicaSet/web-7d4b9c8f6d" in lines
    assert lines[lines.index("Init Containers:") + 1] == "  migrate:"
    state = lines.index("    Last State:     Terminated")
    assert lines[state - 2: state + 7] == [
        "    State:          Running",
        "      Started:      Fri, 27 Nov 2026 11:24:01 +0000",
        "    Last State:     Terminated",
        "      Reason:       OOMKilled",
        "      Exit Code:    137",
        "      Started:      Fri, 27 Nov 2026 11:23:00 +0000",
        "      Finished:     Fri, 27 Nov 2026 11:24:00 +0000",
        "    Ready:          True",
        "    Restart Count:  2",
    ]
    env = lines.index("    Environment:")
    assert lines[env - 5: env + 9] == [
        "      cpu:      100m",
        "      memory:   64Mi",
        "    Readiness:  http-get http://:8080/healthz delay=5s timeout=1s period=10s successThreshold=1 "
        "failureThreshold=3",
        "    Environment Variables from:",
        "      app-config  ConfigMap with prefix 'CFG_'  Optional: false",
        "    Environment:",
        "      MODE:       production",
        "      PASSWORD:   <set to the key 'PASSWORD' in secret 'db-secret'>        Optional: false",
        "      LOG_LEVEL:  <set to the key 'LOG_LEVEL' of config map 'app-config'>  Optional: true",
        "      POD_NAME:   web-7d4b9c8f6d-x2x7q (v1:metadata.name)",
        "    Mounts:",
        "      /cache from cache (rw)",
        "      /etc/app from config (rw)",
        "Conditions:",
    ]
    assert "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)" in lines
    assert "    ClaimName:   data" in lines
    assert lines[-4:] == [
        "  Type     Reason   Age                  From     Message",
        "  ----     ------   ----                 ----     -------",
        "  Warning  BackOff  50s (x4 over 80s)    kubelet  Back-off restarting failed container app",
        '  Normal   Pulled   39s (x3 over 3m18s)  kubelet  spec.containers{app}: Container image "python:3.12" '
        "already present on machine",
    ]


def test_terminating_pod_shows_how_long_it_has_been_terminating() -> None:
    pod = d.pod("web")
    pod["metadata"]["deletionTimestamp"] = d.at(30)
    pod["metadata"]["deletionGracePeriodSeconds"] = 30
    lines = describe(pod, now=d.T0 + 42).splitlines()
    assert "Status:                    Terminating (lasts 12s)" in lines
    assert "Termination Grace Period:  30s" in lines
    assert not any(line.startswith("Events:") for line in lines), "no events section without a cluster to ask"


def test_job() -> None:
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": d.meta("train", labels={"job-name": "train"}),
           "spec": {"completions": 3, "parallelism": 2, "backoffLimit": 6, "completionMode": "NonIndexed",
                    "suspend": False, "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "abc"}},
                    "template": d.template({"job-name": "train"}, [d.container("t", "python:3.9")])},
           "status": {"active": 1, "ready": 1, "succeeded": 2, "startTime": d.at(0)}}
    text = describe(job, now=d.T0 + 30, related=d.Cluster(job))
    assert text.splitlines()[:13] == [
        "Name:             train",
        "Namespace:        default",
        "Selector:         batch.kubernetes.io/controller-uid=abc",
        "Labels:           job-name=train",
        "Annotations:      <none>",
        "Parallelism:      2",
        "Completions:      3",
        "Completion Mode:  NonIndexed",
        "Suspend:          false",
        "Backoff Limit:    6",
        "Start Time:       Fri, 27 Nov 2026 11:21:20 +0000",
        "Pods Statuses:    1 Active (1 Ready) / 2 Succeeded / 0 Failed",
        "Pod Template:",
    ]
    assert text.endswith("  Tolerations:     <none>\nEvents:            <none>\n")
    job["status"].update({"completionTime": d.at(95), "succeeded": 3, "active": 0})
    assert "Duration:         95s" in describe(job, now=d.T0 + 100).splitlines()


def test_cronjob() -> None:
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": d.meta("nightly"),
          "spec": {"schedule": "0 2 * * *", "concurrencyPolicy": "Forbid", "suspend": False,
                   "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1,
                   "jobTemplate": {"spec": {"template": d.template({}, [d.container("backup", "busybox:1.36")])}}},
          "status": {"active": [{"name": "nightly-29000"}, {"name": "nightly-29001"}], "lastScheduleTime": d.at(-60)}}
    lines = describe(cj, now=d.T0, related=d.Cluster()).splitlines()
    assert lines[4:14] == [
        "Schedule:                      0 2 * * *",
        "Concurrency Policy:            Forbid",
        "Suspend:                       False",
        "Time Zone:                     <unset>",
        "Successful Job History Limit:  3",
        "Failed Job History Limit:      1",
        "Starting Deadline Seconds:     <unset>",
        "Selector:                      <unset>",
        "Parallelism:                   <unset>",
        "Completions:                   <unset>",
    ]
    assert lines[-3:] == ["Last Schedule Time:  Fri, 27 Nov 2026 11:20:20 +0000",
                          "Active Jobs:         nightly-29000, nightly-29001",
                          "Events:              <none>"]


def test_statefulset_counts_its_own_pods_and_shows_claim_templates() -> None:
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": d.meta("db"),
           "spec": {"replicas": 2, "serviceName": "db", "podManagementPolicy": "OrderedReady",
                    "selector": {"matchLabels": {"app": "db"}},
                    "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
                    "template": d.template({"app": "db"}, [d.container("db", "redis:7")]),
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                        "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]},
           "status": {"replicas": 2}}
    pods = [d.pod("db-0", labels={"app": "db"}, owner=sts),
            d.pod("db-1", labels={"app": "db"}, owner=sts, phase="Pending", node=None, ip=None),
            d.pod("db-copy", labels={"app": "db"})]
    lines = describe(sts, now=d.T0, related=d.Cluster(sts, *pods)).splitlines()
    assert "Replicas:               2 desired | 2 total" in lines
    assert "  Partition:            0" in lines
    assert "Pods Status:            1 Running / 1 Waiting / 0 Succeeded / 0 Failed" in lines
    claims = lines.index("Volume Claims:")
    assert lines[claims + 1:claims + 7] == ["  Name:          data", "  StorageClass:  ", "  Labels:        <none>",
                                            "  Annotations:   <none>", "  Capacity:      1Gi",
                                            "  Access Modes:  [ReadWriteOnce]"]


def quota(name: str, hard: dict, used: dict) -> dict:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": d.meta(name, namespace="team"),
            "spec": {"hard": hard}, "status": {"hard": hard, "used": used}}


def limits() -> dict:
    return {"apiVersion": "v1", "kind": "LimitRange", "metadata": d.meta("defaults", namespace="team"),
            "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m", "memory": "256Mi"},
                                 "defaultRequest": {"cpu": "100m", "memory": "128Mi"}, "max": {"cpu": "2"}}]}}


def test_resourcequota_and_limitrange() -> None:
    q = quota("compute", {"requests.cpu": "4", "requests.memory": "8Gi", "pods": "10"},
              {"requests.cpu": "250m", "requests.memory": "134217728", "pods": "2"})
    assert describe(q, now=d.T0) == (
        "Name:            compute\n"
        "Namespace:       team\n"
        "Resource         Used   Hard\n"
        "--------         ----   ----\n"
        "pods             2      10\n"
        "requests.cpu     250m   4\n"
        "requests.memory  128Mi  8Gi\n")
    assert describe(limits(), now=d.T0) == (
        "Name:       defaults\n"
        "Namespace:  team\n"
        "Type        Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio\n"
        "----        --------  ---  ---  ---------------  -------------  -----------------------\n"
        "Container   cpu       -    2    100m             500m           -\n"
        "Container   memory    -    -    128Mi            256Mi          -\n")


def test_namespace_with_quotas_and_limits() -> None:
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": d.meta("team", namespace=None,
                                                                      labels={"kubernetes.io/metadata.name": "team"}),
          "status": {"phase": "Active"}}
    q = quota("compute", {"pods": "10"}, {"pods": "2"})
    text = describe(ns, now=d.T0, related=d.Cluster(ns, q, limits()))
    assert text == (
        "Name:         team\n"
        "Labels:       kubernetes.io/metadata.name=team\n"
        "Annotations:  <none>\n"
        "Status:       Active\n"
        "\n"
        "Resource Quotas\n"
        "  Name:     compute\n"
        "  Resource  Used  Hard\n"
        "  --------  ---   ---\n"
        "  pods      2     10\n"
        "\n"
        "Resource Limits\n"
        " Type       Resource  Min  Max  Default Request  Default Limit  Max Limit/Request Ratio\n"
        " ----       --------  ---  ---  ---------------  -------------  -----------------------\n"
        " Container  cpu       -    2    100m             500m           -\n"
        " Container  memory    -    -    128Mi            256Mi          -\n")
    empty = describe(ns, now=d.T0, related=d.Cluster(ns))
    assert empty.endswith("Status:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n")


def test_endpoints_and_serviceaccounts() -> None:
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": d.meta("web"),
          "subsets": [{"addresses": [{"ip": "10.244.1.5"}, {"ip": "10.244.2.7"}],
                       "notReadyAddresses": [{"ip": "10.244.1.9"}],
                       "ports": [{"port": 80, "protocol": "TCP"}]}]}
    assert describe(ep, now=d.T0, related=d.Cluster(ep)) == (
        "Name:         web\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "Subsets:\n"
        "  Addresses:          10.244.1.5,10.244.2.7\n"
        "  NotReadyAddresses:  10.244.1.9\n"
        "  Ports:\n"
        "    Name     Port  Protocol\n"
        "    ----     ----  --------\n"
        "    <unset>  80    TCP\n"
        "\n"
        "Events:  <none>\n")
    sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": d.meta("builder"),
          "imagePullSecrets": [{"name": "registry"}, {"name": "mirror"}]}
    assert describe(sa, now=d.T0, related=d.Cluster(sa)).splitlines()[4:7] == [
        "Image pull secrets:  registry", "                     mirror", "Events:              <none>"]


def test_kinds_without_a_describer_get_the_generic_one() -> None:
    widget = {"apiVersion": "example.com/v1", "kind": "Widget",
              "metadata": {**d.meta("w1"), "managedFields": [{"manager": "x"}]},
              "spec": {"maxReplicas": 3, "podCIDR": "10.0.0.0/24", "ports": [80, 443], "template": {"image": "x"}}}
    text = describe(widget, now=d.T0, related=d.Cluster(widget))
    assert text.splitlines() == [
        "Name:         w1",
        "Namespace:    default",
        "Labels:       <none>",
        "Annotations:  <none>",
        "API Version:  example.com/v1",
        "Kind:         Widget",
        "Metadata:",
        "  Creation Timestamp:  2026-11-27T11:21:20Z",
        "  UID:                 uid-w1",
        "Spec:",
        "  Max Replicas:  3",
        "  Pod CIDR:      10.0.0.0/24",
        "  Ports:",
        "    80",
        "    443",
        "  Template:",
        "    Image:  x",
        "Events:     <none>",
    ]


def test_several_objects_are_separated_by_a_blank_line() -> None:
    pods = [d.pod("web-1"), d.pod("web-2"), d.pod("db-0")]
    text = describe_many(pods, now=d.T0)
    assert text == describe(pods[0], now=d.T0) + "\n\n" + describe(pods[1], now=d.T0) + "\n\n" + \
        describe(pods[2], now=d.T0)
    by_prefix = describe_many(pods, now=d.T0, prefix="web")
    assert by_prefix == describe(pods[0], now=d.T0) + "\n" + describe(pods[1], now=d.T0) + "\n"
    assert describe_many([], now=d.T0, namespace="team") == "No resources found in team namespace.\n"


def test_volume_sources() -> None:
    pod = d.pod("vols")
    pod["spec"]["volumes"] = [
        {"name": "host", "hostPath": {"path": "/var/log", "type": "Directory"}},
        {"name": "scratch", "emptyDir": {"medium": "Memory", "sizeLimit": "64Mi"}},
        {"name": "tls", "secret": {"secretName": "web-tls", "optional": True}},
        {"name": "share", "nfs": {"server": "nfs.local", "path": "/exports"}},
        {"name": "info", "downwardAPI": {"items": [{"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}}]}},
        {"name": "model", "image": {"reference": "registry.local/model:1", "pullPolicy": "IfNotPresent"}},
        {"name": "odd", "gitRepo": {"repository": "x"}},
    ]
    lines = describe(pod, now=d.T0).splitlines()
    start = lines.index("Volumes:")
    assert lines[start + 1:start + 30] == [
        "  host:",
        "    Type:          HostPath (bare host directory volume)",
        "    Path:          /var/log",
        "    HostPathType:  Directory",
        "  scratch:",
        "    Type:       EmptyDir (a temporary directory that shares a pod's lifetime)",
        "    Medium:     Memory",
        "    SizeLimit:  64Mi",
        "  tls:",
        "    Type:        Secret (a volume populated by a Secret)",
        "    SecretName:  web-tls",
        "    Optional:    true",
        "  share:",
        "    Type:      NFS (an NFS mount that lasts the lifetime of a pod)",
        "    Server:    nfs.local",
        "    Path:      /exports",
        "    ReadOnly:  false",
        "  info:",
        "    Type:  DownwardAPI (a volume populated by information about the pod)",
        "    Items:",
        "      metadata.labels -> labels",
        "  model:",
        "    Type:        Image (a container image or OCI artifact)",
        "    Reference:   registry.local/model:1",
        "    PullPolicy:  IfNotPresent",
        "  odd:",
        "  <unknown>",
        "QoS Class:       BestEffort",
        "Node-Selectors:  <none>",
    ]
