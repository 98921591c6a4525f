"""Base images for the simulated builder: what `FROM x` and `COPY --from=image` find, or how the pull fails.

Looks a reference up among the images this builder made (`FROM app:1` after building app:1) and then in the
public catalogue (kube_magics.images). An unknown repository fails as Docker Hub answers an anonymous pull
(`pull access denied, repository does not exist or may require authorization ...`), an unknown tag of a known
repository as `docker.io/library/node:99: not found`, both in BuildKit's framing and with its `did you mean`
suggestion among common image names. Never touches a network.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from kube_magics.dockerfile.config import HistoryEntry
from kube_magics.dockerfile.convert import suggest
from kube_magics.dockerfile.image import BuiltImage
from kube_magics.dockerfile.runmodel import base_tools
from kube_magics.images import Catalogue, CatalogueImage, split_ref
from kube_magics.timefmt import parse_rfc3339

_COMMON = ("alpine", "busybox", "centos", "debian", "golang", "ubuntu", "fedora")


class PullError(Exception):
    """A base image that cannot be had: `short` is the vertex's error, `message` the build's."""

    def __init__(self, message: str, short: str) -> None:
        super().__init__(message)
        self.message = message
        self.short = short


@dataclass
class BaseImage:
    ref: str  # as written after substitution: "node:16-alpine"
    full: str  # docker.io/library/node:16-alpine
    digest: str
    config: dict[str, Any]
    history: list[HistoryEntry]
    layers: list[tuple[str, int]] = field(default_factory=list)  # (created by, bytes) of non-empty entries
    tools: frozenset[str] = frozenset()
    sh: str = "ash"
    behaviour: str = "sleep"
    compressed: int = 0
    local: bool = False  # built here: no pull needed

    @property
    def size(self) -> int:
        return sum(size for _, size in self.layers)


def full_name(ref: str) -> str:
    """`node:16-alpine` -> `docker.io/library/node:16-alpine` (reference.TagNameOnly)."""
    registry, repo, tag = split_ref(ref)
    if registry == "docker.io" and "/" not in repo:
        repo = f"library/{repo}"
    sep = "" if tag.startswith("@") else ":"
    return f"{registry}/{repo}{sep}{tag}"


def resolve(ref: str, catalogue: Catalogue, local: dict[str, BuiltImage]) -> BaseImage:
    """The base image for `ref`, or PullError in BuildKit's words."""
    _, repo, tag = split_ref(ref)
    key = f"{repo}:{tag}"
    built = local.get(key)
    if built is not None:
        return _from_built(ref, built)
    entry = catalogue.lookup(ref)
    if entry is not None:
        return _from_catalogue(ref, entry)
    full = full_name(ref)
    known_repo = any(img.repository == repo for img in catalogue)
    if known_repo:
        short = f"{full}: not found"
    else:
        short = ("pull access denied, repository does not exist or may require authorization: server message: "
                 "insufficient_scope: authorization failed")
    options = [n for name in _COMMON for n in (name, f"{name}:latest")]
    message = suggest(f"{ref}: failed to resolve source metadata for {full}: {short}", ref, options)
    raise PullError(message, short)


def _from_catalogue(ref: str, entry: CatalogueImage) -> BaseImage:
    created = parse_rfc3339(entry.created) if entry.created else None
    history = [HistoryEntry(by, size, empty_layer=size == 0, classic=by, comment=_comment(by), created=created)
               for by, size in entry.history]
    tools, sh = base_tools(entry.repository, entry.tag)
    digest = entry.digest or "sha256:" + hashlib.sha256(f"catalogue:{entry.ref}".encode()).hexdigest()
    layers = [(h.created_by, h.size) for h in history if not h.empty_layer]
    if not layers and entry.size:
        layers = [("/bin/sh -c #(nop) ADD file in / ", entry.size)]
    return BaseImage(ref, full_name(ref), digest, dict(entry.config), history, layers, tools, sh,
                     entry.behaviour, entry.compressed)


def _comment(created_by: str) -> str:
    return "" if created_by.startswith("/bin/sh -c") else "buildkit.dockerfile.v0"


def _from_built(ref: str, image: BuiltImage) -> BaseImage:
    layers = [(layer.instruction, layer.size) for layer in image.layers]
    return BaseImage(ref, full_name(ref), image.digest, dict(image.config), list(image.history_entries), layers,
                     image.tools, image.sh, image.behaviour, image.compressed, local=True)
