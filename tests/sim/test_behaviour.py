"""The behaviour model: what a container does, predicted from its image and command."""

from __future__ import annotations

import pytest

from kube_magics.images import CATALOGUE
from kube_magics.sim.behaviour import MIB, Context, command_of, env_of, plan

T0 = 1767603600.0  # 2026-01-05T09:00:00Z


def test_kubernetes_command_and_args_over_the_image_entrypoint_and_cmd() -> None:
    config = {"Entrypoint": ["/docker-entrypoint.sh"], "Cmd": ["nginx", "-g", "daemon off;"]}
    assert command_of({}, config) == ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"]
    assert command_of({"args": ["nginx-debug"]}, config) == ["/docker-entrypoint.sh", "nginx-debug"]
    assert command_of({"command": ["sleep"], "args": ["5"]}, config) == ["sleep", "5"]


def test_nginx_serves_port_80_and_prints_its_real_start_up_lines() -> None:
    image = CATALOGUE.lookup("nginx:1.20")
    assert image is not None
    p = plan(command_of({}, image.config), Context(image_ref="nginx:1.20", node_cpus=2))
    assert p.exit_after is None and p.ports == frozenset({80}) and p.serving_after is not None
    lines = p.render(T0, T0 + 1)
    assert lines[0] == ("/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform "
                        "configuration")
    assert "2026/01/05 09:00:00 [notice] 1#1: nginx/1.20.2" in lines
    assert [ln for ln in lines if "start worker process " in ln][-1].endswith("start worker process 30")
    assert p.stop_seconds == pytest.approx(1.0)


def test_redis_is_ready_to_accept_connections() -> None:
    p = plan(["docker-entrypoint.sh", "redis-server"], Context())
    assert p.render(T0, T0 + 1)[-1] == "1:M 05 Jan 2026 09:00:00.050 * Ready to accept connections tcp"
    assert p.ports == frozenset({6379})


def test_databases_refuse_to_start_without_a_password() -> None:
    pg = plan(["postgres"], Context())
    assert pg.exit_code == 1 and "superuser password is not specified" in pg.render(0, 1)[0]
    ok = plan(["postgres"], Context(env={"POSTGRES_PASSWORD": "pw"}))
    assert ok.exit_after is None and ok.serving_after == pytest.approx(2.5)
    mysql = plan(["mysqld"], Context(env={"MYSQL_ROOT_PASSWORD": "pw"}))
    assert mysql.memory_at(20) > 300 * MIB


@pytest.mark.parametrize(("argv", "code", "after", "lines"), [
    (["sh", "-c", "exit 3"], 3, 0.0, []),
    (["sh", "-c", "echo hi; sleep 5; echo bye"], 0, 5.0, ["hi", "bye"]),
    (["sleep", "2m"], 0, 120.0, []),
    (["echo", "hello", "world"], 0, 0.0, ["hello world"]),
    (["python", "-c", "import time; print('start'); time.sleep(4); import sys; sys.exit(2)"], 2, 4.0, ["start"]),
    (["sh", "-c", "false && echo no || echo yes"], 0, 0.0, ["yes"]),
    (["sh", "-c", "X=42; echo value=$X"], 0, 0.0, ["value=42"]),
    (["cat", "/etc/app/config"], 1, 0.0, ["cat: can't open '/etc/app/config': No such file or directory"]),
])
def test_commands_do_what_they_say(argv: list[str], code: int, after: float, lines: list[str]) -> None:
    p = plan(argv, Context())
    assert (p.exit_code, p.exit_after) == (code, after)
    assert p.render(0, after + 1) == lines


def test_python_exceptions_print_a_traceback_and_exit_1() -> None:
    p = plan(["python3", "-c", "raise ValueError('boom')"], Context())
    assert p.exit_code == 1
    assert p.render(0, 1) == ["Traceback (most recent call last):", '  File "<string>", line 1, in <module>',
                              "ValueError: boom"]


def test_endless_loops_print_on_demand() -> None:
    p = plan(["sh", "-c", "while true; do echo tick; sleep 10; done"], Context())
    assert p.exit_after is None
    assert p.render(0, 35) == ["tick"] * 4
    assert len(p.render(0, 10 * 86400, limit=100)) == 100


def test_allocations_say_when_a_limit_is_passed() -> None:
    assert plan(["python", "-c", "x = bytearray(300 * 1024 * 1024)"], Context()).oom_offset(128 * MIB) == 0.0
    assert plan(["stress", "--vm", "1", "--vm-bytes", "250M"], Context()).oom_offset(100 * MIB) == pytest.approx(0.1)
    assert plan(["stress", "--vm", "1", "--vm-bytes", "50M"], Context()).oom_offset(100 * MIB) is None
    grow = plan(["python", "-c", "import time\nwhile True:\n    x = bytearray(10 * 1024 * 1024)\n    time.sleep(1)"],
                Context())
    assert grow.oom_offset(64 * MIB) == pytest.approx(5.0)


def test_files_made_and_removed_by_a_script() -> None:
    p = plan(["sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"], Context())
    assert p.file_exists("/tmp/healthy", 10) and not p.file_exists("/tmp/healthy", 31)


def test_the_stop_signal() -> None:
    assert plan(["sleep", "3600"], Context()).stop_seconds is None  # PID 1 without a handler ignores SIGTERM
    assert plan(["redis-server"], Context()).stop_seconds == pytest.approx(0.1)
    trap = plan(["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"], Context())
    assert trap.stop_seconds is not None


def test_an_unknown_executable_cannot_start() -> None:
    p = plan(["myserver", "--port", "80"], Context())
    assert p.start_error.endswith('exec: "myserver": executable file not found in $PATH: unknown')


def test_shells_and_runtimes_without_a_command_exit_at_once() -> None:
    for ref in ("busybox:1.36", "ubuntu:22.04", "python:3.11"):
        image = CATALOGUE.lookup(ref)
        assert image is not None
        p = plan(command_of({}, image.config), Context())
        assert (p.exit_after, p.exit_code) == (0.0, 0)


def test_env_from_the_image_and_the_container() -> None:
    env = env_of({"env": [{"name": "A", "value": "1"}, {"name": "B", "valueFrom": {"secretKeyRef": {}}}]},
                 {"Env": ["PATH=/bin", "A=0"]})
    assert env["PATH"] == "/bin" and env["A"] == "1" and env["B"]


def test_a_script_that_is_not_in_the_image_is_not_found_from_the_working_directory() -> None:
    p = plan(["python3", "app.py"], Context(workdir="/srv"))
    assert (p.exit_code, p.render(0, 1)) == (2, ["python3: can't open file '/srv/app.py': [Errno 2] No such file "
                                                  "or directory"])
    built = plan(["python3", "app.py"], Context(workdir="/srv", built_here=True, image_ports=frozenset({8000})))
    assert built.exit_after is None and built.ports == frozenset({8000})
