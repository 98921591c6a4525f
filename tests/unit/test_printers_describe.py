"""`kubectl describe`: the recorded outputs rebuilt from their objects and events, and the describers the
recordings do not cover, checked against kubectl's layout rules."""

from __future__ import annotations

from kube_magics.printers import describe
from kube_magics.printers.describe.pods import qos_class
from kube_magics.timefmt import parse_rfc3339
from tests import printers_data as d
from tests.reference import objects, output


def created(obj: dict) -> float:
    return parse_rfc3339(obj["metadata"]["creationTimestamp"])


def test_describe_running_pod_with_its_scheduling_event() -> None:
    pod = objects("pod.txt", "kubectl get pod nginx-pod -o yaml")
    scheduled = d.scheduler_event(pod, "Scheduled", "Successfully assigned default/nginx-pod to fake-node-2",
                                  when=created(pod) - d.T0 + 1)
    text = describe(pod, now=created(pod) + 4, related=d.Cluster(pod, scheduled))
    assert text == output("pod.txt", "kubectl describe pod nginx-pod")


def test_describe_pending_pod_that_fits_nowhere() -> None:
    nginx = d.container()
    nginx["resources"] = {"requests": {"cpu": "500"}}
    nginx["volumeMounts"] = [{"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount",
                              "name": "kube-api-access-r8wms", "readOnly": True}]
    big = d.pod("big", node=None, ip=None, phase="Pending", containers=[nginx], created=-3)
    recorded = objects("pod.txt", "kubectl get pod nginx-pod -o yaml")["spec"]
    big["spec"]["tolerations"] = recorded["tolerations"]
    big["spec"]["volumes"] = [{**recorded["volumes"][0], "name": "kube-api-access-r8wms"}]
    del big["status"]["qosClass"]
    message = ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
               "2 Insufficient cpu. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption "
               "is not helpful for scheduling.")
    failed = d.scheduler_event(big, "FailedScheduling", message, when=-3, kind="Warning")
    text = describe(big, now=d.T0, related=d.Cluster(big, failed))
    assert text == output("watch-and-pending.txt", "kubectl describe pod big")


def test_describe_deployment_names_its_replicasets() -> None:
    dep = objects("deployment.txt", "kubectl get deploy nginx-deployment -o yaml")
    rs = objects("deployment.txt", "kubectl get rs -o yaml")["items"]
    scaled = d.event(dep, "ScalingReplicaSet", "Scaled up replica set nginx-deployment-684f8cccc8 from 0 to 3",
                     last=0, source="deployment-controller")
    text = describe(dep, now=created(dep) + 1, related=d.Cluster(dep, *rs, scaled))
    assert text == output("deployment.txt", "kubectl describe deployment nginx-deployment")


def test_describe_replicaset_counts_its_pods_and_keeps_event_order() -> None:
    rs = objects("deployment.txt", "kubectl get rs -o yaml")["items"][0]
    pods = [d.pod(f"nginx-deployment-684f8cccc8-{s}", labels=rs["spec"]["selector"]["matchLabels"], owner=rs)
            for s in ("g8xh8", "qftrb", "vjbfm")]
    events = [d.event(rs, "SuccessfulCreate", f"Created pod: nginx-deployment-684f8cccc8-{s}", last=0, seq=i)
              for i, s in enumerate(("vjbfm", "g8xh8", "qftrb"))]
    text = describe(rs, now=created(rs) + 1, related=d.Cluster(rs, *pods, *events))
    assert text == output("deployment.txt", "kubectl describe rs")


def test_describe_secret_shows_sizes_never_values() -> None:
    secret = objects("config.txt", "kubectl get secret db-secret -o yaml")
    text = describe(secret, now=d.T0, related=d.Cluster(secret))
    assert text == output("config.txt", "kubectl describe secret db-secret")
    assert "s3cr3t" not in text and "czNjcjN0" not in text


def test_describe_configmap_prints_each_value_and_no_events() -> None:
    cm = objects("config.txt", "kubectl get configmap app-config -o yaml")
    text = describe(cm, now=d.T0, related=d.Cluster(cm))
    assert text == output("config.txt", "kubectl describe configmap app-config")


def test_describe_service_lists_ready_endpoints_from_its_slices() -> None:
    svc = d.service("web-clusterip", selector={"app": "nginx"},
                    ports=[{"port": 80, "protocol": "TCP", "targetPort": 80}])
    slices = d.endpoint_slice("web-clusterip-r2ng9", "web-clusterip", ["10.244.0.35", "10.244.0.34", "10.244.0.36"])
    other = d.endpoint_slice("web-nodeport-6k8mg", "web-nodeport", ["10.244.0.99"])
    text = describe(svc, now=d.T0 + 2, related=d.Cluster(svc, slices, other))
    assert text == output("service.txt", "kubectl describe svc web-clusterip")


def test_describe_hpa_without_metrics() -> None:
    hpa = objects("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    reason = ("failed to get cpu utilization: unable to get metrics for resource cpu: unable to fetch metrics from "
              "resource metrics API: the server could not find the requested resource (get pods.metrics.k8s.io)")
    when = parse_rfc3339("2026-11-27T11:21:54Z") - d.T0
    events = [d.event(hpa, "FailedGetResourceMetric", reason, last=when, kind="Warning",
                      source="horizontal-pod-autoscaler", seq=1),
              d.event(hpa, "FailedComputeMetricsReplicas", "invalid metrics (1 invalid out of 1), first error is: "
                      f"failed to get cpu resource metric value: {reason}", last=when, kind="Warning",
                      source="horizontal-pod-autoscaler", seq=2)]
    text = describe(hpa, now=d.T0 + when + 5, related=d.Cluster(hpa, *events))
    assert text == output("hpa.txt", "kubectl describe hpa nginx-deployment")


def agent_daemonset() -> dict:
    ds = {"apiVersion": "apps/v1", "kind": "DaemonSet",
          "metadata": d.meta("agent", annotations={"deprecated.daemonset.template.generation": "1"}),
          "spec": {"selector": {"matchLabels": {"app": "agent"}},
                   "template": d.template({"app": "agent"}, [d.container("a", "busybox:1.36",
                                                                          command=["sleep", "3600"])])},
          "status": {"desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 2,
                     "updatedNumberScheduled": 2, "numberAvailable": 2, "numberMisscheduled": 0}}
    return ds


def test_describe_daemonset() -> None:
    ds = agent_daemonset()
    pods = [d.pod(f"agent-{s}", labels={"app": "agent"}, owner=ds) for s in ("f4rw9", "zm7j2")]
    stranger = d.pod("agent-manual", labels={"app": "agent"})
    events = [d.event(ds, "SuccessfulCreate", f"Created pod: agent-{s}", last=0, source="daemonset-controller",
                      seq=i) for i, s in enumerate(("zm7j2", "f4rw9"))]
    text = describe(ds, now=d.T0 + 8, related=d.Cluster(ds, *pods, stranger, *events))
    assert text == output("workloads.txt", "kubectl describe ds agent")


def test_describe_node_with_its_pods_lease_and_events() -> None:
    labels = {"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
              "kubernetes.io/hostname": "fake-node-2", "kubernetes.io/os": "linux", "type": "fake"}
    node = d.node("fake-node-2", created=-625, labels=labels)
    node["metadata"]["annotations"] = {"node.alpha.kubernetes.io/ttl": "0"}
    conditions = []
    for kind, status, reason in (("MemoryPressure", "False", "KubeletHasSufficientMemory"),
                                 ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
                                 ("PIDPressure", "False", "KubeletHasSufficientPID"),
                                 ("Ready", "True", "KubeletReady")):
        conditions.append({"type": kind, "status": status, "reason": reason, "message": reason,
                           "lastHeartbeatTime": d.at(31), "lastTransitionTime": d.at(-29)})
    node["status"]["conditions"] = conditions
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": d.meta("fake-node-2", namespace="kube-node-lease"),
             "spec": {"holderIdentity": "fake-node-2", "renewTime": "2026-11-27T11:22:01.000000Z"}}
    now = d.T0 + 45
    pods = [d.pod(name, created=45 - age) for name, age in (
        ("agent-zm7j2", 10), ("db-0", 10), ("nginx-deployment-6467688dfd-2x2q6", 36),
        ("nginx-deployment-6467688dfd-5vnlq", 35))]
    pods.append(d.pod("elsewhere", node="fake-node-3"))
    pods.append(d.pod("done", phase="Succeeded", statuses=[]))
    registered = d.event(node, "RegisteredNode", "Node fake-node-2 event: Registered Node fake-node-2 in Controller",
                         last=-615, source="node-controller")
    registered["involvedObject"]["namespace"] = ""
    text = describe(node, now=now, related=d.Cluster(node, lease, *pods, registered))
    assert text == output("errors.txt", "kubectl describe node fake-node-2")


def test_qos_class_from_requests_and_limits() -> None:
    def pod_with(resources: dict) -> dict:
        pod = d.pod("p", containers=[d.container(resources=resources)])
        del pod["status"]["qosClass"]
        return pod

    assert qos_class(pod_with({})) == "BestEffort"
    assert qos_class(pod_with({"requests": {"cpu": "100m"}})) == "Burstable"
    both = {"cpu": "1", "memory": "1Gi"}
    assert qos_class(pod_with({"requests": both, "limits": both})) == "Guaranteed"
    assert qos_class(pod_with({"limits": both})) == "Burstable"  # limits alone: no defaulted requests here
