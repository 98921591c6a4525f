"""The simulated cluster's image registry: the public catalogue plus the images built in this session.

A pull in the simulated kubelet resolves its reference here: an image the catalogue knows (nginx:1.20, ...),
or one that `%%dockerfile` pushed (with the builder's config and layers). Anything else fails to pull, with
Kubernetes' wording (`ErrImagePull`, then `ImagePullBackOff`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from kube_magics.images import CATALOGUE, Catalogue, normalise


@dataclass
class Image:
    """An image the simulated registry can serve."""

    ref: str  # normalised, e.g. "nginx:1.20" or "myapp:1"
    size: int  # bytes, uncompressed
    compressed: int  # bytes a pull transfers
    config: dict[str, Any] = field(default_factory=dict)
    layers: list[dict[str, Any]] = field(default_factory=list)
    behaviour: str = "sleep"
    id: str = ""  # sha256:<hex>

    def __post_init__(self) -> None:
        if not self.id:
            self.id = "sha256:" + hashlib.sha256(f"{self.ref}/{self.size}".encode()).hexdigest()

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.id.encode()).hexdigest()


class Registry:
    def __init__(self, catalogue: Catalogue = CATALOGUE) -> None:
        self._catalogue = catalogue
        self._pushed: dict[str, Image] = {}

    def push(self, image: Image, *tags: str) -> None:
        """Make `image` pullable under its ref and any extra tags (what `docker push` would do)."""
        for ref in (image.ref, *tags):
            self._pushed[normalise(ref)] = image

    def resolve(self, ref: str) -> Image | None:
        key = normalise(ref)
        if key in self._pushed:
            return self._pushed[key]
        known = self._catalogue.lookup(key)
        if known is None:
            return None
        return Image(known.ref, known.size, known.compressed, dict(known.config), behaviour=known.behaviour)

    def pushed(self) -> list[Image]:
        return list(dict.fromkeys(self._pushed.values()))
