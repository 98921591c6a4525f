"""`kubectl create`: ConfigMaps, Secrets, Deployments and Namespaces from the command line, or objects from files.

    %k8s create configmap app --from-literal=a=1 --from-literal=b=2     configmap/app created
    %k8s create secret generic db --from-literal=password=s3cret        secret/db created
    %k8s create deployment web --image=nginx:1.20 --replicas=3 --port=80
    %k8s create namespace team-a
    %k8s create -f pod.yaml
    %k8s create deployment web --image=nginx --dry-run=client -o yaml   the manifest, to start a file from

The objects are built as kubectl builds them (labels `app: NAME`, containers named after the image), so
`--dry-run=client -o yaml` prints what kubectl prints.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path
from typing import Any

from kube_magics.errors import UsageError
from kube_magics.kubectl import verb
from kube_magics.kubectl.common import created, namespace, result
from kube_magics.kubectl.flags import (
    DRY_RUN,
    FIELD_MANAGER,
    FILENAME,
    PRINT,
    RECURSIVE,
    Command,
    Flag,
    Options,
    dry_run,
    parse,
)
from kube_magics.results import TextResult
from kube_magics.session import Session

Obj = dict[str, Any]

_COMMON = (*PRINT, DRY_RUN, FIELD_MANAGER, Flag("save-config"), Flag("validate", kind="str", default="strict",
                                                                       no_opt="strict"))
_SOURCES = (Flag("from-literal", kind="array"), Flag("from-file", kind="slice"), Flag("from-env-file", kind="slice"),
            Flag("append-hash"))
CREATE = Command("create", "kubectl create -f FILENAME", (*_COMMON, FILENAME, RECURSIVE, Flag("edit"),
                                                         Flag("selector", "l", "str"), Flag("raw", kind="str")))
CONFIGMAP = Command("create configmap", "kubectl create configmap NAME [--from-file=[key=]source] "
                                        "[--from-literal=key1=value1] [--dry-run=server|client|none]",
                    (*_COMMON, *_SOURCES))
SECRET_GENERIC = Command("create secret generic", "kubectl create secret generic NAME [--type=string] "
                                                  "[--from-file=[key=]source] [--from-literal=key1=value1] "
                                                  "[--dry-run=server|client|none]",
                         (*_COMMON, *_SOURCES, Flag("type", kind="str", default="")))
DEPLOYMENT = Command("create deployment", "kubectl create deployment NAME --image=image -- [COMMAND] [args...]", (
    *_COMMON, Flag("image", kind="slice"), Flag("port", kind="int", default=-1),
    Flag("replicas", "r", "int", default=1)))
NAMESPACE = Command("create namespace", "kubectl create namespace NAME [--dry-run=server|client|none]", _COMMON)

_CONFIGMAP_KEY = re.compile(r"[-._a-zA-Z0-9]+")


@verb("create")
def create(session: Session, argv: list[str]) -> TextResult:
    sub = argv[0] if argv and not argv[0].startswith("-") else None
    if sub in ("configmap", "cm"):
        return _configmap(session, argv[1:])
    if sub == "secret":
        if argv[1:2] != ["generic"]:
            raise UsageError("error: create secret supports `generic` here (docker-registry and tls: write the "
                             "Secret in a %%k8s cell)")
        return _secret(session, argv[2:])
    if sub in ("deployment", "deploy"):
        return _deployment(session, argv[1:])
    if sub in ("namespace", "ns"):
        return _namespace(session, argv[1:])
    return _from_files(session, argv)


def _name(command: Command, args: list[str]) -> str:
    """cmdutil's NameFromCommandArgs (arguments after `--` do not count)."""
    count = args.index("--") if "--" in args else len(args)
    if count != 1:
        raise command.usage_error(f"exactly one NAME is required, got {count}")
    return args[0]


def _meta(session: Session, o: Options, name: str) -> Obj:
    meta: Obj = {"name": name}
    if o.was_set("namespace") or dry_run(CREATE, o) != "client":
        meta["namespace"] = namespace(session, o)
    return meta


def _finish(session: Session, o: Options, command: Command, obj: Obj, wrap: str | None) -> TextResult:
    text, obj = created(session, obj, output=o.output, strategy=dry_run(command, o), wrap=wrap,
                        manager=o.field_manager or "kubectl-create")
    return result(text, objects=[obj])


def _configmap(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(CONFIGMAP, argv)
    name = _name(CONFIGMAP, args)
    data, binary = _sources(CONFIGMAP, o, "ConfigMap")
    obj: Obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(session, o, name)}
    if data:
        obj["data"] = data
    if binary:
        obj["binaryData"] = {k: base64.b64encode(v).decode() for k, v in binary.items()}
    return _finish(session, o, CONFIGMAP, obj, "failed to create configmap: ")


def _secret(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(SECRET_GENERIC, argv)
    name = _name(SECRET_GENERIC, args)
    data, binary = _sources(SECRET_GENERIC, o, "Secret")
    values = {**{k: v.encode() for k, v in data.items()}, **binary}
    obj: Obj = {"apiVersion": "v1", "kind": "Secret", "metadata": _meta(session, o, name),
                "data": {k: base64.b64encode(v).decode() for k, v in values.items()}}
    if o.type:
        obj["type"] = o.type
    return _finish(session, o, SECRET_GENERIC, obj, "failed to create secret ")


def _sources(command: Command, o: Options, kind: str) -> tuple[dict[str, str], dict[str, bytes]]:
    """--from-literal, --from-file (files or directories), --from-env-file: (text values, binary values)."""
    if o.from_env_file and (o.from_file or o.from_literal):
        raise command.error("from-env-file cannot be combined with from-file or from-literal")
    data: dict[str, str] = {}
    binary: dict[str, bytes] = {}

    def add(key: str, value: str | bytes) -> None:
        if not _CONFIGMAP_KEY.fullmatch(key) or key in (".", ".."):
            raise command.error(f'"{key}" is not a valid key name for a {kind}: a valid config key must consist of '
                                "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or "
                                "'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
        if key in data or key in binary:
            raise command.error(f"cannot add key {key}, another key by that name already exists")
        if isinstance(value, bytes):
            try:
                data[key] = value.decode("utf-8")
            except UnicodeDecodeError:
                binary[key] = value
        else:
            data[key] = value

    for source in o.from_file:
        for key, content in _read_file_source(command, source):
            add(key, content)
    for literal in o.from_literal:
        key, eq, value = literal.partition("=")
        if not eq or not key:
            raise command.error(f"invalid literal source {literal}, expected key=value")
        add(key, value)
    for env_file in o.from_env_file:
        for key, value in _read_env_file(command, env_file):
            add(key, value)
    return data, binary


def _read_file_source(command: Command, source: str) -> list[tuple[str, bytes]]:
    key, eq, path_text = source.partition("=")
    if not eq:
        key, path_text = "", source
    path = Path(path_text)
    if not path.exists():
        raise command.error(f"error reading {path_text}: no such file or directory")
    if path.is_dir():
        if key:
            raise command.error("cannot give a key name for a directory path")
        return [(p.name, p.read_bytes()) for p in sorted(path.iterdir()) if p.is_file()]
    return [(key or path.name, path.read_bytes())]


def _read_env_file(command: Command, path_text: str) -> list[tuple[str, str]]:
    path = Path(path_text)
    if not path.exists():
        raise command.error(f"error reading {path_text}: no such file or directory")
    out = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, eq, value = line.partition("=")
        if not eq:
            raise command.error(f'line {n}: "{line}" is not a valid key=value pair')
        out.append((key.strip(), value))
    return out


def _deployment(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(DEPLOYMENT, argv)
    if not o.image:
        raise UsageError('error: required flag(s) "image" not set')
    name = _name(DEPLOYMENT, args)
    command = args[args.index("--") + 1:] if "--" in args else []
    if len(o.image) > 1 and command:
        raise DEPLOYMENT.error("cannot specify multiple --image options and command")
    labels = {"app": name}
    containers = []
    for image in o.image:
        cname = image.split("/")[-1].split(":")[0].split("@")[0]
        container: Obj = {"image": image, "name": cname.replace("_", "-").replace(".", "-"), "resources": {}}
        if command:
            container["command"] = command
        containers.append(container)
    if o.port >= 0:
        containers[0]["ports"] = [{"containerPort": int(o.port)}]
    obj: Obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {**_meta(session, o, name),
                                                                            "labels": dict(labels)},
                "spec": {"replicas": int(o.replicas), "selector": {"matchLabels": dict(labels)}, "strategy": {},
                         "template": {"metadata": {"labels": dict(labels)}, "spec": {"containers": containers}}},
                "status": {}}
    return _finish(session, o, DEPLOYMENT, obj, "failed to create deployment: ")


def _namespace(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(NAMESPACE, argv)
    name = _name(NAMESPACE, args)
    obj: Obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}, "spec": {}, "status": {}}
    return _finish(session, o, NAMESPACE, obj, None)


def _from_files(session: Session, argv: list[str]) -> TextResult:
    o, args = parse(CREATE, argv)
    if args:
        raise CREATE.usage_error(f"Unexpected args: [{' '.join(args)}]")
    if not o.filename:
        raise CREATE.error("must specify one of -f and -k")
    from kube_magics.kubectl.apply_files import create_from_files

    return create_from_files(session, o, dry_run(CREATE, o))
