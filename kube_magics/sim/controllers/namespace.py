"""Namespaces: what appears in a new one, and how a deleted one empties.

Three controllers of kube-controller-manager in one file, since each is a few lines: the service-account
controller (a `default` ServiceAccount in every namespace), the root-CA publisher (the `kube-root-ca.crt`
ConfigMap that every pod's token volume mounts), and the namespace controller (a deleted namespace turns
Terminating, everything in it is deleted, then it goes).
"""

from __future__ import annotations

from typing import Any

from kube_magics.sim.controller import Controller

ROOT_CA = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIDBTCCAe2gAwIBAgIIS2ltdWxhdGVkMA0GCSqGSIb3DQEBCwUAMBUxEzARBgNVBAMTCmt1YmVybmV0ZXMw\n"
    "-----END CERTIFICATE-----\n"
)


class NamespaceController(Controller):
    name = "namespace-controller"
    watches = ("Namespace",)

    def reconcile(self, key: Any) -> None:
        _, name = key
        ns = self.rt.store.get("Namespace", "", name)
        if ns is None:
            return
        if ns["metadata"].get("deletionTimestamp"):
            self._terminate(ns)
            return
        self._populate(name)

    def _populate(self, ns: str) -> None:
        store, api = self.rt.store, self.rt.api
        if store.get("ServiceAccount", ns, "default") is None:
            api.create({"apiVersion": "v1", "kind": "ServiceAccount",
                        "metadata": {"name": "default", "namespace": ns}}, trusted=True)
        if store.get("ConfigMap", ns, "kube-root-ca.crt") is None:
            api.create({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "kube-root-ca.crt", "namespace": ns,
                                     "annotations": {"kubernetes.io/description": (
                                         "Contains a CA bundle that can be used to verify the kube-apiserver when "
                                         "using internal endpoints such as the internal service IP or "
                                         "kubernetes.default.svc. No other usage is guaranteed across "
                                         "distributions of Kubernetes clusters.")}},
                        "data": {"ca.crt": ROOT_CA}}, trusted=True)

    def _terminate(self, ns: dict[str, Any]) -> None:
        name = ns["metadata"]["name"]
        store, api = self.rt.store, self.rt.api
        if (ns.get("status") or {}).get("phase") != "Terminating":
            api.write_status(ns, {"phase": "Terminating"})
        left = 0
        for rk in self.rt.catalogue:
            if not rk.namespaced:
                continue
            for obj in store.list(rk.kind, name):
                left += 1
                if not obj["metadata"].get("deletionTimestamp"):
                    api.delete(rk.kind, name, obj["metadata"]["name"])
        if left:
            # Pods take their grace period to go; look again shortly, as the namespace controller re-queues.
            self.queue.add_after(("", name), 1.0)
            return
        live = store.get("Namespace", "", name)
        if live is not None:
            spec = dict(live.get("spec") or {})
            spec["finalizers"] = []
            new = dict(live)
            new["spec"] = spec
            store.remove("Namespace", "", name)
