"""Build the tutorial notebooks: text sources (notebooks/src/LANG/NN-*.md) -> executed .ipynb (notebooks/LANG/).

    python notebooks/build.py                  convert and execute every notebook, in order, each in a fresh kernel
    python notebooks/build.py --lang ko 04 05  only these (by number or file stem), only in Korean
    python notebooks/build.py --no-execute     convert only (no outputs): to look at the notebooks' structure
    python notebooks/build.py --check          write nothing; fail if a committed .ipynb differs from its source
    python notebooks/build.py --live           also run the cells that need Docker or a cluster, where there are,
                                               into notebooks/_live/ (outputs that depend on the machine: not committed)

The outputs are written into the .ipynb in place and committed; nbval (`pytest --nbval`) then checks that running
a notebook again gives the same outputs. So that they are the same on every machine:
- the notebooks choose the simulated cluster and builder themselves (`%kube use sim --seed 0`, `--builder sim`);
- cells tagged `needs-docker` or `needs-cluster` are never run for the committed notebooks: they carry a fixed
  note instead, and the tag `nbval-skip` so that nbval leaves them alone;
- cell ids, widget model ids and stream outputs are made stable, timing and the Python version left out;
- a Python repr with an address (`<... object at 0x...>`) or a `raises-exception` cell that does not raise fails
  the build, as does any other error.

What this script must not do: change the sources, or make an output depend on the machine that ran it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
LANGS = ("en", "ko")
NEEDS = ("needs-docker", "needs-cluster")
SKIP_TAG = "nbval-skip"
BUILD_SKIP = "build-skip"  # transient: tells nbclient which cells not to run; never written out
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
REPR_WITH_ADDRESS = re.compile(r"<[\w. ]+ at 0x[0-9a-f]+>")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}

NOTE = {
    "en": {
        "needs-docker": "This cell needs a Docker engine. It was not run when this notebook was built, so that the "
                        "notebook shows the same outputs on every machine; run it yourself where Docker is available.",
        "needs-cluster": "This cell needs a Kubernetes cluster (kind). It was not run when this notebook was built, so "
                         "that the notebook shows the same outputs on every machine; run it yourself where a kind "
                         "cluster is running.",
    },
    "ko": {
        "needs-docker": "이 셀은 Docker 엔진이 있어야 실행됩니다. 어느 컴퓨터에서 열어도 같은 출력이 보이도록 노트북을 "
                        "만들 때는 실행하지 않았습니다. Docker가 있는 컴퓨터에서 직접 실행해 보세요.",
        "needs-cluster": "이 셀은 Kubernetes 클러스터(kind)가 있어야 실행됩니다. 어느 컴퓨터에서 열어도 같은 출력이 "
                         "보이도록 노트북을 만들 때는 실행하지 않았습니다. kind 클러스터가 실행 중인 컴퓨터에서 직접 "
                         "실행해 보세요.",
    },
}


class BuildError(Exception):
    """A notebook that cannot be built as it is: the message says which one, which cell, and why."""


# ---------------------------------------------------------------- sources -> notebooks

def find_sources(src: Path, selected: Iterable[str] = ()) -> list[Path]:
    """The sources under `src`, in order (NN-name.md); `selected` narrows them by number or stem."""
    wanted = list(selected)
    paths = sorted(p for p in src.glob("*.md") if p.name[:2].isdigit())
    if wanted:
        paths = [p for p in paths if any(p.stem == w or p.stem.split("-", 1)[0] == w for w in wanted)]
    return paths


def convert(source: Path, lang: str) -> Any:
    """Read one jupytext Markdown source into a notebook with stable ids, tags and fixed notes."""
    import jupytext

    nb = jupytext.read(source, fmt="md")
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for index, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{index:03d}"
        tags = list(cell.metadata.get("tags", []))
        needs = [t for t in tags if t in NEEDS]
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if needs and SKIP_TAG not in tags:
                tags.append(SKIP_TAG)
            if needs:
                cell.outputs = [_note(lang, needs)]
        if tags:
            cell.metadata["tags"] = tags
    return nb


def _note(lang: str, needs: list[str]) -> Any:
    import nbformat

    text = "\n".join(NOTE.get(lang, NOTE["en"])[n] for n in needs) + "\n"
    return nbformat.v4.new_output("stream", name="stdout", text=text)


# ---------------------------------------------------------------- execution

def available(live: bool) -> set[str]:
    """What the machine offers for `needs-*` cells: nothing unless --live (the committed outputs never depend on it)."""
    if not live:
        return set()
    have = set()
    if shutil.which("docker") and _quiet(["docker", "info"]):
        have.add("needs-docker")
    if shutil.which("kind") and _quiet(["kind", "get", "clusters"], want_output=True):
        have.add("needs-cluster")
    return have


def _quiet(argv: list[str], *, want_output: bool = False) -> bool:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0 and (not want_output or bool(done.stdout.strip()))


def kernel_env() -> dict[str, str]:
    """The kernel's environment: this repository first on the path; no setting that picks another backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KUBE_MAGICS_")}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def execute(nb: Any, *, cwd: Path, have: set[str], timeout: int) -> Any:
    """Run every cell in a fresh kernel of this Python, skipping `needs-*` cells the machine cannot serve."""
    from nbclient import NotebookClient

    skipped = []
    for cell in nb.cells:
        tags = cell.metadata.get("tags", [])
        if cell.cell_type == "code" and any(t in NEEDS and t not in have for t in tags):
            cell.metadata["tags"] = [*tags, BUILD_SKIP]
            skipped.append(cell)
    nb.cells.append(_settle_cell())
    client = NotebookClient(nb, km=_kernel_manager(), timeout=timeout, allow_errors=False, record_timing=False,
                            store_widget_state=True, skip_cells_with_tag=BUILD_SKIP,
                            resources={"metadata": {"path": str(cwd)}})
    try:
        client.execute(env=kernel_env())
    finally:
        nb.cells.pop()
        for cell in skipped:
            cell.metadata["tags"] = [t for t in cell.metadata["tags"] if t != BUILD_SKIP]
    return nb


SETTLE = """\
import asyncio
from ipywidgets.widgets.widget import _instances

await asyncio.sleep(0.2)
for widget in list(_instances.values()):
    if hasattr(widget, "feed"):
        widget.feed.throttle.flush()
    widget.send_state()
"""


def _settle_cell() -> Any:
    """A last cell, run and then dropped. A view redraws up to 1/25 s after a change, on the kernel's event loop;
    a redraw that comes after its cell has finished reaches the browser but not the saved widget state, which
    records only what arrives while a cell runs. So this cell lets those redraws happen, and then sends every
    widget's whole state once more: the saved state is each view's last, on every run."""
    import nbformat

    cell = nbformat.v4.new_code_cell(SETTLE)
    cell.id = "settle"
    return cell


def _kernel_manager() -> Any:
    """A kernel manager whose `python3` is this interpreter (not whichever `python` a kernelspec finds on PATH)."""
    from ipykernel.kernelspec import RESOURCES, get_kernel_dict
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager

    class ThisPython(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> Any:
            if kernel_name == "python3":
                return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict())
            return super().get_kernel_spec(kernel_name)

    return AsyncKernelManager(kernel_name="python3", kernel_spec_manager=ThisPython())


# ---------------------------------------------------------------- stable outputs

def stabilize(nb: Any, name: str) -> Any:
    """Outputs as they must be committed: same on every run and machine, or the build fails saying why."""
    import nbformat

    nb.metadata.get("language_info", {}).pop("version", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        cell.outputs = _coalesce(cell.outputs)
        _check_cell(cell, name)
    return nbformat.from_dict(json.loads(_stable_widget_ids(json.dumps(nb), nb, name)))


def _coalesce(outputs: list[Any]) -> list[Any]:
    """Consecutive stream outputs of one name merged (how they were flushed depends on timing)."""
    merged: list[Any] = []
    for out in outputs:
        prev = merged[-1] if merged else None
        if (out.output_type == "stream" and prev is not None and prev.output_type == "stream"
                and prev.name == out.name):
            prev.text += out.text
        else:
            merged.append(out)
    return merged


def _check_cell(cell: Any, name: str) -> None:
    where = f"{name}, cell {cell.id}"
    tags = cell.metadata.get("tags", [])
    errors = [o for o in cell.outputs if o.output_type == "error"]
    if "raises-exception" in tags and SKIP_TAG not in tags and not errors:
        raise BuildError(f"{where}: tagged raises-exception but ran without an error:\n{cell.source}")
    for out in cell.outputs:
        text = out.get("text", "") + "".join(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
        if REPR_WITH_ADDRESS.search(text):
            raise BuildError(f"{where}: shows a Python repr ({REPR_WITH_ADDRESS.search(text).group(0)}), "  # type: ignore[union-attr]
                             f"not what a user reads:\n{cell.source}")


def _stable_widget_ids(text: str, nb: Any, name: str) -> str:
    """Widget model ids (random uuids) replaced by ids derived from the notebook and their order of appearance."""
    ids: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            model = out.get("data", {}).get(WIDGET_VIEW, {}).get("model_id")
            if model and model not in ids:
                ids.append(model)
    state = nb.metadata.get("widgets", {}).get(WIDGET_STATE, {}).get("state", {})
    ids += [m for m in state if m not in ids]
    for index, model in enumerate(ids):
        text = text.replace(model, hashlib.sha256(f"{name}/{index}".encode()).hexdigest()[:32])
    return text


# ---------------------------------------------------------------- check, write, main

def same_cells(built: Any, fresh: Any) -> list[str]:
    """Differences in what the cells say (type, source, tags) between a committed notebook and its source."""
    problems = []
    if len(built.cells) != len(fresh.cells):
        problems.append(f"{len(built.cells)} cells, the source has {len(fresh.cells)}")
    for a, b in zip(built.cells, fresh.cells):
        if (a.cell_type, a.source, a.metadata.get("tags", [])) != (b.cell_type, b.source, b.metadata.get("tags", [])):
            problems.append(f"cell {b.id} differs from the source")
    return problems


def write(nb: Any, path: Path) -> None:
    import nbformat

    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(nb)
    path.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")


def build_one(source: Path, out: Path, *, lang: str, run: bool, have: set[str], timeout: int) -> None:
    nb = convert(source, lang)
    out.parent.mkdir(parents=True, exist_ok=True)
    if run:
        try:
            nb = execute(nb, cwd=out.parent, have=have, timeout=timeout)
        except Exception as exc:  # nbclient's CellExecutionError carries the cell and the error
            raise BuildError(f"{_shown(source)}: {exc}") from exc
        nb = stabilize(nb, f"{lang}/{source.stem}")
    write(nb, out)


def _shown(path: Path) -> Path:
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def check_one(source: Path, out: Path, *, lang: str) -> list[str]:
    import nbformat

    if not out.exists():
        return [f"{out}: missing (run python notebooks/build.py)"]
    problems = same_cells(nbformat.read(out, as_version=4), convert(source, lang))
    return [f"{out}: {p}" for p in problems]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("only", nargs="*", help="notebooks by number (04) or file stem (04-pods); default: all")
    p.add_argument("--lang", choices=LANGS, action="append", help="en, ko (repeatable); default: both")
    p.add_argument("--src", type=Path, help="a directory of sources (default notebooks/src/LANG)")
    p.add_argument("--out", type=Path, help="where the .ipynb go (default notebooks/LANG)")
    p.add_argument("--no-execute", action="store_true", help="convert only")
    p.add_argument("--check", action="store_true", help="write nothing; compare committed notebooks with sources")
    p.add_argument("--live", action="store_true", help="also run needs-docker/needs-cluster cells where possible, "
                                                       "into notebooks/_live/ (not committed)")
    p.add_argument("--timeout", type=int, default=600, help="seconds one cell may take (default 600)")
    args = p.parse_args(argv)
    have = available(args.live)
    problems: list[str] = []
    for lang in args.lang or ([args.src.name if args.src.name in LANGS else "en"] if args.src else list(LANGS)):
        src = args.src or HERE / "src" / lang
        out_dir = args.out or (HERE / "_live" / lang if args.live else HERE / lang)
        if args.live:
            shutil.copytree(HERE / "app", out_dir.parent / "app", dirs_exist_ok=True)
        for source in find_sources(src, args.only):
            out = out_dir / f"{source.stem}.ipynb"
            if args.check:
                problems += check_one(source, out, lang=lang)
                continue
            print(f"{'converting' if args.no_execute else 'building'} {_shown(out)}", flush=True)
            try:
                build_one(source, out, lang=lang, run=not args.no_execute, have=have, timeout=args.timeout)
            except BuildError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 1
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
