"""The notebooks tier: the tutorial sources, the build that turns them into executed notebooks, and nbval."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(scope="session")
def build() -> ModuleType:
    """notebooks/build.py as a module (it is a script, not part of the package)."""
    pytest.importorskip("jupytext", reason="jupytext is not installed (pip install '.[notebooks]')")
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def run_build(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The build command as a user types it."""
    return subprocess.run([sys.executable, str(NOTEBOOKS / "build.py"), *map(str, args)],
                          capture_output=True, text=True, timeout=900, check=False)


def run_nbval(*paths: Path, python: str = sys.executable, env: dict[str, str] | None = None,
              timeout: int = 1800) -> subprocess.CompletedProcess[str]:
    """nbval as CI runs it: the kernel is the given Python (its environment), outputs compared after sanitizing."""
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env = {k: v for k, v in env.items() if not k.startswith("KUBE_MAGICS_")}
    argv = [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(NOTEBOOKS / "nbval-sanitize.cfg"), *map(str, paths)]
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False, env=env,
                          cwd=paths[0] if paths[0].is_dir() else paths[0].parent)


def built_notebooks(lang: str) -> list[Path]:
    return sorted((NOTEBOOKS / lang).glob("[0-9][0-9]-*.ipynb"))
