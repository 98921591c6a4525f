"""Which columns each kind prints: the registration table from kind to (columns, row builder).

`table_for("Pod", pods, now)` builds the `Table` the API server would return for those objects. Kinds that
Kubernetes registers no printer for (LimitRange, Role, ...) get the server's default `NAME  CREATED AT`; kinds the
built-in catalogue does not know (custom resources) get `NAME  AGE`.

Imports only the bottom layer of kube_magics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from kube_magics.kinds import BUILTIN
from kube_magics.printers import columns_core as core
from kube_magics.printers import columns_workloads as wl
from kube_magics.printers.table import Column, Row, Table
from kube_magics.printers.util import as_epoch

Obj = Mapping[str, Any]
RowBuilder = Callable[[Obj, float], list[Any]]

PRINTERS: dict[str, tuple[list[Column], RowBuilder]] = {
    "Pod": (wl.POD_COLUMNS, wl.pod_row),
    "Deployment": (wl.DEPLOYMENT_COLUMNS, wl.deployment_row),
    "ReplicaSet": (wl.REPLICASET_COLUMNS, wl.replicaset_row),
    "ReplicationController": (wl.REPLICASET_COLUMNS, wl.replicationcontroller_row),
    "DaemonSet": (wl.DAEMONSET_COLUMNS, wl.daemonset_row),
    "StatefulSet": (wl.STATEFULSET_COLUMNS, wl.statefulset_row),
    "Job": (wl.JOB_COLUMNS, wl.job_row),
    "CronJob": (wl.CRONJOB_COLUMNS, wl.cronjob_row),
    "ControllerRevision": (wl.CONTROLLERREVISION_COLUMNS, wl.controllerrevision_row),
    "HorizontalPodAutoscaler": (wl.HPA_COLUMNS, wl.hpa_row),
    "Service": (core.SERVICE_COLUMNS, core.service_row),
    "Endpoints": (core.ENDPOINTS_COLUMNS, core.endpoints_row),
    "EndpointSlice": (core.ENDPOINTSLICE_COLUMNS, core.endpointslice_row),
    "Ingress": (core.INGRESS_COLUMNS, core.ingress_row),
    "ConfigMap": (core.CONFIGMAP_COLUMNS, core.configmap_row),
    "Secret": (core.SECRET_COLUMNS, core.secret_row),
    "Namespace": (core.NAMESPACE_COLUMNS, core.namespace_row),
    "Node": (core.NODE_COLUMNS, core.node_row),
    "Event": (core.EVENT_COLUMNS, core.event_row),
    "ServiceAccount": (core.SERVICEACCOUNT_COLUMNS, core.serviceaccount_row),
    "ResourceQuota": (core.RESOURCEQUOTA_COLUMNS, core.resourcequota_row),
    "PersistentVolumeClaim": (core.PVC_COLUMNS, core.pvc_row),
    "Lease": (core.LEASE_COLUMNS, core.lease_row),
}

_BUILTIN_KINDS = frozenset(r.kind for r in BUILTIN)


def printer_for(kind: str) -> tuple[list[Column], RowBuilder]:
    """The columns and row builder of a kind, falling back as the API server and CRDs do."""
    if kind in PRINTERS:
        return PRINTERS[kind]
    if kind in _BUILTIN_KINDS:
        return core.DEFAULT_COLUMNS, core.default_row
    return core.CUSTOM_COLUMNS, core.custom_row


def table_for(kind: str, objects: Iterable[Obj], now: float | datetime) -> Table:
    """The Table of `objects` (all of `kind`), with every column including the wide ones."""
    columns, build = printer_for(kind)
    at = as_epoch(now)
    return Table(list(columns), [Row(build(obj, at), obj) for obj in objects])
