"""The same %%dockerfile and %docker cells on the real engine (`%docker context use default`), through a real IPython
shell: the seed's Dockerfile shape and its cache, the seed's comments after instructions, templating, the docker
CLI's verbs, and an engine-built image running on the simulated cluster."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from kube_magics.docker.engine import Engine
from tests.seed_app import SEED_DOCKERFILE

from . import test_kind

kind_cluster = test_kind.kind_cluster  # the stand-in kind cluster (node containers with kind's labels)

SEED_WITH_COMMENTS = """\
FROM busybox:local           # 베이스 이미지

WORKDIR /app                  # 작업 디렉터리 설정
"""


class Shell:
    def __init__(self, shell: InteractiveShell) -> None:
        self.shell = shell

    def ok(self, source: str) -> Any:
        result = self.shell.run_cell(source)
        if result.error_in_exec is not None:
            raise AssertionError(f"cell failed: {result.error_in_exec}")
        return result.result

    def fails(self, source: str) -> str:
        result = self.shell.run_cell(source)
        assert result.error_in_exec is not None, "the cell was expected to fail"
        return str(result.error_in_exec)


@pytest.fixture
def ip(engine: Engine) -> Iterator[Shell]:
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kube_magics")
    shell.run_cell("%docker context use default")
    yield Shell(shell)
    shell.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()


@pytest.fixture
def app(tmp_path: Path, unique: str) -> Path:
    (tmp_path / "package.json").write_text(json.dumps({"name": unique, "version": "1.0.0"}) + "\n")
    (tmp_path / "server.js").write_text(f'console.log("v1 {unique}")\n')
    return tmp_path


def states(out: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^\[(\d+/\d+)\] .*?\s+(CACHED|\d+\.\d+s)$", out, re.M)}


def test_the_seed_shape_builds_and_caches_as_docker_does(ip: Shell, app: Path, unique: str, cleanup: list[str],
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    cleanup.extend(f"image:{unique}:{n}" for n in (1, 2))
    first = ip.ok(f"%%dockerfile -t {unique}:1 --context {app}\n{SEED_DOCKERFILE}")
    out = capsys.readouterr().out
    assert out.index("line 1: info: the container runs as root") < out.index("[1/7] FROM busybox:local")
    assert "    installing deps\n" in out
    assert first.builder == "docker" and first.tags == [f"{unique}:1"]
    assert first.config == {"ExposedPorts": {"3000/tcp": {}},
                            "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                            "Cmd": ["sh", "-c", "cat server.js"], "WorkingDir": "/app"}
    run_layer = next(layer for layer in first.layers if layer["instruction"].startswith("RUN"))
    assert run_layer["size"] == 200_000 and run_layer["state"] == "built"
    again = ip.ok(f"%%dockerfile -t {unique}:1 --context {app}\n{SEED_DOCKERFILE}")
    assert again.id == first.id
    assert set(list(states(capsys.readouterr().out).values())[1:]) == {"CACHED"}
    (app / "server.js").write_text(f'console.log("v2 {unique}")\n')
    second = ip.ok(f"%%dockerfile -t {unique}:2 --context {app}\n{SEED_DOCKERFILE}")
    after_edit = states(capsys.readouterr().out)
    assert [after_edit[f"{i}/7"] for i in (2, 3, 4)] == ["CACHED"] * 3
    assert "CACHED" not in [after_edit[f"{i}/7"] for i in (5, 6, 7)]
    assert [s["cached"] for s in second.steps][1:] == [True, True, True, False, False, False]
    assert str(ip.ok(f"%docker run --rm {unique}:2")) == f'console.log("v2 {unique}")\n'


def test_the_seeds_comments_after_instructions_are_a_clean_error(ip: Shell, app: Path) -> None:
    message = ip.fails(f"%%dockerfile -t seedtest --context {app} --no-lint\n{SEED_WITH_COMMENTS}")
    assert message.splitlines()[:3] == ["Dockerfile:1", "--------------------",
                                        "   1 | >>> FROM busybox:local           # 베이스 이미지"]
    assert ("Error response from daemon: dockerfile parse error line 1: FROM requires either one or three "
            "arguments") in message
    assert "hint: the line ends with the comment `# 베이스 이미지`, which Docker reads as arguments" in message
    assert "Traceback" not in message


def test_templating_and_a_variable_in_the_tag(ip: Shell, app: Path, unique: str, cleanup: list[str]) -> None:
    cleanup.append(f"image:{unique}:3.1")
    ip.ok(f'version = "3.1"\nrepo = "{unique}"\ngreeting = "hello from {unique}"')
    image = ip.ok(f"%%dockerfile -t $repo:$version --context {app} --no-lint\nFROM busybox:local\n"
                  'ENV GREETING="{{ greeting }}"\nCMD ["sh", "-c", "echo $GREETING"]\n')
    assert image.tags == [f"{unique}:3.1"]
    assert str(ip.ok(f"%docker run --rm {unique}:3.1")) == f"hello from {unique}\n"


def test_docker_verbs_on_the_engine(ip: Shell, unique: str, cleanup: list[str]) -> None:
    cleanup.append(unique)
    ident = str(ip.ok(f"%docker run -d --name {unique} busybox:local sleep 300")).strip()
    assert re.fullmatch(r"[0-9a-f]{64}", ident)
    assert str(ip.ok(f"%docker ps --filter name={unique} --format '{{{{.Names}}}}'")) == f"{unique}\n"
    assert str(ip.ok(f"%docker exec {unique} sh -c 'echo hi; exit 4'")) == "hi\n"
    assert str(ip.ok(f"%docker stop -t 1 {unique}")) == f"{unique}\n"
    status = str(ip.ok(f"%docker ps -a --filter name={unique} --format '{{{{.Status}}}}'"))
    assert status.startswith("Exited (137)")
    assert str(ip.ok(f"%docker rm {unique}")) == f"{unique}\n"
    assert "No such container" in ip.fails(f"%docker logs {unique}")


def test_an_engine_image_runs_on_the_simulated_cluster(ip: Shell, app: Path, unique: str,
                                                      cleanup: list[str]) -> None:
    cleanup.append(f"image:{unique}:1")
    ip.ok(f"%%dockerfile -t {unique}:1 --context {app} --no-lint\nFROM busybox:local\nWORKDIR /www\nCOPY . .\n"
          'EXPOSE 3000\nCMD ["httpd", "-f", "-p", "3000"]\n')
    ip.ok("%kube use sim")  # a fresh cluster made after the build: the image is in its registry too
    ip.ok(f"""%%k8s
apiVersion: v1
kind: Pod
metadata:
  name: seed
spec:
  containers:
    - name: app
      image: {unique}:1
    - name: typo
      image: {unique}:2
""")
    ip.ok("%kube advance 30s")
    import kube_magics

    statuses = {s["name"]: s for s in kube_magics._session.backend.get("pods", "seed")["status"]["containerStatuses"]}
    assert "running" in statuses["app"]["state"]
    assert statuses["typo"]["state"]["waiting"]["reason"] in ("ErrImagePull", "ImagePullBackOff")


def test_load_into_kind_after_the_build_and_as_a_verb(ip: Shell, kind_cluster: str, tmp_path: Path, unique: str,
                                                     cleanup: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    app = f"{unique}-app:1"
    cleanup.append(f"image:{app}")
    (tmp_path / "ctx").mkdir()
    image = ip.ok(f"%%dockerfile -t {app} --context {tmp_path / 'ctx'} --no-lint --load-into kind:{kind_cluster}\n"
                  'FROM busybox:local\nCMD ["echo", "hi"]\n')
    out = capsys.readouterr().out
    for node in (f"{unique}-control-plane", f"{unique}-worker"):
        assert f'Image: "{app}" with ID "{image.id}" not yet present on node "{node}", loading...' in out
    assert "  imagePullPolicy: IfNotPresent   # or Never: the image is on the nodes, not in a registry" in out
    again = str(ip.ok(f"%docker load-into kind:{kind_cluster} {app}"))
    assert again.startswith(f'Image: "{app}" with ID "{image.id}" found to be already present on all nodes.')
