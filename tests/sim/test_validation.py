"""The simulated API server's defaulting and validation, against the recordings of a real 1.35 API server."""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from kube_magics import manifests
from kube_magics.errors import ApplyError, InvalidError
from kube_magics.schema import DecodeError
from kube_magics.sim import SimCluster, defaults, validation
from kube_magics.sim.validation.cron import schedule_error

REFERENCE = Path("/work/shared/reference/k8s-1.35")
if not REFERENCE.exists():  # the recordings also live in the repository's reference copy, when there is one
    REFERENCE = Path(__file__).resolve().parents[2] / "reference" / "k8s-1.35"


def recorded(file: str, command: str) -> Any:
    """The YAML output of `command` in a recording."""
    text = (REFERENCE / file).read_text()
    start = text.index(f"$ {command}\n") + len(command) + 3
    return yaml.safe_load(text[start:text.index("[exit", start)])


def manifest(file: str, index: int = 0) -> str:
    """The `index`th manifest a recording applies with `kubectl apply -f - <<EOF`."""
    return re.findall(r"<<EOF\n(.*?)EOF\n", (REFERENCE / file).read_text(), re.S)[index]


needs_recordings = pytest.mark.skipif(not REFERENCE.exists(), reason="the reference recordings are not here")


def invalid(c: SimCluster, text: str) -> InvalidError:
    with pytest.raises(InvalidError) as info:
        c.apply(text)
    return info.value


def messages(err: InvalidError) -> list[str]:
    return [f"{cause.field}: {cause.message}" for cause in err.causes]


# --- defaulting, compared with real objects -------------------------------------------------------------------


@needs_recordings
def test_a_deployment_gets_the_defaults_a_real_api_server_gives() -> None:
    c = SimCluster()
    c.apply(manifest("deployment.txt"))
    assert c.get("deploy", "nginx-deployment")["spec"] == \
        recorded("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")["spec"]


@needs_recordings
def test_a_job_gets_the_defaults_and_the_generated_selector_a_real_api_server_gives() -> None:
    real = recorded("workloads.txt", "kubectl get job train -o yaml")
    c = SimCluster()
    c.apply(manifest("workloads.txt").split("---")[0])
    ours = c.get("job", "train")
    spec = copy.deepcopy(real["spec"])
    del spec["selector"]
    del spec["template"]["metadata"]
    assert {k: v for k, v in ours["spec"].items() if k != "selector"} == \
        {**spec, "template": {**spec["template"], "metadata": ours["spec"]["template"]["metadata"]}}
    # With the uid it is stored under, the API server adds the selector and these labels.
    uid = real["metadata"]["uid"]
    job = yaml.safe_load(manifest("workloads.txt").split("---")[0])
    defaults.apply_defaults(job)
    defaults.generate_job_selector(job, uid)
    assert job["spec"] == real["spec"]
    assert job["metadata"]["labels"] == real["metadata"]["labels"]


@needs_recordings
def test_a_node_port_service_gets_the_defaults_a_real_api_server_gives() -> None:
    c = SimCluster()
    c.apply(manifest("service.txt", 1))
    allocated = {"clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"}
    real = {k: v for k, v in recorded("service.txt", "kubectl get svc web-nodeport -o yaml")["spec"].items()
            if k not in allocated}
    ours = {k: v for k, v in c.get("svc", "web-nodeport")["spec"].items() if k not in allocated}
    for port in real["ports"] + ours["ports"]:
        port.pop("nodePort", None)
    assert ours == real


@needs_recordings
def test_a_pods_containers_get_the_defaults_a_real_api_server_gives() -> None:
    c = SimCluster()
    c.apply(manifest("pod.txt"))
    real = recorded("pod.txt", "kubectl get pod nginx-pod -o yaml")["spec"]
    ours = c.get("pod", "nginx-pod")["spec"]
    for container in (real["containers"][0], ours["containers"][0]):
        container.pop("volumeMounts")  # the service account's volume has a random name
    assert ours["containers"] == real["containers"]
    for key in ("dnsPolicy", "enableServiceLinks", "restartPolicy", "schedulerName", "securityContext",
                "terminationGracePeriodSeconds", "priority", "preemptionPolicy", "tolerations"):
        assert ours[key] == real[key], key


@needs_recordings
def test_an_hpa_as_kubectl_autoscale_sends_it_is_stored_as_a_real_one() -> None:
    real = recorded("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    c = SimCluster()
    c.apply({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
             "metadata": {"name": "nginx-deployment"}, "spec": real["spec"]})
    assert c.get("hpa", "nginx-deployment")["spec"] == real["spec"]


@needs_recordings
def test_string_data_is_folded_into_base64_data() -> None:
    c = SimCluster()
    c.apply(manifest("config.txt"))
    real = recorded("config.txt", "kubectl get secret db-secret -o yaml")
    ours = c.get("secret", "db-secret")
    assert (ours["data"], ours["type"], "stringData" in ours) == (real["data"], real["type"], False)


def test_hpa_defaults_and_the_v1_v2_conversions() -> None:
    hpa: dict[str, Any] = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": {},
                           "spec": {"maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}}
    defaults.apply_defaults(hpa)
    spec = hpa["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"resource": {"name": "cpu", "target": {"averageUtilization": 80,
                                                                       "type": "Utilization"}}, "type": "Resource"}]
    assert spec["behavior"]["scaleUp"] == {"policies": [{"periodSeconds": 15, "type": "Pods", "value": 4},
                                                        {"periodSeconds": 15, "type": "Percent", "value": 100}],
                                           "selectPolicy": "Max", "stabilizationWindowSeconds": 0}
    assert spec["behavior"]["scaleDown"] == {"policies": [{"periodSeconds": 15, "type": "Percent", "value": 100}],
                                             "selectPolicy": "Max", "stabilizationWindowSeconds": 60}
    v1 = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler", "metadata": {"name": "h"},
          "spec": {"maxReplicas": 10, "targetCPUUtilizationPercentage": 50,
                   "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}},
          "status": {"currentReplicas": 3, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 70}}
    v2 = defaults.hpa_as_v2(v1)
    assert v2["apiVersion"] == "autoscaling/v2"
    assert v2["spec"]["metrics"][0]["resource"]["target"] == {"averageUtilization": 50, "type": "Utilization"}
    assert "targetCPUUtilizationPercentage" not in v2["spec"] and v2["spec"]["minReplicas"] == 1
    assert v2["status"]["currentMetrics"][0]["resource"]["current"] == {"averageUtilization": 70}
    back = defaults.hpa_as_v1(v2)
    assert back["spec"] == {**v1["spec"], "minReplicas": 1} and back["status"] == v1["status"]


def test_defaults_are_per_type() -> None:
    c = SimCluster()
    c.apply("""\
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: web, image: nginx, resources: {limits: {cpu: "0.5", memory: 1024Mi}}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox:1.36}]
---
apiVersion: v1
kind: Namespace
metadata: {name: team}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec:
  limits: [{type: Container, max: {cpu: "2"}, min: {memory: 64Mi}}]
""")
    container = c.get("deploy", "web")["spec"]["template"]["spec"]["containers"][0]
    # A template keeps what it says (requests come from limits on Pods only), in canonical form.
    assert container["resources"] == {"limits": {"cpu": "500m", "memory": "1Gi"}}
    assert container["imagePullPolicy"] == "Always"
    assert "enableServiceLinks" not in c.get("deploy", "web")["spec"]["template"]["spec"]
    job_template = c.get("cronjob", "nightly")["spec"]["jobTemplate"]
    assert "backoffLimit" not in job_template["spec"] and job_template["metadata"] == {}
    assert c.get("cronjob", "nightly")["spec"]["successfulJobsHistoryLimit"] == 3
    assert c.get("ns", "team")["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team"}
    item = c.get("limitrange", "limits")["spec"]["limits"][0]
    assert item["default"] == {"cpu": "2"} and item["defaultRequest"] == {"cpu": "2", "memory": "64Mi"}


# --- validation ---------------------------------------------------------------------------------------------------


def test_every_cause_is_reported_in_the_api_servers_order() -> None:
    err = invalid(SimCluster(), """\
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
  labels: {"bad key!": x}
spec:
  restartPolicy: Sometimes
  volumes: [{name: data, emptyDir: {}}]
  containers:
    - name: App
      ports: [{containerPort: 0}]
      volumeMounts: [{name: cache, mountPath: /cache}]
""")
    assert messages(err)[0].startswith('metadata.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain')
    assert [m.split(":")[0] for m in messages(err)] == [
        "metadata.name", "metadata.labels", "spec.containers[0].name", "spec.containers[0].image",
        "spec.containers[0].ports[0].containerPort", "spec.containers[0].volumeMounts[0].name",
        "spec.restartPolicy"]
    assert messages(err)[-1] == ('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", '
                                 '"OnFailure", "Never"')
    assert err.message.startswith('The Pod "Bad_Name" is invalid: \n* metadata.name: Invalid value:')


@pytest.mark.parametrize(("schedule", "problem"), [
    ("*/5 * * * *", None), ("@daily", None), ("@every 1h30m", None), ("0 9 * * mon-fri", None),
    ("61 * * * *", "end of range (61) above maximum (59): 61"),
    ("* * * * 8", "end of range (8) above maximum (6): 8"),
    ("*/0 * * * *", "step of range should be a positive number: */0"),
    ("a * * * *", 'failed to parse int from a: strconv.Atoi: parsing "a": invalid syntax'),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("* * * * * *", "expected exactly 5 fields, found 6: [* * * * * *]"),
])
def test_cron_schedules_are_checked_as_the_cronjob_api_checks_them(schedule: str, problem: str | None) -> None:
    assert schedule_error(schedule) == problem


def test_updates_may_not_change_what_is_immutable() -> None:
    c = SimCluster()
    c.apply("""\
apiVersion: batch/v1
kind: Job
metadata: {name: train}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: t, image: "python:3.9"}]
---
apiVersion: v1
kind: Secret
metadata: {name: s}
type: Opaque
immutable: true
stringData: {k: v}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: "redis:7"}]
""")
    job = c.get("job", "train")
    job["spec"]["template"]["spec"]["containers"][0]["image"] = "python:3.12"
    with pytest.raises(InvalidError) as info:
        c.replace(job)
    assert messages(info.value)[0].startswith("spec.template: Invalid value: {")
    assert messages(info.value)[0].endswith("}: field is immutable")
    secret = c.get("secret", "s")
    secret["type"] = "kubernetes.io/basic-auth"
    secret["data"] = {"username": "YQ=="}
    with pytest.raises(InvalidError) as info:
        c.replace(secret)
    assert messages(info.value) == ['type: Invalid value: "kubernetes.io/basic-auth": field is immutable',
                                    "data: Forbidden: field is immutable when `immutable` is set"]
    sts = c.get("sts", "db")
    sts["spec"]["serviceName"] = "other"
    with pytest.raises(InvalidError, match=r"spec: Forbidden: updates to statefulset spec for fields other than"):
        c.replace(sts)
    sts = c.get("sts", "db")
    sts["spec"]["replicas"] = 3
    assert c.replace(sts)["spec"]["replicas"] == 3


def test_a_running_pod_may_change_its_image_and_add_tolerations_only() -> None:
    c = SimCluster()
    c.apply("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx:1.20}]\n")
    pod = c.get("pod", "p")
    pod["spec"]["containers"][0]["image"] = "nginx:1.21"
    pod["spec"]["tolerations"].append({"key": "gpu", "operator": "Exists", "effect": "NoSchedule"})
    assert c.replace(pod)["spec"]["containers"][0]["image"] == "nginx:1.21"
    pod = c.get("pod", "p")
    pod["spec"]["tolerations"] = pod["spec"]["tolerations"][1:]
    with pytest.raises(InvalidError) as info:
        c.replace(pod)
    assert messages(info.value) == ["spec.tolerations: Forbidden: existing toleration can not be modified except its "
                                    "tolerationSeconds"]


def test_the_schema_check_guards_every_write_of_untrusted_input() -> None:
    c = SimCluster()
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": 1}}
    with pytest.raises(DecodeError, match=r"cannot unmarshal number into Go struct field ConfigMap\.data of type "
                                          r"string"):
        c.create(cm)
    c.create({**cm, "data": {"a": "1"}})
    with pytest.raises(DecodeError, match='unknown field "spec"'):
        c.replace({**cm, "data": {"a": "2"}, "spec": {}})


def test_a_batch_with_several_bad_documents_lists_each_with_its_line_and_writes_nothing() -> None:
    c = SimCluster()
    before = c.rt.store.resource_version
    text = """\
apiVersion: v1
kind: ConfigMap
metadata: {name: ok}
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  type: Balanced
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: api}}
    spec:
      containers: [{name: web, image: nginx}]
"""
    with pytest.raises(ApplyError) as info:
        c.apply(text)
    assert c.rt.store.resource_version == before
    assert "ok" not in [cm["metadata"]["name"] for cm in c.list("configmaps")]
    errors = info.value.errors
    assert [(e.location.document, e.location.line) for e in errors] == [(2, 9), (3, 19)]
    assert errors[0].message == ('The Service "web" is invalid: spec.type: Unsupported value: "Balanced": supported '
                                 'values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')
    assert isinstance(errors[1].cause, InvalidError)
    explained = manifests.explain_error(info.value, manifests.parse(text))
    assert explained.endswith("(2 documents have errors; nothing was applied)")
    assert "document 3 (Deployment/web), line 19, column 16, field spec.template.metadata.labels" in explained


def test_other_modules_can_add_checks_for_a_kind() -> None:
    calls: list[str] = []

    @validation.register("ConfigMap")
    def note(obj: dict[str, Any], old: dict[str, Any] | None) -> list[Any]:
        calls.append(obj["metadata"]["name"])
        return []

    try:
        SimCluster().create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "seen"}})
    finally:
        validation.VALIDATORS["ConfigMap"].remove(note)
    assert calls == ["seen"]
