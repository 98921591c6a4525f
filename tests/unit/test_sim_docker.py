"""The simulated Docker engine against the recorded Docker session (shared/reference/docker/cli.txt): the same
commands on the engine's own clock print what Docker printed, ids aside. Plus its clock, determinism and the
image store's rules (tags that move, rmi's conflicts)."""

from __future__ import annotations

import shlex

import pytest

from kube_magics.errors import BackendError
from kube_magics.images import Catalogue, CatalogueImage
from kube_magics.sim_docker import EngineClock, SimDockerEngine
from kube_magics.sim_docker.cli import run

# The recording's base image: busybox-static imported as busybox:local (1.98MB, no history but the import).
BUSYBOX_LOCAL = CatalogueImage("busybox", "local", 1_982_256, 1_000_000, {"Env": [
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]}, "shell",
    "sha256:" + "b" * 64, (("", 1_982_256),), "2026-01-05T08:23:00Z")

RECORDED_PS = """\
CONTAINER ID   IMAGE           COMMAND                  CREATED        STATUS        PORTS                                           NAMES
{id}   busybox:local   "httpd -f -p 8080 -h…"   1 second ago   Up 1 second   0.0.0.0:18080->8080/tcp, [::]:18080->8080/tcp   web
"""  # noqa: E501

RECORDED_PS_A = """\
CONTAINER ID   IMAGE           COMMAND                  CREATED          STATUS                                PORTS     NAMES
{id}   busybox:local   "httpd -f -p 8080 -h…"   12 seconds ago   Exited (137) Less than a second ago             web
"""  # noqa: E501


def docker(engine: SimDockerEngine, line: str) -> str:
    return run(engine, shlex.split(line)).text


@pytest.fixture
def engine() -> SimDockerEngine:
    return SimDockerEngine(catalogue=Catalogue([BUSYBOX_LOCAL]))


def test_the_recorded_container_session(engine: SimDockerEngine) -> None:
    docker(engine, "pull busybox:local")  # the recording's image was there already
    ident = docker(engine, "run -d --name web -p 18080:8080 busybox:local httpd -f -p 8080 -h /bin").strip()
    assert docker(engine, "ps") == RECORDED_PS.format(id=ident[:12])
    assert docker(engine, "stop web") == "web\n"  # busybox httpd, PID 1, ignores SIGTERM: killed after 10 s
    assert docker(engine, "ps -a") == RECORDED_PS_A.format(id=ident[:12])
    assert docker(engine, "logs web") == ""  # (recorded before the stop: a command here takes a second)
    assert docker(engine, "rm web") == "web\n"
    result = run(engine, shlex.split('run --rm busybox:local sh -c "exit 3"'))
    assert result.text == "" and result.value == 3
    assert docker(engine, "ps -a -q") == ""


def test_same_commands_same_ids_names_and_times() -> None:
    def session() -> list[str]:
        engine = SimDockerEngine(seed=3)
        return [docker(engine, line) for line in ("run -d nginx:1.20", "run -d -p 80 nginx:1.20", "ps -a --no-trunc",
                                                  "ps -a --format '{{.Names}} {{.Ports}}'")]

    first = session()
    assert first == session()
    newest, oldest = first[-1].splitlines()
    assert newest.endswith(" 0.0.0.0:32768->80/tcp, [::]:32768->80/tcp")  # the first ephemeral port
    assert oldest.endswith(" 80/tcp") and "_" in oldest.split()[0]  # exposed, unpublished; a generated name
    assert first != [docker(SimDockerEngine(seed=4), "run -d nginx:1.20"), *first[1:]]


def test_time_passes_only_as_the_rule_says(engine: SimDockerEngine) -> None:
    start = engine.now()
    docker(engine, "pull busybox:local")
    assert engine.now() - start == pytest.approx(0.4)  # the download: 1 MB at 25 MB/s, rounded to 0.1 s up
    docker(engine, "images")
    assert engine.now() - start == pytest.approx(1.4)  # a plain command: one second
    run(engine, shlex.split("run busybox:local sleep 7"))
    assert engine.now() - start == pytest.approx(8.4)  # a foreground run: what it waited for, no extra second
    with pytest.raises(BackendError):
        docker(engine, "logs nope")
    assert engine.now() - start == pytest.approx(9.4)  # a failed command took its second too


class _Cluster:
    """Just the clock of a simulated cluster (`rt.now`, `rt.advance`)."""

    def __init__(self, now: float) -> None:
        self.rt = self
        self.now = now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def test_following_a_cluster_clock_and_never_running_backwards() -> None:
    holder: list[_Cluster | None] = [None]
    clock = EngineClock(lambda: holder[0], start=1000.0)
    clock.wait(50.0)
    assert clock.now() == 1050.0
    holder[0] = first = _Cluster(1000.0)  # a cluster made now, whose clock reads earlier
    assert clock.now() == 1050.0
    first.advance(30.0)
    assert clock.now() == 1080.0  # %kube advance moves the engine too
    clock.wait(5.0)
    assert first.now == 1035.0  # a wait moves the cluster
    with clock.command():
        pass
    assert clock.now() == 1085.0  # on a cluster's clock a plain command takes no time
    holder[0] = None
    with clock.command():
        pass
    assert clock.now() == 1086.0  # back on its own clock, from where it was


def test_tags_move_and_rmi_says_what_docker_says(engine: SimDockerEngine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a.txt").write_text("1")
    first = engine.build("FROM busybox:local\nCOPY a.txt /\n", context=tmp_path, tags=["app:1"])
    (tmp_path / "a.txt").write_text("2")
    second = engine.build("FROM busybox:local\nCOPY a.txt /\n", context=tmp_path, tags=["app:1"])
    assert engine.image("app:1").id == second.image.id
    assert engine.image(first.image.id).tags == []
    docker(engine, f"run -d --name keep {first.image.short_id} sleep 100")
    with pytest.raises(BackendError, match=r"cannot be forced.* - image is being used by running container"):
        docker(engine, f"rmi -f {first.image.short_id}")
    docker(engine, "tag app:1 app:2")
    assert docker(engine, "rmi app:2") == "Untagged: app:2\n"
    docker(engine, "run --name used app:1 true")
    with pytest.raises(BackendError, match=r'unable to remove repository reference "app:1" \(must force\) - '
                                           r"container [0-9a-f]{12} is using its referenced image"):
        docker(engine, "rmi app:1")
    assert docker(engine, "rmi -f app:1") == "Untagged: app:1\n"  # kept, untagged, for its container
    docker(engine, "rm used")
    assert docker(engine, f"rmi {second.image.id}") == f"Deleted: {second.image.id}\n"
    with pytest.raises(BackendError, match="No such image: app:1"):
        docker(engine, "history app:1")


def test_images_pushed_to_the_registry_when_tagged(engine: SimDockerEngine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen: list[tuple[str, list[str]]] = []
    engine.on_tagged = lambda image, tags: seen.append((image.id, tags))
    built = engine.build("FROM busybox:local\n", context=tmp_path, tags=["a:1", "a:latest"])
    docker(engine, "tag a:1 b:1")
    docker(engine, "pull busybox:local")  # the registry serves the catalogue's images already
    assert seen == [(built.image.id, ["a:1", "a:latest"]), (built.image.id, ["b:1"])]
    registry_image = engine.image("b:1").registry_image("b:1")
    assert registry_image.ref == "b:1" and registry_image.id == built.image.id
