"""`docker images`, `ps`, `history` and `inspect` output, exactly as the docker CLI prints it.

Each function takes the dicts the Engine API returns (what the `docker` SDK's `APIClient.images()`,
`containers()`, `history()`, `inspect_*()` give) and a `now` (seconds since the epoch), and returns the text. They
are pure, so the simulated docker formats its own objects (shaped like the API's) with the same functions.

Formats: the default tables; `-q`; `--no-trunc`; `--format` with a Go template (`{{.Names}}`, `table {{.ID}}\t
{{.Image}}`, `json`, `{{json .Config}}`). Fields are the CLI's formatting contexts (ContainerContext,
ImageContext, HistoryContext): `.ID .Image .Command .RunningFor .Status .Ports .Names .Labels .Label "k"` and so on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar

from kube_magics.docker import gotemplate
from kube_magics.docker.units import ellipsis, go_time, human_duration, human_size, rfc3339, tabulate, truncate_id

PS_TABLE = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
IMAGES_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
IMAGES_DIGESTS_TABLE = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
HISTORY_TABLE = "table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}"


class _Context:
    """A row's fields, computed on access as the CLI's formatting contexts compute them."""

    fields: ClassVar[tuple[str, ...]] = ()
    headers: ClassVar[Mapping[str, str]] = {}

    def to_json(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in sorted(self.fields)}


class ContainerContext(_Context):
    fields: ClassVar[tuple[str, ...]] = (
        "Command", "CreatedAt", "ID", "Image", "Labels", "LocalVolumes", "Mounts", "Names", "Networks",
              "Ports", "RunningFor", "Size", "State", "Status")
    headers: ClassVar[Mapping[str, str]] = {
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "CreatedAt": "CREATED AT",
               "RunningFor": "CREATED", "Ports": "PORTS", "State": "STATE", "Status": "STATUS", "Size": "SIZE",
               "Names": "NAMES", "Labels": "LABELS", "Mounts": "MOUNTS", "Networks": "NETWORKS",
               "LocalVolumes": "LOCAL VOLUMES", "Label": "LABEL"}

    def __init__(self, c: Mapping[str, Any], *, now: float, trunc: bool = True) -> None:
        self.c, self.now, self.trunc = c, now, trunc

    @property
    def ID(self) -> str:
        ident = str(self.c.get("Id", ""))
        return truncate_id(ident) if self.trunc else ident

    @property
    def Names(self) -> str:
        names = [n[1:] if n.startswith("/") else n for n in self.c.get("Names") or []]
        if self.trunc:
            names = next(([n] for n in names if "/" not in n), names)
        return ",".join(names)

    @property
    def Image(self) -> str:
        image = str(self.c.get("Image", ""))
        if not self.trunc:
            return image
        if image.startswith("sha256:"):
            return truncate_id(image)
        return image.split("@", 1)[0] if "@" in image else image

    @property
    def Command(self) -> str:
        command = str(self.c.get("Command", ""))
        if self.trunc:
            command = ellipsis(command, 20)
        return json.dumps(command, ensure_ascii=False)

    @property
    def CreatedAt(self) -> str:
        return go_time(self.c.get("Created", 0))

    @property
    def RunningFor(self) -> str:
        return human_duration(self.now - self.c.get("Created", self.now)) + " ago"

    @property
    def Ports(self) -> str:
        return display_ports(self.c.get("Ports") or [])

    @property
    def State(self) -> str:
        return str(self.c.get("State", ""))

    @property
    def Status(self) -> str:
        return str(self.c.get("Status", ""))

    @property
    def Size(self) -> str:
        rw, root = self.c.get("SizeRw") or 0, self.c.get("SizeRootFs") or 0
        text = human_size(rw)
        return f"{text} (virtual {human_size(root)})" if root else text

    @property
    def Labels(self) -> str:
        labels = self.c.get("Labels") or {}
        return ",".join(f"{k}={labels[k]}" for k in sorted(labels))

    def Label(self, name: str) -> str:
        return str((self.c.get("Labels") or {}).get(name, ""))

    @property
    def Mounts(self) -> str:
        mounts = self.c.get("Mounts") or []
        names = [m.get("Name") or m.get("Source", "") for m in mounts]
        return ",".join(ellipsis(n, 15) if self.trunc else n for n in names)

    @property
    def LocalVolumes(self) -> str:
        return str(sum(1 for m in self.c.get("Mounts") or [] if m.get("Driver") == "local"))

    @property
    def Networks(self) -> str:
        networks = ((self.c.get("NetworkSettings") or {}).get("Networks")) or {}
        return ",".join(sorted(networks))


class ImageContext(_Context):
    fields: ClassVar[tuple[str, ...]] = (
        "Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository", "SharedSize", "Size", "Tag",
              "UniqueSize", "VirtualSize")
    headers: ClassVar[Mapping[str, str]] = {
        "ID": "IMAGE ID", "Repository": "REPOSITORY", "Tag": "TAG", "Digest": "DIGEST",
               "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "Size": "SIZE", "Containers": "CONTAINERS",
               "VirtualSize": "VIRTUAL SIZE", "SharedSize": "SHARED SIZE", "UniqueSize": "UNIQUE SIZE"}

    def __init__(self, i: Mapping[str, Any], repo: str, tag: str, digest: str, *, now: float,
                 trunc: bool = True) -> None:
        self.i, self.Repository, self.Tag, self.Digest = i, repo, tag, digest
        self.now, self.trunc = now, trunc

    @property
    def ID(self) -> str:
        ident = str(self.i.get("Id", ""))
        return truncate_id(ident) if self.trunc else ident

    @property
    def CreatedSince(self) -> str:
        return human_duration(self.now - self.i.get("Created", self.now)) + " ago"

    @property
    def CreatedAt(self) -> str:
        return go_time(self.i.get("Created", 0))

    @property
    def Size(self) -> str:
        return human_size(self.i.get("Size", 0))

    @property
    def VirtualSize(self) -> str:
        return human_size(self.i.get("VirtualSize", self.i.get("Size", 0)))

    @property
    def Containers(self) -> str:
        n = self.i.get("Containers", -1)
        return "N/A" if n is None or n < 0 else str(n)

    @property
    def SharedSize(self) -> str:
        n = self.i.get("SharedSize", -1)
        return "N/A" if n is None or n < 0 else human_size(n)

    @property
    def UniqueSize(self) -> str:
        shared = self.i.get("SharedSize", -1)
        return "N/A" if shared is None or shared < 0 else human_size(self.i.get("Size", 0) - shared)


class HistoryContext(_Context):
    fields: ClassVar[tuple[str, ...]] = (
        "Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size")
    headers: ClassVar[Mapping[str, str]] = {
        "ID": "IMAGE", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT", "CreatedBy": "CREATED BY",
               "Size": "SIZE", "Comment": "COMMENT"}

    def __init__(self, h: Mapping[str, Any], *, now: float, trunc: bool = True, human: bool = True) -> None:
        self.h, self.now, self.trunc, self.human = h, now, trunc, human

    @property
    def ID(self) -> str:
        ident = str(self.h.get("Id", ""))
        return truncate_id(ident) if self.trunc and ident != "<missing>" else ident

    @property
    def CreatedSince(self) -> str:
        if not self.human:
            return rfc3339(self.h.get("Created", 0))
        return human_duration(self.now - self.h.get("Created", self.now)) + " ago"

    @property
    def CreatedAt(self) -> str:
        return rfc3339(self.h.get("Created", 0))

    @property
    def CreatedBy(self) -> str:
        text = str(self.h.get("CreatedBy", "")).replace("\t", " ")
        return ellipsis(text, 45) if self.trunc else text

    @property
    def Size(self) -> str:
        size = self.h.get("Size", 0)
        return human_size(size) if self.human else str(size)

    @property
    def Comment(self) -> str:
        return str(self.h.get("Comment", ""))


def display_ports(ports: Iterable[Mapping[str, Any]]) -> str:
    """The CLI's DisplayablePorts: `0.0.0.0:18080->8080/tcp, [::]:18080->8080/tcp`, ranges as `80-81/tcp`."""
    ordered = sorted(ports, key=lambda p: (p.get("PrivatePort", 0), p.get("IP", ""), p.get("PublicPort", 0),
                                           p.get("Type", "")))
    groups: dict[str, list[int]] = {}  # key -> [first, last], in the order keys appear
    result: list[str] = []
    mappings: list[str] = []
    for p in ordered:
        private, ip, kind = int(p.get("PrivatePort", 0)), p.get("IP", ""), p.get("Type", "tcp")
        key = kind
        if ip:
            if p.get("PublicPort") != private:
                mappings.append(f"{_host_port(ip, p.get('PublicPort', 0))}->{private}/{kind}")
                continue
            key = f"{ip}/{kind}"
        group = groups.get(key)
        if group is None:
            groups[key] = [private, private]
        elif private == group[1] + 1:
            group[1] = private
        else:
            result.append(_port_group(key, *group))
            groups[key] = [private, private]
    result.extend(_port_group(key, *group) for key, group in groups.items())
    return ", ".join(result + mappings)


def _host_port(ip: str, port: Any) -> str:
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _port_group(key: str, first: int, last: int) -> str:
    ip, _, kind = key.rpartition("/")
    ports = str(first) if first == last else f"{first}-{last}"
    if ip:
        return f"{_host_port(ip, ports)}->{ports}/{kind}"
    return f"{ports}/{kind}"


def render_rows(contexts: Sequence[_Context], fmt: str, *, headers: Mapping[str, str]) -> str:
    """Execute a `--format` on each row: `table ...` gets a header line and tabwriter columns."""
    fmt = fmt.replace("\\t", "\t").replace("\\n", "\n")
    if fmt == "json":
        return "".join(gotemplate.go_json(c) + "\n" for c in contexts)
    if not fmt.startswith("table"):
        return "".join(gotemplate.render(fmt, c) + "\n" for c in contexts)
    body = fmt[len("table"):].strip(" ")
    header_data = {name: title for name, title in headers.items()}
    lines = [gotemplate.render(body, header_data)]
    lines.extend(gotemplate.render(body, c) for c in contexts)
    rows = [cell.split("\t") for text in lines for cell in text.split("\n")]
    return tabulate(rows)


def format_ps(containers: Sequence[Mapping[str, Any]], *, now: float, quiet: bool = False, no_trunc: bool = False,
              fmt: str | None = None, size: bool = False) -> str:
    """`docker ps`: the list API's entries (newest first, as the engine returns them)."""
    contexts = [ContainerContext(c, now=now, trunc=not no_trunc) for c in containers]
    if quiet and not fmt:
        fmt = "{{.ID}}"
    if not fmt or fmt == "table":
        fmt = PS_TABLE + ("\t{{.Size}}" if size else "")
    return render_rows(contexts, fmt, headers=ContainerContext.headers)


def image_rows(images: Sequence[Mapping[str, Any]], *, now: float, trunc: bool = True,
               digests: bool = False) -> list[ImageContext]:
    """One row per repository:tag of each image (untagged ones as `<none>`), newest first."""
    rows: list[ImageContext] = []
    for img in sorted(images, key=lambda i: -int(i.get("Created", 0))):
        tags: dict[str, list[str]] = {}
        digest_map: dict[str, list[str]] = {}
        for ref in img.get("RepoTags") or []:
            if ref != "<none>:<none>" and ":" in ref.rsplit("/", 1)[-1]:
                repo, _, tag = ref.rpartition(":")
                tags.setdefault(repo, []).append(tag)
        for ref in img.get("RepoDigests") or []:
            if ref != "<none>@<none>" and "@" in ref:
                repo, _, dig = ref.partition("@")
                digest_map.setdefault(repo, []).append(dig)
        if not tags and not digest_map:
            rows.append(ImageContext(img, "<none>", "<none>", "<none>", now=now, trunc=trunc))
            continue
        for repo, repo_tags in tags.items():
            repo_digests = digest_map.pop(repo, [])  # digests never get rows of their own
            for tag in repo_tags:
                for d in (repo_digests if digests else []) or ["<none>"]:
                    rows.append(ImageContext(img, repo, tag, d, now=now, trunc=trunc))
        for repo, ds in digest_map.items():
            for d in ds if digests else [""]:
                rows.append(ImageContext(img, repo, "<none>", d, now=now, trunc=trunc))
    return rows


def format_images(images: Sequence[Mapping[str, Any]], *, now: float, quiet: bool = False, no_trunc: bool = False,
                  digests: bool = False, fmt: str | None = None) -> str:
    """`docker images`: REPOSITORY TAG IMAGE ID CREATED SIZE."""
    rows = image_rows(images, now=now, trunc=not no_trunc, digests=digests)
    if quiet and not fmt:
        fmt = "{{.ID}}"
    if not fmt or fmt == "table":
        fmt = IMAGES_DIGESTS_TABLE if digests else IMAGES_TABLE
    return render_rows(rows, fmt, headers=ImageContext.headers)


def format_history(history: Sequence[Mapping[str, Any]], *, now: float, human: bool = True, no_trunc: bool = False,
                   quiet: bool = False, fmt: str | None = None) -> str:
    """`docker history IMAGE`: the layers, newest first, with `#(nop)` for steps that changed only metadata."""
    rows = [HistoryContext(h, now=now, trunc=not no_trunc, human=human) for h in history]
    if quiet and not fmt:
        fmt = "{{.ID}}"
    if not fmt or fmt == "table":
        fmt = HISTORY_TABLE
    return render_rows(rows, fmt, headers=HistoryContext.headers)


# The image config fields the CLI's image inspect types carry, in their order; empty ones are omitted (omitempty).
_IMAGE_CONFIG_FIELDS = ("User", "ExposedPorts", "Env", "Entrypoint", "Cmd", "Volumes", "WorkingDir", "Labels",
                        "StopSignal", "ArgsEscaped", "Healthcheck", "OnBuild", "Shell")


def image_config(config: Mapping[str, Any] | None) -> dict[str, Any]:
    """An image's Config as `docker image inspect --format '{{json .Config}}'` shows it."""
    config = config or {}
    return {k: config[k] for k in _IMAGE_CONFIG_FIELDS if config.get(k) not in (None, "", [], {}, False)}


def inspect_data(obj: Mapping[str, Any]) -> dict[str, Any]:
    """What a `--format` template sees: an image's Config reduced as the CLI's typed image config is."""
    data = dict(obj)
    if "RepoTags" in data and "Config" in data:  # an image
        data["Config"] = image_config(data.get("Config"))
    return data


def format_inspect(objects: Sequence[Mapping[str, Any]], *, fmt: str | None = None) -> str:
    """`docker inspect`: a JSON array indented by four spaces, or one `--format` line per object."""
    if fmt:
        fmt = fmt.replace("\\t", "\t").replace("\\n", "\n")
        return "".join(gotemplate.render(fmt, inspect_data(o)) + "\n" for o in objects)
    text = json.dumps(list(objects), indent=4, ensure_ascii=False)
    # encoding/json escapes <, > and & inside strings (they occur only inside strings in JSON text).
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026") + "\n"
