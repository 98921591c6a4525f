"""Dockerfiles: parse them as Docker does, lint them for what learners get wrong, and build them on a simulator.

- `parse(text)` -> `Dockerfile` (stages of typed instructions), raising `DockerfileError` in Docker's words.
- `lint(text_or_dockerfile)` -> findings with line, rule, severity and a one-line why (lint.py).
- `SimBuilder(...).build(...)` -> `BuildResult` with a `BuiltImage`, BuildKit-style progress and a step list
  (builder.py); the image converts to the simulated registry's `Image`.

Nothing here talks to a Docker engine; the real engine path lives in the backends.
"""

from __future__ import annotations

from kube_magics.dockerfile.builder import BuildResult, SimBuilder
from kube_magics.dockerfile.context import BuildContext
from kube_magics.dockerfile.document import parse
from kube_magics.dockerfile.image import BuiltImage, human_size
from kube_magics.dockerfile.instructions import Dockerfile, Instruction, Stage
from kube_magics.dockerfile.lint import Finding, lint
from kube_magics.dockerfile.output import BuildStep

__all__ = ["BuildContext", "BuildResult", "BuildStep", "BuiltImage", "Dockerfile", "Finding", "Instruction",
           "SimBuilder", "Stage", "human_size", "lint", "parse"]
