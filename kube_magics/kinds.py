"""The Kubernetes resource catalogue: kinds, plural and short names, API groups, scope.

Owns how a name that a user types ("po", "deploy", "deployments.apps", "Pod") becomes a resource, exactly as
kubectl's RESTMapper resolves it against discovery. The table is the discovery answer of a Kubernetes 1.35 API
server (`kubectl api-resources`), in its order, plus the metrics API that metrics-server adds.

Must not import anything else of kube_magics: printers, manifests, backends and the simulator all sit above it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from kube_magics.errors import UnknownResourceError


@dataclass(frozen=True)
class ResourceKind:
    """One API resource, as discovery describes it."""

    plural: str
    kind: str
    group: str  # "" for the core group
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    verbs: tuple[str, ...] = field(default=("create", "delete", "get", "list", "patch", "update", "watch"))

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def qualified(self) -> str:
        """`deployment.apps`, `pod`: the prefix kubectl prints before `/name` in `apply` and `-o name`."""
        return f"{self.singular}.{self.group}" if self.group else self.singular

    @property
    def resource_group(self) -> str:
        """`deployments.apps`, `pods`: the name kubectl uses in NotFound messages."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


def _k(plural: str, short: str, api_version: str, namespaced: bool, kind: str) -> ResourceKind:
    group, _, version = api_version.rpartition("/")
    return ResourceKind(plural, kind, group, version, namespaced, tuple(s for s in short.split(",") if s))


# `kubectl api-resources` against Kubernetes 1.35, in discovery order (reference/k8s-1.35/deployment.txt).
BUILTIN: tuple[ResourceKind, ...] = (
    _k("bindings", "", "v1", True, "Binding"),
    _k("componentstatuses", "cs", "v1", False, "ComponentStatus"),
    _k("configmaps", "cm", "v1", True, "ConfigMap"),
    _k("endpoints", "ep", "v1", True, "Endpoints"),
    _k("events", "ev", "v1", True, "Event"),
    _k("limitranges", "limits", "v1", True, "LimitRange"),
    _k("namespaces", "ns", "v1", False, "Namespace"),
    _k("nodes", "no", "v1", False, "Node"),
    _k("persistentvolumeclaims", "pvc", "v1", True, "PersistentVolumeClaim"),
    _k("persistentvolumes", "pv", "v1", False, "PersistentVolume"),
    _k("pods", "po", "v1", True, "Pod"),
    _k("podtemplates", "", "v1", True, "PodTemplate"),
    _k("replicationcontrollers", "rc", "v1", True, "ReplicationController"),
    _k("resourcequotas", "quota", "v1", True, "ResourceQuota"),
    _k("secrets", "", "v1", True, "Secret"),
    _k("serviceaccounts", "sa", "v1", True, "ServiceAccount"),
    _k("services", "svc", "v1", True, "Service"),
    _k("mutatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", False,
       "MutatingWebhookConfiguration"),
    _k("validatingadmissionpolicies", "", "admissionregistration.k8s.io/v1", False, "ValidatingAdmissionPolicy"),
    _k("validatingadmissionpolicybindings", "", "admissionregistration.k8s.io/v1", False,
       "ValidatingAdmissionPolicyBinding"),
    _k("validatingwebhookconfigurations", "", "admissionregistration.k8s.io/v1", False,
       "ValidatingWebhookConfiguration"),
    _k("customresourcedefinitions", "crd,crds", "apiextensions.k8s.io/v1", False, "CustomResourceDefinition"),
    _k("apiservices", "", "apiregistration.k8s.io/v1", False, "APIService"),
    _k("controllerrevisions", "", "apps/v1", True, "ControllerRevision"),
    _k("daemonsets", "ds", "apps/v1", True, "DaemonSet"),
    _k("deployments", "deploy", "apps/v1", True, "Deployment"),
    _k("replicasets", "rs", "apps/v1", True, "ReplicaSet"),
    _k("statefulsets", "sts", "apps/v1", True, "StatefulSet"),
    _k("selfsubjectreviews", "", "authentication.k8s.io/v1", False, "SelfSubjectReview"),
    _k("tokenreviews", "", "authentication.k8s.io/v1", False, "TokenReview"),
    _k("localsubjectaccessreviews", "", "authorization.k8s.io/v1", True, "LocalSubjectAccessReview"),
    _k("selfsubjectaccessreviews", "", "authorization.k8s.io/v1", False, "SelfSubjectAccessReview"),
    _k("selfsubjectrulesreviews", "", "authorization.k8s.io/v1", False, "SelfSubjectRulesReview"),
    _k("subjectaccessreviews", "", "authorization.k8s.io/v1", False, "SubjectAccessReview"),
    _k("horizontalpodautoscalers", "hpa", "autoscaling/v2", True, "HorizontalPodAutoscaler"),
    _k("cronjobs", "cj", "batch/v1", True, "CronJob"),
    _k("jobs", "", "batch/v1", True, "Job"),
    _k("certificatesigningrequests", "csr", "certificates.k8s.io/v1", False, "CertificateSigningRequest"),
    _k("leases", "", "coordination.k8s.io/v1", True, "Lease"),
    _k("endpointslices", "", "discovery.k8s.io/v1", True, "EndpointSlice"),
    _k("events", "ev", "events.k8s.io/v1", True, "Event"),
    _k("flowschemas", "", "flowcontrol.apiserver.k8s.io/v1", False, "FlowSchema"),
    _k("prioritylevelconfigurations", "", "flowcontrol.apiserver.k8s.io/v1", False, "PriorityLevelConfiguration"),
    _k("ingressclasses", "", "networking.k8s.io/v1", False, "IngressClass"),
    _k("ingresses", "ing", "networking.k8s.io/v1", True, "Ingress"),
    _k("ipaddresses", "ip", "networking.k8s.io/v1", False, "IPAddress"),
    _k("networkpolicies", "netpol", "networking.k8s.io/v1", True, "NetworkPolicy"),
    _k("servicecidrs", "", "networking.k8s.io/v1", False, "ServiceCIDR"),
    _k("runtimeclasses", "", "node.k8s.io/v1", False, "RuntimeClass"),
    _k("poddisruptionbudgets", "pdb", "policy/v1", True, "PodDisruptionBudget"),
    _k("clusterrolebindings", "", "rbac.authorization.k8s.io/v1", False, "ClusterRoleBinding"),
    _k("clusterroles", "", "rbac.authorization.k8s.io/v1", False, "ClusterRole"),
    _k("rolebindings", "", "rbac.authorization.k8s.io/v1", True, "RoleBinding"),
    _k("roles", "", "rbac.authorization.k8s.io/v1", True, "Role"),
    _k("deviceclasses", "", "resource.k8s.io/v1", False, "DeviceClass"),
    _k("resourceclaims", "", "resource.k8s.io/v1", True, "ResourceClaim"),
    _k("resourceclaimtemplates", "", "resource.k8s.io/v1", True, "ResourceClaimTemplate"),
    _k("resourceslices", "", "resource.k8s.io/v1", False, "ResourceSlice"),
    _k("priorityclasses", "pc", "scheduling.k8s.io/v1", False, "PriorityClass"),
    _k("csidrivers", "", "storage.k8s.io/v1", False, "CSIDriver"),
    _k("csinodes", "", "storage.k8s.io/v1", False, "CSINode"),
    _k("csistoragecapacities", "", "storage.k8s.io/v1", True, "CSIStorageCapacity"),
    _k("storageclasses", "sc", "storage.k8s.io/v1", False, "StorageClass"),
    _k("volumeattachments", "", "storage.k8s.io/v1", False, "VolumeAttachment"),
    _k("volumeattributesclasses", "vac", "storage.k8s.io/v1", False, "VolumeAttributesClass"),
)

# What metrics-server adds to discovery; the simulator serves it (kind does not, until metrics-server is installed).
METRICS: tuple[ResourceKind, ...] = (
    ResourceKind("nodes", "NodeMetrics", "metrics.k8s.io", "v1beta1", False, (), ("get", "list")),
    ResourceKind("pods", "PodMetrics", "metrics.k8s.io", "v1beta1", True, (), ("get", "list")),
)

# Older group versions that the API server still serves for a kind (the preferred one is in BUILTIN).
ALTERNATE_VERSIONS: dict[str, tuple[str, ...]] = {
    "HorizontalPodAutoscaler": ("autoscaling/v1",),
    "CronJob": (),
}


class ResourceCatalogue:
    """Resolves resource names and kinds. One per backend: a real cluster's discovery may add kinds (CRDs)."""

    def __init__(self, resources: tuple[ResourceKind, ...] | list[ResourceKind] = BUILTIN) -> None:
        self._resources = list(resources)
        self._by_name: dict[str, ResourceKind] = {}
        self._by_gvk: dict[tuple[str, str], ResourceKind] = {}
        self._by_kind: dict[str, ResourceKind] = {}
        for r in self._resources:
            self._index(r)

    def _index(self, r: ResourceKind) -> None:
        self._by_gvk.setdefault((r.api_version, r.kind), r)
        # events.k8s.io Event comes after the core one, which is what `kubectl get events` means.
        self._by_kind.setdefault(r.kind, r)
        # kubectl's priority: the core group first, then groups in discovery order.
        for name in (r.plural, r.singular, *r.short_names):
            self._by_name.setdefault(name, r)
            self._by_name.setdefault(f"{name}.{r.group}" if r.group else name, r)
            if r.group:
                self._by_name.setdefault(f"{name}.{r.version}.{r.group}", r)
        for alt in ALTERNATE_VERSIONS.get(r.kind, ()):
            self._by_gvk.setdefault((alt, r.kind), r)

    def add(self, r: ResourceKind) -> None:
        self._resources.append(r)
        self._index(r)

    def __iter__(self) -> Iterator[ResourceKind]:
        return iter(self._resources)

    def resolve(self, name: str) -> ResourceKind:
        """A resource as typed on a kubectl command line: `po`, `pods`, `Pod`, `deploy`, `deployments.apps`."""
        key = name.strip()
        r = self._by_name.get(key) or self._by_name.get(key.lower()) or self._by_kind.get(key)
        if r is None:
            raise UnknownResourceError(f'the server doesn\'t have a resource type "{name}"')
        return r

    def for_kind(self, api_version: str, kind: str) -> ResourceKind:
        """The resource for a manifest's apiVersion and kind; errors as kubectl words them, with a hint."""
        r = self._by_gvk.get((api_version, kind))
        if r is not None:
            return r
        hint = None
        right = self._by_kind.get(kind)
        if right is not None:
            hint = f"{kind} is in {right.api_version}: use apiVersion: {right.api_version}"
        else:
            close = [k for k in self._by_kind if k.lower() == kind.lower()]
            if close:
                hint = f'did you mean kind: {close[0]}?'
        raise UnknownResourceError(
            f'no matches for kind "{kind}" in version "{api_version}"', hint=hint,
        )

    def by_kind(self, kind: str) -> ResourceKind:
        r = self._by_kind.get(kind)
        if r is None:
            raise UnknownResourceError(f'no matches for kind "{kind}"')
        return r


CATALOGUE = ResourceCatalogue()


def resolve(name: str) -> ResourceKind:
    """Shorthand for the built-in catalogue's `resolve`."""
    return CATALOGUE.resolve(name)
