"""The simulated cluster's image registry: the public catalogue plus the images built in this session.

A pull in the simulated kubelet resolves its reference here: an image the catalogue knows (nginx:1.20, ...),
or one that `%%dockerfile` pushed (with the builder's config and layers). Anything else fails to pull, with
Kubernetes' wording (`ErrImagePull`, then `ImagePullBackOff`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from kube_magics.images import CATALOGUE, Catalogue, normalise, split_ref


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
    built_here: bool = False  # pushed by a build in this session (its files are not known to the model)

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
        self._known: dict[str, Image | None] = {}  # resolved catalogue images, so each keeps one identity
        self._resolved: dict[str, Image | None] = {}  # by the reference as written

    def push(self, image: Image, *tags: str) -> None:
        """Make `image` pullable under its ref and any extra tags (what `docker push` would do)."""
        image.built_here = True
        self._resolved.clear()
        for ref in (image.ref, *tags):
            self._pushed[normalise(ref)] = image

    def resolve(self, ref: str) -> Image | None:
        if ref in self._resolved:
            return self._resolved[ref]
        image = self._resolve(ref)
        self._resolved[ref] = image
        return image

    def _resolve(self, ref: str) -> Image | None:
        key = normalise(ref)
        if key in self._pushed:
            return self._pushed[key]
        if key in self._known:
            return self._known[key]
        known = self._catalogue.lookup(key)
        image = None if known is None else Image(known.ref, known.size, known.compressed, dict(known.config),
                                                 behaviour=known.behaviour)
        self._known[key] = image
        return image

    def pull_error(self, ref: str) -> str:
        """What containerd answers for a reference no registry has (the kubelet's ErrImagePull message)."""
        registry, repo, tag = split_ref(ref)
        if registry == "docker.io" and "/" not in repo:
            repo = "library/" + repo
        full = f"{registry}/{repo}{'' if tag.startswith('@') else ':'}{tag}"
        return (f'rpc error: code = NotFound desc = failed to pull and unpack image "{full}": failed to resolve '
                f'reference "{full}": {full}: not found')

    def pushed(self) -> list[Image]:
        return list(dict.fromkeys(self._pushed.values()))


def registry_of(services: dict[str, Any]) -> Registry:
    """The cluster's registry, from `rt.services` (created on first use)."""
    reg = services.get("registry")
    if reg is None:
        reg = services["registry"] = Registry()
    return reg
