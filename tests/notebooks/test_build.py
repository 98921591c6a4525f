"""notebooks/build.py on a small notebook that uses only what every machine has: executed in a fresh kernel, outputs
stable from run to run, cells that need Docker or a cluster skipped with a fixed note, and nbval agreeing."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from .conftest import run_build, run_nbval

pytestmark = pytest.mark.slow

SOURCE = """\
# A small notebook

```python
%load_ext kube_magics
%kube use sim --seed 0
```

```python
%%k8s
apiVersion: v1
kind: Pod
metadata:
  name: nginx-pod
spec:
  containers:
    - name: nginx
      image: nginx:1.20
```

```python
%kube advance 30s
```


Text between code cells stays a Markdown cell.

```python
%kube status
```

```python tags=["raises-exception"]
%kube advance soon
```

```python tags=["needs-docker"]
%docker images
```

```python tags=["needs-cluster"]
%kube use kind workshop
```

```python
for i in range(3):
    print("line", i, flush=True)
```
"""


@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, Path]:
    """A source directory holding the small notebook, and where its .ipynb goes."""
    pytest.importorskip("jupytext", reason="jupytext is not installed (pip install '.[notebooks]')")
    src = tmp_path / "src" / "en"
    src.mkdir(parents=True)
    (src / "01-small.md").write_text(SOURCE, encoding="utf-8")
    return src, tmp_path / "en"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, nbformat.NotebookNode]:
    """The small notebook built once, for the tests that only read it."""
    pytest.importorskip("jupytext", reason="jupytext is not installed (pip install '.[notebooks]')")
    tmp = tmp_path_factory.mktemp("built")
    (tmp / "src" / "en").mkdir(parents=True)
    (tmp / "src" / "en" / "01-small.md").write_text(SOURCE, encoding="utf-8")
    return tmp / "en" / "01-small.ipynb", _build(tmp / "src" / "en", tmp / "en")


def _build(src: Path, out: Path) -> nbformat.NotebookNode:
    done = run_build("--src", src, "--out", out)
    assert done.returncode == 0, done.stderr
    return nbformat.read(out / "01-small.ipynb", as_version=4)


def _code(nb: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [c for c in nb.cells if c.cell_type == "code"]


def test_build_writes_the_outputs_a_user_reads(built: tuple[Path, nbformat.NotebookNode]) -> None:
    nb = built[1]
    cells = _code(nb)
    assert cells[1].outputs[0].data["text/plain"] == "pod/nginx-pod created"
    assert cells[2].outputs[0].data["text/plain"] == "Clock advanced 30s to 2026-01-05T09:00:30Z"
    assert "Pods:      1 in default" in cells[3].outputs[0].data["text/plain"]
    error = cells[4].outputs[0]
    assert error.output_type == "error" and 'invalid duration "soon"' in error.evalue
    assert cells[7].outputs == [nbformat.v4.new_output("stream", name="stdout", text="line 0\nline 1\nline 2\n")]
    assert [c.cell_type for c in nb.cells] == ["markdown", "code", "code", "code", "markdown", "code", "code", "code",
                                               "code", "code"]


def test_cells_that_need_docker_or_a_cluster_carry_a_fixed_note_and_are_left_to_nbval_skip(
        built: tuple[Path, nbformat.NotebookNode]) -> None:
    cells = _code(built[1])
    docker, cluster = cells[5], cells[6]
    assert docker.execution_count is None and cluster.execution_count is None
    assert docker.metadata["tags"] == ["needs-docker", "nbval-skip"]
    assert cluster.metadata["tags"] == ["needs-cluster", "nbval-skip"]
    assert docker.outputs[0].text.startswith("This cell needs a Docker engine.")
    assert cluster.outputs[0].text.startswith("This cell needs a Kubernetes cluster (kind).")


def test_two_builds_give_the_same_bytes(built: tuple[Path, nbformat.NotebookNode], small: tuple[Path, Path],
                                       tmp_path: Path) -> None:
    first = built[0].read_bytes()
    _build(small[0], tmp_path / "again")
    assert (tmp_path / "again" / "01-small.ipynb").read_bytes() == first
    meta = json.loads(first)["metadata"]
    assert "version" not in meta["language_info"] and "jupytext" not in meta
    assert [c["id"] for c in json.loads(first)["cells"]][:3] == ["01-000", "01-001", "01-002"]


def test_nbval_passes_on_the_built_notebook_and_fails_when_an_output_changes(small: tuple[Path, Path]) -> None:
    src, out = small
    nb = _build(src, out)
    done = run_nbval(out)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "6 passed, 2 skipped" in done.stdout
    _code(nb)[2].outputs[0].data["text/plain"] = "Clock advanced 31s to 2026-01-05T09:00:31Z"
    nbformat.write(nb, out / "01-small.ipynb")
    done = run_nbval(out)
    assert done.returncode == 1 and "Cell outputs differ" in done.stdout


def test_a_failing_cell_fails_the_build_and_names_the_notebook(small: tuple[Path, Path]) -> None:
    src, out = small
    (src / "01-small.md").write_text(SOURCE.replace('```python tags=["raises-exception"]', "```python"), "utf-8")
    done = run_build("--src", src, "--out", out)
    assert done.returncode == 1
    assert "01-small.md" in done.stderr and 'invalid duration "soon"' in done.stderr


def test_a_python_repr_or_an_exception_that_never_comes_fails_the_build(small: tuple[Path, Path]) -> None:
    src, out = small
    (src / "01-small.md").write_text(SOURCE + "\n```python\nobject()\n```\n", "utf-8")
    done = run_build("--src", src, "--out", out)
    assert done.returncode == 1 and "shows a Python repr (<object at 0x" in done.stderr
    (src / "01-small.md").write_text(SOURCE.replace("advance soon", "advance 1s"), "utf-8")
    done = run_build("--src", src, "--out", out)
    assert done.returncode == 1 and "tagged raises-exception but ran without an error" in done.stderr


def test_check_finds_a_notebook_edited_apart_from_its_source(small: tuple[Path, Path]) -> None:
    src, out = small
    _build(src, out)
    assert run_build("--check", "--src", src, "--out", out).returncode == 0
    (src / "01-small.md").write_text(SOURCE.replace("advance 30s", "advance 40s"), "utf-8")
    done = run_build("--check", "--src", src, "--out", out)
    assert done.returncode == 1 and "cell 01-003 differs from the source" in done.stderr
