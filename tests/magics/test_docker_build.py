"""%%dockerfile on the simulated builder, through a real IPython shell: lint above the build, the layer cache after
edits, the seed's comments after instructions, templating, the result object, errors without tracebacks."""

from __future__ import annotations

from pathlib import Path

import pytest

SEED = """\
FROM node:16-alpine
WORKDIR /app
COPY package*.json ./
RUN npm install
COPY . .
EXPOSE 3000
CMD ["npm", "start"]
"""

# The seed chapter's Dockerfile exactly as written: a comment after every instruction.
SEED_WITH_COMMENTS = """\
FROM node:16-alpine           # 베이스 이미지

WORKDIR /app                  # 작업 디렉터리 설정

COPY package*.json ./         # 의존성 파일 복사
RUN npm install               # 패키지 설치

COPY . .                      # 소스 코드 복사

EXPOSE 3000                   # 포트 노출

CMD ["npm", "start"]          # 실행 명령
"""


@pytest.fixture
def sim(ip):  # type: ignore[no-untyped-def]
    ip.ok("%docker context use sim")
    return ip


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "app", "scripts": {"start": "node server.js"}}\n')
    (tmp_path / "server.js").write_text('console.log("v1")\n')
    (tmp_path / ".dockerignore").write_text("notes.txt\n")
    (tmp_path / "notes.txt").write_text("not part of the image\n")
    return tmp_path


def build(ip, app: Path, tag: str, body: str = SEED, extra: str = ""):  # type: ignore[no-untyped-def]
    return ip.ok(f"%%dockerfile -t {tag} --context {app} {extra}\n{body}")


def step_states(out: str) -> dict[str, str]:
    """`[3/5] COPY package*.json ./   CACHED` lines of the printed progress: step -> CACHED or a duration."""
    states = {}
    for line in out.splitlines():
        if line.startswith("[") and "] " in line and not line.rstrip().endswith("npm install"):
            step = line[1:line.index("]")]
            states[step] = line.split()[-1]
    return states


def test_lint_findings_show_above_the_build_and_the_result_is_the_image(sim, app, capsys) -> None:  # type: ignore[no-untyped-def]
    image = build(sim, app, "app:1")
    out = capsys.readouterr().out
    lint_at = out.index("line 4: info: npm ci installs exactly what package-lock.json says")
    assert lint_at < out.index("[1/5] FROM node:16-alpine")
    assert "built " + image.short_id + "  tagged app:1" in out
    assert image.tags == ["app:1"] and image.id.startswith("sha256:") and len(image.id) == 71
    assert image.config["WorkingDir"] == "/app" and image.config["Cmd"] == ["npm", "start"]
    assert image.config["ExposedPorts"] == {"3000/tcp": {}}
    ours = [layer for layer in image.layers if layer["state"] != "base"]
    assert [layer["instruction"] for layer in ours] == ["COPY . .", "RUN npm install", "COPY package*.json ./",
                                                         "WORKDIR /app"]
    sent = ("package.json", "server.js", ".dockerignore")  # COPY . . leaves out what .dockerignore names
    assert ours[0]["size"] == sum((app / name).stat().st_size for name in sent)
    assert image.size == sum(layer["size"] for layer in image.layers)
    html = image._repr_html_()
    assert "COPY package*.json ./" in html and "<table>" in html
    assert repr(image).splitlines()[0].startswith(f"app:1  {image.short_id}  118MB")


def test_the_cache_holds_up_to_the_first_copy_an_edit_reaches(sim, app, capsys) -> None:  # type: ignore[no-untyped-def]
    first = build(sim, app, "app:1")
    capsys.readouterr()
    again = build(sim, app, "app:1")
    assert again.id == first.id
    assert step_states(capsys.readouterr().out) == {"1/5": "0.0s", "2/5": "CACHED", "3/5": "CACHED",
                                                     "4/5": "CACHED", "5/5": "CACHED"}
    (app / "notes.txt").write_text("edited, but .dockerignore leaves it out\n")
    assert build(sim, app, "app:1").id == first.id
    capsys.readouterr()

    (app / "server.js").write_text('console.log("v2")\n')
    second = build(sim, app, "app:2")
    states = step_states(capsys.readouterr().out)
    assert [states[s] for s in ("2/5", "3/5", "4/5")] == ["CACHED"] * 3 and states["5/5"] != "CACHED"
    assert second.id != first.id

    (app / "package.json").write_text('{"name": "app", "dependencies": {"express": "^4.19.2"}}\n')
    third = build(sim, app, "app:3")
    states = step_states(capsys.readouterr().out)
    assert states["2/5"] == "CACHED" and all(states[s] != "CACHED" for s in ("3/5", "4/5", "5/5"))
    assert [s["cached"] for s in third.steps] == [False, True, False, False, False]


def test_the_seeds_comments_after_instructions_fail_cleanly_with_the_fix(sim, app, capsys) -> None:  # type: ignore[no-untyped-def]
    message = sim.fails(f"%%dockerfile -t seed:1 --context {app}\n{SEED_WITH_COMMENTS}")
    out = capsys.readouterr().out
    commented = [line for line in out.splitlines() if "[comment-after-instruction]" in line]
    assert [line.split(":")[0] for line in commented] == ["line 1", "line 3", "line 5", "line 6", "line 8",
                                                          "line 10", "line 12"]
    assert "FROM requires either one or three arguments" in commented[0]
    assert message.splitlines()[:4] == ["Dockerfile:1", "--------------------",
                                        "   1 | >>> FROM node:16-alpine           # 베이스 이미지", "   2 |     "]
    assert ("ERROR: failed to build: failed to solve: dockerfile parse error on line 1: FROM requires either one "
            "or three arguments") in message
    assert "hint: the line ends with the comment `# 베이스 이미지`, which Docker reads as arguments" in message
    assert "Traceback" not in message
    assert "seed:1" not in str(sim.ok("%docker images"))


def test_a_failing_run_step_shows_the_step_its_output_and_the_exit_code(sim, app, capsys) -> None:  # type: ignore[no-untyped-def]
    message = sim.fails(f"%%dockerfile -t broken --context {app} --no-lint\nFROM busybox:1.36\n"
                        "RUN echo boom && exit 3\n")
    out = capsys.readouterr().out
    assert "[2/2] RUN echo boom && exit 3\n    boom\n" in out
    assert message.splitlines()[:3] == ["------", " > [2/2] RUN echo boom && exit 3:", "0.100 boom"]
    assert " 2 | >>> RUN echo boom && exit 3" in message
    assert ('ERROR: failed to build: failed to solve: process "/bin/sh -c echo boom && exit 3" did not complete '
            "successfully: exit code: 3") in message
    assert "hint: the step's command failed" in message


def test_templating_in_the_body_and_variables_in_the_line(sim, app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    sim.ok('version = "2.1"\nbase = "node:18-alpine"\nlabels = {"team": "web"}')
    out_file = tmp_path / "Dockerfile.out"
    image = sim.ok(f"%%dockerfile -t app:$version --context {app} --file-out {out_file} --no-lint\n"
                   "FROM {{ base }}\nENV APP_VERSION={{ version }}\nLABEL team={{ labels['team'] }}\n"
                   'CMD ["node", "-e", "{}"]\n')
    assert image.tags == ["app:2.1"]
    assert "APP_VERSION=2.1" in image.config["Env"] and image.config["Labels"] == {"team": "web"}
    assert image.config["Cmd"] == ["node", "-e", "{}"]  # braces that are not {{ }} stay as they are
    assert out_file.read_text().startswith("FROM node:18-alpine\nENV APP_VERSION=2.1\n")
    message = sim.fails(f"%%dockerfile -t app:x --context {app}\nFROM {{{{ missing_base }}}}\n")
    assert message.startswith("line 1: 'missing_base' is undefined")
    assert "define missing_base in the notebook" in message


def test_no_lint_build_args_and_target(sim, app, capsys) -> None:  # type: ignore[no-untyped-def]
    body = ("ARG NODE=18-alpine\nFROM node:${NODE} AS build\nRUN echo building\nFROM alpine:3.19 AS final\n"
            'ARG GREETING=hi\nENV GREETING=$GREETING\nCMD ["sh"]\n')
    image = sim.ok(f"%%dockerfile -t multi:1 --context {app} --no-lint --build-arg GREETING=hello "
                   f"--build-arg NODE=20-alpine --target build\n{body}")
    out = capsys.readouterr().out
    assert "line " not in out  # no findings printed
    assert "[build 1/2] FROM node:20-alpine" in out and "final" not in out
    assert "NODE_VERSION=20.19.2" in " ".join(image.config["Env"])
    final = sim.ok(f"%%dockerfile -t multi:2 --context {app} --no-lint --build-arg GREETING=hello\n{body}")
    assert "GREETING=hello" in final.config["Env"]


def test_a_large_context_is_warned_about(sim, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    for i in range(5000):
        (tmp_path / f"f{i}.txt").write_text("x")
    sim.ok(f"%%dockerfile -t big:1 --context {tmp_path} --no-lint\nFROM alpine:3.19\nCOPY . /data\n")
    out = capsys.readouterr().out
    assert out.startswith("warning: the build context is 5kB in 5,000 files")
    assert "List what the image does not need (node_modules, .git, data) in .dockerignore" in out


def test_bad_lines_are_usage_errors(sim, app) -> None:  # type: ignore[no-untyped-def]
    assert "argument --builder: invalid choice: 'podman'" in sim.fails(
        "%%dockerfile -t a:1 --builder podman\nFROM alpine:3.19\n")
    assert "cannot load into 'minikube'" in sim.fails("%%dockerfile -t a:1 --load-into minikube\nFROM alpine:3.19\n")
    assert "builds linux/amd64 images only, not linux/arm64" in sim.fails(
        f"%%dockerfile -t a:1 --context {app} --platform linux/arm64\nFROM alpine:3.19\n")
    assert "unable to prepare context" in sim.fails("%%dockerfile -t a:1 --context /no/such/dir\nFROM alpine:3.19\n")
