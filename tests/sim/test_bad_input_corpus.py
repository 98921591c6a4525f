"""The bad-input corpus (tests/data/bad/): every file is a cell that Kubernetes (or kubectl, or YAML) refuses.

Each file starts with comments naming what must happen: `# expect:` lines (the message, in Kubernetes' words
where Kubernetes has words), `# error:` (the error's class), `# stage:` (yaml, schema or api: which check
refuses it), `# line:` (the line of the file the error points at) and, for updates, `# setup:` (a manifest under
tests/data/bad/setup/ applied first). Applying the cell must write nothing at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from kube_magics import manifests
from kube_magics.errors import ApiError, KubeMagicsError, ManifestError
from kube_magics.sim import SimCluster

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    expect: str
    error: str
    stage: str
    line: int
    setup: str | None


def load(path: Path) -> Case:
    text = path.read_text()
    head: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.startswith("# ") or ":" not in line:
            break
        key, _, value = line[2:].partition(": ")
        head.setdefault(key, []).append(value)
    return Case(path.stem, text, "\n".join(head["expect"]), head["error"][0], head["stage"][0],
                int(head["line"][0]), (head.get("setup") or [None])[0])


CASES = [load(p) for p in sorted(BAD.glob("*.yaml"))]


def test_the_corpus_has_at_least_forty_inputs_of_every_stage() -> None:
    assert len(CASES) >= 40
    assert {c.stage for c in CASES} == {"yaml", "schema", "api"}


def message_of(err: KubeMagicsError) -> str:
    return err.message


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_apply_refuses_the_cell_and_writes_nothing(case: Case) -> None:
    c = SimCluster()
    if case.setup:
        c.apply((BAD / "setup" / case.setup).read_text())
    before = c.rt.store.resource_version
    names_before = {(k, o["metadata"]["name"]) for k in c.rt.store.kinds() for o in c.rt.store.list(k)}
    with pytest.raises(KubeMagicsError) as info:
        c.apply(case.text)
    err = info.value
    assert type(err).__name__ == case.error
    assert message_of(err) == case.expect
    # Nothing was written: no new resourceVersion, no new object (not even the good documents before the bad one).
    assert c.rt.store.resource_version == before
    assert {(k, o["metadata"]["name"]) for k in c.rt.store.kinds() for o in c.rt.store.list(k)} == names_before
    # The error points at the line, through the cell's documents.
    located = err.location if isinstance(err, ManifestError) else \
        manifests.locate_error(err, manifests.parse(case.text))[0]
    assert located is not None and located.line == case.line
    # The explanation a notebook shows keeps Kubernetes' message and names the line.
    docs = [] if case.stage == "yaml" else manifests.parse(case.text)
    text = manifests.explain_error(err, docs)
    assert case.expect.splitlines()[-1] in text
    assert f"line {case.line}" in text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_manifests_and_schema_alone_find_what_is_theirs(case: Case) -> None:
    """YAML problems are found by reading the cell, decoding problems by the schema check; what only the API
    server knows (names, selectors, ranges, immutability) passes both."""
    if case.stage == "yaml":
        with pytest.raises(ManifestError) as info:
            manifests.parse(case.text)
        assert info.value.message == case.expect
        assert info.value.location.line == case.line
        return
    docs = manifests.parse(case.text)
    if case.stage == "api":
        manifests.validate(docs)
        return
    with pytest.raises(ManifestError) as info:
        manifests.validate(docs)
    cause = info.value.cause
    assert isinstance(cause, KubeMagicsError) and type(cause).__name__ == case.error
    assert cause.message == case.expect
    assert info.value.location.line == case.line
    if isinstance(cause, ApiError):
        assert cause.code == 400
