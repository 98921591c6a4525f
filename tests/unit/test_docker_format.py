"""The docker CLI's output formats, checked against Docker 20.10 output recorded with a current docker CLI.

The inputs are what the Engine API returned for the recorded objects (ids, sizes, times relative to `now`); the
expected texts are the recorded ones, byte for byte (trailing spaces included: tabwriter pads every cell but a
line's last).
"""

from __future__ import annotations

import json

import pytest

from kube_magics.docker import format as fmt
from kube_magics.docker.gotemplate import TemplateError, render
from kube_magics.docker.units import ellipsis, human_duration, human_size, status_text, tabulate

NOW = 1_795_780_900.5  # the CLI's clock has fractions; the API's Created has whole seconds


def _image(ident: str, tags: list[str], age: float, size: int) -> dict:
    return {"Id": "sha256:" + ident + "0" * (64 - len(ident)), "RepoTags": tags, "RepoDigests": None,
            "Created": int(NOW - age), "Size": size, "VirtualSize": size, "SharedSize": -1, "Containers": -1,
            "Labels": None, "ParentId": ""}


RECORDED_IMAGES = """\
REPOSITORY   TAG       IMAGE ID       CREATED          SIZE
seedapp      3         26d0bae4d09c   10 seconds ago   2.18MB
seedapp      2         cc6d17c96930   10 seconds ago   2.18MB
seedapp      1         63cbdb93ac29   11 seconds ago   2.18MB
demo         1         60d785e81980   37 minutes ago   1.98MB
busybox      local     bf6096c2caa5   37 minutes ago   1.98MB
"""

IMAGES = [  # in no particular order: the CLI shows the newest first
    _image("bf6096c2caa5", ["busybox:local"], 37 * 60 + 40, 1_982_256),
    _image("63cbdb93ac29", ["seedapp:1"], 11.2, 2_184_425),
    _image("26d0bae4d09c", ["seedapp:3"], 10.1, 2_184_431),
    _image("60d785e81980", ["demo:1"], 37 * 60 + 5, 1_982_300),
    _image("cc6d17c96930", ["seedapp:2"], 10.4, 2_184_425),
]


def test_images_table_matches_the_recording() -> None:
    assert fmt.format_images(IMAGES, now=NOW) == RECORDED_IMAGES


def test_images_quiet_no_trunc_and_untagged_rows() -> None:
    assert fmt.format_images(IMAGES[:2], now=NOW, quiet=True) == "63cbdb93ac29\nbf6096c2caa5\n"
    full = fmt.format_images(IMAGES[:1], now=NOW, no_trunc=True)
    assert "sha256:bf6096c2caa5" in full.splitlines()[1]
    dangling = _image("aaaaaaaaaaaa", ["<none>:<none>"], 5, 1000)
    two_tags = _image("bbbbbbbbbbbb", ["app:1", "app:latest"], 3, 1000)
    lines = fmt.format_images([dangling, two_tags], now=NOW).splitlines()
    assert [line.split()[:3] for line in lines[1:]] == [["app", "1", "bbbbbbbbbbbb"], ["app", "latest", "bbbbbbbbbbbb"],
                                                        ["<none>", "<none>", "aaaaaaaaaaaa"]]


RECORDED_HISTORY = """\
IMAGE          CREATED          CREATED BY                                      SIZE      COMMENT
26d0bae4d09c   10 seconds ago   /bin/sh -c #(nop)  CMD ["sh" "-c" "cat serve…   0B        
b8c55858dde6   10 seconds ago   /bin/sh -c #(nop)  EXPOSE 3000                  0B        
5848f7a28988   10 seconds ago   /bin/sh -c #(nop) COPY dir:b7a038ae5db74d2eb…   276B      
9cffd7425d40   10 seconds ago   /bin/sh -c echo installing deps && mkdir -p …   200kB     
3ae6a85ba53c   10 seconds ago   /bin/sh -c #(nop) COPY file:60eabe5150286027…   33B       
5101950aecf0   37 minutes ago   /bin/sh -c #(nop) WORKDIR /app                  0B        
bf6096c2caa5   37 minutes ago                                                   1.98MB    Imported from -
"""  # noqa: W291

HISTORY = [
    ("26d0bae4d09c", 10, '/bin/sh -c #(nop)  CMD ["sh" "-c" "cat server.js"]', 0, ""),
    ("b8c55858dde6", 10, "/bin/sh -c #(nop)  EXPOSE 3000", 0, ""),
    ("5848f7a28988", 10, "/bin/sh -c #(nop) COPY dir:b7a038ae5db74d2eb0f7c3b5e6d1f24b4c3e7e6e0a3c1b1a in . ", 276, ""),
    ("9cffd7425d40", 10, "/bin/sh -c echo installing deps && mkdir -p node_modules && head -c 200000 /dev/zero > "
                         "node_modules/blob", 200_000, ""),
    ("3ae6a85ba53c", 10, "/bin/sh -c #(nop) COPY file:60eabe51502860279d6a in ./ ", 33, ""),
    ("5101950aecf0", 37 * 60 + 2, "/bin/sh -c #(nop) WORKDIR /app", 0, ""),
    ("bf6096c2caa5", 37 * 60 + 40, "", 1_982_256, "Imported from -"),
]


def _history() -> list[dict]:
    return [{"Id": "sha256:" + i + "f" * 52, "Created": int(NOW - age), "CreatedBy": by, "Size": size,
             "Comment": comment, "Tags": None} for i, age, by, size, comment in HISTORY]


def test_history_matches_the_recording() -> None:
    assert fmt.format_history(_history(), now=NOW) == RECORDED_HISTORY


def test_history_without_truncation_and_raw_sizes() -> None:
    text = fmt.format_history(_history(), now=NOW, no_trunc=True, human=False)
    assert "node_modules/blob" in text
    assert "   200000   " in text
    assert text.splitlines()[1].split()[1] == "2026-11-27T12:01:30Z"  # -H=false: RFC 3339 times
    missing = [{"Id": "<missing>", "Created": int(NOW - 5), "CreatedBy": "x", "Size": 0, "Comment": ""}]
    assert fmt.format_history(missing, now=NOW, quiet=True) == "<missing>\n"


RECORDED_PS = """\
CONTAINER ID   IMAGE           COMMAND                  CREATED        STATUS        PORTS                                           NAMES
e5cadf139412   busybox:local   "httpd -f -p 8080 -h…"   1 second ago   Up 1 second   0.0.0.0:18080->8080/tcp, [::]:18080->8080/tcp   web
"""  # noqa: E501

RECORDED_PS_A = """\
CONTAINER ID   IMAGE           COMMAND                  CREATED          STATUS                                PORTS     NAMES
e5cadf139412   busybox:local   "httpd -f -p 8080 -h…"   12 seconds ago   Exited (137) Less than a second ago             web
"""  # noqa: E501


def _container(age: float, status: str, ports: list[dict], state: str = "running") -> dict:
    return {"Id": "e5cadf139412a82efc94e7066959b6f8ba66b7cfa247b6c054aec3bc93569e72", "Names": ["/web"],
            "Image": "busybox:local", "ImageID": "sha256:bf6096c2caa5", "Command": "httpd -f -p 8080 -h /bin",
            "Created": int(NOW - age), "Ports": ports, "Labels": {}, "State": state,
            "Status": status, "NetworkSettings": {"Networks": {"bridge": {}}}, "Mounts": []}


PORTS = [{"IP": "::", "PrivatePort": 8080, "PublicPort": 18080, "Type": "tcp"},
         {"IP": "0.0.0.0", "PrivatePort": 8080, "PublicPort": 18080, "Type": "tcp"}]


def test_ps_and_ps_a_match_the_recording() -> None:
    assert fmt.format_ps([_container(1.2, "Up 1 second", PORTS)], now=NOW) == RECORDED_PS
    exited = _container(12.5, "Exited (137) Less than a second ago", [], "exited")
    assert fmt.format_ps([exited], now=NOW) == RECORDED_PS_A


def test_ps_quiet_no_trunc_and_go_templates() -> None:
    c = _container(1.2, "Up 1 second", PORTS)
    assert fmt.format_ps([c], now=NOW, quiet=True) == "e5cadf139412\n"
    assert fmt.format_ps([c], now=NOW, fmt="{{.Names}}") == "web\n"
    assert fmt.format_ps([c], now=NOW, fmt="{{.ID}} {{.State}}", no_trunc=True) == c["Id"] + " running\n"
    assert fmt.format_ps([c], now=NOW, fmt="table {{.Names}}\\t{{.Status}}") == (
        "NAMES     STATUS\nweb       Up 1 second\n")
    assert '"httpd -f -p 8080 -h /bin"' in fmt.format_ps([c], now=NOW, no_trunc=True)
    row = json.loads(fmt.format_ps([c], now=NOW, fmt="json"))
    assert row["Names"] == "web" and row["Networks"] == "bridge" and row["RunningFor"] == "1 second ago"
    labelled = dict(c, Labels={"io.x-k8s.kind.role": "worker", "a": "b"})
    assert fmt.format_ps([labelled], now=NOW, fmt='{{.Label "io.x-k8s.kind.role"}} {{.Labels}}') == (
        "worker a=b,io.x-k8s.kind.role=worker\n")


def test_ports_group_ranges_and_show_unpublished_ports() -> None:
    ports = [{"PrivatePort": 81, "Type": "tcp"}, {"PrivatePort": 80, "Type": "tcp"},
             {"PrivatePort": 53, "Type": "udp"}, {"IP": "127.0.0.1", "PrivatePort": 3000, "PublicPort": 3000,
                                                  "Type": "tcp"}]
    assert fmt.display_ports(ports) == "53/udp, 80-81/tcp, 127.0.0.1:3000->3000/tcp"


RECORDED_CONFIG = {"ExposedPorts": {"3000/tcp": {}},
                   "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                   "Cmd": ["sh", "-c", "cat server.js"], "WorkingDir": "/app"}


def test_inspect_json_config_as_the_cli_prints_it() -> None:
    api_config = {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": False, "ExposedPorts": {"3000/tcp": {}},
                  "Tty": False, "Env": RECORDED_CONFIG["Env"], "Cmd": ["sh", "-c", "cat server.js"],
                  "Image": "sha256:f05f", "Volumes": None, "WorkingDir": "/app", "Entrypoint": None,
                  "OnBuild": None, "Labels": None}
    image = {"Id": "sha256:26d0", "RepoTags": ["seedapp:3"], "Config": api_config}
    line = fmt.format_inspect([image], fmt="{{json .Config}}")
    assert json.loads(line) == RECORDED_CONFIG
    assert line == json.dumps(RECORDED_CONFIG, separators=(",", ":")) + "\n"
    assert fmt.format_inspect([image], fmt="{{.Config.WorkingDir}} {{index .Config.Cmd 2}}") == "/app cat server.js\n"
    full = fmt.format_inspect([{"Id": "x", "CreatedBy": "sh -c 'a > b && c'"}])
    assert full.startswith("[\n    {\n        \"Id\": \"x\",") and "\\u003e b \\u0026\\u0026 c" in full


@pytest.mark.parametrize(("seconds", "text"), [
    (0.4, "Less than a second"), (1, "1 second"), (12, "12 seconds"), (60, "About a minute"),
    (37 * 60, "37 minutes"), (3600, "About an hour"), (5 * 3600, "5 hours"), (3 * 86400, "3 days"),
    (20 * 86400, "2 weeks"), (90 * 86400, "3 months"), (800 * 86400, "2 years")])
def test_durations_read_as_docker_writes_them(seconds: float, text: str) -> None:
    assert human_duration(seconds) == text


@pytest.mark.parametrize(("size", "text"), [(0, "0B"), (33, "33B"), (276, "276B"), (200_000, "200kB"),
                                            (1_982_256, "1.98MB"), (2_184_425, "2.18MB"), (999_999, "1e+03kB"),
                                            (1_500_000_000, "1.5GB")])
def test_sizes_read_as_docker_writes_them(size: int, text: str) -> None:
    assert human_size(size) == text


def test_status_text_is_the_daemons() -> None:
    running = {"Running": True, "StartedAt": "2026-11-27T12:01:38.123456789Z", "FinishedAt": "0001-01-01T00:00:00Z"}
    start = 1_795_780_898.123
    assert status_text(running, start + 1.2) == "Up 1 second"
    exited = {"Running": False, "ExitCode": 137, "StartedAt": "2026-11-27T12:01:38Z",
              "FinishedAt": "2026-11-27T12:01:50.5Z"}
    assert status_text(exited, start + 12.5) == "Exited (137) Less than a second ago"
    assert status_text({"Running": False, "StartedAt": "0001-01-01T00:00:00Z"}, start) == "Created"


def test_ellipsis_and_tabwriter() -> None:
    assert ellipsis("httpd -f -p 8080 -h /bin", 20) == "httpd -f -p 8080 -h…"
    assert ellipsis("한국어 텍스트", 6) == "한국…"
    assert tabulate([["A", "LONGER HEADER", "Z"], ["xxxxxxxxxx", "", "last"]]) == (
        "A            LONGER HEADER   Z\n"
        "xxxxxxxxxx                   last\n")


def test_go_templates_cover_the_common_forms() -> None:
    data = {"Names": "web", "Config": {"Env": ["A=1", "B=2"], "Labels": {"k": "v"}}, "Flag": True}
    assert render("{{range .Config.Env}}{{.}};{{end}}", data) == "A=1;B=2;"
    assert render("{{join .Config.Env \",\"}} {{.Config.Labels}} {{.Flag}}", data) == "A=1,B=2 map[k:v] true"
    assert render("{{if .Flag}}on{{else}}off{{end}} {{.Names | upper}} {{.Nope}}", data) == "on WEB <no value>"
    assert render("{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}}", data) == "k=v"
    with pytest.raises(TemplateError):
        render("{{range .Config.Env}}", data)
    with pytest.raises(TemplateError):
        render("{{nosuchfunc .Names}}", data)
