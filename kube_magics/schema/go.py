"""How the API server's Go decoder words its complaints about values: Go type names, base64, quantities, times.

Companion of `decode.py` (which walks objects): this module holds what Go's `encoding/json`, `encoding/base64`,
apimachinery's `resource.ParseQuantity` and `metav1.Time` say about one value, so that the messages match a
real API server's. Imports nothing of kube_magics.
"""

from __future__ import annotations

import re

# Go types that the schema does not name: named string types, ResourceList, UID. Keyed by (struct, field).
GO_TYPES: dict[tuple[str, str], str] = {
    ("Container", "imagePullPolicy"): "v1.PullPolicy",
    ("Container", "terminationMessagePolicy"): "v1.TerminationMessagePolicy",
    ("Container", "restartPolicy"): "v1.ContainerRestartPolicy",
    ("ContainerPort", "protocol"): "v1.Protocol",
    ("ServicePort", "protocol"): "v1.Protocol",
    ("PodSpec", "restartPolicy"): "v1.RestartPolicy",
    ("PodSpec", "dnsPolicy"): "v1.DNSPolicy",
    ("PodSpec", "preemptionPolicy"): "v1.PreemptionPolicy",
    ("PodSpec", "overhead"): "v1.ResourceList",
    ("ResourceRequirements", "limits"): "v1.ResourceList",
    ("ResourceRequirements", "requests"): "v1.ResourceList",
    ("VolumeResourceRequirements", "limits"): "v1.ResourceList",
    ("VolumeResourceRequirements", "requests"): "v1.ResourceList",
    ("ResourceQuotaSpec", "hard"): "v1.ResourceList",
    ("LimitRangeItem", "max"): "v1.ResourceList",
    ("LimitRangeItem", "min"): "v1.ResourceList",
    ("LimitRangeItem", "default"): "v1.ResourceList",
    ("LimitRangeItem", "defaultRequest"): "v1.ResourceList",
    ("LimitRangeItem", "maxLimitRequestRatio"): "v1.ResourceList",
    ("LimitRangeItem", "type"): "v1.LimitType",
    ("ServiceSpec", "type"): "v1.ServiceType",
    ("ServiceSpec", "sessionAffinity"): "v1.ServiceAffinity",
    ("ServiceSpec", "externalTrafficPolicy"): "v1.ServiceExternalTrafficPolicy",
    ("ServiceSpec", "internalTrafficPolicy"): "v1.ServiceInternalTrafficPolicy",
    ("ServiceSpec", "ipFamilies"): "[]v1.IPFamily",
    ("ServiceSpec", "ipFamilyPolicy"): "v1.IPFamilyPolicy",
    ("Secret", "type"): "v1.SecretType",
    ("DeploymentStrategy", "type"): "v1.DeploymentStrategyType",
    ("DaemonSetUpdateStrategy", "type"): "v1.DaemonSetUpdateStrategyType",
    ("StatefulSetUpdateStrategy", "type"): "v1.StatefulSetUpdateStrategyType",
    ("StatefulSetSpec", "podManagementPolicy"): "v1.PodManagementPolicyType",
    ("JobSpec", "completionMode"): "v1.CompletionMode",
    ("JobSpec", "podReplacementPolicy"): "v1.PodReplacementPolicy",
    ("CronJobSpec", "concurrencyPolicy"): "v1.ConcurrencyPolicy",
    ("Toleration", "operator"): "v1.TolerationOperator",
    ("Toleration", "effect"): "v1.TaintEffect",
    ("Taint", "effect"): "v1.TaintEffect",
    ("PersistentVolumeClaimSpec", "accessModes"): "[]v1.PersistentVolumeAccessMode",
    ("PersistentVolumeClaimSpec", "volumeMode"): "v1.PersistentVolumeMode",
    ("HTTPGetAction", "scheme"): "v1.URIScheme",
    ("NamespaceSpec", "finalizers"): "[]v1.FinalizerName",
    ("ObjectMeta", "uid"): "types.UID",
    ("OwnerReference", "uid"): "types.UID",
    ("MetricSpec", "type"): "v2.MetricSourceType",
    ("MetricTarget", "type"): "v2.MetricTargetType",
    ("ResourceMetricSource", "name"): "v1.ResourceName",
    ("ContainerResourceMetricSource", "name"): "v1.ResourceName",
    ("HPAScalingPolicy", "type"): "v2.HPAScalingPolicyType",
    ("HPAScalingRules", "selectPolicy"): "v2.ScalingPolicySelect",
    ("HTTPIngressPath", "pathType"): "v1.PathType",
    ("LabelSelectorRequirement", "operator"): "v1.LabelSelectorOperator",
    ("NodeSelectorRequirement", "operator"): "v1.NodeSelectorOperator",
    ("HostPathVolumeSource", "type"): "v1.HostPathType",
    ("Capabilities", "add"): "[]v1.Capability",
    ("Capabilities", "drop"): "[]v1.Capability",
    ("EmptyDirVolumeSource", "medium"): "v1.StorageMedium",
    ("TopologySpreadConstraint", "whenUnsatisfiable"): "v1.UnsatisfiableConstraintAction",
    ("PodStatus", "phase"): "v1.PodPhase",
}

# --- encoding/base64 (StdEncoding.Decode), as the decoder uses it for []byte fields ----------------------------

_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error(text: str) -> str | None:
    """`illegal base64 data at input byte N` exactly where Go's decoder stops, or None if `text` decodes."""
    data = text.encode("utf-8")
    si = 0
    while si < len(data):
        si, problem = _quantum(data, si)
        if problem is not None:
            return f"illegal base64 data at input byte {problem}"
    return None


def _quantum(src: bytes, si: int) -> tuple[int, int | None]:
    """One 4-character group from `si`: (next index, offset of the corrupt byte or None). Go's decodeQuantum."""
    j = 0
    while j < 4:
        if si == len(src):
            if j == 0:
                return si, None
            return si, si - j  # a group cut short (padding is required)
        ch = chr(src[si])
        si += 1
        if ch in _B64:
            j += 1
            continue
        if ch in "\r\n":
            continue
        if ch != "=":
            return si, si - 1
        # Padding: only in the last two places of a group, and only at the end of the input.
        if j in (0, 1):
            return si, si - 1
        if j == 2:
            while si < len(src) and chr(src[si]) in "\r\n":
                si += 1
            if si == len(src):
                return si, len(src)
            if chr(src[si]) != "=":
                return si, si - 1
            si += 1
        while si < len(src) and chr(src[si]) in "\r\n":
            si += 1
        if si < len(src):
            return si, si  # trailing garbage after the padding
        return si, None
    return si, None


# --- resource.Quantity --------------------------------------------------------------------------------------

QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
QUANTITY_SUFFIX = "unable to parse quantity's suffix"
_SUFFIXES = frozenset(["", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"])
_EXPONENT = re.compile(r"^[eE][-+]?[0-9]+$")


def quantity_error(value: object) -> str | None:
    """apimachinery's ParseQuantity complaint for a JSON value decoded as a Quantity, or None if it parses."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int):
        text = str(value)
    elif isinstance(value, float):
        text = go_float(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        return QUANTITY_FORMAT
    if not text:
        return QUANTITY_FORMAT
    suffix = _split_quantity(text)
    if suffix is None:
        return QUANTITY_FORMAT
    if suffix in _SUFFIXES or _EXPONENT.match(suffix):
        return None
    return QUANTITY_SUFFIX


def _split_quantity(text: str) -> str | None:
    """The suffix of a quantity as parseQuantityString finds it, or None when the format is wrong."""
    pos = 1 if text[:1] in "+-" else 0
    end = len(text)
    while pos < end and text[pos].isdigit():
        pos += 1
    if pos < end and text[pos] == ".":
        pos += 1
        while pos < end and text[pos].isdigit():
            pos += 1
    start = pos
    while pos < end and text[pos] in "eEinumkKMGTP":
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos].isdigit():
        pos += 1
    if pos < end:
        return None
    return text[start:]


# --- metav1.Time ----------------------------------------------------------------------------------------------

_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def time_error(text: str) -> str | None:
    if _RFC3339.match(text):
        return None
    return f'parsing time "{text}" as "2006-01-02T15:04:05Z07:00": cannot parse "{text}" as "2006"'


def go_float(value: float) -> str:
    """A float as Go's encoding/json writes it (1 for 1.0, 1e-7 for 0.0000001, 1e+21 for 1e21)."""
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        mantissa, _, exp = text.partition("e")
        sign = exp[0] if exp[0] in "+-" else "+"
        digits = exp.lstrip("+-").lstrip("0") or "0"
        return f"{mantissa}e{sign}{digits}"
    return text
