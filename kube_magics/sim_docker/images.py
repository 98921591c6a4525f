"""The simulated engine's images: what `docker images`, `history`, `inspect` and `pull` show of them.

An image is either one the simulated builder made (a `BuiltImage`) or one pulled from the catalogue of public
images (`kube_magics.images`). Both become a `LocalImage` with the Engine API's shapes: a list entry (`Id`,
`RepoTags`, `Created`, `Size`), `history` rows (`Id`, `Created`, `CreatedBy`, `Size`, `Comment`) and an inspect
document, so the docker CLI's formatters print them as they print a real engine's. Ids are deterministic: a
built image's is the sha256 of its config (as Docker's), a catalogue image's is derived from its digest.

`pull_lines(...)` are the lines the CLI prints for a pull without a terminal (the last status of each layer).
Must not format tables or keep containers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from kube_magics.dockerfile.config import ordered
from kube_magics.images import CatalogueImage, normalise, split_ref
from kube_magics.timefmt import parse_rfc3339

if TYPE_CHECKING:
    from kube_magics.dockerfile import BuiltImage
    from kube_magics.sim.registry import Image as RegistryImage

PULL_RATE = 25e6  # bytes a second of a simulated pull (as the simulated builder's)


@dataclass
class LocalImage:
    id: str  # sha256:<64 hex>
    created: float
    size: int
    config: dict[str, Any]
    history_rows: list[dict[str, Any]]  # the Engine API's history, newest first (top row's Id filled in later)
    behaviour: str = "sleep"
    tags: list[str] = field(default_factory=list)  # normalised: "app:1", "nginx:1.20"
    built: BuiltImage | None = None
    digest: str = ""  # a catalogue image's repo digest
    compressed: int = 0

    @property
    def short_id(self) -> str:
        return self.id[7:19]

    def list_entry(self) -> dict[str, Any]:
        """`GET /images/json`: what `docker images` formats."""
        return {"Id": self.id, "ParentId": "", "RepoTags": list(self.tags) or ["<none>:<none>"],
                "RepoDigests": self.repo_digests(), "Created": int(self.created), "Size": self.size,
                "SharedSize": -1, "Labels": self.config.get("Labels") or None, "Containers": -1}

    def repo_digests(self) -> list[str]:
        if not self.digest:
            return []
        return sorted({f"{split_ref(t)[1]}@{self.digest}" for t in self.tags})

    def history(self) -> list[dict[str, Any]]:
        """`GET /images/{name}/history`: newest first; the top row carries the image id and its tags."""
        rows = [dict(r) for r in self.history_rows]
        if rows:
            rows[0]["Id"] = self.id
            rows[0]["Tags"] = list(self.tags) or None
        return rows

    def inspect(self) -> dict[str, Any]:
        """`GET /images/{name}/json`, the fields this simulator knows, in Docker's order."""
        layers = [h["diff_id"] for h in self.history_rows if h.get("diff_id")]
        return {"Id": self.id, "RepoTags": list(self.tags), "RepoDigests": self.repo_digests(), "Parent": "",
                "Comment": "buildkit.dockerfile.v0" if self.built is not None else "", "Created": rfc3339_nano(
                    self.created), "DockerVersion": "", "Author": "", "Config": ordered(self.config),
                "Architecture": "amd64", "Os": "linux", "Size": self.size,
                "RootFS": {"Type": "layers", "Layers": layers or [_layer_id(self.id, 0)]},
                "Metadata": {"LastTagTime": "0001-01-01T00:00:00Z"}}

    def registry_image(self, ref: str) -> RegistryImage:
        """The simulated cluster registry's view of this image under `ref`."""
        from kube_magics.sim.registry import Image as RegistryImage

        if self.built is not None:
            image = self.built.to_registry_image()
            image.ref = normalise(ref)
            return image
        return RegistryImage(normalise(ref), self.size, self.compressed or self.size // 2, ordered(self.config),
                             behaviour=self.behaviour, id=self.id)


def rfc3339_nano(t: float) -> str:
    """Go's RFC3339Nano in UTC: `2026-01-05T09:00:01.5Z` (trailing zeros of the fraction dropped)."""
    from datetime import datetime, timezone

    whole = int(t)
    nanos = round((t - whole) * 1e9)
    if nanos >= 1_000_000_000:
        whole, nanos = whole + 1, nanos - 1_000_000_000
    stamp = datetime.fromtimestamp(whole, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    frac = f".{nanos:09d}".rstrip("0") if nanos else ""
    return f"{stamp}{frac}Z"


def _layer_id(seed: str, i: int) -> str:
    return "sha256:" + hashlib.sha256(f"layer:{seed}:{i}".encode()).hexdigest()


def from_built(image: BuiltImage) -> LocalImage:
    rows = []
    layers = [layer.diff_id or _layer_id(image.id, i) for i, layer in enumerate(image.layers)]
    entries = list(reversed(image.history_entries))
    for row, entry in zip(image.history(), entries):
        out = {"Id": "<missing>", "Created": int(row["created"] or 0), "CreatedBy": row["created_by"],
               "Tags": None, "Size": row["size"], "Comment": row["comment"]}
        if not entry.empty_layer and layers:
            out["diff_id"] = layers.pop()
        rows.append(out)
    return LocalImage(image.id, image.created, image.size, dict(image.config), rows, image.behaviour,
                      list(image.tags), image, compressed=image.compressed)


def from_catalogue(entry: CatalogueImage) -> LocalImage:
    digest = entry.digest or "sha256:" + hashlib.sha256(f"catalogue:{entry.ref}".encode()).hexdigest()
    image_id = "sha256:" + hashlib.sha256(f"image:{digest}".encode()).hexdigest()
    created = parse_rfc3339(entry.created) if entry.created else 0.0
    rows = []
    for i, (created_by, size) in enumerate(reversed(entry.history)):
        comment = "" if created_by.startswith("/bin/sh -c") else "buildkit.dockerfile.v0"
        row = {"Id": "<missing>", "Created": int(created), "CreatedBy": created_by, "Tags": None, "Size": size,
               "Comment": comment}
        if size:
            row["diff_id"] = _layer_id(digest, i)
        rows.append(row)
    return LocalImage(image_id, created, entry.size, dict(entry.config), rows, entry.behaviour, [entry.ref],
                      digest=digest, compressed=entry.compressed)


def pull_seconds(image: LocalImage) -> float:
    return round(0.4 + (image.compressed or image.size // 2) / PULL_RATE, 1)


def familiar(ref: str) -> str:
    """`docker.io/library/nginx:1.20` -> `nginx:1.20`, as the CLI names an image in its messages."""
    return normalise(ref)


def full_name(ref: str) -> str:
    registry, repo, tag = split_ref(ref)
    if registry == "docker.io" and "/" not in repo:
        repo = f"library/{repo}"
    return f"{registry}/{repo}:{tag}"


def pull_lines(image: LocalImage, ref: str, *, fresh: bool) -> list[str]:
    """What a pull prints without a terminal: `1.20: Pulling from library/nginx`, each layer's last status,
    the digest, and whether anything was downloaded."""
    registry, repo, tag = split_ref(ref)
    path = f"library/{repo}" if registry == "docker.io" and "/" not in repo else repo
    lines = [f"{tag}: Pulling from {path}"]
    if fresh:
        lines += [f"{h['diff_id'][7:19]}: Pull complete" for h in reversed(image.history_rows) if h.get("diff_id")]
    lines.append(f"Digest: {image.digest}")
    verb = "Downloaded newer image" if fresh else "Image is up to date"
    lines.append(f"Status: {verb} for {familiar(ref)}")
    return lines
