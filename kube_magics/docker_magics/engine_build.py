"""`%%dockerfile` on the Docker engine: `kube_magics.docker.build` with live progress (a bar in a notebook, plain
lines elsewhere), then what the engine says about the image (`docker image inspect`, `history`) for the result
and for the simulated cluster's registry, and `--load-into kind[:CLUSTER]`.

A parse error from the engine gets the lines at fault and the parser's hint, as the simulated builder's does.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from kube_magics.docker_magics.cell import Options, needs_tag, with_excerpt
from kube_magics.docker_magics.result import ImageResult, from_engine, registry_image
from kube_magics.errors import BuildError

if TYPE_CHECKING:
    from kube_magics.docker.engine import Engine
    from kube_magics.session import Session


def build_engine(session: Session, dockerfile: str, opts: Options, out: TextIO) -> ImageResult:
    from kube_magics.docker import build, make_progress
    from kube_magics.docker.render import TextProgress

    side = session.docker
    engine = side.engine()
    cluster = None
    if opts.load_into:
        needs_tag(opts, "--load-into")
        cluster = opts.load_into.partition(":")[2] or os.environ.get("KIND_CLUSTER_NAME", "kind")
    progress = make_progress() if out is sys.stdout else TextProgress(out)
    try:
        result = build(engine, dockerfile, context=opts.context, tags=opts.tags, buildargs=opts.build_args or None,
                       target=opts.target, nocache=opts.no_cache, platform=opts.platform, progress=progress)
    except BuildError as err:
        raise with_excerpt(err, dockerfile) from None
    inspect, history = _describe(engine, result.image_id)
    if opts.tags:
        from kube_magics.images import normalise

        side.publish(registry_image(inspect, history, opts.tags[0]), [normalise(t) for t in opts.tags])
    if cluster is not None:
        from kube_magics.docker.kind import load_into_kind

        out.write(load_into_kind(engine, opts.tags[0], cluster).text + "\n")
    return from_engine(result, inspect, history)


def _describe(engine: Engine, image_id: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    from docker.errors import DockerException

    try:
        return engine.api.inspect_image(image_id), engine.api.history(image_id)
    except DockerException as exc:
        raise engine.translate(exc) from None
