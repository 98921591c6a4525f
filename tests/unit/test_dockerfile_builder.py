"""The simulated builder: the recorded cache scenario, the image config, failures, stages, determinism."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kube_magics.dockerfile.builder import SimBuilder
from kube_magics.dockerfile.image import human_size
from kube_magics.errors import BuildError
from kube_magics.images import _ENTRIES, Catalogue, CatalogueImage
from kube_magics.sim.registry import Registry
from tests.seed_app import RECORDED_CONFIG, SEED_DOCKERFILE

REFERENCE = Path("/work/shared/reference/docker")


def local_catalogue() -> Catalogue:
    """The catalogue plus the recordings' base: busybox imported with `docker import` (no config), 1.98MB."""
    return Catalogue([*_ENTRIES, CatalogueImage("busybox", "local", 1_980_000, 1_000_000, {}, "shell")])


@pytest.fixture
def seed_context(tmp_path: Path) -> Path:
    (tmp_path / "Dockerfile").write_text(SEED_DOCKERFILE)
    (tmp_path / "package.json").write_text('{"name":"seedapp","version":"1"}\n')
    (tmp_path / "server.js").write_text('console.log("v1")\n')
    return tmp_path


def cached_steps(result: object) -> list[str]:
    return [s["instruction"].split()[0] + (" CACHED" if s["cached"] else "")
            for s in result.step_list()]  # type: ignore[attr-defined]


def test_the_recorded_cache_scenario(seed_context: Path) -> None:
    builder = SimBuilder(catalogue=local_catalogue())
    first = builder.build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:1"])
    assert [s["cached"] for s in first.step_list()] == [False] * 5
    again = builder.build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:1"])
    assert [s["cached"] for s in again.step_list()][1:] == [True] * 4
    assert again.image.id == first.image.id  # nothing changed: the same image, as in the recording

    (seed_context / "server.js").write_text('console.log("v2")\n')
    edited = builder.build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:2"])
    assert [(s["instruction"], s["cached"]) for s in edited.step_list()][1:] == [
        ("WORKDIR /app", True), ("COPY package*.json ./", True),
        ("RUN echo installing deps && mkdir -p node_modules && head -c 200000 /dev/zero > node_modules/blob", True),
        ("COPY . .", False)]
    assert edited.image.id != first.image.id

    (seed_context / "package.json").write_text('{"name":"seedapp","version":"2"}\n')
    deps = builder.build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:3"])
    assert [s["cached"] for s in deps.step_list()][1:] == [True, False, False, False]
    assert "#7 [3/5] COPY package*.json ./\n#7 DONE" in deps.progress
    assert "#6 [2/5] WORKDIR /app\n#6 CACHED" in deps.progress
    assert "naming to docker.io/library/seedapp:3 done" in deps.progress


def test_touching_a_file_without_changing_it_keeps_the_cache(seed_context: Path) -> None:
    builder = SimBuilder(catalogue=local_catalogue())
    builder.build(SEED_DOCKERFILE, context=seed_context, tags=["a:1"])
    (seed_context / "server.js").write_text('console.log("v1")\n')  # same bytes, new mtime
    assert all(s["cached"] for s in builder.build(SEED_DOCKERFILE, context=seed_context).step_list()[1:])


def test_config_and_sizes_match_the_recorded_image(seed_context: Path) -> None:
    builder = SimBuilder(catalogue=local_catalogue())
    image = builder.build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:3"]).image
    config = image.inspect()["Config"]
    assert config.pop("ArgsEscaped") is True  # BuildKit sets it on CMD; the recording's classic builder did not
    assert config == RECORDED_CONFIG
    assert list(config) == ["ExposedPorts", "Env", "Cmd", "WorkingDir"]  # Docker's field order
    sizes = {layer.instruction.split()[0]: human_size(layer.size) for layer in image.layers if not layer.from_base}
    assert sizes["RUN"] == "200kB" and sizes["COPY"] == human_size(image.layers[-1].size)
    assert human_size(image.size) == "2.18MB"  # `docker images` in cli.txt
    rows = image.history()
    assert [r["created_by"] for r in rows[:3]] == ['CMD ["sh" "-c" "cat server.js"]', "EXPOSE [3000/tcp]",
                                                   "COPY . . # buildkit"]
    assert rows[0]["id"] == image.short_id and rows[1]["id"] == "<missing>"
    classic = image.history(style="classic")
    assert classic[0]["created_by"] == '/bin/sh -c #(nop)  CMD ["sh" "-c" "cat server.js"]'  # as recorded
    assert classic[1]["created_by"] == "/bin/sh -c #(nop)  EXPOSE 3000"


def test_entrypoint_resets_the_base_cmd_but_not_one_set_in_the_stage(tmp_path: Path) -> None:
    builder = SimBuilder()
    node = builder.build("FROM node:16-alpine\nENTRYPOINT [\"node\", \"server.js\"]\n", context=tmp_path).image
    assert "Cmd" not in node.config and node.config["Entrypoint"] == ["node", "server.js"]
    both = builder.build('FROM node:16-alpine\nCMD ["--port", "80"]\nENTRYPOINT ["node"]\n', context=tmp_path)
    assert both.image.config["Cmd"] == ["--port", "80"]
    shell = builder.build("FROM alpine:3.19\nCMD echo $HOME\nUSER 1000\nLABEL a=1 b=\"two words\"\n"
                          "HEALTHCHECK --interval=30s CMD wget -qO- localhost || exit 1\nSTOPSIGNAL SIGINT\n"
                          "VOLUME /data\nENV A=1 B=$A\n", context=tmp_path).image.config
    assert shell["Cmd"] == ["/bin/sh", "-c", "echo $HOME"] and shell["User"] == "1000"
    assert shell["Labels"] == {"a": "1", "b": "two words"}
    assert shell["Healthcheck"] == {"Test": ["CMD-SHELL", "wget -qO- localhost || exit 1"], "Interval": 30 * 10**9}
    assert shell["StopSignal"] == "SIGINT" and shell["Volumes"] == {"/data": {}}
    assert shell["Env"][-2:] == ["A=1", "B=1"]
    node_env = node.config["Env"]
    assert node_env[0].startswith("PATH=") and "NODE_VERSION=16.20.2" in node_env


def test_arg_scoping_and_build_args(tmp_path: Path) -> None:
    text = ("ARG V=global\nFROM alpine:3.${MINOR:-19}\nRUN echo one=$V\nARG V\nRUN echo two=$V\n"
            "ARG W=default\nRUN echo three=$W\n")
    result = SimBuilder().build(text, context=tmp_path, build_args={"W": "given"})
    outputs = [s["output"] for s in result.step_list() if s["kind"] == "run"]
    assert outputs == [["one="], ["two=global"], ["three=given"]]
    assert "V=global" not in " ".join(result.image.config["Env"])  # ARG values never reach the image
    assert result.image.base == "alpine:3.19"


def test_failing_run_steps_use_buildkits_words(tmp_path: Path) -> None:
    builder = SimBuilder(catalogue=local_catalogue())
    with pytest.raises(BuildError) as caught:
        builder.build("FROM busybox:local\nRUN echo boom && exit 3\n", context=tmp_path, tags=["broken"])
    err = caught.value
    assert err.message == 'process "/bin/sh -c echo boom && exit 3" did not complete successfully: exit code: 3'
    assert err.step == "[2/2] RUN echo boom && exit 3"
    assert "#5 0.100 boom\n#5 ERROR: process" in err.output
    assert " > [2/2] RUN echo boom && exit 3:\n0.100 boom\n------" in err.output
    assert "   2 | >>> RUN echo boom && exit 3" in err.output
    assert err.output.endswith("ERROR: failed to build: failed to solve: " + err.message)
    with pytest.raises(BuildError, match="exit code: 127") as missing:
        builder.build("FROM alpine:3.19\nRUN npm install\n", context=tmp_path)
    assert "/bin/sh: npm: not found" in missing.value.output
    with pytest.raises(BuildError, match="exit code: 100") as apt:
        builder.build("FROM ubuntu:22.04\nRUN apt-get install -y curl\n", context=tmp_path)
    assert "E: Unable to locate package curl" in apt.value.output


def test_unknown_base_images_fail_as_a_pull_would(tmp_path: Path) -> None:
    with pytest.raises(BuildError) as denied:
        SimBuilder().build("FROM nosuchimage:1\n", context=tmp_path)
    assert denied.value.message == (
        "nosuchimage:1: failed to resolve source metadata for docker.io/library/nosuchimage:1: pull access denied, "
        "repository does not exist or may require authorization: server message: insufficient_scope: "
        "authorization failed")
    with pytest.raises(BuildError) as tag:
        SimBuilder().build("FROM node:99\n", context=tmp_path)
    assert tag.value.message.endswith("docker.io/library/node:99: docker.io/library/node:99: not found")
    with pytest.raises(BuildError, match=r"\(did you mean ubuntu\?\)"):
        SimBuilder().build("FROM ubunt\n", context=tmp_path)


def test_the_seed_dockerfile_after_fixing_from_fails_at_expose(tmp_path: Path) -> None:
    seed = (Path(__file__).resolve().parents[1] / "data" / "dockerfiles" / "seed-trailing-comments.Dockerfile")
    text = seed.read_text(encoding="utf-8")
    with pytest.raises(BuildError) as at_from:
        SimBuilder().build(text, context=tmp_path)
    assert at_from.value.message == "dockerfile parse error on line 2: FROM requires either one or three arguments"
    assert "own line" in str(at_from.value)
    fixed = text.replace("FROM node:16-alpine           # 베이스 이미지", "FROM node:16-alpine")
    with pytest.raises(BuildError) as at_expose:
        SimBuilder().build(fixed, context=tmp_path)
    assert at_expose.value.message == "invalid containerPort: #"
    assert "  11 | >>> EXPOSE 3000                   # 포트 노출" in at_expose.value.output


def test_multi_stage_builds_only_what_the_target_needs(tmp_path: Path) -> None:
    (tmp_path / "go.mod").write_text("module example.org/app\n")
    (tmp_path / "main.go").write_text("package main\nfunc main() {}\n")
    text = ("FROM golang:1.22-alpine AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /out/app .\n"
            "FROM alpine:3.19 AS unused\nRUN echo never\n"
            "FROM alpine:3.19\nCOPY --from=build /out/app /usr/local/bin/app\nUSER 65532\n"
            'ENTRYPOINT ["/usr/local/bin/app"]\n')
    result = SimBuilder().build(text, context=tmp_path, tags=["app:1"])
    names = [s["name"] for s in result.step_list()]
    build = [n for n in names if n.startswith("[build ")]
    assert build == ["[build 1/4] FROM docker.io/library/golang:1.22-alpine@" + build[0].split("@")[1],
                     "[build 2/4] WORKDIR /src", "[build 3/4] COPY . .", "[build 4/4] RUN go build -o /out/app ."]
    final = [n for n in names if n.startswith("[stage-2 ")]
    assert final[0].startswith("[stage-2 1/2] FROM docker.io/library/alpine:3.19@")
    assert final[1] == "[stage-2 2/2] COPY --from=build /out/app /usr/local/bin/app"
    assert not any("never" in n for n in names)
    app = result.image.layers[-1]
    assert app.size == 12_000_000 and app.estimated  # the go build model's binary
    target = SimBuilder().build(text, context=tmp_path, target="build")
    assert target.image.config["WorkingDir"] == "/src"


def test_dockerignore_decides_what_copy_sees(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("node_modules\n*.log\n!keep.log\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "big.js").write_text("x" * 5000)
    for name, body in (("app.js", "a" * 100), ("debug.log", "d" * 50), ("keep.log", "k" * 7)):
        (tmp_path / name).write_text(body)
    builder = SimBuilder()
    result = builder.build("FROM alpine:3.19\nCOPY . /app\n", context=tmp_path)
    assert result.image.layers[-1].size == 100 + 7 + len(".dockerignore\n") + 0 * 1 + len(
        "node_modules\n*.log\n!keep.log\n") - len(".dockerignore\n")
    (tmp_path / "debug.log").write_text("changed")
    assert builder.build("FROM alpine:3.19\nCOPY . /app\n", context=tmp_path).step_list()[-1]["cached"]
    with pytest.raises(BuildError, match=r'"/debug\.log": not found'):
        builder.build("FROM alpine:3.19\nCOPY debug.log /app/\n", context=tmp_path)


def test_builds_are_deterministic_and_pushable(seed_context: Path) -> None:
    def build() -> tuple[str, str, str]:
        r = SimBuilder(catalogue=local_catalogue()).build(SEED_DOCKERFILE, context=seed_context, tags=["seedapp:1"])
        return r.image.id, r.progress, r.image._repr_html_()

    assert build() == build()
    image = SimBuilder().build('FROM node:16-alpine\nEXPOSE 3000\nCMD ["npm", "start"]\n', context=seed_context,
                               tags=["web:1"]).image
    registry = Registry()
    registry.push(image.to_registry_image())
    pulled = registry.resolve("docker.io/library/web:1")
    assert pulled is not None and pulled.id == image.id and pulled.behaviour == "web"
    assert pulled.config["ExposedPorts"] == {"3000/tcp": {}} and pulled.size == image.size
    assert json.loads(image.config_document())["config"]["Cmd"] == ["npm", "start"]
    assert repr(image).startswith("<BuiltImage web:1 ")


def test_no_cache_and_a_given_clock(seed_context: Path) -> None:
    times = iter([1_800_000_000.0] * 10)
    builder = SimBuilder(catalogue=local_catalogue(), clock=lambda: next(times))
    builder.build(SEED_DOCKERFILE, context=seed_context)
    fresh = builder.build(SEED_DOCKERFILE, context=seed_context, no_cache=True)
    assert not any(s["cached"] for s in fresh.step_list())
    assert fresh.image.created >= 1_800_000_000.0
