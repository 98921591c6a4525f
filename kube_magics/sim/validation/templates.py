"""Pod template metadata, as `ValidatePodTemplateSpec` checks it: labels and annotations, reported under
`spec.template.labels` and `spec.template.annotations` (the API server's paths leave out `metadata` here).
"""

from __future__ import annotations

from typing import Any

from kube_magics.errors import Cause
from kube_magics.sim.validation.fields import as_dict
from kube_magics.sim.validation.meta import validate_annotations, validate_labels


def validate_template_meta(template: dict[str, Any], path: str) -> list[Cause]:
    meta = as_dict(template.get("metadata"))
    return validate_labels(meta.get("labels"), f"{path}.labels") + \
        validate_annotations(meta.get("annotations"), f"{path}.annotations")
