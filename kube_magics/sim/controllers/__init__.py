"""The simulated kube-controller-manager, scheduler and kubelets: one controller per file.

`CONTROLLERS` is the order the manager runs them in when several have work (the order a change flows through a
real cluster: workload controllers, then the garbage collector, the scheduler, the kubelets, then the
controllers that observe the result).
"""

from __future__ import annotations

from kube_magics.sim.controller import Controller
from kube_magics.sim.controllers.daemonset import DaemonSetController
from kube_magics.sim.controllers.kubelet import KubeletController
from kube_magics.sim.controllers.namespace import NamespaceController
from kube_magics.sim.controllers.scheduler import SchedulerController

CONTROLLERS: tuple[type[Controller], ...] = (
    NamespaceController,
    DaemonSetController,
    SchedulerController,
    KubeletController,
)
