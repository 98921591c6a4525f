"""%docker on the simulated engine, through a real IPython shell: the docker CLI's tables and words, containers as
simulated processes on the simulated cluster's clock, and `%docker context`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell

from kube_magics.docker.engine import EngineStatus


@pytest.fixture
def sim(ip):  # type: ignore[no-untyped-def]
    ip.ok("%docker context use sim")
    return ip


def cells(line: str) -> list[str]:
    """A table row's cells (the CLI's tabwriter leaves at least three spaces between them)."""
    return re.split(r"\s{3,}", line.strip())


def clock(ip) -> float:  # type: ignore[no-untyped-def]
    return float(ip.ok("import kube_magics; kube_magics._session.backend.sim.rt.now"))


def test_run_ps_logs_stop_rm_as_the_cli_prints_them(sim) -> None:  # type: ignore[no-untyped-def]
    out = str(sim.ok("%docker run -d --name web -p 8080:80 nginx:1.20"))
    lines = out.splitlines()
    assert lines[:2] == ["Unable to find image 'nginx:1.20' locally", "1.20: Pulling from library/nginx"]
    assert lines[-2] == "Status: Downloaded newer image for nginx:1.20" and len(lines[-1]) == 64
    ident = lines[-1][:12]
    table = str(sim.ok("%docker ps")).splitlines()
    assert cells(table[0]) == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]
    assert cells(table[1]) == [ident, "nginx:1.20", '"/docker-entrypoint.…"', "Less than a second ago",
                               "Up Less than a second", "0.0.0.0:8080->80/tcp, [::]:8080->80/tcp", "web"]
    assert table[0].index("PORTS") == table[1].index("0.0.0.0")  # tabwriter columns
    assert str(sim.ok("%docker logs web")).splitlines()[-1] == (  # nothing has moved the clock yet
        "/docker-entrypoint.sh: Configuration complete; ready for start up")
    sim.ok("%kube advance 1s")
    logs = str(sim.ok("%docker logs web")).splitlines()
    assert logs[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    assert logs[-1].endswith("[notice] 1#1: start worker process 32")
    assert str(sim.ok("%docker stop web")) == "web\n"
    listing = str(sim.ok("%docker ps -a")).splitlines()
    assert "Exited (0) Less than a second ago" in listing[1]  # nginx exits cleanly on its stop signal
    assert str(sim.ok("%docker logs --tail 1 web")).endswith("[notice] 1#1: exit\n")
    assert str(sim.ok("%docker rm web")) == "web\n"
    assert str(sim.ok("%docker ps -a")).splitlines()[1:] == []


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace_period(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker run -d --name sleeper busybox:1.36 sleep 300")
    before = clock(sim)
    sim.ok("%docker stop sleeper")
    assert clock(sim) - before == pytest.approx(10.0)  # docker stop waited the grace period
    row = str(sim.ok("%docker ps -a --format '{{.Names}} {{.Status}}'"))
    assert row == "sleeper Exited (137) Less than a second ago\n"
    sim.ok("%docker run -d --name quick busybox:1.36 sleep 300")
    sim.ok("%docker stop -t 2 quick")
    assert str(sim.ok("%docker inspect -f '{{.State.ExitCode}} {{.State.Status}}' quick")) == "137 exited\n"


def test_format_templates_pass_through_verbatim(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker run -d --name one busybox:1.36 sleep 60")
    sim.ok("%docker run -d --name two busybox:1.36 sleep 60")
    assert str(sim.ok("%docker ps --format '{{.Names}}'")) == "two\none\n"
    assert str(sim.ok("%docker ps --format 'table {{.Names}}\\t{{.Command}}'")) == (
        "NAMES     COMMAND\ntwo       \"sleep 60\"\none       \"sleep 60\"\n")
    sim.ok('name = "one"')
    assert str(sim.ok("%docker inspect --format '{{.Name}} {{.Config.Image}}' $name")) == "/one busybox:1.36\n"


def test_foreground_runs_wait_and_return_the_exit_code(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker pull busybox:1.36")
    before = clock(sim)
    result = sim.ok("%docker run --rm busybox:1.36 sh -c 'echo working; sleep 5; exit 3'")
    assert str(result) == "working\n" and result.value == 3
    assert clock(sim) - before == pytest.approx(5.0)
    assert str(sim.ok("%docker ps -a -q")) == ""  # --rm removed it
    kept = sim.ok("%docker run --name kept busybox:1.36 echo hello")
    assert str(kept) == "hello\n" and kept.value == 0
    assert "Exited (0)" in str(sim.ok("%docker ps -a --format '{{.Status}}'"))


def test_a_server_in_the_foreground_is_left_running_with_a_note(sim) -> None:  # type: ignore[no-untyped-def]
    out = str(sim.ok("%docker run --name fg nginx:1.20"))
    assert "Configuration complete; ready for start up" in out
    assert out.splitlines()[-1].startswith("(the container keeps running")
    assert str(sim.ok("%docker ps --format '{{.Names}} {{.State}}'")) == "fg running\n"


def test_kube_advance_moves_the_containers_too(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker run -d --name nap busybox:1.36 sleep 20")
    assert str(sim.ok("%docker ps --format '{{.Status}}'")) == "Up Less than a second\n"
    sim.ok("%kube advance 30s")
    assert str(sim.ok("%docker ps -a --format '{{.Status}}'")) == "Exited (0) 10 seconds ago\n"
    assert str(sim.ok("%docker ps -q")) == ""


def test_images_history_tag_rmi(sim, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app.txt").write_text("hello\n")
    body = "FROM alpine:3.19\nWORKDIR /app\nCOPY app.txt .\nCMD [\"cat\", \"app.txt\"]\n"
    first = sim.ok(f"%%dockerfile -t app:1 --context {tmp_path} --no-lint\n{body}")
    (tmp_path / "app.txt").write_text("hello again\n")
    second = sim.ok(f"%%dockerfile -t app:1 --context {tmp_path} --no-lint\n{body}")
    images = str(sim.ok("%docker images")).splitlines()
    assert cells(images[0]) == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
    assert cells(images[1]) == ["app", "1", second.short_id, "1 second ago", "7.38MB"]
    assert cells(images[2]) == ["<none>", "<none>", first.short_id, "1 second ago", "7.38MB"]  # the tag moved on
    history = str(sim.ok("%docker history app:1")).splitlines()
    assert cells(history[0]) == ["IMAGE", "CREATED", "CREATED BY", "SIZE", "COMMENT"]
    assert cells(history[1])[0] == second.short_id and cells(history[1])[2:] == [
        'CMD ["cat" "app.txt"]', "0B", "buildkit.dockerfile.v0"]
    assert cells(history[2])[2:] == ["COPY app.txt . # buildkit", "12B", "buildkit.dockerfile.v0"]
    assert cells(history[-1])[2:] == ["/bin/sh -c #(nop) ADD file:" + cells(history[-1])[2][27:], "7.38MB"]
    assert str(sim.ok("%docker tag app:1 app:latest")) == ""
    assert str(sim.ok("%docker images -q app")) == f"{second.short_id}\n{second.short_id}\n"
    assert str(sim.ok("%docker rmi app:latest")) == "Untagged: app:latest\n"
    assert str(sim.ok(f"%docker rmi {first.short_id}")) == f"Deleted: {first.id}\n"
    assert str(sim.ok("%docker images --filter dangling=true -q")) == ""


def test_errors_read_as_the_daemons(sim) -> None:  # type: ignore[no-untyped-def]
    message = sim.fails("%docker run nosuchimage:1")
    assert message.splitlines()[:2] == [
        "Unable to find image 'nosuchimage:1' locally",
        "docker: Error response from daemon: pull access denied for nosuchimage, repository does not exist or may "
        "require 'docker login': denied: requested access to the resource is denied"]
    assert "hint: build it (%%dockerfile -t NAME)" in message
    sim.ok("%docker run -d --name web -p 8080:80 nginx:1.20")
    assert "Bind for 0.0.0.0:8080 failed: port is already allocated" in sim.fails(
        "%docker run -d --name web2 -p 8080:80 nginx:1.20")
    assert str(sim.ok("%docker ps -a --format '{{.Names}} {{.Status}}' -f name=web2")) == "web2 Created\n"
    assert 'The container name "/web" is already in use by container' in sim.fails(
        "%docker run -d --name web nginx:1.20")
    assert "You cannot remove a running container" in sim.fails("%docker rm web")
    assert sim.fails("%docker logs nope") == ("Error response from daemon: No such container: nope\n"
                                              "hint: %docker ps -a lists the containers")
    assert sim.fails("%docker history nope:1").startswith("Error response from daemon: No such image: nope:1")
    missing = sim.fails("%docker run --name gone busybox:1.36 nosuchcommand")
    assert 'exec: "nosuchcommand": executable file not found in $PATH' in missing
    assert "unknown flag: --bogus" in sim.fails("%docker ps --bogus")
    assert str(sim.ok("%docker rm -f web web2")) == "web\nweb2\n"


def test_exec_answers_what_the_behaviour_model_knows(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker run -d --name box -e GREETING=hi busybox:1.36 sleep 600")
    out = sim.ok("%docker exec box sh -c 'echo $GREETING; exit 4'")
    assert str(out) == "hi\n" and out.value == 4
    hostname = str(sim.ok("%docker exec box hostname")).strip()
    assert str(sim.ok("%docker ps -q")).strip() == hostname
    sim.ok("%docker run --name finished busybox:1.36 true")
    assert "is not running" in sim.fails("%docker exec finished ls")


def test_load_into_kind_on_the_simulator_points_at_the_registry(sim) -> None:  # type: ignore[no-untyped-def]
    sim.ok("%docker pull nginx:1.20")
    out = str(sim.ok("%docker load-into kind nginx:1.20"))
    assert "is in the simulated cluster's registry already" in out
    assert 'ERROR: image: "app:7" not present locally' in sim.fails("%docker load-into kind app:7")


def test_context_ls_use_and_show(sim) -> None:  # type: ignore[no-untyped-def]
    listing = str(sim.ok("%docker context ls")).splitlines()
    assert listing[0] == "NAME      DESCRIPTION                                     DOCKER ENDPOINT               ERROR"
    assert listing[2].startswith("sim *     Simulated engine in this kernel")
    assert str(sim.ok("%docker context show")) == "sim\n"
    assert 'context "nope": context not found' in sim.fails("%docker context use nope")


@pytest.fixture
def shell_without_engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list[int]]]:
    calls: list[int] = []

    def unreachable(base_url: str | None = None, *, timeout: float = 2.0) -> EngineStatus:
        calls.append(1)
        return EngineStatus(False, "unix:///var/run/docker.sock", "Cannot connect to the Docker daemon at "
                                                                 "unix:///var/run/docker.sock. Is the docker daemon "
                                                                 "running?")

    monkeypatch.setattr("kube_magics.docker_magics.context.probe", unreachable)
    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "kube_magics")
    yield shell, calls
    shell.run_line_magic("unload_ext", "kube_magics")
    InteractiveShell.clear_instance()


def test_without_an_engine_the_simulator_is_the_default_asked_once(shell_without_engine) -> None:  # type: ignore[no-untyped-def]
    shell, calls = shell_without_engine
    assert calls == []  # loading the extension asks nothing
    listing = shell.run_cell("%docker context ls").result
    assert str(listing).splitlines()[2].startswith("sim *")
    shell.run_cell("%docker run -d --name web nginx:1.20")
    assert str(shell.run_cell("%docker ps --format '{{.Names}}'").result) == "web\n"
    assert calls == [1]
    warned = str(shell.run_cell("%docker context use default").result)
    assert "warning: Cannot connect to the Docker daemon" in warned


def test_the_engines_own_clock_moves_a_second_a_command_without_a_cluster(shell_without_engine) -> None:  # type: ignore[no-untyped-def]
    shell, _ = shell_without_engine
    shell.run_cell("%docker pull busybox:1.36")  # a pull takes its download time rather than a second
    shell.run_cell("%docker run -d --name web busybox:1.36 sleep 100")
    assert str(shell.run_cell("%docker ps --format '{{.RunningFor}} {{.Status}}'").result) == (
        "1 second ago Up 1 second\n")
    shell.run_cell("%docker stop web")  # waits 10 s, then no extra second
    assert str(shell.run_cell("%docker ps -a --format '{{.RunningFor}} {{.Status}}'").result) == (
        "12 seconds ago Exited (137) Less than a second ago\n")
