"""What `%%dockerfile` returns: the image it built, whichever builder built it, as one object.

`ImageResult` gives Python the image's `id`, `short_id`, `tags`, `size`, `layers` (newest first: instruction,
size, whether it came from the base image, the cache or this build) and `config` (as `docker image inspect
--format '{{json .Config}}'` shows it), plus the builder's own result in `.build` (and the simulated builder's
`BuiltImage` in `.image`). It displays itself as the layer stack: a table in a notebook, plain lines elsewhere.

`from_sim(...)` and `from_engine(...)` build it from the two builders' results; `registry_image(...)` turns what
the real engine says about an image into the simulated registry's `Image`, so the simulated cluster can run it.
Must not build anything or print.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from kube_magics.docker.format import image_config
from kube_magics.docker.units import ellipsis, human_size, tabulate, truncate_id

if TYPE_CHECKING:
    from kube_magics.docker.build import BuildResult as EngineBuild
    from kube_magics.dockerfile import BuildResult as SimBuild
    from kube_magics.dockerfile import BuiltImage
    from kube_magics.sim.registry import Image as RegistryImage


@dataclass(frozen=True)
class ImageLayer:
    instruction: str  # `COPY . .`, or the base image's history line
    size: int
    state: str  # "base" | "CACHED" | "built"
    estimated: bool = False  # a RUN step's size, estimated by the simulated builder

    def as_dict(self) -> dict[str, Any]:
        return {"instruction": self.instruction, "size": self.size, "state": self.state,
                "cached": self.state == "CACHED", "estimated": self.estimated}


class ImageResult:
    """An image built by `%%dockerfile`, on the simulated builder or the engine."""

    def __init__(self, *, id: str, tags: list[str], size: int, layers: list[ImageLayer], config: dict[str, Any],
                 builder: str, base: str = "", build: Any = None, image: BuiltImage | None = None) -> None:
        self.id = id
        self.tags = tags
        self.size = size
        self.image_layers = layers
        self.config = config
        self.builder = builder  # "sim" or "docker"
        self.base = base
        self.build = build
        self.image = image

    @property
    def short_id(self) -> str:
        return truncate_id(self.id)

    @property
    def layers(self) -> list[dict[str, Any]]:
        return [layer.as_dict() for layer in self.image_layers]

    @property
    def steps(self) -> list[dict[str, Any]]:
        """What each Dockerfile step did (instruction, cached, seconds), in order."""
        if self.builder == "sim":
            return [{"step": f"{s.index}/{s.total}", "stage": s.stage, "instruction": s.instruction,
                     "cached": s.cached, "seconds": s.duration} for s in self.build.steps if s.index]
        return [{"step": f"{s.index}/{s.total}", "stage": "", "instruction": s.instruction, "cached": s.cached,
                 "seconds": s.seconds} for s in self.build.steps]

    def _summary(self) -> str:
        built = sum(1 for s in self.steps if not s["cached"])
        cached = sum(1 for s in self.steps if s["cached"])
        who = "simulated builder" if self.builder == "sim" else "Docker engine"
        return f"{who}: {built} step(s) run, {cached} from the cache"

    def __repr__(self) -> str:
        title = ", ".join(self.tags) or "<none>"
        rows = [["LAYER (newest first)", "SIZE", ""]]
        own = [layer for layer in self.image_layers if layer.state != "base"]
        for layer in own:
            size = human_size(layer.size) + (" (estimated)" if layer.estimated else "")
            rows.append([ellipsis(layer.instruction.replace("\n", " "), 60), size, layer.state])
        base = [layer for layer in self.image_layers if layer.state == "base"]
        if base:
            name = self.base or "base image"
            rows.append([f"FROM {name} ({len(base)} layers)", human_size(sum(x.size for x in base)), "base"])
        head = f"{title}  {self.short_id}  {human_size(self.size)}  ({self._summary()})"
        return head + "\n" + tabulate(rows).rstrip("\n")

    def _repr_html_(self) -> str:
        if self.image is not None:
            return self.image._repr_html_()
        rows = []
        for layer in self.image_layers:
            rows.append(f"<tr class='km-layer km-{layer.state.lower()}'><td><code>{html.escape(layer.instruction)}"
                        f"</code></td><td style='text-align:right'>{human_size(layer.size)}</td>"
                        f"<td>{layer.state}</td></tr>")
        title = html.escape(", ".join(self.tags) or "<none>")
        return (f"<div class='km-image'><b>{title}</b> <code>{self.short_id}</code> {human_size(self.size)}"
                "<table><thead><tr><th>layer (newest first)</th><th>size</th><th></th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table></div>")


def from_sim(result: SimBuild) -> ImageResult:
    image = result.image
    layers = []
    for layer in reversed(image.layers):
        state = "base" if layer.from_base else ("CACHED" if layer.cached else "built")
        layers.append(ImageLayer(layer.instruction, layer.size, state, layer.estimated))
    return ImageResult(id=image.id, tags=list(image.tags), size=image.size, layers=layers,
                       config=image_config(image.config), builder="sim", base=image.base, build=result, image=image)


def from_engine(result: EngineBuild, inspect: dict[str, Any], history: list[dict[str, Any]]) -> ImageResult:
    """The classic builder makes one history entry per step after FROM (newest first); the rest are the base's."""
    own = len(result.steps) - 1 if result.steps and result.steps[0].instruction.upper().startswith("FROM") else 0
    layers = []
    for i, row in enumerate(history):
        step = result.steps[own - i] if i < own and own - i < len(result.steps) else None
        state = "base" if step is None else ("CACHED" if step.cached else "built")
        instruction = step.instruction if step is not None else str(row.get("CreatedBy", ""))
        layers.append(ImageLayer(instruction, int(row.get("Size") or 0), state))
    base = result.steps[0].instruction.split(None, 1)[-1] if own else ""
    return ImageResult(id=str(inspect.get("Id", result.image_id)), tags=list(result.tags),
                       size=int(inspect.get("Size") or 0), layers=layers, config=image_config(inspect.get("Config")),
                       builder="docker", base=base, build=result)


def registry_image(inspect: dict[str, Any], history: list[dict[str, Any]], ref: str) -> RegistryImage:
    """What the engine says about an image, as the simulated registry's `Image` (a pod can then run it)."""
    from kube_magics.images import normalise
    from kube_magics.sim.registry import Image as RegistryImage

    config = image_config(inspect.get("Config"))
    size = int(inspect.get("Size") or 0)
    layers = [{"digest": d, "size": 0, "instruction": ""} for d in (inspect.get("RootFS") or {}).get("Layers") or []]
    sized = [r for r in reversed(history) if r.get("Size")]
    for layer, row in zip(layers, sized):
        layer["size"], layer["instruction"] = int(row["Size"]), str(row.get("CreatedBy", ""))
    serves = bool(config.get("ExposedPorts")) and bool(config.get("Cmd") or config.get("Entrypoint"))
    return RegistryImage(normalise(ref), size, size // 2, config, layers, "web" if serves else "app",
                         str(inspect.get("Id", "")))
