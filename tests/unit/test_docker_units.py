"""Pure parts of the real-engine path: flags as docker parses them, the build stream replayed, BuildKit features,
the build context, and an engine that does not answer."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kube_magics.docker.buildkit import BuildxPlainParser, Feature, needs_buildkit
from kube_magics.docker.cli import VERBS
from kube_magics.docker.containers import normalize, parse_publish
from kube_magics.docker.context import scan
from kube_magics.docker.engine import Engine, probe
from kube_magics.docker.flags import parse
from kube_magics.docker.progress import (
    BuildFailed,
    ClassicStreamParser,
    StepCached,
    StepFinished,
    StepOutput,
    StepStarted,
)
from kube_magics.errors import BackendError, UsageError

RUN = VERBS["run"][0]


def test_run_flags_parse_as_docker_parses_them() -> None:
    opts, args = parse(RUN, ["-dp", "18080:8080", "--name=web", "-e", "A=1", "--env", "B=2", "--rm",
                             "busybox:local", "httpd", "-f", "-p", "8080"])
    assert (opts["detach"], opts["publish"], opts["name"], opts["env"], opts["rm"]) == (
        True, ["18080:8080"], "web", ["A=1", "B=2"], True)
    assert args == ["busybox:local", "httpd", "-f", "-p", "8080"]  # flags after IMAGE belong to the command
    opts, args = parse(RUN, ["-it", "-p8080:80", "--rm=false", "img"])
    assert (opts["interactive"], opts["tty"], opts["publish"], opts["rm"], args) == (True, True, ["8080:80"], False,
                                                                                      ["img"])
    ps = VERBS["ps"][0]
    opts, args = parse(ps, ["--format", "{{.Names}}", "-a"])
    assert opts["format"] == "{{.Names}}" and opts["all"] and args == []


@pytest.mark.parametrize(("argv", "message"), [
    (["--bogus", "img"], "unknown flag: --bogus\nSee 'docker run --help'."),
    (["-dx", "img"], "unknown shorthand flag: 'x' in -dx\nSee 'docker run --help'."),
    (["--name"], "flag needs an argument: --name\nSee 'docker run --help'."),
    (["-p"], "flag needs an argument: 'p' in -p\nSee 'docker run --help'."),
    ([], "\"docker run\" requires at least 1 argument.\nSee 'docker run --help'.\n\n"
         "Usage:  docker run [OPTIONS] IMAGE [COMMAND] [ARG...]\n\nCreate and run a new container from an image"),
])
def test_flag_errors_read_as_dockers(argv: list[str], message: str) -> None:
    with pytest.raises(UsageError) as err:
        parse(RUN, argv)
    assert err.value.message == message


def test_publish_forms() -> None:
    ports, bindings = parse_publish(["18080:8080", "127.0.0.1::53/udp", "9000-9001:80-81", "3000"])
    assert ports == [8080, (53, "udp"), 80, 81, 3000]
    assert bindings == {"8080/tcp": [("", 18080)], "53/udp": [("127.0.0.1", None)], "80/tcp": [("", 9000)],
                        "81/tcp": [("", 9001)], "3000/tcp": [("", None)]}
    with pytest.raises(UsageError):
        parse_publish(["http:80"])
    assert normalize("seedapp:1") == "docker.io/library/seedapp:1"
    assert normalize("me/app") == "docker.io/me/app:latest"
    assert normalize("localhost:5000/app:2") == "localhost:5000/app:2"


# The classic builder's stream for the recorded "after editing server.js" build, split as the engine splits it.
EDIT_STREAM = [
    "Step 1/7 : FROM busybox:local", "\n", " ---> bf6096c2caa5\n", "Step 2/7 : WORKDIR /app", "\n",
    " ---> Using cache\n", " ---> 5101950aecf0\n", "Step 3/7 : COPY package*.json ./", "\n", " ---> Using cache\n",
    " ---> 22dee6347782\n",
    "Step 4/7 : RUN echo installing deps && mkdir -p node_modules && head -c 200000 /dev/zero > node_modules/blob",
    "\n", " ---> Using cache\n", " ---> 8c379f5431cb\n", "Step 5/7 : COPY . .", "\n", " ---> 616146f44aeb\n",
    "Step 6/7 : EXPOSE 3000", "\n", " ---> Running in 88ec94d7a2fd\n",
    "Removing intermediate container 88ec94d7a2fd\n", " ---> c43fd81d5118\n",
    'Step 7/7 : CMD ["sh", "-c", "cat server.js"]', "\n", " ---> Running in ca3be0982ded\n",
    "Removing intermediate container ca3be0982ded\n", " ---> cc6d17c96930\n",
]


def test_the_recorded_stream_becomes_steps_with_cache_and_durations() -> None:
    parser = ClassicStreamParser()
    events = []
    for i, chunk in enumerate(EDIT_STREAM):
        events += parser.feed({"stream": chunk}, now=float(i))
    parser.feed({"aux": {"ID": "sha256:cc6d17c96930" + "0" * 52}}, now=30.0)
    parser.feed({"stream": "Successfully built cc6d17c96930\nSuccessfully tagged seedapp:2\n"}, now=30.0)
    assert [s.cached for s in parser.steps] == [False, True, True, True, False, False, False]
    assert [e.index for e in events if isinstance(e, StepCached)] == [2, 3, 4]
    assert events[0] == StepStarted(1, 7, "FROM busybox:local")
    finished = [e for e in events if isinstance(e, StepFinished)]
    assert [f.image_id for f in finished][-1] == "cc6d17c96930" and finished[-1].seconds == 3.0
    assert parser.succeeded().tags == ["seedapp:2"] and parser.image_id.startswith("sha256:cc6d17c96930")
    assert not any(isinstance(e, StepOutput) for e in events)


def test_a_failure_in_the_stream_carries_the_step_and_its_output() -> None:
    parser = ClassicStreamParser()
    for chunk in ["Step 2/2 : RUN echo boom && exit 3", "\n", " ---> Running in f751e444691a\n", "bo", "om\n"]:
        parser.feed({"stream": chunk}, now=0.0)
    message = "The command '/bin/sh -c echo boom && exit 3' returned a non-zero code: 3"
    events = parser.feed({"errorDetail": {"code": 3, "message": message}, "error": message}, now=1.0)
    assert events == [BuildFailed(2, message, 3, ["boom"])]


def test_buildkit_only_features_are_found_by_line() -> None:
    text = ("# syntax=docker/dockerfile:1\nFROM alpine\nRUN --mount=type=cache,target=/root/.cache \\\n"
            "    pip install x\nCOPY --chown=1:1 a /a\nCOPY --chmod=755 run.sh /\nCOPY --link . /app\n"
            "RUN <<EOF\napk add curl\nEOF\nRUN echo '<<not a heredoc'\n")
    assert [str(f) for f in needs_buildkit(text)] == [
        "line 3: RUN --mount", "line 6: COPY --chmod", "line 7: COPY --link", "line 8: heredoc (RUN <<...)"]
    assert needs_buildkit('FROM busybox:local\nCOPY --chown=1:1 . .\nRUN cat <<"EOF" > f\nx\nEOF\n') == [
        Feature(3, "heredoc (RUN <<...)")]


def test_buildx_plain_progress_becomes_the_same_events() -> None:
    parser = BuildxPlainParser()
    lines = ["#1 [internal] load build definition from Dockerfile", "#1 DONE 0.0s", "",
             "#5 [1/3] FROM docker.io/library/alpine:3.20", "#5 CACHED", "",
             "#6 [2/3] RUN echo hi", "#6 0.254 hi", "#6 DONE 0.3s", "",
             "#7 [3/3] RUN exit 3",
             "#7 ERROR: process \"/bin/sh -c exit 3\" did not complete successfully: exit code: 3"]
    events = [e for line in lines for e in parser.feed_line(line)]
    assert [e for e in events if isinstance(e, StepStarted)] == [
        StepStarted(1, 3, "FROM docker.io/library/alpine:3.20"), StepStarted(2, 3, "RUN echo hi"),
        StepStarted(3, 3, "RUN exit 3")]
    assert StepOutput(2, "hi") in events and StepFinished(2, "", False, 0.3) in events
    assert parser.failed == BuildFailed(3, 'process "/bin/sh -c exit 3" did not complete successfully: exit code: 3',
                                        None, [])


def test_context_scan_honours_dockerignore(tmp_path: Path) -> None:
    (tmp_path / ".dockerignore").write_text("node_modules\n*.log\n!keep.log\n")
    (tmp_path / "node_modules").mkdir()
    (tmp_path / "node_modules" / "big.js").write_bytes(b"x" * 100_000)
    for name in ("a.log", "keep.log", "server.js"):
        (tmp_path / name).write_text(name)
    info = scan(str(tmp_path))
    assert info.files == ["keep.log", "server.js"] and info.file_count == 2 and info.size == 17
    assert info.warning() is None and info.warning(max_bytes=10) is not None
    # a tar stream: a 512-byte header and the data rounded up to 512 per file, two zero blocks at the end
    assert info.sending_line() == "Sending build context to Docker daemon  3.072kB"


def test_an_engine_that_is_not_there_is_reported_quickly_in_dockers_words(tmp_path: Path) -> None:
    url = f"unix://{tmp_path}/docker.sock"
    status = probe(url)
    assert not status
    assert status.reason == f"Cannot connect to the Docker daemon at {url}. Is the docker daemon running?"
    start = time.monotonic()
    refused = probe("tcp://127.0.0.1:9", timeout=1.0)
    assert not refused and refused.reason.startswith("Cannot connect to the Docker daemon at tcp://127.0.0.1:9.")
    assert time.monotonic() - start < 3
    with pytest.raises(BackendError) as err:
        Engine.connect(url)
    assert "DOCKER_HOST" in str(err.value.hint)


def _replay(progress: object) -> None:
    from kube_magics.docker.progress import BuildSucceeded, Notice

    events = [Notice("Sending build context to Docker daemon  5.12kB"), StepStarted(1, 3, "FROM busybox:local"),
              StepFinished(1, "bf6096c2caa5", False, 0.0), StepStarted(2, 3, "WORKDIR /app"), StepCached(2),
              StepFinished(2, "5101950aecf0", True, 0.0), StepStarted(3, 3, "RUN echo installing deps"),
              StepOutput(3, "installing deps"), StepFinished(3, "8c379f5431cb", False, 0.42),
              BuildSucceeded("sha256:8c379f5431cb" + "0" * 52, ["seedapp:1"])]
    for event in events:
        progress(event)  # type: ignore[operator]


def test_text_progress_prints_a_line_per_step_and_run_output_under_its_header() -> None:
    import io

    from kube_magics.docker.render import TextProgress

    out = io.StringIO()
    _replay(TextProgress(out))
    lines = [line.rstrip() for line in out.getvalue().splitlines()]
    assert lines[0] == "Sending build context to Docker daemon  5.12kB"
    assert lines[1].startswith("[1/3] FROM busybox:local") and lines[1].endswith("0.0s")
    assert lines[2].startswith("[2/3] WORKDIR /app") and lines[2].endswith("CACHED")
    assert lines[3:6] == ["[3/3] RUN echo installing deps", "    installing deps", lines[5]]
    assert lines[5].startswith("[3/3] done") and lines[5].endswith("0.4s")
    assert lines[6] == "built 8c379f5431cb  tagged seedapp:1"


def test_widget_progress_updates_a_bar_and_a_log_in_place() -> None:
    from kube_magics.docker.render import WidgetProgress

    shown: list[object] = []
    view = WidgetProgress("docker build -t seedapp:1", display=shown.append)
    assert shown == [view.box]
    _replay(view)
    assert (view.bar.value, view.bar.max, view.bar.bar_style) == (3, 3, "success")
    assert "[2/3] WORKDIR /app  CACHED" in view.log.value and "    installing deps" in view.log.value
    assert "built 8c379f5431cb seedapp:1" in view.label.value
