"""docker CLI verbs on the real engine: run with a published port and an HTTP request to it, ps, logs, exec,
stop, rm, and the errors a learner meets (port taken, name taken, no such image), compared with cli.txt."""

from __future__ import annotations

import re
import time
import urllib.request

import pytest

from kube_magics.docker.cli import run
from kube_magics.docker.engine import Engine
from kube_magics.errors import BackendError, UsageError

from .tables import columns

HTTPD = ["sh", "-c", "mkdir -p /www && echo hello from $GREETING > /www/index.html && echo serving && "
                     "exec httpd -f -p 8080 -h /www"]


def _get(port: int, deadline: float = 10.0) -> str:
    end = time.monotonic() + deadline
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                return str(response.read().decode())
        except OSError:
            if time.monotonic() > end:
                raise
            time.sleep(0.2)


def test_run_publish_request_ps_logs_stop_rm(engine: Engine, unique: str, free_port: int,
                                             cleanup: list[str]) -> None:
    cleanup.append(unique)
    out = run(engine, ["run", "-d", "--name", unique, "-p", f"{free_port}:8080", "-e", "GREETING=kube-magics",
                       "busybox:local", *HTTPD])
    assert re.fullmatch(r"[0-9a-f]{64}\n", out.text)
    assert _get(free_port) == "hello from kube-magics\n"

    names, rows = columns(run(engine, ["ps", "--filter", f"name={unique}"]).text)
    assert names == ["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"]  # as recorded
    row = rows[0]
    assert row["CONTAINER ID"] == out.text[:12] and row["IMAGE"] == "busybox:local"
    assert row["COMMAND"] == '"sh -c \'mkdir -p /ww…"'
    assert re.fullmatch(r"(Less than a second|\d+ seconds?) ago", row["CREATED"])
    assert re.fullmatch(r"Up (Less than a second|\d+ seconds?)", row["STATUS"])
    assert row["PORTS"] in (f"0.0.0.0:{free_port}->8080/tcp, [::]:{free_port}->8080/tcp",
                            f"0.0.0.0:{free_port}->8080/tcp")
    assert row["NAMES"] == unique
    assert run(engine, ["ps", "-q", "--no-trunc", "-f", f"name={unique}"]).text == out.text
    assert run(engine, ["ps", "--filter", f"name={unique}", "--format", "{{.Names}} {{.State}}"]).text == (
        f"{unique} running\n")

    assert run(engine, ["logs", unique]).text == "serving\n"
    executed = run(engine, ["exec", "-e", "X=1", unique, "sh", "-c", "cat /www/index.html; echo $X; exit 5"])
    assert (executed.text, executed.value) == ("hello from kube-magics\n1\n", 5)

    assert run(engine, ["stop", "-t", "1", unique]).text == f"{unique}\n"
    names, rows = columns(run(engine, ["ps", "-a", "--filter", f"name={unique}"]).text)
    assert rows[0]["STATUS"] in ("Exited (137) Less than a second ago", "Exited (137) 1 second ago")
    assert rows[0]["PORTS"] == ""  # stopped: nothing published, the column stays (padded) as in cli.txt
    assert run(engine, ["rm", unique]).text == f"{unique}\n"
    assert run(engine, ["ps", "-a", "-q", "--filter", f"name={unique}"]).text == ""


def test_foreground_run_returns_output_and_exit_code(engine: Engine) -> None:
    result = run(engine, ["run", "--rm", "busybox:local", "sh", "-c", "echo out; echo err >&2; exit 3"])
    assert sorted(result.text.splitlines()) == ["err", "out"] and result.value == 3
    assert run(engine, ["run", "--rm", "busybox:local", "sh", "-c", "exit 3"]).text == ""  # as recorded: no output


def test_port_and_name_conflicts_read_as_docker_says_them(engine: Engine, unique: str, free_port: int,
                                                          cleanup: list[str]) -> None:
    cleanup.extend([unique, unique + "b"])
    run(engine, ["run", "-d", "--name", unique, "-p", f"{free_port}:8080", "busybox:local", "sleep", "60"])
    with pytest.raises(BackendError) as err:
        run(engine, ["run", "-d", "--name", unique + "b", "-p", f"{free_port}:8080", "busybox:local", "sleep", "60"])
    assert err.value.message.startswith("docker: Error response from daemon: driver failed programming external "
                                        "connectivity")
    assert "port is already allocated" in err.value.message and "-p 18081:8080" in str(err.value.hint)
    assert run(engine, ["ps", "-a", "-q", "--filter", f"name={unique}b"]).text == ""  # nothing half-made left
    with pytest.raises(BackendError) as err:
        run(engine, ["run", "-d", "--name", unique, "busybox:local", "true"])
    assert re.match(rf'Error response from daemon: Conflict. The container name "/{unique}" is already in use by '
                    r'container "[0-9a-f]{64}". You have to remove \(or rename\) that container to be able to reuse '
                    r"that name.", err.value.message)
    assert "rm -f" in str(err.value.hint)
    with pytest.raises(BackendError) as err:
        run(engine, ["rm", unique])
    assert "You cannot remove a running container" in err.value.message and "-f" in str(err.value.hint)
    assert run(engine, ["rm", "-f", unique]).text == f"{unique}\n"


def test_missing_things_and_bad_flags(engine: Engine, unique: str) -> None:
    with pytest.raises(BackendError) as err:
        run(engine, ["run", "--rm", f"{unique}:1"])
    assert err.value.message.startswith(f"Unable to find image '{unique}:1' locally\ndocker: Error response from "
                                        "daemon:")
    with pytest.raises(BackendError) as err:
        run(engine, ["stop", unique])
    assert err.value.message == f"Error response from daemon: No such container: {unique}"
    with pytest.raises(BackendError) as err:
        run(engine, ["history", f"{unique}:1"])
    assert err.value.message == f"Error response from daemon: No such image: {unique}:1"
    with pytest.raises(UsageError) as usage:
        run(engine, ["run", "--detach=maybe", "busybox:local"])
    assert usage.value.message.startswith('invalid argument "maybe" for "--detach" flag')


def test_tag_rmi_and_inspect(engine: Engine, unique: str) -> None:
    assert run(engine, ["tag", "busybox:local", f"{unique}:x"]).text == ""
    ident = run(engine, ["inspect", "-f", "{{.Id}} {{index .RepoTags 0}}", f"{unique}:x"]).text
    assert ident.split()[0].startswith("sha256:")
    assert run(engine, ["rmi", f"{unique}:x"]).text == f"Untagged: {unique}:x\n"
    image = run(engine, ["inspect", "busybox:local"]).objects[0]
    assert "busybox:local" in image["RepoTags"] and image["Comment"] == "Imported from -"
