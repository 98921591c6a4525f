"""A Docker engine without Docker: images (built by the simulated builder, or pulled from the catalogue) and
containers whose processes are the behaviour model's, on a virtual clock (clock.py).

`SimDockerEngine` answers what the Engine API answers, in its shapes (list entries, history rows, inspect
documents) and with the daemon's words for its errors (`Error response from daemon: No such image: app:9`), so the
docker CLI's formatters and the real engine's hints serve both. Images:

- `build(...)`: the simulated builder (`kube_magics.dockerfile.SimBuilder`); its images get their tags here, and
  a tag that moves leaves the older image untagged (`<none>`), as on an engine;
- `pull(ref)`: from the catalogue of public images; an unknown repository or tag fails as Docker Hub answers;
- `tag`, `remove_image` (rmi), lookups by tag, id or id prefix.

Containers (run, stop, rm, logs, exec) are lifecycle.py's. Every image that gets a tag is handed to
`on_tagged(image, tags)` (the session pushes it to the simulated cluster's registry, so a pod can run it).
Deterministic: ids from the image config or a seeded generator, times from the engine's clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from random import Random

from kube_magics.dockerfile import BuildContext, BuildResult, BuiltImage, SimBuilder
from kube_magics.errors import BackendError
from kube_magics.images import CATALOGUE, Catalogue, normalise, split_ref
from kube_magics.sim_docker import images as im
from kube_magics.sim_docker.clock import EngineClock
from kube_magics.sim_docker.containers import Container
from kube_magics.sim_docker.lifecycle import ContainerOps, daemon_error

ENDPOINT = "kube-magics://simulated"
_HEX = re.compile(r"^(sha256:)?[0-9a-f]{1,64}$")


class SimDockerEngine(ContainerOps):
    """The simulated engine. `clock` may follow a simulated cluster (see clock.py)."""

    def __init__(self, *, clock: EngineClock | None = None, seed: int = 0, catalogue: Catalogue = CATALOGUE) -> None:
        self.clock = clock or EngineClock()
        self.catalogue = catalogue
        self.builder = SimBuilder(catalogue=catalogue, clock=self.clock.now)
        self.images_by_id: dict[str, im.LocalImage] = {}  # in the order they arrived
        self.containers_by_id: dict[str, Container] = {}
        self.rng_ids = Random(f"{seed}/docker-ids")
        self.rng_names = Random(f"{seed}/docker-names")
        self.on_tagged: Callable[[im.LocalImage, list[str]], None] | None = None

    def now(self) -> float:
        return self.clock.now()

    def new_id(self) -> str:
        return f"{self.rng_ids.getrandbits(256):064x}"

    # --- images ------------------------------------------------------------------------------------------------

    def images(self) -> list[im.LocalImage]:
        """Newest first (the order `docker images` shows)."""
        return list(reversed(self.images_by_id.values()))

    def find_image(self, ref: str) -> im.LocalImage | None:
        """By tag (`app`, `app:1`, `docker.io/library/app:1`), full id or id prefix."""
        key = normalise(ref) if not ref.startswith("sha256:") else ref
        for image in self.images_by_id.values():
            if key in image.tags:
                return image
        if _HEX.match(ref):
            digits = ref.removeprefix("sha256:")
            found = [i for i in self.images_by_id.values() if i.id[7:].startswith(digits)]
            if len(found) == 1:
                return found[0]
        return None

    def image(self, ref: str) -> im.LocalImage:
        image = self.find_image(ref)
        if image is None:
            raise daemon_error(f"No such image: {_with_tag(ref)}")
        return image

    def pull(self, ref: str) -> tuple[im.LocalImage, list[str]]:
        """Pull `ref` from the catalogue: (the image, the lines the CLI prints). Time passes while it downloads."""
        entry = self.catalogue.lookup(ref)
        if entry is None:
            raise daemon_error(_pull_refusal(ref, self.catalogue))
        fresh = im.from_catalogue(entry)
        held = self.images_by_id.get(fresh.id)
        lines = im.pull_lines(held or fresh, ref, fresh=held is None)
        if held is None:
            self.clock.wait(im.pull_seconds(fresh))
            self._add(fresh, [])
            self.builder.pulled.add(im.full_name(entry.ref))
        held = self.images_by_id[fresh.id]
        self._tag(held, [normalise(ref)])
        return held, lines

    def build(self, dockerfile: str, *, context: str | Path | BuildContext | None, tags: Iterable[str] = (),
              build_args: dict[str, str] | None = None, target: str | None = None, no_cache: bool = False,
              ) -> BuildResult:
        """Build with the simulated builder; the engine's clock moves by the build's duration."""
        try:
            result = self.builder.build(dockerfile, context=context, tags=tags, build_args=build_args,
                                        target=target, no_cache=no_cache)
        finally:
            self.clock.wait(self.builder.settle_clock())
        self.add_built(result.image)
        return result

    def add_built(self, built: BuiltImage) -> im.LocalImage:
        image = self.images_by_id.get(built.id)
        if image is None:
            image = im.from_built(built)
            image.tags = []
            self._add(image, [])
        image.built = built
        self._tag(image, list(built.tags))
        return image

    def tag(self, source: str, target: str) -> None:
        image = self.image(source)
        self._tag(image, [normalise(target)])
        if image.built is not None:
            self.builder.images[normalise(target)] = image.built

    def _add(self, image: im.LocalImage, tags: list[str]) -> None:
        self.images_by_id[image.id] = image
        self._tag(image, tags)

    def _tag(self, image: im.LocalImage, tags: list[str]) -> None:
        """Give `image` these tags, taking them from any image that had them (which may become `<none>`)."""
        new = [t for t in tags if t not in image.tags]
        for other in self.images_by_id.values():
            if other is not image:
                other.tags = [t for t in other.tags if t not in new]
        image.tags.extend(new)
        if new and self.on_tagged is not None:
            self.on_tagged(image, new)

    def remove_image(self, ref: str, *, force: bool = False) -> list[str]:
        """`docker rmi`: the `Untagged:` and `Deleted:` lines, or the daemon's conflict."""
        image = self.image(ref)
        by_tag = normalise(ref) in image.tags and not ref.startswith("sha256:")
        if by_tag and len(image.tags) > 1:
            return self._untag(image, [normalise(ref)])
        users = [c for c in self.containers_by_id.values() if c.image_id == image.id]
        if not by_tag and len(image.tags) > 1 and not force:
            raise daemon_error(f"conflict: unable to delete {image.short_id} (must be forced) - image is referenced "
                               "in multiple repositories")
        running = [c for c in users if c.running(self.now())]
        if running and (force or not by_tag):
            raise daemon_error(f"conflict: unable to delete {image.short_id} (cannot be forced) - image is being "
                               f"used by running container {running[0].id[:12]}")
        if users and not force:
            what = f'remove repository reference "{ref}"' if by_tag else f"delete {image.short_id}"
            raise daemon_error(f"conflict: unable to {what} (must force) - container {users[0].id[:12]} is "
                               f"using its referenced image {image.short_id}")
        lines = self._untag(image, list(image.tags))
        if users:  # forced: the image stays for its containers, untagged
            return lines
        del self.images_by_id[image.id]
        return [*lines, f"Deleted: {image.id}"]

    def _untag(self, image: im.LocalImage, tags: list[str]) -> list[str]:
        for tag in tags:
            image.tags.remove(tag)
            if self.builder.images.get(tag) is image.built:
                self.builder.images.pop(tag, None)
        return [f"Untagged: {t}" for t in tags] + [f"Untagged: {r}" for r in _digest_refs(image, tags)]

    def image_for_run(self, ref: str) -> tuple[im.LocalImage, list[str]]:
        """The image `docker run` uses, pulled first when absent (`Unable to find image ... locally`)."""
        image = self.find_image(ref)
        if image is not None:
            return image, []
        preface = [f"Unable to find image '{_with_tag(ref)}' locally"]
        try:
            image, lines = self.pull(ref)
        except BackendError as err:
            raise BackendError("\n".join([*preface, f"docker: {err.message}"]), hint=err.hint) from None
        return image, preface + lines


def _with_tag(ref: str) -> str:
    if ref.startswith("sha256:") or (_HEX.match(ref) and len(ref) >= 12):
        return ref
    return normalise(ref) if "@" not in ref else ref


def _digest_refs(image: im.LocalImage, tags: list[str]) -> list[str]:
    """A pulled image's `repo@digest` goes when its repository's last tag goes."""
    if not image.digest:
        return []
    gone = {split_ref(t)[1] for t in tags} - {split_ref(t)[1] for t in image.tags}
    return [f"{repo}@{image.digest}" for repo in sorted(gone)]


def _pull_refusal(ref: str, catalogue: Catalogue) -> str:
    """Docker Hub's answer for a reference it does not have."""
    repo = split_ref(ref)[1]
    if any(i.repository == repo for i in catalogue):
        return f"manifest for {normalise(ref)} not found: manifest unknown: manifest unknown"
    return (f"pull access denied for {repo}, repository does not exist or may require 'docker login': denied: "
            "requested access to the resource is denied")

