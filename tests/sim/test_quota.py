"""ResourceQuota and LimitRange: the admission plugins' defaults and refusals, in Kubernetes' words, and the quota
controller's status, through SimCluster."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.errors import ForbiddenError
from kube_magics.printers import describe
from kube_magics.sim import SimCluster

TEAM = """
apiVersion: v1
kind: Namespace
metadata:
  name: team
"""

QUOTA = """
apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
  namespace: team
spec:
  hard:
    requests.cpu: "2"
    limits.cpu: "4"
    pods: "10"
"""

LIMITS = """
apiVersion: v1
kind: LimitRange
metadata:
  name: defaults
  namespace: team
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
      memory: 256Mi
    defaultRequest:
      cpu: 250m
      memory: 128Mi
    max:
      cpu: "1"
    maxLimitRequestRatio:
      memory: "4"
"""


def pod(name: str, requests: dict[str, str] | None = None, limits: dict[str, str] | None = None,
        command: list[str] | None = None) -> dict[str, Any]:
    """A pod in `team` running `command` once (restartPolicy Never), `sleep 3600` unless told."""
    resources: dict[str, Any] = {}
    if requests:
        resources["requests"] = requests
    if limits:
        resources["limits"] = limits
    container: dict[str, Any] = {"name": "app", "image": "busybox:1.36", "resources": resources,
                                 "command": command or ["sleep", "3600"]}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "team"},
            "spec": {"containers": [container], "restartPolicy": "Never"}}


def refused(c: SimCluster, obj: dict[str, Any]) -> str:
    with pytest.raises(ForbiddenError) as info:
        c.create(obj)
    assert info.value.code == 403
    return info.value.message


def quota_status(c: SimCluster) -> dict[str, Any]:
    return c.get("quota", "compute", "team")["status"]


# --- LimitRange --------------------------------------------------------------------------------------------------

def test_limit_range_defaults_are_set_and_annotated() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + LIMITS)
    made = c.create(pod("plain"))
    assert made["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "256Mi"},
                                                          "requests": {"cpu": "250m", "memory": "128Mi"}}
    assert made["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: cpu, memory request for container app; cpu, memory limit for container app"
    assert made["status"]["qosClass"] == "Burstable"
    # What the pod says itself stays; only the missing values are filled in.
    own = c.create(pod("own", requests={"cpu": "100m"}, limits={"memory": "200Mi"}))
    assert own["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m", "memory": "200Mi"},
                                                         "requests": {"cpu": "100m", "memory": "200Mi"}}
    assert own["metadata"]["annotations"]["kubernetes.io/limit-ranger"] == \
        "LimitRanger plugin set: cpu limit for container app"
    # A namespace without a LimitRange changes nothing.
    bare = c.create({**pod("bare"), "metadata": {"name": "bare", "namespace": "default"}})
    assert bare["spec"]["containers"][0]["resources"] == {}


def test_limit_range_refuses_what_is_out_of_bounds() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + LIMITS)
    assert refused(c, pod("big", requests={"cpu": "1"}, limits={"cpu": "2"})) == \
        'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2.'
    assert refused(c, pod("greedy", requests={"memory": "100Mi"}, limits={"memory": "1Gi"})) == \
        'pods "greedy" is forbidden: memory max limit to request ratio per Container is 4, but provided ratio ' \
        'is 10.240000.'
    both = refused(c, pod("both", requests={"cpu": "2", "memory": "64Mi"}, limits={"cpu": "2", "memory": "1Gi"}))
    assert both == 'pods "both" is forbidden: [maximum cpu usage per Container is 1, but limit is 2., memory max ' \
                   'limit to request ratio per Container is 4, but provided ratio is 16.000000.]'
    c.apply("""
apiVersion: v1
kind: LimitRange
metadata:
  name: storage
  namespace: team
spec:
  limits:
  - type: PersistentVolumeClaim
    min:
      storage: 1Gi
    max:
      storage: 5Gi
""")
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "tiny", "namespace": "team"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "500Mi"}}}}
    assert refused(c, claim) == 'persistentvolumeclaims "tiny" is forbidden: minimum storage usage per ' \
                                'PersistentVolumeClaim is 1Gi, but request is 500Mi.'


# --- ResourceQuota -----------------------------------------------------------------------------------------------

def test_quota_refuses_a_pod_over_the_limit_with_kubernetes_message() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + QUOTA)
    for i in range(3):
        c.create(pod(f"p{i}", requests={"cpu": "500m"}, limits={"cpu": "500m"}))
    assert quota_status(c) == {"hard": {"limits.cpu": "4", "pods": "10", "requests.cpu": "2"},
                               "used": {"limits.cpu": "1500m", "pods": "3", "requests.cpu": "1500m"}}
    assert refused(c, pod("x", requests={"cpu": "600m"}, limits={"cpu": "600m"})) == \
        'pods "x" is forbidden: exceeded quota: compute, requested: requests.cpu=600m, used: ' \
        'requests.cpu=1500m, limited: requests.cpu=2'
    c.create(pod("fits", requests={"cpu": "500m"}, limits={"cpu": "500m"}))  # exactly up to the limit
    assert quota_status(c)["used"]["requests.cpu"] == "2"
    assert "used: requests.cpu=2," in refused(c, pod("one-more", requests={"cpu": "1m"}, limits={"cpu": "1m"}))


def test_quota_on_cpu_needs_every_container_to_say_what_it_wants() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + QUOTA)
    assert refused(c, pod("vague")) == \
        'pods "vague" is forbidden: failed quota: compute: must specify limits.cpu for: app; requests.cpu for: app'
    assert refused(c, pod("half", requests={"cpu": "100m"})) == \
        'pods "half" is forbidden: failed quota: compute: must specify limits.cpu for: app'
    # With a LimitRange, the defaults make the same pod acceptable.
    c.apply(LIMITS)
    c.create(pod("vague"))
    assert quota_status(c)["used"] == {"limits.cpu": "500m", "pods": "1", "requests.cpu": "250m"}


def test_quota_status_follows_pods_that_come_and_go() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + QUOTA)
    c.create(pod("short", requests={"cpu": "1"}, limits={"cpu": "1"}, command=["sh", "-c", "sleep 2"]))
    c.create(pod("long", requests={"cpu": "500m"}, limits={"cpu": "500m"}))
    assert quota_status(c)["used"]["requests.cpu"] == "1500m"
    c.advance(10)  # `short` has finished: a finished pod no longer counts
    assert quota_status(c)["used"] == {"limits.cpu": "500m", "pods": "1", "requests.cpu": "500m"}
    c.delete("pods", "long", "team", grace_period=0)
    assert quota_status(c)["used"] == {"limits.cpu": "0", "pods": "0", "requests.cpu": "0"}
    text = describe(c.get("quota", "compute", "team"), now=c.now, related=c).splitlines()
    assert text[2:] == ["Resource      Used  Hard", "--------      ----  ----", "limits.cpu    0     4",
                        "pods          0     10", "requests.cpu  0     2"]


def test_object_counts_are_limited_too() -> None:
    c = SimCluster()
    c.apply(TEAM + """---
apiVersion: v1
kind: ResourceQuota
metadata:
  name: objects
  namespace: team
spec:
  hard:
    configmaps: "2"
    count/deployments.apps: "0"
""")
    # Every namespace holds the kube-root-ca.crt ConfigMap, which counts: one more fits.
    assert c.get("quota", "objects", "team")["status"]["used"]["configmaps"] == "1"
    c.create({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "one", "namespace": "team"}})
    assert refused(c, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "two", "namespace": "team"}}) \
        == 'configmaps "two" is forbidden: exceeded quota: objects, requested: configmaps=1, used: configmaps=2, ' \
           'limited: configmaps=2'
    deployment = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "namespace": "team"},
                  "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
                      "metadata": {"labels": {"a": "b"}}, "spec": {"containers": [{"name": "c", "image": "x"}]}}}}
    assert refused(c, deployment) == 'deployments.apps "d" is forbidden: exceeded quota: objects, requested: ' \
                                     'count/deployments.apps=1, used: count/deployments.apps=0, limited: ' \
                                     'count/deployments.apps=0'


def test_a_deployment_over_quota_is_accepted_and_its_replicaset_reports_failed_creates() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + QUOTA)
    c.create(pod("big", requests={"cpu": "1800m"}, limits={"cpu": "2"}))
    results = c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: team
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: web
        image: nginx:1.20
        resources: {requests: {cpu: 300m}, limits: {cpu: 300m}}
""")
    assert [str(r) for r in results] == ["deployment.apps/web created"]
    c.advance(10)
    rs = c.list("rs", "team")[0]
    failed = [e for e in c.events(rs) if e["reason"] == "FailedCreate"]
    assert failed and all(e["type"] == "Warning" and e["source"] == {"component": "replicaset-controller"}
                          for e in failed)
    message = failed[0]["message"]
    assert message.startswith(f'Error creating: pods "{rs["metadata"]["name"]}-')
    assert message.endswith('" is forbidden: exceeded quota: compute, requested: requests.cpu=300m, used: '
                            'requests.cpu=1800m, limited: requests.cpu=2')
    assert c.list("pods", "team", selector="app=web") == []
    conditions = {x["type"]: x for x in c.get("deploy", "web", "team")["status"]["conditions"]}
    assert conditions["ReplicaFailure"]["reason"] == "FailedCreate"
    # Freeing the quota lets the ReplicaSet's next attempt through.
    c.delete("pods", "big", "team", grace_period=0)
    c.advance(30)
    assert len(c.list("pods", "team", selector="app=web")) == 2


def test_limit_range_defaults_are_not_owned_by_the_pods_creator() -> None:
    c = SimCluster()
    c.apply(TEAM + "---" + LIMITS)
    c.apply("""
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: rs
  namespace: team
spec:
  replicas: 1
  selector: {matchLabels: {app: rs}}
  template:
    metadata: {labels: {app: rs}}
    spec:
      containers:
      - name: app
        image: nginx:1.20
""")
    name = c.list("pods", "team", selector="app=rs")[0]["metadata"]["name"]
    entry = next(e for e in c.get("pods", name, "team")["metadata"]["managedFields"]
                 if e["manager"] == "kube-controller-manager")
    container = entry["fieldsV1"]["f:spec"]["f:containers"]['k:{"name":"app"}']
    assert container["f:resources"] == {}
    assert "f:annotations" not in entry["fieldsV1"]["f:metadata"]
