"""The image a build produces: id, digest, tags, size, layers, config, history, and how it displays itself.

The id is the sha256 of the image's config document (architecture, config, created, history, os, rootfs), as
Docker's image id is, so the same build at the same virtual time gives the same id. `history()` gives the rows of
`docker history`, newest first, in the words of the builder that made the image: BuildKit's (`CMD ["npm"
"start"]`, `RUN /bin/sh -c npm install # buildkit`, comment `buildkit.dockerfile.v0`, `<missing>` ids below the
top) by default, or the classic builder's as the reference recording shows them (`/bin/sh -c #(nop)  CMD [...]`).
`to_registry_image()` hands the image to the simulated cluster's registry. Never reads a clock.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from kube_magics.dockerfile.config import HistoryEntry, Layer, ordered
from kube_magics.images import normalise

if TYPE_CHECKING:
    from kube_magics.sim.registry import Image as RegistryImage


@dataclass
class BuiltImage:
    tags: list[str]
    config: dict[str, Any]
    history_entries: list[HistoryEntry]
    layers: list[Layer]
    created: float
    base: str = ""  # the final stage's base image reference ("" for scratch)
    behaviour: str = "sleep"
    author: str = ""
    compressed: int = 0
    os: str = "linux"
    architecture: str = "amd64"
    tools: frozenset[str] = frozenset()  # the commands a RUN in an image built FROM this one finds
    sh: str = "ash"
    id: str = field(default="", init=False)

    def __post_init__(self) -> None:
        self.id = "sha256:" + hashlib.sha256(self.config_document().encode()).hexdigest()

    def config_document(self) -> str:
        """The image config JSON whose sha256 is the image id (keys sorted, deterministic)."""
        doc = {
            "architecture": self.architecture, "os": self.os, "config": ordered(self.config),
            "created": self.created, "author": self.author,
            "history": [{"created_by": h.created_by, "empty_layer": h.empty_layer} for h in self.history_entries],
            "rootfs": {"type": "layers", "diff_ids": [layer.diff_id for layer in self.layers]},
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def short_id(self) -> str:
        return self.id[7:19]

    @property
    def digest(self) -> str:
        manifest = json.dumps({"config": self.id, "layers": [layer.diff_id for layer in self.layers]})
        return "sha256:" + hashlib.sha256(manifest.encode()).hexdigest()

    @property
    def size(self) -> int:
        return sum(layer.size for layer in self.layers)

    @property
    def ref(self) -> str:
        return self.tags[0] if self.tags else self.short_id

    def history(self, *, style: Literal["buildkit", "classic"] = "buildkit") -> list[dict[str, Any]]:
        """`docker history` rows, newest first: id, created (epoch seconds), created_by, size, comment."""
        rows = []
        for i, h in enumerate(reversed(self.history_entries)):
            created_by = h.classic if style == "classic" and h.classic else h.created_by
            rows.append({"id": self.short_id if i == 0 else "<missing>", "created": h.created,
                         "created_by": created_by, "size": h.size,
                         "comment": h.comment if style == "buildkit" else ""})
        return rows

    def inspect(self) -> dict[str, Any]:
        """The fields of `docker image inspect` this simulator knows."""
        return {"Id": self.id, "RepoTags": list(self.tags), "RepoDigests": [], "Created": self.created,
                "Author": self.author, "Config": ordered(self.config), "Architecture": self.architecture,
                "Os": self.os, "Size": self.size,
                "RootFS": {"Type": "layers", "Layers": [layer.diff_id for layer in self.layers]}}

    def to_registry_image(self) -> RegistryImage:
        """The simulated registry's view of this image (push it with `Registry.push(image, *tags)`)."""
        from kube_magics.sim.registry import Image as RegistryImage

        layers = [{"digest": layer.diff_id, "size": layer.size, "instruction": layer.instruction}
                  for layer in self.layers]
        ref = normalise(self.tags[0]) if self.tags else self.id
        return RegistryImage(ref, self.size, self.compressed or self.size // 2, ordered(self.config), layers,
                             self.behaviour, self.id)

    def __repr__(self) -> str:
        tags = ", ".join(self.tags) or "<none>"
        return (f"<BuiltImage {tags} {self.short_id} {human_size(self.size)}, {len(self.layers)} layers "
                f"({sum(1 for layer in self.layers if not layer.from_base)} from this build)>")

    def _repr_html_(self) -> str:
        rows = []
        for layer in reversed(self.layers):
            state = "base" if layer.from_base else ("CACHED" if layer.cached else "built")
            size = human_size(layer.size) + (" (est.)" if layer.estimated else "")
            rows.append(f"<tr class='km-layer km-{state.lower()}'><td><code>{html.escape(layer.instruction)}"
                        f"</code></td><td style='text-align:right'>{size}</td><td>{state}</td></tr>")
        title = html.escape(", ".join(self.tags) or "<none>")
        return (f"<div class='km-image'><b>{title}</b> <code>{self.short_id}</code> {human_size(self.size)}"
                "<table><thead><tr><th>layer (newest first)</th><th>size</th><th></th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table></div>")


def human_size(size: float, precision: int = 3) -> str:
    """docker's SIZE column (go-units HumanSizeWithPrecision, decimal units): `276B`, `200kB`, `2.18MB`."""
    units = ["B", "kB", "MB", "GB", "TB", "PB"]
    i = 0
    while size >= 1000 and i < len(units) - 1:
        size /= 1000.0
        i += 1
    return f"{size:.{precision}g}{units[i]}"
