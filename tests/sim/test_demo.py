"""`python -m kube_magics.demo`, the README's first command: what it prints, the same on every run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kube_magics import demo

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_tells_the_deployment_story(capsys: pytest.CaptureFixture[str]) -> None:
    demo.main([])
    out = capsys.readouterr().out
    assert "deployment.apps/nginx-deployment created" in out
    assert out.count("ContainerCreating") >= 3
    assert "the ReplicaSet has already made a replacement" in out and "Terminating" in out
    assert 'deployment "nginx-deployment" successfully rolled out' in out
    assert "Traceback" not in out


def test_the_demo_is_deterministic() -> None:
    runs = [subprocess.run([sys.executable, "-m", "kube_magics.demo"], cwd=ROOT, capture_output=True, text=True,
                           check=True).stdout for _ in range(2)]
    assert runs[0] == runs[1]
