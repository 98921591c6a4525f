"""Backends: the simulated cluster and real clusters behind one protocol (`base.Backend`)."""

from __future__ import annotations

from kube_magics.backends.base import Backend, SimControls

__all__ = ["Backend", "SimControls"]
