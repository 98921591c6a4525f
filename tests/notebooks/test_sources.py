"""The tutorial sources: nine notebooks per language, converted without loss, the simulator chosen explicitly,
both languages teaching the same steps, nothing that depends on the machine, exercises with solutions."""

from __future__ import annotations

import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from .conftest import NOTEBOOKS, built_notebooks, run_build

STEMS = ["01-containerization", "02-docker", "03-why-kubernetes", "04-pods", "05-deployments", "06-services",
         "07-configmaps-secrets", "08-autoscaling-failures", "09-real-cluster"]
KNOWN_TAGS = {"raises-exception", "needs-docker", "needs-cluster", "nbval-skip"}


def _sources(lang: str) -> list[Path]:
    return sorted((NOTEBOOKS / "src" / lang).glob("*.md"))


def _notebook(build: ModuleType, lang: str, stem: str) -> Any:
    return build.convert(NOTEBOOKS / "src" / lang / f"{stem}.md", lang)


def _code(nb: Any) -> list[Any]:
    return [c for c in nb.cells if c.cell_type == "code"]


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_each_language_has_the_nine_notebooks_in_order(lang: str) -> None:
    assert [p.stem for p in _sources(lang)] == STEMS


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem", STEMS)
def test_a_source_converts_to_a_valid_notebook_that_starts_on_the_simulator(build: ModuleType, lang: str,
                                                                             stem: str) -> None:
    import nbformat

    nb = _notebook(build, lang, stem)
    nbformat.validate(nb)
    first = _code(nb)[0].source.splitlines()
    assert first[0] == "%load_ext kube_magics" and first[1].startswith("%kube use sim --seed 0")
    assert ("%kube lang ko" in first) == (lang == "ko")
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# ")
    for cell in nb.cells:
        assert set(cell.metadata.get("tags", [])) <= KNOWN_TAGS, cell.source
        if cell.cell_type == "code" and "needs-docker" not in cell.metadata.get("tags", []):
            for line in cell.source.splitlines():
                if line.startswith("%%dockerfile"):
                    assert "--builder sim" in line, f"{stem}: a build outside the simulator must need Docker"


def _steps(nb: Any) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """What a notebook runs: each code cell's magic lines and tags (the prose and Python messages may differ)."""
    steps = []
    for cell in _code(nb):
        magics = tuple(line.strip() for line in cell.source.splitlines()
                       if line.lstrip().startswith("%") and not line.startswith("%kube lang"))
        steps.append((magics, tuple(cell.metadata.get("tags", []))))
    return steps


@pytest.mark.parametrize("stem", STEMS)
def test_korean_and_english_run_the_same_commands(build: ModuleType, stem: str) -> None:
    assert _steps(_notebook(build, "ko", stem)) == _steps(_notebook(build, "en", stem))


@pytest.mark.parametrize("stem", STEMS)
def test_yaml_cells_are_the_same_in_both_languages(build: ModuleType, stem: str) -> None:
    def manifests(lang: str) -> list[str]:
        # Comments may be translated (the chapter's own YAML has a Korean one); the YAML itself may not differ.
        return [re.sub(r" # .*", "", c.source) for c in _code(_notebook(build, lang, stem))
                if c.source.startswith("%%k8s")]

    assert manifests("ko") == manifests("en")


MACHINE = re.compile(r"(/home/|/work/|/tmp/|/Users/|[A-Z]:\\\\|datetime\.now|time\.time\(|random\.)")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_sources_depend_on_nothing_of_the_machine(lang: str) -> None:
    for path in _sources(lang):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not MACHINE.search(line), f"{path.name}:{number}: {line}"


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("stem", STEMS)
def test_every_notebook_has_exercises_with_solutions(lang: str, stem: str) -> None:
    text = (NOTEBOOKS / "src" / lang / f"{stem}.md").read_text(encoding="utf-8")
    exercises, solutions = {"en": ("## Exercises", "## Solutions"), "ko": ("## 연습 문제", "## 풀이")}[lang]
    assert exercises in text and solutions in text
    after = text.split(solutions, 1)[1]
    questions = re.findall(r"^\d\. ", text.split(exercises, 1)[1].split(solutions, 1)[0], re.MULTILINE)
    assert len(questions) >= 3
    assert after.count("<details>") == len(questions)


def test_the_app_the_notebooks_build_is_there() -> None:
    app = NOTEBOOKS / "app"
    assert '"start": "node server.js"' in (app / "package.json").read_text()
    assert "listen(port" in (app / "server.js").read_text()
    assert "node_modules" in (app / ".dockerignore").read_text().split()


@pytest.mark.slow
def test_committed_notebooks_match_their_sources() -> None:
    if not built_notebooks("en"):
        pytest.skip("the notebooks have not been built yet (python notebooks/build.py)")
    done = run_build("--check")
    assert done.returncode == 0, done.stderr
