"""The simulated kube-controller-manager, scheduler and kubelets: one controller per file.

`CONTROLLERS` is the order the manager runs them in when several have work (the order a change flows through a
real cluster: workload controllers, then the garbage collector, the scheduler, the kubelets, then the
controllers that observe the result: the horizontal pod autoscaler and the cluster autoscaler).
The node lifecycle controller, the taint manager and the pod garbage collector come before the
scheduler, so that a taint they add at some instant is there when the scheduler places a pod at that
instant.

The ReplicaSet controller comes before the Deployment controller: in a real cluster it creates or deletes a
pod and reports the new count within milliseconds, before the Deployment controller looks again, and running it
first reproduces the exact sequence of Deployment states a real rollout goes through (`kubectl get deploy -w`).
"""

from __future__ import annotations

from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.clusterautoscaler import ClusterAutoscaler
from kube_magics.sim.controllers.cronjob import CronJobController
from kube_magics.sim.controllers.daemonset import DaemonSetController
from kube_magics.sim.controllers.deployment import DeploymentController
from kube_magics.sim.controllers.endpoints import EndpointsController
from kube_magics.sim.controllers.endpointslice import EndpointSliceController
from kube_magics.sim.controllers.garbage import GarbageCollector
from kube_magics.sim.controllers.hpa import HorizontalPodAutoscalerController
from kube_magics.sim.controllers.job import JobController
from kube_magics.sim.controllers.kubelet import KubeletController
from kube_magics.sim.controllers.kubeproxy import KubeProxyController
from kube_magics.sim.controllers.loadbalancer import LoadBalancerController
from kube_magics.sim.controllers.namespace import NamespaceController
from kube_magics.sim.controllers.nodelifecycle import NodeLifecycleController
from kube_magics.sim.controllers.persistentvolume import PersistentVolumeController
from kube_magics.sim.controllers.podgc import PodGCController
from kube_magics.sim.controllers.replicaset import ReplicaSetController
from kube_magics.sim.controllers.resourcequota import ResourceQuotaController
from kube_magics.sim.controllers.scheduler import SchedulerController
from kube_magics.sim.controllers.statefulset import StatefulSetController
from kube_magics.sim.controllers.taintmanager import TaintEvictionController
from kube_magics.sim.controllers.ttlafterfinished import TTLAfterFinishedController

CONTROLLERS: tuple[type[Controller], ...] = (
    NamespaceController,
    ResourceQuotaController,
    ReplicaSetController,
    DeploymentController,
    DaemonSetController,
    StatefulSetController,
    CronJobController,
    JobController,
    TTLAfterFinishedController,
    GarbageCollector,
    PersistentVolumeController,
    NodeLifecycleController,
    TaintEvictionController,
    PodGCController,
    SchedulerController,
    KubeletController,
    EndpointsController,
    EndpointSliceController,
    LoadBalancerController,
    KubeProxyController,
    HorizontalPodAutoscalerController,
    ClusterAutoscaler,
)
