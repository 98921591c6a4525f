"""What kind puts in a new cluster's kube-system and local-path-storage namespaces (Kubernetes v1.35).

The `kubernetes` Service in `default` (the API server's own, 10.96.0.1) and kube-dns (10.96.0.10) in front of
CoreDNS. The control plane as static pods on the control-plane node (their mirror pods `etcd-sim-control-plane`,
`kube-apiserver-...`, `kube-controller-manager-...`, `kube-scheduler-...`, owned by the Node), the kube-proxy
and kindnet DaemonSets, the coredns Deployment (2 replicas) and the local-path-provisioner Deployment, with
their ServiceAccounts and ConfigMaps; and the images a kind node has preloaded. Only the manifests: the
controllers, the scheduler and the kubelets make them run.
"""

from __future__ import annotations

import hashlib
from typing import Any

from kube_magics.sim.storage import standard_class
from kube_magics.timefmt import rfc3339

Obj = dict[str, Any]
K8S = "v1.35.0"
KIND_TAG = "v20251212-v0.29.0-alpha-105-g20ccfc88"
IMAGES = {
    "etcd": "registry.k8s.io/etcd:3.6.6-0",
    "kube-apiserver": f"registry.k8s.io/kube-apiserver:{K8S}",
    "kube-controller-manager": f"registry.k8s.io/kube-controller-manager:{K8S}",
    "kube-scheduler": f"registry.k8s.io/kube-scheduler:{K8S}",
    "kube-proxy": f"registry.k8s.io/kube-proxy:{K8S}",
    "coredns": "registry.k8s.io/coredns/coredns:v1.13.1",
    "pause": "registry.k8s.io/pause:3.10.1",
    "kindnetd": f"docker.io/kindest/kindnetd:{KIND_TAG}",
    "local-path-provisioner": f"docker.io/kindest/local-path-provisioner:{KIND_TAG}",
}
API_SERVER_SERVICE_IP = "10.96.0.1"  # the first address of --service-cluster-ip-range
DNS_IP = "10.96.0.10"  # kubeadm's choice: the tenth address
CONTROL_PLANE_TOLERATION = {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}


def _host_path(name: str, path: str, type_: str) -> Obj:
    return {"name": name, "hostPath": {"path": path, "type": type_}}


def static_pods(node: Obj, now: float) -> list[Obj]:
    """The mirror pods of the control plane's static pods, as the kubelet posts them."""
    name, uid = node["metadata"]["name"], node["metadata"]["uid"]
    ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
    specs: list[tuple[str, str, str | None, list[str], dict[str, str]]] = [
        ("etcd", "100m", "100Mi", [f"--advertise-client-urls=https://{ip}:2379", "--data-dir=/var/lib/etcd",
                                   f"--listen-client-urls=https://127.0.0.1:2379,https://{ip}:2379",
                                   f"--name={name}"],
         {"kubeadm.kubernetes.io/etcd.advertise-client-urls": f"https://{ip}:2379"}),
        ("kube-apiserver", "250m", None, [f"--advertise-address={ip}", "--allow-privileged=true",
                                          "--authorization-mode=Node,RBAC", "--service-cluster-ip-range=10.96.0.0/16"],
         {"kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": f"{ip}:6443"}),
        ("kube-controller-manager", "200m", None, ["--allocate-node-cidrs=true", "--cluster-cidr=10.244.0.0/16",
                                                   "--leader-elect=true", "--use-service-account-credentials=true"],
         {}),
        ("kube-scheduler", "100m", None, ["--bind-address=127.0.0.1", "--leader-elect=true"], {}),
    ]
    pods = []
    for component, cpu, memory, flags, extra in specs:
        requests: dict[str, str] = {"cpu": cpu}
        if memory:
            requests["memory"] = memory
        digest = hashlib.sha256(f"{component}/{name}".encode()).hexdigest()[:32]
        annotations = dict(extra)
        annotations.update({"kubernetes.io/config.hash": digest, "kubernetes.io/config.mirror": digest,
                            "kubernetes.io/config.seen": rfc3339(now), "kubernetes.io/config.source": "file"})
        pods.append({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {
                "name": f"{component}-{name}", "namespace": "kube-system",
                "labels": {"component": component, "tier": "control-plane"},
                "annotations": annotations,
                "ownerReferences": [{"apiVersion": "v1", "controller": True, "kind": "Node", "name": name,
                                     "uid": uid}],
            },
            "spec": {
                "containers": [{"name": component, "image": IMAGES[component], "command": [component, *flags],
                                "imagePullPolicy": "IfNotPresent", "resources": {"requests": requests}}],
                "hostNetwork": True, "nodeName": name, "priorityClassName": "system-node-critical",
                "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
                "tolerations": [{"effect": "NoExecute", "operator": "Exists"}],
            },
        })
    return pods


def _daemonset(name: str, labels: dict[str, str], container: Obj, *, service_account: str,
               extra: Obj | None = None) -> Obj:
    return {
        "apiVersion": "apps/v1", "kind": "DaemonSet",
        "metadata": {"name": name, "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "selector": {"matchLabels": {k: v for k, v in labels.items() if k in ("k8s-app", "app")}},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "containers": [container], "hostNetwork": True, "priorityClassName": "system-node-critical",
                "serviceAccountName": service_account, "tolerations": [{"operator": "Exists"}], **(extra or {})}},
            "updateStrategy": {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 1}, "type": "RollingUpdate"},
        },
    }


def addons(control_plane: str) -> list[Obj]:
    """ServiceAccounts, ConfigMaps, DaemonSets and Deployments, in the order kubeadm and kind create them, then
    kind's default StorageClass."""
    sa = [("kube-system", n) for n in ("kube-proxy", "coredns", "kindnet")]
    sa.append(("local-path-storage", "local-path-provisioner-service-account"))
    objs: list[Obj] = [{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": n, "namespace": ns}}
                       for ns, n in sa]
    objs += [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "kube-proxy", "namespace": "kube-system",
                                                                "labels": {"app": "kube-proxy"}},
         "data": {"config.conf": "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"
                                 "clusterCIDR: 10.244.0.0/16\nmode: iptables\n"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "coredns", "namespace": "kube-system"},
         "data": {"Corefile": ".:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n"
                              "    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n"
                              "       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n"
                              "    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n"
                              "    }\n    cache 30\n    loop\n    reload\n    loadbalance\n}\n"}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "local-path-config",
                                                                "namespace": "local-path-storage"},
         "data": {"config.json": '{"nodePathMap":[{"node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",'
                                 '"paths":["/var/local-path-provisioner"]}]}'}},
    ]
    objs += [kube_proxy(), kindnet(control_plane), coredns(), kube_dns(), local_path_provisioner(), standard_class()]
    return objs


def kube_dns() -> Obj:
    """The Service in front of CoreDNS, at the address every pod's resolv.conf names (10.96.0.10), as kubeadm
    creates it."""
    ports = [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
             {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
             {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
                         "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                    "kubernetes.io/name": "CoreDNS"}},
            "spec": {"clusterIP": DNS_IP, "clusterIPs": [DNS_IP], "ports": ports,
                     "selector": {"k8s-app": "kube-dns"}}}


def kubernetes_service(api_server_ip: str) -> list[Obj]:
    """The `kubernetes` Service in `default` and the endpoints the API server keeps for it itself (its own
    address, port 6443): the Endpoints (not mirrored into slices) and the EndpointSlice named like the Service."""
    port = {"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}
    endpoint_port = {"name": "https", "port": 6443, "protocol": "TCP"}
    return [
        {"apiVersion": "v1", "kind": "Service",
         "metadata": {"name": "kubernetes", "namespace": "default",
                      "labels": {"component": "apiserver", "provider": "kubernetes"}},
         "spec": {"clusterIP": API_SERVER_SERVICE_IP, "clusterIPs": [API_SERVER_SERVICE_IP], "ports": [port],
                  "sessionAffinity": "None", "type": "ClusterIP"}},
        {"apiVersion": "v1", "kind": "Endpoints",
         "metadata": {"name": "kubernetes", "namespace": "default",
                      "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
         "subsets": [{"addresses": [{"ip": api_server_ip}], "ports": [dict(endpoint_port)]}]},
        {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
         "metadata": {"name": "kubernetes", "namespace": "default",
                      "labels": {"kubernetes.io/service-name": "kubernetes"}},
         "endpoints": [{"addresses": [api_server_ip], "conditions": {"ready": True}}],
         "ports": [dict(endpoint_port)]},
    ]


def kube_proxy() -> Obj:
    return _daemonset("kube-proxy", {"k8s-app": "kube-proxy"}, {
        "name": "kube-proxy", "image": IMAGES["kube-proxy"],
        "command": ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf",
                    "--hostname-override=$(NODE_NAME)"],
        "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "securityContext": {"privileged": True},
        "volumeMounts": [{"mountPath": "/var/lib/kube-proxy", "name": "kube-proxy"},
                         {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
                         {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True}],
    }, service_account="kube-proxy", extra={
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "volumes": [{"name": "kube-proxy", "configMap": {"name": "kube-proxy"}},
                    _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
                    _host_path("lib-modules", "/lib/modules", "")]})


def kindnet(control_plane: str) -> Obj:
    return _daemonset("kindnet", {"app": "kindnet", "k8s-app": "kindnet", "tier": "node"}, {
        "name": "kindnet-cni", "image": IMAGES["kindnetd"],
        "env": [{"name": "HOST_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
                {"name": "POD_IP", "valueFrom": {"fieldRef": {"fieldPath": "status.podIP"}}},
                {"name": "POD_SUBNET", "value": "10.244.0.0/16"},
                {"name": "CONTROL_PLANE_ENDPOINT", "value": f"{control_plane}:6443"}],
        "resources": {"limits": {"cpu": "100m", "memory": "50Mi"}, "requests": {"cpu": "100m", "memory": "50Mi"}},
        "securityContext": {"capabilities": {"add": ["NET_RAW", "NET_ADMIN"]}, "privileged": False},
        "volumeMounts": [{"mountPath": "/etc/cni/net.d", "name": "cni-cfg"}],
    }, service_account="kindnet", extra={"volumes": [_host_path("cni-cfg", "/etc/cni/net.d", "")]})


def coredns() -> Obj:
    labels = {"k8s-app": "kube-dns"}
    probe = {"failureThreshold": 5, "httpGet": {"path": "/health", "port": 8080, "scheme": "HTTP"},
             "initialDelaySeconds": 60, "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 5}
    ready = {"failureThreshold": 3, "httpGet": {"path": "/ready", "port": 8181, "scheme": "HTTP"},
             "periodSeconds": 10, "successThreshold": 1, "timeoutSeconds": 1}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "coredns", "namespace": "kube-system", "labels": dict(labels)},
        "spec": {
            "replicas": 2, "selector": {"matchLabels": dict(labels)},
            "strategy": {"rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}, "type": "RollingUpdate"},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                    "podAffinityTerm": {"labelSelector": {"matchExpressions": [
                        {"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
                        "topologyKey": "kubernetes.io/hostname"}, "weight": 100}]}},
                "containers": [{
                    "args": ["-conf", "/etc/coredns/Corefile"], "image": IMAGES["coredns"], "name": "coredns",
                    "livenessProbe": probe, "readinessProbe": ready,
                    "ports": [{"containerPort": 53, "name": "dns", "protocol": "UDP"},
                              {"containerPort": 53, "name": "dns-tcp", "protocol": "TCP"},
                              {"containerPort": 9153, "name": "metrics", "protocol": "TCP"},
                              {"containerPort": 8080, "name": "liveness-probe", "protocol": "TCP"},
                              {"containerPort": 8181, "name": "readiness-probe", "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
                    "volumeMounts": [{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}],
                }],
                "dnsPolicy": "Default", "nodeSelector": {"kubernetes.io/os": "linux"},
                "priorityClassName": "system-cluster-critical", "serviceAccountName": "coredns",
                "tolerations": [{"key": "CriticalAddonsOnly", "operator": "Exists"}, dict(CONTROL_PLANE_TOLERATION)],
                "volumes": [{"configMap": {"items": [{"key": "Corefile", "path": "Corefile"}], "name": "coredns"},
                             "name": "config-volume"}],
            }},
        },
    }


def local_path_provisioner() -> Obj:
    labels = {"app": "local-path-provisioner"}
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "local-path-provisioner", "namespace": "local-path-storage"},
        "spec": {
            "replicas": 1, "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": {
                "containers": [{
                    "command": ["local-path-provisioner", "--debug", "start", "--helper-image",
                                f"docker.io/kindest/local-path-helper:{KIND_TAG}", "--config",
                                "/etc/config/config.json"],
                    "env": [{"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
                            {"name": "CONFIG_MOUNT_PATH", "value": "/etc/config/"}],
                    "image": IMAGES["local-path-provisioner"], "name": "local-path-provisioner",
                    "volumeMounts": [{"mountPath": "/etc/config/", "name": "config-volume"}],
                }],
                "nodeSelector": {"kubernetes.io/os": "linux"},
                "serviceAccountName": "local-path-provisioner-service-account",
                "tolerations": [dict(CONTROL_PLANE_TOLERATION),
                                {"effect": "NoSchedule", "key": "node-role.kubernetes.io/master", "operator": "Equal"}],
                "volumes": [{"configMap": {"name": "local-path-config"}, "name": "config-volume"}],
            }},
        },
    }


def preloaded_images() -> list[Obj]:
    """`node.status.images` of a fresh kind node: the images baked into the node image."""
    from kube_magics.sim.controllers.kubelet_runtime import full_ref, image_id
    from kube_magics.sim.registry import Registry

    registry = Registry()
    out = []
    for ref in IMAGES.values():
        image = registry.resolve(ref)
        if image is not None:
            out.append({"names": [image_id(image), full_ref(ref)], "sizeBytes": image.compressed})
    out.sort(key=lambda i: -int(str(i["sizeBytes"])))
    return out
