"""A catalogue of common public images: what they weigh and how they start, for the simulators.

No registry is reachable from a simulated cluster or builder, so this table stands in for Docker Hub: the
simulated kubelet takes pull times from the sizes here, the behaviour model takes what a container does from
`behaviour` and the default command, and the simulated builder takes base images' configs, sizes and layer
histories from it. Sizes are the uncompressed sizes `docker images` shows for linux/amd64 (compressed is what a
pull transfers; a ratio is kept per image). Extend it with `register`.

The tags people use in courses (node:16-alpine, node:18, python:3.9, python:3.11-slim, nginx:1.20, ubuntu:22.04,
alpine:3.19, ...) carry their published image config (Env with PATH and the version variables, Cmd, Entrypoint,
WorkingDir, ExposedPorts, StopSignal, Labels) and a layer history shaped as `docker history` shows it, the sizes
of the layers adding up to the image's. Version numbers are those of the last images published under each tag
when this table was written (moving tags such as `latest` move on); the `file:` hashes in history lines and the
digests are stand-ins computed from the reference, not Docker Hub's.

Imports nothing of kube_magics.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

MB = 1_000_000


@dataclass(frozen=True)
class CatalogueImage:
    repository: str  # "nginx", "library/nginx" is normalised away; "bitnami/redis" keeps its namespace
    tag: str
    size: int  # bytes, uncompressed (docker images' SIZE)
    compressed: int  # bytes transferred by a pull
    config: dict[str, Any] = field(default_factory=dict)  # Docker image config: Cmd, Entrypoint, Env, ...
    behaviour: str = "sleep"  # what the behaviour model does with it: "web", "db", "shell", "runtime", ...
    digest: str = ""
    history: tuple[tuple[str, int], ...] = ()  # (created by, bytes), oldest first; 0 bytes = metadata only
    created: str = ""  # when the image was built (RFC 3339), for `docker history`'s CREATED column

    @property
    def ref(self) -> str:
        return f"{self.repository}:{self.tag}"


def split_ref(ref: str) -> tuple[str, str, str]:
    """`nginx` -> ("docker.io", "nginx", "latest"); `ghcr.io/a/b:1` -> ("ghcr.io", "a/b", "1"); digests kept."""
    registry = "docker.io"
    rest = ref
    first = ref.split("/", 1)[0]
    if "/" in ref and ("." in first or ":" in first or first == "localhost"):
        registry, rest = ref.split("/", 1)
    if "@" in rest:
        repo, digest = rest.split("@", 1)
        tag = "@" + digest
    else:
        last = rest.rsplit("/", 1)[-1]
        if ":" in last:
            repo, tag = rest.rsplit(":", 1)
        else:
            repo, tag = rest, "latest"
    if registry == "docker.io" and repo.startswith("library/"):
        repo = repo[len("library/"):]
    return registry, repo, tag


def normalise(ref: str) -> str:
    """The short form people write: `docker.io/library/nginx:latest` -> `nginx:latest`."""
    registry, repo, tag = split_ref(ref)
    sep = "" if tag.startswith("@") else ":"
    base = repo if registry == "docker.io" else f"{registry}/{repo}"
    return f"{base}{sep}{tag}"


_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


def _img(repo: str, tags: str, size_mb: float, compressed_mb: float, behaviour: str, **config: Any) -> list[
        CatalogueImage]:
    """Every tag of an image family; a tag described in detail below (`_DETAILED`) takes that description."""
    cfg = {"Env": [_PATH], **config}
    out = []
    for t in tags.split():
        coarse = CatalogueImage(repo, t, int(size_mb * MB), int(compressed_mb * MB), cfg, behaviour)
        out.append(_DETAILED.get(f"{repo}:{t}") or _with_history(coarse))
    return out


def _digest(ref: str, salt: str = "") -> str:
    return "sha256:" + hashlib.sha256(f"catalogue:{salt}{ref}".encode()).hexdigest()


def _nop(instruction: str) -> tuple[str, float]:
    """A metadata step as the classic builder recorded it: `/bin/sh -c #(nop)  CMD ["node"]`."""
    return f"/bin/sh -c #(nop)  {instruction}", 0


def _rootfs(ref: str, size_mb: float, cmd: str) -> list[tuple[str, float]]:
    return [(f"/bin/sh -c #(nop) ADD file:{_digest(ref, 'rootfs')[7:]} in / ", size_mb), _nop(f"CMD {cmd}")]


def _with_history(image: CatalogueImage) -> CatalogueImage:
    """A plausible two-entry history for an image described only by its size and config."""
    if image.history:
        return image
    cmd = image.config.get("Cmd")
    steps = [(f"/bin/sh -c #(nop) ADD file:{_digest(image.ref, 'rootfs')[7:]} in / ", image.size)]
    if cmd:
        steps.append((f"/bin/sh -c #(nop)  CMD {_json_list(cmd)}", 0))
    return CatalogueImage(image.repository, image.tag, image.size, image.compressed, image.config,
                          image.behaviour, image.digest or _digest(image.ref), tuple(steps), "2024-01-01T00:00:00Z")


def _json_list(items: list[str]) -> str:
    return "[" + ",".join('"' + i.replace('"', '\\"') + '"' for i in items) + "]"


def _official(ref: str, size_mb: float, compressed_mb: float, behaviour: str, created: str, *,
              env: list[str], layers: list[tuple[str, float]], path: str = _PATH, **config: Any) -> CatalogueImage:
    """An image as published: its config and its history (the largest layer absorbs rounding: the last one may be
    a few hundred bytes, and must not turn negative or grow to megabytes)."""
    repo, tag = ref.rsplit(":", 1)
    size = int(size_mb * MB)
    history = [(by, int(mb * MB)) for by, mb in layers]
    big = max(range(len(history)), key=lambda i: history[i][1])
    history[big] = (history[big][0], size - sum(b for i, (_, b) in enumerate(history) if i != big))
    cfg = {"Env": [path, *env], **config}
    return CatalogueImage(repo, tag, size, int(compressed_mb * MB), cfg, behaviour, _digest(ref), tuple(history),
                          created)


def _node(tag: str, version: str, yarn: str, size: float, compressed: float, base: list[tuple[str, float]],
          created: str, alpine: bool) -> CatalogueImage:
    user = ("addgroup -g 1000 node && adduser -u 1000 -G node -s /bin/sh -D node && apk add --no-cache "
            "libstdc++ && apk add --no-cache --virtual .build-deps curl && ARCH= OPENSSL_ARCH='linux*' ...")
    if not alpine:
        user = ("groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node "
                "&& ARCH= && dpkgArch=\"$(dpkg --print-architecture)\" ...")
    sizes = (103 if alpine else 190, 7.8 if alpine else 5.3)
    return _official(
        f"node:{tag}", size, compressed, "runtime", created,
        env=[f"NODE_VERSION={version}", f"YARN_VERSION={yarn}"],
        layers=[*base, (f"ENV NODE_VERSION={version}", 0), (f"RUN /bin/sh -c {user} # buildkit", sizes[0]),
                (f"ENV YARN_VERSION={yarn}", 0),
                ("RUN /bin/sh -c set -ex && savedAptMark=\"$(apt-mark showmanual)\" ... yarn --version # buildkit"
                 if not alpine else "RUN /bin/sh -c apk add --no-cache --virtual .build-deps-yarn curl gnupg tar "
                 "... yarn --version # buildkit", sizes[1]),
                ("COPY docker-entrypoint.sh /usr/local/bin/ # buildkit", 0.000388),
                ('ENTRYPOINT ["docker-entrypoint.sh"]', 0), ('CMD ["node"]', 0)],
        Entrypoint=["docker-entrypoint.sh"], Cmd=["node"])


_PY_PATH = "PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
_PY_KEYS = {"3.9": "E3FF2839C048B25C084DEBE9B26995E310250568", "3.10": "A035C8C19219BA821ECEA86B64E628F8D684696D",
            "3.11": "A035C8C19219BA821ECEA86B64E628F8D684696D", "3.12": "7169605F62C751356D054A26A821E680E5FA6305"}


def _python(tag: str, version: str, size: float, compressed: float, base: list[tuple[str, float]],
            created: str) -> CatalogueImage:
    minor = ".".join(version.split(".")[:2])
    return _official(
        f"python:{tag}", size, compressed, "runtime", created, path=_PY_PATH,
        env=["LANG=C.UTF-8", f"GPG_KEY={_PY_KEYS[minor]}", f"PYTHON_VERSION={version}"],
        layers=[*base, ("ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0),
                ("ENV LANG=C.UTF-8", 0),
                ("RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends "
                 "ca-certificates netbase tzdata ; rm -rf /var/lib/apt/lists/* # buildkit", 3.5),
                (f"ENV GPG_KEY={_PY_KEYS[minor]}", 0), (f"ENV PYTHON_VERSION={version}", 0),
                ("RUN /bin/sh -c set -eux; savedAptMark=\"$(apt-mark showmanual)\"; ... ./configure "
                 "--enable-optimizations ... python3 --version # buildkit", 45),
                ("RUN /bin/sh -c set -eux; for src in idle3 pip3 pydoc3 python3 python3-config; do ... "
                 "# buildkit", 0.000036),
                ('CMD ["python3"]', 0)],
        Cmd=["python3"])


def _nginx(tag: str, version: str, njs: str, release: str, size: float, compressed: float,
           base: list[tuple[str, float]], created: str) -> CatalogueImage:
    return _official(
        f"nginx:{tag}", size, compressed, "web", created,
        env=[f"NGINX_VERSION={version}", f"NJS_VERSION={njs}", f"PKG_RELEASE={release}"],
        layers=[*base, _nop('LABEL maintainer=NGINX Docker Maintainers <docker-maint@nginx.com>'),
                _nop(f"ENV NGINX_VERSION={version}"), _nop(f"ENV NJS_VERSION={njs}"),
                _nop(f"ENV PKG_RELEASE={release}"),
                ("/bin/sh -c set -x && addgroup --system --gid 101 nginx && adduser --system --disabled-login "
                 "--ingroup nginx --no-create-home ...", 60),
                ("/bin/sh -c #(nop) COPY file:65504f71f5855ca017fb64d502ce873a31b2e0decd75297a8fb0a287f97acf92 in "
                 "/ ", 0.001202),
                ("/bin/sh -c #(nop) COPY file:0b866ff3fc1ef5b03c4e6c8c513ae014f691fb05d530257dfffd07035c1b75da in "
                 "/docker-entrypoint.d ", 0.004613),
                _nop('ENTRYPOINT ["/docker-entrypoint.sh"]'), _nop("EXPOSE 80"), _nop("STOPSIGNAL SIGQUIT"),
                _nop('CMD ["nginx" "-g" "daemon off;"]')],
        Labels={"maintainer": "NGINX Docker Maintainers <docker-maint@nginx.com>"},
        Entrypoint=["/docker-entrypoint.sh"], Cmd=["nginx", "-g", "daemon off;"], ExposedPorts={"80/tcp": {}},
        StopSignal="SIGQUIT")


def _ubuntu(version: str, size: float, compressed: float, created: str) -> CatalogueImage:
    return _official(
        f"ubuntu:{version}", size, compressed, "shell", created, env=[],
        layers=[_nop("ARG RELEASE"), _nop("ARG LAUNCHPAD_BUILD_ARCH"),
                _nop("LABEL org.opencontainers.image.ref.name=ubuntu"),
                _nop(f"LABEL org.opencontainers.image.version={version}"),
                *_rootfs(f"ubuntu:{version}", size, '["/bin/bash"]')],
        Labels={"org.opencontainers.image.ref.name": "ubuntu", "org.opencontainers.image.version": version},
        Cmd=["/bin/bash"])


def _plain(ref: str, size: float, compressed: float, behaviour: str, cmd: list[str], created: str
           ) -> CatalogueImage:
    return _official(ref, size, compressed, behaviour, created, env=[],
                     layers=_rootfs(ref, size, _json_list(cmd)), Cmd=cmd)


def _golang(tag: str, version: str, size: float, compressed: float, base: list[tuple[str, float]],
            created: str, cmd: list[str]) -> CatalogueImage:
    return _official(
        f"golang:{tag}", size, compressed, "runtime", created,
        path="PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        env=[f"GOLANG_VERSION={version}", "GOTOOLCHAIN=local", "GOPATH=/go"],
        layers=[*base, ("ENV GOLANG_VERSION=" + version, 0), ("ENV GOTOOLCHAIN=local", 0),
                ("COPY /target/ / # buildkit", 210), ("ENV GOPATH=/go", 0),
                ("ENV PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 0),
                ('RUN /bin/sh -c mkdir -p "$GOPATH/src" "$GOPATH/bin" && chmod -R 1777 "$GOPATH" # buildkit', 0),
                ("WORKDIR /go", 0)],
        WorkingDir="/go", Cmd=cmd)


_ALPINE_318 = _rootfs("alpine:3.18", 7.34, '["/bin/sh"]')
_ALPINE_320 = _rootfs("alpine:3.20", 7.8, '["/bin/sh"]')
_ALPINE_321 = _rootfs("alpine:3.21", 7.83, '["/bin/sh"]')
_BOOKWORM = _rootfs("debian:bookworm", 117, '["bash"]')
_BOOKWORM_SLIM = _rootfs("debian:bookworm-slim", 74.8, '["bash"]')
_BUILDPACK = [*_BOOKWORM,
              ("RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends "
               "ca-certificates curl gnupg netbase sq wget ; rm -rf /var/lib/apt/lists/* # buildkit", 23.6),
              ("RUN /bin/sh -c set -eux; apt-get update; apt-get install -y --no-install-recommends git "
               "mercurial openssh-client subversion procps ; rm -rf /var/lib/apt/lists/* # buildkit", 59.4),
              ("RUN /bin/sh -c set -ex; apt-get update; apt-get install -y --no-install-recommends autoconf "
               "automake bzip2 default-libmysqlclient-dev dpkg-dev file g++ gcc ... # buildkit", 581)]

_DETAILED: dict[str, CatalogueImage] = {i.ref: i for i in [
    _node("16-alpine", "16.20.2", "1.22.19", 118, 40.7, _ALPINE_318, "2023-08-09T03:51:23Z", True),
    _node("18-alpine", "18.20.8", "1.22.22", 127, 43.7, _ALPINE_321, "2025-03-27T19:47:09Z", True),
    _node("20-alpine", "20.19.2", "1.22.22", 135, 46, _ALPINE_321, "2025-05-15T09:20:44Z", True),
    _node("16", "16.20.2", "1.22.19", 909, 332, [*_BUILDPACK[:2], (_BUILDPACK[2][0], 58.0),
                                                (_BUILDPACK[3][0], 520)], "2023-09-07T20:14:53Z", False),
    _node("18", "18.20.8", "1.22.22", 1090, 385, _BUILDPACK, "2025-03-27T19:46:51Z", False),
    _node("20", "20.19.2", "1.22.22", 1100, 389, _BUILDPACK, "2025-05-15T09:20:22Z", False),
    _python("3.9", "3.9.23", 997, 356, _BUILDPACK, "2025-06-04T00:38:44Z"),
    _python("3.10", "3.10.18", 1000, 358, _BUILDPACK, "2025-06-04T00:38:57Z"),
    _python("3.11", "3.11.13", 1010, 363, _BUILDPACK, "2025-06-04T00:39:12Z"),
    _python("3.12", "3.12.11", 1020, 368, _BUILDPACK, "2025-06-04T00:39:27Z"),
    _python("3.9-slim", "3.9.23", 125, 44.6, _BOOKWORM_SLIM, "2025-06-04T00:38:30Z"),
    _python("3.11-slim", "3.11.13", 131, 47.2, _BOOKWORM_SLIM, "2025-06-04T00:38:50Z"),
    _python("3.12-slim", "3.12.11", 124, 44.5, _BOOKWORM_SLIM, "2025-06-04T00:39:01Z"),
    _nginx("1.20", "1.20.2", "0.7.0", "1~bullseye", 142, 54.3, _rootfs("debian:bullseye-slim", 80.4, '["bash"]'),
           "2021-12-29T19:28:29Z"),
    _nginx("1.21", "1.21.6", "0.7.3", "1~bullseye", 141, 54.2, _rootfs("debian:bullseye-slim", 80.4, '["bash"]'),
           "2022-05-28T05:43:53Z"),
    _ubuntu("20.04", 72.8, 27.5, "2025-04-08T10:48:04Z"),
    _ubuntu("22.04", 77.9, 29.5, "2025-05-30T08:48:03Z"),
    _ubuntu("24.04", 78.1, 29.7, "2025-05-29T04:21:01Z"),
    _plain("alpine:3.18", 7.34, 3.4, "shell", ["/bin/sh"], "2024-09-06T22:20:07Z"),
    _plain("alpine:3.19", 7.38, 3.4, "shell", ["/bin/sh"], "2025-02-14T03:28:36Z"),
    _plain("alpine:3.20", 7.8, 3.6, "shell", ["/bin/sh"], "2025-02-14T03:28:36Z"),
    _plain("busybox:1.36", 4.26, 2.2, "shell", ["sh"], "2023-05-18T22:34:17Z"),
    _golang("1.22", "1.22.12", 838, 292, _BUILDPACK, "2025-02-04T19:05:18Z", ["bash"]),
    _golang("1.22-alpine", "1.22.12", 230, 78, _ALPINE_321, "2025-02-04T19:05:31Z", ["/bin/sh"]),
    _golang("1.23", "1.23.10", 852, 297, _BUILDPACK, "2025-06-05T17:12:40Z", ["bash"]),
]}


_ENTRIES: list[CatalogueImage] = [
    *_img("nginx", "1.20 1.21 1.25 1.27 latest", 142, 56, "web",
          Cmd=["nginx", "-g", "daemon off;"], ExposedPorts={"80/tcp": {}}, StopSignal="SIGQUIT",
          Entrypoint=["/docker-entrypoint.sh"]),
    *_img("nginx", "alpine 1.25-alpine", 43, 17, "web",
          Cmd=["nginx", "-g", "daemon off;"], ExposedPorts={"80/tcp": {}}, StopSignal="SIGQUIT",
          Entrypoint=["/docker-entrypoint.sh"]),
    *_img("httpd", "2.4 latest", 148, 58, "web", Cmd=["httpd-foreground"], ExposedPorts={"80/tcp": {}},
          StopSignal="SIGWINCH"),
    *_img("redis", "7 7.2 latest", 117, 45, "db", Cmd=["redis-server"], ExposedPorts={"6379/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("postgres", "15 16 latest", 432, 150, "db", Cmd=["postgres"], ExposedPorts={"5432/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"], StopSignal="SIGINT"),
    *_img("mysql", "8 8.0 latest", 577, 170, "db", Cmd=["mysqld"], ExposedPorts={"3306/tcp": {}, "33060/tcp": {}},
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("python", "3.9 3.10 3.11 3.12 latest", 1000, 360, "runtime", Cmd=["python3"]),
    *_img("python", "3.9-slim 3.11-slim 3.12-slim", 125, 45, "runtime", Cmd=["python3"]),
    *_img("node", "16 18 20 latest", 1090, 385, "runtime", Cmd=["node"], Entrypoint=["docker-entrypoint.sh"]),
    *_img("node", "16-alpine 18-alpine 20-alpine", 118, 40, "runtime", Cmd=["node"],
          Entrypoint=["docker-entrypoint.sh"]),
    *_img("busybox", "1.36 latest", 4.3, 2.2, "shell", Cmd=["sh"]),
    *_img("alpine", "3.18 3.19 3.20 3.21 latest", 7.8, 3.6, "shell", Cmd=["/bin/sh"]),
    *_img("golang", "1.22 1.22-alpine 1.23", 840, 290, "runtime", Cmd=["bash"]),
    *_img("ubuntu", "20.04 22.04 24.04 latest", 78, 29, "shell", Cmd=["/bin/bash"]),
    *_img("debian", "12 bookworm bookworm-slim latest", 117, 49, "shell", Cmd=["bash"]),
    # --- The images of a kind node (Kubernetes v1.35): preloaded on every simulated node. -------------------
    *_img("registry.k8s.io/etcd", "3.6.6-0", 63, 23, "system", Cmd=["etcd"]),
    *_img("registry.k8s.io/kube-apiserver", "v1.35.0", 90, 27, "system", Cmd=["kube-apiserver"]),
    *_img("registry.k8s.io/kube-controller-manager", "v1.35.0", 84, 25, "system",
          Cmd=["kube-controller-manager"]),
    *_img("registry.k8s.io/kube-scheduler", "v1.35.0", 69, 20, "system", Cmd=["kube-scheduler"]),
    *_img("registry.k8s.io/kube-proxy", "v1.35.0", 96, 31, "system", Cmd=["/usr/local/bin/kube-proxy"]),
    *_img("registry.k8s.io/coredns/coredns", "v1.13.1", 76, 22, "system", Entrypoint=["/coredns"],
          ExposedPorts={"53/tcp": {}, "53/udp": {}}),
    *_img("registry.k8s.io/pause", "3.10.1", 0.74, 0.32, "system", Entrypoint=["/pause"]),
    *_img("kindest/kindnetd", "v20251212-v0.29.0-alpha-105-g20ccfc88", 98, 44, "system",
          Cmd=["/bin/kindnetd"]),
    *_img("kindest/local-path-provisioner", "v20251212-v0.29.0-alpha-105-g20ccfc88", 59, 22, "system",
          Entrypoint=["local-path-provisioner"]),
]


class Catalogue:
    """The known public images, by normalised reference."""

    def __init__(self, entries: list[CatalogueImage] | None = None) -> None:
        self._by_ref: dict[str, CatalogueImage] = {}
        for e in entries if entries is not None else _ENTRIES:
            self.register(e)

    def register(self, image: CatalogueImage) -> None:
        self._by_ref[f"{image.repository}:{image.tag}"] = image

    def lookup(self, ref: str) -> CatalogueImage | None:
        return self._by_ref.get(normalise(ref))

    def __iter__(self) -> Iterator[CatalogueImage]:
        return iter(self._by_ref.values())


CATALOGUE = Catalogue()
