"""Builds on the real engine: the seed's Dockerfile shape, its layer cache, failures, .dockerignore, build args.

The scenario of shared/reference/docker/classic-builder.txt: a first build, an unchanged rebuild (every step
cached), an edit to server.js (cache holds through RUN, breaks at `COPY . .`), an edit to package.json (breaks
at `COPY package*.json ./`, so `RUN` installs again).
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest

from kube_magics.docker import build
from kube_magics.docker.cli import run
from kube_magics.docker.context import scan
from kube_magics.docker.engine import Engine
from kube_magics.docker.progress import BuildFailed, Event, StepFinished, StepOutput, StepStarted
from kube_magics.docker.render import TextProgress
from kube_magics.errors import BuildError
from tests.seed_app import RECORDED_CONFIG, SEED_DOCKERFILE

from .tables import columns


def _seed_context(tmp_path: Path, unique: str) -> Path:
    (tmp_path / "package.json").write_text(json.dumps({"name": unique, "version": "1.0.0"}) + "\n")
    (tmp_path / "server.js").write_text(f'console.log("v1 {unique}")\n')
    return tmp_path


def _not_cached(result: build.BuildResult) -> list[int]:
    return [s.index for s in result.steps if not s.cached and s.index > 1]


def test_seed_dockerfile_cache_hits_and_breaks_where_docker_breaks_it(engine: Engine, tmp_path: Path, unique: str,
                                                                       cleanup: list[str]) -> None:
    ctx = _seed_context(tmp_path, unique)
    cleanup.extend(f"image:{unique}:{n}" for n in (1, 2, 3))
    events: list[Event] = []
    first = build(engine, SEED_DOCKERFILE, context=str(ctx), tags=[f"{unique}:1"], progress=events.append)
    assert [s.instruction for s in first.steps] == SEED_DOCKERFILE.splitlines()[0:7]
    assert [s.total for s in first.steps] == [7] * 7
    assert _not_cached(first) == [3, 4, 5, 6, 7]  # WORKDIR may come from any earlier image on busybox:local
    assert StepOutput(4, "installing deps") in events
    assert [e.index for e in events if isinstance(e, StepStarted)] == [1, 2, 3, 4, 5, 6, 7]
    assert all(e.seconds >= 0 for e in events if isinstance(e, StepFinished))

    again = build(engine, SEED_DOCKERFILE, context=str(ctx), tags=[f"{unique}:1"])
    assert again.cached_steps == [2, 3, 4, 5, 6, 7] and again.image_id == first.image_id

    (ctx / "server.js").write_text('console.log("v2")\n')
    edited = build(engine, SEED_DOCKERFILE, context=str(ctx), tags=[f"{unique}:2"])
    assert edited.cached_steps == [2, 3, 4] and _not_cached(edited) == [5, 6, 7]
    assert [s.image_id for s in edited.steps[:4]] == [s.image_id for s in first.steps[:4]]

    (ctx / "package.json").write_text(json.dumps({"name": unique, "version": "1.0.1"}) + "\n")
    deps = build(engine, SEED_DOCKERFILE, context=str(ctx), tags=[f"{unique}:3"])
    assert deps.cached_steps == [2] and _not_cached(deps) == [3, 4, 5, 6, 7]
    assert deps.steps[3].output == ["installing deps"]

    assert run(engine, ["run", "--rm", f"{unique}:3"]).text == 'console.log("v2")\n'
    config = run(engine, ["image", "inspect", f"{unique}:3", "--format", "{{json .Config}}"]).text
    assert json.loads(config) == RECORDED_CONFIG


def test_history_and_images_read_as_recorded(engine: Engine, tmp_path: Path, unique: str,
                                             cleanup: list[str]) -> None:
    ctx = _seed_context(tmp_path, unique)
    cleanup.append(f"image:{unique}:1")
    built = build(engine, SEED_DOCKERFILE, context=str(ctx), tags=[f"{unique}:1"])
    text = run(engine, ["history", f"{unique}:1"]).text
    names, rows = columns(text)
    assert names == ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]  # as recorded
    assert text.splitlines()[1].endswith("0B        ")  # the empty COMMENT: SIZE padded to tabwriter's width
    assert rows[0]["IMAGE"] == built.short_id and rows[0]["CREATED"].endswith(" ago")
    created_by = [r["CREATED BY"] for r in rows]
    assert created_by[:7] == ['/bin/sh -c #(nop)  CMD ["sh" "-c" "cat serve…', "/bin/sh -c #(nop)  EXPOSE 3000",
                              created_by[2], "/bin/sh -c echo installing deps && mkdir -p …", created_by[4],
                              "/bin/sh -c #(nop) WORKDIR /app", ""]
    assert created_by[2].startswith("/bin/sh -c #(nop) COPY dir:") and created_by[2].endswith("…")
    assert created_by[4].startswith("/bin/sh -c #(nop) COPY file:") and len(created_by[4]) == 45
    sizes = [r["SIZE"] for r in rows]
    assert sizes[:2] == ["0B", "0B"] and sizes[3] == "200kB" and sizes[5] == "0B" and sizes[6] == "1.98MB"
    assert re.fullmatch(r"\d+B", sizes[2]) and re.fullmatch(r"\d+B", sizes[4])
    assert rows[6]["COMMENT"] == "Imported from -"

    names, rows = columns(run(engine, ["images", unique]).text)
    assert names == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
    assert rows == [{"REPOSITORY": unique, "TAG": "1", "IMAGE ID": built.short_id, "CREATED": rows[0]["CREATED"],
                     "SIZE": "2.18MB"}]
    assert re.fullmatch(r"(Less than a second|\d+ seconds?) ago", rows[0]["CREATED"])
    assert run(engine, ["images", "-q", f"{unique}:1"]).text == built.short_id + "\n"


def test_a_failing_step_reports_the_step_its_output_and_dockers_words(engine: Engine, tmp_path: Path) -> None:
    events: list[Event] = []
    with pytest.raises(BuildError) as err:
        build(engine, "FROM busybox:local\nRUN echo boom && exit 3\n", context=str(tmp_path), progress=events.append)
    assert str(err.value).splitlines()[:3] == [
        "Step 2/2 : RUN echo boom && exit 3", "boom",
        "The command '/bin/sh -c echo boom && exit 3' returned a non-zero code: 3"]
    assert err.value.step == "RUN echo boom && exit 3" and err.value.output == "boom"
    assert BuildFailed(2, "The command '/bin/sh -c echo boom && exit 3' returned a non-zero code: 3", 3,
                       ["boom"]) in events


def test_dockerfile_errors_keep_the_engines_words_with_a_hint(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(BuildError) as err:
        build(engine, "FROM busybox:local\nRUNN x\n", context=str(tmp_path))
    assert err.value.message == "Error response from daemon: dockerfile parse error line 2: unknown instruction: RUNN"
    seed = "FROM busybox:local           # 베이스 이미지\nWORKDIR /app\n"
    with pytest.raises(BuildError) as err:
        build(engine, seed, context=str(tmp_path))
    assert err.value.message == ("Error response from daemon: dockerfile parse error line 1: FROM requires either "
                                 "one or three arguments")
    assert err.value.hint and "comment" in err.value.hint


def test_buildkit_only_features_are_named_when_the_engine_has_no_buildkit(engine: Engine, tmp_path: Path) -> None:
    if engine.has_buildx():
        pytest.skip("this machine's docker CLI has buildx: such Dockerfiles build through it")
    text = "FROM busybox:local\nRUN --mount=type=cache,target=/c echo hi\nRUN <<EOF\necho a\nEOF\n"
    with pytest.raises(BuildError) as err:
        build(engine, text, context=str(tmp_path))
    assert "needs BuildKit (line 2: RUN --mount; line 3: heredoc (RUN <<...))" in err.value.message
    assert "classic builder" in err.value.message


def test_dockerignore_keeps_files_out_of_the_image_and_out_of_the_cache_key(engine: Engine, tmp_path: Path,
                                                                           unique: str, cleanup: list[str]) -> None:
    cleanup.append(f"image:{unique}:1")
    (tmp_path / ".dockerignore").write_text("# local only\nsecret.txt\nlogs/\n")
    (tmp_path / "secret.txt").write_text("password\n")
    (tmp_path / "logs").mkdir()
    (tmp_path / "logs" / "a.log").write_text("x" * 5000)
    (tmp_path / "app.txt").write_text(unique + "\n")
    text = "FROM busybox:local\nCOPY . /app/\nCMD [\"ls\", \"-A\", \"/app\"]\n"
    info = scan(str(tmp_path))
    assert info.files == ["app.txt"] and info.file_count == 1
    first = build(engine, text, context=str(tmp_path), tags=[f"{unique}:1"])
    assert run(engine, ["run", "--rm", f"{unique}:1"]).text.split() == ["app.txt"]
    (tmp_path / "secret.txt").write_text("another password\n")
    (tmp_path / "logs" / "b.log").write_text("y")
    again = build(engine, text, context=str(tmp_path), tags=[f"{unique}:1"])
    assert again.cached_steps == [2, 3] and again.image_id == first.image_id
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dockerignore", "app.txt", "logs", "secret.txt"]


def test_large_context_warning_names_size_and_file_count(engine: Engine, tmp_path: Path) -> None:
    for i in range(30):
        (tmp_path / f"f{i}.bin").write_bytes(b"\0" * 2000)
    out: list[str] = []

    class Lines(TextProgress):
        def _write(self, text: str) -> None:
            out.append(text)

    build(engine, "FROM busybox:local\n", context=str(tmp_path), progress=Lines(), large_context=(50_000, 10))
    warning = next(line for line in out if line.startswith("warning:"))
    assert "60kB in 30 files" in warning and ".dockerignore" in warning
    assert any(line.startswith("Sending build context to Docker daemon") for line in out)


def test_build_args_target_and_several_tags(engine: Engine, tmp_path: Path, unique: str,
                                            cleanup: list[str]) -> None:
    cleanup.extend([f"image:{unique}:a", f"image:{unique}:b", f"image:{unique}:base"])
    text = ("FROM busybox:local AS base\nARG GREETING=hello\nRUN echo \"$GREETING\" > /greeting\n"
            "CMD [\"cat\", \"/greeting\"]\nFROM base AS final\nRUN echo final > /stage\n")
    built = build(engine, text, context=str(tmp_path), tags=[f"{unique}:a", f"{unique}:b"],
                  buildargs={"GREETING": f"hi {unique}"})
    assert run(engine, ["run", "--rm", f"{unique}:b"]).text == f"hi {unique}\n"
    assert run(engine, ["inspect", "--format", "{{.Id}}", f"{unique}:a"]).text.strip() == built.image_id
    base = build(engine, text, context=str(tmp_path), tags=[f"{unique}:base"], target="base",
                 buildargs={"GREETING": f"hi {unique}"})
    assert len(base.steps) == 4 and base.cached_steps == [2, 3, 4]
    assert run(engine, ["run", "--rm", f"{unique}:base", "cat", "/stage"]).value == 1


def test_ctrl_c_stops_the_build_and_the_engine_removes_its_container(engine: Engine, tmp_path: Path,
                                                                     unique: str) -> None:
    def interrupt_on_output(event: Event) -> None:
        if isinstance(event, StepOutput):
            raise KeyboardInterrupt

    started = time.monotonic()
    with pytest.raises(BuildError) as err:
        build(engine, f"FROM busybox:local\nRUN echo {unique}; sleep 30\n", context=str(tmp_path),
              progress=interrupt_on_output, nocache=True)
    assert time.monotonic() - started < 10
    assert f"build interrupted at step 2/2 (RUN echo {unique}; sleep 30)" in err.value.message

    def leftovers() -> list[dict]:
        return [c for c in engine.api.containers(all=True) if unique in c.get("Command", "")]

    deadline = time.monotonic() + 10
    while leftovers() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert leftovers() == []
    assert run(engine, ["ps", "-q"]).text is not None  # the client still works after dropping the connection
