"""nbval on the committed notebooks, as part of the test suite (`python3 -m pytest`; pyproject's addopts turn
`--nbval` on and name the sanitize file).

Each notebook runs in a fresh kernel of the current Python, started in the notebook's folder. So that the kernel
imports this checkout's package (not another installed copy) and no setting picks another backend, the
environment it starts with gets this repository first on PYTHONPATH and no KUBE_MAGICS_* variables; the rest of
the suite's environment is left as it was.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

collect_ignore = ["_live", "app"]  # machine-dependent live runs (build.py --live); the app the notebooks build

_saved: dict[str, str | None] = {}


def _is_notebook_cell(item: pytest.Item) -> bool:
    return item.path.suffix == ".ipynb"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before a cell (the first one starts the notebook's kernel): the kernel's environment."""
    if not _is_notebook_cell(item):
        return
    for name in [k for k in os.environ if k.startswith("KUBE_MAGICS_")] + ["PYTHONPATH"]:
        _saved.setdefault(name, os.environ.get(name))
    for name in [k for k in os.environ if k.startswith("KUBE_MAGICS_")]:
        del os.environ[name]
    rest = _saved.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), rest or "") if p)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """After a cell: the suite's environment as it was."""
    if not _is_notebook_cell(item):
        return
    for name, value in _saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _saved.clear()
