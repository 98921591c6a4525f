"""The Python side of Binder: a fresh virtual environment made from binder/'s requirements, with the Python version
binder/runtime.txt pins, runs the notebooks' nbval suite. (Binder also builds an image around it; that part is
repo2docker's and is not repeated here.)"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BINDER = ROOT / "binder"


def test_binder_pins_python_and_installs_this_repository() -> None:
    assert (BINDER / "runtime.txt").read_text().strip() == "python-3.11"
    lines = [ln.strip() for ln in (BINDER / "requirements.txt").read_text().splitlines()]
    assert [ln for ln in lines if ln and not ln.startswith("#")] == ["."]
    badge = (ROOT / "notebooks" / "BINDER.md").read_text()
    assert "urlpath=lab/tree/notebooks/en/01-containerization.ipynb" in badge
    assert (ROOT / "notebooks" / "src" / "en" / "01-containerization.md").exists()


def _pip(python: Path, *args: str, timeout: int = 1200) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "pip", "--disable-pip-version-check", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.mark.slow
def test_a_fresh_environment_from_binder_runs_the_notebooks(tmp_path: Path) -> None:
    pinned = (BINDER / "runtime.txt").read_text().strip().removeprefix("python-")
    if f"{sys.version_info.major}.{sys.version_info.minor}" != pinned:
        pytest.skip(f"binder/runtime.txt pins Python {pinned}; this is Python {sys.version.split()[0]}")
    # The English set: the Korean notebooks run the same commands (tests/notebooks/test_sources.py), so they need
    # nothing more from the environment, and the suite's own nbval run checks their outputs.
    notebooks = sorted((ROOT / "notebooks").glob("en/[0-9][0-9]-*.ipynb"))
    if not notebooks:
        pytest.skip("the notebooks have not been built yet (python notebooks/build.py)")
    env_dir = tmp_path / "binder-env"
    try:
        venv.EnvBuilder(with_pip=True, clear=True).create(env_dir)
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"cannot make a virtual environment with pip here: {exc}")
    python = env_dir / "bin" / "python"
    # As repo2docker does: from the repository's root, so that `.` in the requirements is this repository.
    done = _pip(python, "install", "-r", "binder/requirements.txt")
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or ["pip failed"]
        if any(w in done.stderr for w in ("No matching distribution", "Could not find a version", "connection",
                                          "Network is unreachable", "Temporary failure in name resolution")):
            pytest.skip(f"pip cannot reach the package index: {reason[0]}")
        pytest.fail(f"pip install -r binder/requirements.txt failed:\n{done.stderr[-3000:]}")
    done = _pip(python, "install", "nbval", "pytest")
    if done.returncode != 0:
        pytest.skip(f"pip cannot install nbval: {done.stderr.strip().splitlines()[-1:]}")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBE_MAGICS_", "PYTHON"))}
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # not the repository's settings (they need its test extra)
    # --noconftest: notebooks/conftest.py would put this checkout first on the kernels' path.
    argv = [str(python), "-m", "pytest", "-q", "-c", str(tmp_path / "pytest.ini"), "-p", "no:cacheprovider",
            "--noconftest", "--nbval", "--nbval-current-env",
            "--nbval-sanitize-with", str(ROOT / "notebooks" / "nbval-sanitize.cfg"), *map(str, notebooks)]
    done = subprocess.run(argv, cwd=tmp_path, capture_output=True, text=True, timeout=3600, check=False, env=env)
    assert done.returncode == 0, done.stdout[-5000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and " failed" not in done.stdout
    # The environment's own package, not this checkout through PYTHONPATH:
    where = subprocess.run([str(python), "-c", "import kube_magics; print(kube_magics.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True, check=True, env=env).stdout
    assert str(env_dir) in where
