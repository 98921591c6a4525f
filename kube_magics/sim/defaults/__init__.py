"""API-server defaulting: the fields Kubernetes fills in when an object is written (`SetDefaults_*`).

Each function takes an object (already a private copy) and fills in defaults in place, exactly the fields and
values a Kubernetes 1.35 API server adds (see `kubectl get -o yaml` in the reference transcripts): a Pod's
`imagePullPolicy`, `terminationMessagePath`, `dnsPolicy`, a Deployment's `strategy`, `revisionHistoryLimit`, a
Service's `sessionAffinity` and `internalTrafficPolicy`, and so on. Quantities are written in their canonical
form (`0.5` is stored as `500m`), as the API server serialises them. Defaults are per type: a Pod gets
`enableServiceLinks` and requests copied from limits, a pod template does not; a CronJob's job template gets the
pod template's defaults but not a Job's.

Also here, because they are the same field-filling: the selector and labels the API server generates for a Job
(`generate_job_selector`, which needs the Job's uid) and the conversions between HorizontalPodAutoscaler v1 and
v2 (`hpa_as_v2`, `hpa_as_v1`). Admission plugins (service account volume, default tolerations, priority) are in
`admission.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kube_magics.sim.defaults.autoscaling import hpa, hpa_as_v1, hpa_as_v2
from kube_magics.sim.defaults.core import limit_range, namespace, pvc, resource_quota, secret, service
from kube_magics.sim.defaults.pods import canonical_quantities, image_pull_policy, pod, pod_spec
from kube_magics.sim.defaults.workloads import (
    cronjob,
    daemonset,
    deployment,
    generate_job_selector,
    job,
    replicaset,
    statefulset,
)

Obj = dict[str, Any]

DEFAULTERS: dict[str, Callable[[Obj], None]] = {
    "Pod": pod,
    "Deployment": deployment,
    "ReplicaSet": replicaset,
    "DaemonSet": daemonset,
    "StatefulSet": statefulset,
    "Job": job,
    "CronJob": cronjob,
    "Service": service,
    "Secret": secret,
    "Namespace": namespace,
    "HorizontalPodAutoscaler": hpa,
    "PersistentVolumeClaim": pvc,
    "ResourceQuota": resource_quota,
    "LimitRange": limit_range,
}


def apply_defaults(obj: Obj) -> None:
    """Fill in the API server's defaults for `obj`'s kind, in place."""
    fn = DEFAULTERS.get(obj.get("kind", ""))
    if fn is not None:
        fn(obj)


__all__ = [
    "DEFAULTERS",
    "apply_defaults",
    "canonical_quantities",
    "cronjob",
    "daemonset",
    "deployment",
    "generate_job_selector",
    "hpa",
    "hpa_as_v1",
    "hpa_as_v2",
    "image_pull_policy",
    "job",
    "limit_range",
    "namespace",
    "pod",
    "pod_spec",
    "pvc",
    "replicaset",
    "resource_quota",
    "secret",
    "service",
    "statefulset",
]
