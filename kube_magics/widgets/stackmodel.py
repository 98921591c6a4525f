"""The arithmetic of the VM-vs-container comparison, and where its figures come from.

N applications, each needing `app_memory_mb` of memory and `app_disk_mb` of files:
- as N virtual machines, each boots its own guest OS: memory N x (guest OS + app), disk N x (guest OS disk + app
  files), start time a VM's boot (a full VM about 23 s to SSH; a Firecracker microVM's kernel reaches init in
  at most 125 ms);
- as N containers of one image, they share the host's kernel and the image's read-only layers: memory N x app,
  disk the image once (each container adds only a thin writable layer), start time a container's start (about
  0.57 s for `docker run`, measured; or measured here with the Docker engine).

The figures are defaults a learner can change, each with its source (`SOURCES`), cited in the view.

Must not: talk to Docker (that is `measure.py`) or draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from kube_magics.images import CATALOGUE

MB = 1_000_000


class Source(NamedTuple):
    ref: str
    figure: str
    text: str
    url: str


SOURCES = (
    Source("1", "≤ 125 ms, ≤ 5 MiB", "Firecracker specification: microVM boot to guest /sbin/init in at most 125 ms; "
           "VMM memory overhead at most 5 MiB", "https://github.com/firecracker-microvm/firecracker/blob/main/"
           "SPECIFICATION.md"),
    Source("2", "≈ 23 s", "R. Aboukhalil, 'Move Fast and Break the Cloud' (2018): Debian VM on Google Cloud, "
           "request to SSH in about 23 s; Mao & Humphrey (IEEE CLOUD 2012) measured 44-97 s averages for Linux VMs",
           "https://robaboukhalil.medium.com/move-fast-and-break-the-cloud-b55b899e3683"),
    Source("3", "≈ 568 ms", "S. Khan, 'Decomposing Docker Container Startup Performance' (arXiv:2602.15214, 2026): "
           "docker run startup 568 ms on cloud SSD (1157 ms on HDD); namespace creation 8-10 ms of it",
           "https://arxiv.org/abs/2602.15214"),
    Source("4", "1 GB RAM, 4 GB disk", "Ubuntu Server 24.04 system requirements: minimum 1 GB memory and 4 GB "
           "storage for cloud images", "https://documentation.ubuntu.com/server/reference/installation/"
           "system-requirements/"),
    Source("5", "node:16-alpine 118 MB", "image sizes as `docker images` shows them (kube_magics.images catalogue)",
           "https://hub.docker.com/_/node"),
)

VM_BOOT_S = 23.0  # [2]
MICROVM_BOOT_S = 0.125  # [1]
CONTAINER_START_S = 0.568  # [3]
DEFAULT_BASE_IMAGE = "node:16-alpine"  # the seed chapter's Dockerfile starts FROM it


class Layer(NamedTuple):
    instruction: str
    size: int  # bytes


@dataclass(frozen=True)
class StackParams:
    apps: int = 3
    app_memory_mb: int = 256
    guest_os_memory_mb: int = 1024  # [4]
    guest_os_disk_mb: int = 4000  # [4]
    app_disk_mb: int = 50
    layers: tuple[Layer, ...] = ()  # a built image's layers, base first; empty: the default base image + app files


@dataclass(frozen=True)
class Totals:
    vm_memory_mb: float
    ct_memory_mb: float
    vm_disk_mb: float
    ct_disk_mb: float
    vm_start_s: float
    ct_start_s: float
    ct_start_source: str  # "3" (the published figure) or "measured"


def image_layers(params: StackParams) -> tuple[Layer, ...]:
    """The container side's read-only layers: a built image's, or the seed's base image plus the app's files."""
    if params.layers:
        return params.layers
    base = CATALOGUE.lookup(DEFAULT_BASE_IMAGE)
    base_size = base.size if base is not None else 118 * MB
    return (Layer(f"FROM {DEFAULT_BASE_IMAGE}", base_size), Layer("COPY . .", params.app_disk_mb * MB))


def totals(params: StackParams, *, measured_s: float | None = None) -> Totals:
    n = params.apps
    image_mb = sum(layer.size for layer in image_layers(params)) / MB
    app_files = image_mb if params.layers else params.app_disk_mb
    return Totals(
        vm_memory_mb=n * (params.guest_os_memory_mb + params.app_memory_mb),
        ct_memory_mb=n * params.app_memory_mb,
        vm_disk_mb=n * (params.guest_os_disk_mb + app_files),
        ct_disk_mb=image_mb,
        vm_start_s=VM_BOOT_S,
        ct_start_s=measured_s if measured_s is not None else CONTAINER_START_S,
        ct_start_source="measured" if measured_s is not None else "3",
    )


def layers_of(image: Any) -> tuple[Layer, ...]:
    """Duck-typed: anything with `.layers` whose items have an instruction (`instruction`, `created_by` or
    `CreatedBy`) and a `size` in bytes (objects or dicts), such as an image built with %%dockerfile."""
    found: list[Layer] = []
    for layer in _iter_layers(image):
        get = layer.get if isinstance(layer, dict) else lambda k, default=None, obj=layer: getattr(obj, k, default)
        text = get("instruction") or get("created_by") or get("CreatedBy") or "?"
        size = get("size")
        if size is None:
            size = get("Size") or 0
        found.append(Layer(" ".join(str(text).split()), int(size)))
    return tuple(found)


def _iter_layers(image: Any) -> Iterable[Any]:
    layers = image.get("layers") if isinstance(image, dict) else getattr(image, "layers", None)
    if layers is None:
        raise TypeError("an image for the stack view needs `.layers` (each with an instruction and a size)")
    return list(layers)


def image_name(image: Any) -> str:
    for attr in ("ref", "name", "tag", "tags", "id"):
        value = image.get(attr) if isinstance(image, dict) else getattr(image, attr, None)
        if isinstance(value, (list, tuple)) and value:
            value = value[0]
        if isinstance(value, str) and value:
            return value
    return ""


# --- how the numbers are written -------------------------------------------------------------------------------


def mib(value: float) -> str:
    return f"{value / 1024:.1f} GiB" if value >= 1024 else f"{value:.0f} MiB"


def mb(value: float) -> str:
    return f"{value / 1000:.1f} GB" if value >= 1000 else f"{value:.0f} MB" if value >= 1 else f"{value * 1000:.0f} kB"


def seconds(value: float) -> str:
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s" if value >= 1 else f"{value * 1000:.0f} ms"
