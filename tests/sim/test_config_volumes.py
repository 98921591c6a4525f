"""ConfigMaps, Secrets, the downward API and the service account token as volumes, through SimCluster on the real
scheduler and kubelet: files, items, modes, optional volumes, FailedMount, updates after the kubelet's sync, and
what `read_file` / `list_dir` / `stat` show (with the container's own error messages)."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kube_magics.errors import BackendError, BadRequestError, ExecError, NotFoundError
from kube_magics.sim import SimCluster
from tests.sim.node_helpers import container_status, messages, pod, run_until

CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-config
data:
  MODE: production
  LOG_LEVEL: info
  app.properties: |
    color=blue
    size=10
binaryData:
  logo.bin: AAEC/w==
"""
SECRET = """
apiVersion: v1
kind: Secret
metadata:
  name: db-secret
stringData:
  PASSWORD: s3cr3t
  USER: admin
"""


def running(c: SimCluster, name: str) -> bool:
    return (c.get("pod", name).get("status") or {}).get("phase") == "Running"


def mounting(name: str, volumes: list[dict[str, Any]], mounts: list[dict[str, Any]],
             image: str = "busybox:1.36", **container: Any) -> dict[str, Any]:
    container.setdefault("command", ["sleep", "3600"])
    if container["command"] is None:  # the image's own command
        del container["command"]
    return pod(name, image, volumeMounts=mounts, spec={"volumes": volumes}, **container)


def test_a_configmap_volume_has_a_file_per_key_in_the_atomic_writers_layout() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(mounting("app", [{"name": "config", "configMap": {"name": "app-config"}}],
                     [{"name": "config", "mountPath": "/etc/config"}]))
    run_until(c, lambda c: running(c, "app"))
    assert c.list_dir("app", "/etc/config") == ["LOG_LEVEL", "MODE", "app.properties", "logo.bin"]
    assert c.read_file("app", "/etc/config/MODE") == "production"  # no newline added: the value as stored
    assert c.read_file("app", "/etc/config/app.properties") == "color=blue\nsize=10\n"
    assert c.read_file("app", "/etc/config/logo.bin").encode("utf-8", "replace")[:3] == b"\x00\x01\x02"
    everything = c.list_dir("app", "/etc/config", all=True)
    assert everything[:2] == [".", ".."] and everything[3] == "..data" and everything[2].startswith("..2026_")
    link = c.stat("app", "/etc/config/MODE", follow=False)
    assert (link.type, link.target, link.permissions) == ("link", "..data/MODE", "lrwxrwxrwx")
    assert c.stat("app", "/etc/config/..data", follow=False).target == everything[2]
    target = c.stat("app", "/etc/config/MODE")
    assert (target.type, target.mode, target.size, target.permissions) == ("file", 0o644, 10, "-rw-r--r--")


def test_items_choose_keys_and_paths_and_modes_apply() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(SECRET)
    c.apply(mounting("app", [
        {"name": "config", "configMap": {"name": "app-config", "defaultMode": 0o440, "items": [
            {"key": "MODE", "path": "mode.txt"},
            {"key": "app.properties", "path": "conf/app.properties", "mode": 0o600}]}},
        {"name": "creds", "secret": {"secretName": "db-secret", "defaultMode": 0o400}},
    ], [{"name": "config", "mountPath": "/etc/config"},
        {"name": "creds", "mountPath": "/etc/creds", "readOnly": True}]))
    run_until(c, lambda c: running(c, "app"))
    assert c.list_dir("app", "/etc/config") == ["conf", "mode.txt"]
    assert c.list_dir("app", "/etc/config/conf") == ["app.properties"]
    assert c.read_file("app", "/etc/config/mode.txt") == "production"
    assert c.stat("app", "/etc/config/mode.txt").mode == 0o440
    assert c.stat("app", "/etc/config/conf/app.properties").permissions == "-rw-------"
    # A Secret's file holds the value itself, in plain text.
    assert c.list_dir("app", "/etc/creds") == ["PASSWORD", "USER"]
    assert c.read_file("app", "/etc/creds/PASSWORD") == "s3cr3t" and c.stat("app", "/etc/creds/USER").mode == 0o400


def test_a_missing_secret_volume_keeps_the_pod_containercreating_with_failedmount_until_it_appears() -> None:
    c = SimCluster(workers=1)
    c.apply(mounting("app", [{"name": "creds", "secret": {"secretName": "db-secret"}}],
                     [{"name": "creds", "mountPath": "/etc/creds"}]))
    c.advance(20)
    p = c.get("pod", "app")
    assert p["status"]["phase"] == "Pending" and "podIP" not in p["status"]
    assert container_status(c, "app")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    (failed,) = [e for e in c.events(p) if e["reason"] == "FailedMount"]
    assert failed["message"] == 'MountVolume.SetUp failed for volume "creds" : secret "db-secret" not found'
    assert failed["type"] == "Warning" and "fieldPath" not in failed["involvedObject"]
    assert failed["source"] == {"component": "kubelet", "host": p["spec"]["nodeName"]}
    # Attempts back off: 0, 0.5, 1.5, 3.5, 7.5, 15.5 s.
    assert failed["count"] == 6
    assert not messages(c, "app", "Pulling")  # nothing starts before the volumes are set up
    c.advance(110)
    assert "Unable to attach or mount volumes: unmounted volumes=[creds], unattached volumes=[], failed to process " \
           "volumes=[]: context deadline exceeded" in messages(c, "app", "FailedMount")

    c.apply(SECRET)
    run_until(c, lambda c: running(c, "app"), timeout=10)
    assert c.read_file("app", "/etc/creds/USER") == "admin"


@pytest.mark.parametrize(("volume", "message"), [
    ({"configMap": {"name": "app-config", "items": [{"key": "NOPE", "path": "x"}]}},
     "configmap references non-existent config key: NOPE"),
    ({"secret": {"secretName": "db-secret", "items": [{"key": "NOPE", "path": "x"}]}},
     "references non-existent secret key: NOPE"),
    ({"projected": {"sources": [{"configMap": {"name": "nope"}}, {"secret": {"name": "gone"}}]}},
     '[configmap "nope" not found, secret "gone" not found]'),
])
def test_mount_errors_in_the_volume_plugins_words(volume: dict[str, Any], message: str) -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(SECRET)
    c.apply(mounting("app", [{"name": "v", **volume}], [{"name": "v", "mountPath": "/v"}]))
    c.advance(5)
    assert messages(c, "app", "FailedMount") == [f'MountVolume.SetUp failed for volume "v" : {message}']


def test_optional_volumes_and_unused_volumes_do_not_block_the_pod() -> None:
    c = SimCluster(workers=1)
    c.apply(mounting("app", [
        {"name": "maybe", "configMap": {"name": "nope", "optional": True}},
        {"name": "some", "secret": {"secretName": "nope", "optional": True, "items": [{"key": "k", "path": "k"}]}},
        {"name": "unused", "configMap": {"name": "missing"}},
        {"name": "scratch", "emptyDir": {}},
    ], [{"name": "maybe", "mountPath": "/etc/maybe"}, {"name": "some", "mountPath": "/etc/some"},
        {"name": "scratch", "mountPath": "/scratch"}]))
    run_until(c, lambda c: running(c, "app"), timeout=10)
    assert c.list_dir("app", "/etc/maybe") == [] and c.list_dir("app", "/etc/some") == []
    assert c.list_dir("app", "/scratch", all=True) == [".", ".."]
    assert not messages(c, "app", "FailedMount")


def test_an_update_reaches_mounted_files_at_the_next_sync_but_not_the_env_nor_a_subpath() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(mounting("app", [{"name": "config", "configMap": {"name": "app-config"}}],
                     [{"name": "config", "mountPath": "/etc/config"},
                      {"name": "config", "mountPath": "/etc/mode", "subPath": "MODE"}],
                     envFrom=[{"configMapRef": {"name": "app-config"}}]))
    run_until(c, lambda c: running(c, "app"))
    c.advance(20)
    before = c.list_dir("app", "/etc/config", all=True)[2]
    c.apply(CONFIG.replace("MODE: production", "MODE: maintenance"))
    updated = c.elapsed
    assert c.read_file("app", "/etc/config/MODE") == "production"  # not yet: the kubelet writes at its sync
    run_until(c, lambda c: c.read_file("app", "/etc/config/MODE") == "maintenance", timeout=120)
    assert 0 < c.elapsed - updated <= 60  # the kubelet's sync period
    assert c.list_dir("app", "/etc/config", all=True)[2] != before  # a new timestamped directory
    assert c.exec_env("app")["MODE"] == "production"  # the environment never changes
    assert c.read_file("app", "/etc/mode") == "production"  # nor does a subPath mount


def test_the_service_account_volume_holds_a_token_the_ca_and_the_namespace() -> None:
    c = SimCluster(workers=1)
    c.apply(pod("app", "busybox:1.36", command=["sleep", "3600"]))
    run_until(c, lambda c: running(c, "app"))
    path = "/var/run/secrets/kubernetes.io/serviceaccount"
    assert c.list_dir("app", path) == ["ca.crt", "namespace", "token"]
    assert c.read_file("app", f"{path}/namespace") == "default"
    assert c.read_file("app", f"{path}/ca.crt") == c.get("configmap", "kube-root-ca.crt")["data"]["ca.crt"]
    header, claims, signature = c.read_file("app", f"{path}/token").split(".")
    decoded = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))  # signed, not encrypted
    p = c.get("pod", "app")
    assert decoded["sub"] == "system:serviceaccount:default:default"
    assert decoded["kubernetes.io"]["pod"] == {"name": "app", "uid": p["metadata"]["uid"]}
    assert decoded["kubernetes.io"]["node"]["name"] == p["spec"]["nodeName"]
    assert decoded["kubernetes.io"]["serviceaccount"]["uid"] == c.get("serviceaccount", "default")["metadata"]["uid"]
    assert decoded["kubernetes.io"]["warnafter"] - decoded["iat"] == 3607
    assert decoded["aud"] == ["https://kubernetes.default.svc.cluster.local"]
    assert json.loads(base64.urlsafe_b64decode(header + "==="))["alg"] == "RS256" and signature


def test_downward_api_files_follow_the_pods_labels() -> None:
    c = SimCluster(workers=1)
    spec = mounting("app", [{"name": "info", "downwardAPI": {"items": [
        {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
        {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}},
        {"path": "mem", "resourceFieldRef": {"containerName": "app", "resource": "limits.memory", "divisor": "1Mi"}},
    ]}}], [{"name": "info", "mountPath": "/etc/podinfo"}], resources={"limits": {"memory": "64Mi"}})
    spec["metadata"]["labels"] = {"app": "web", "tier": "front"}
    c.apply(spec)
    run_until(c, lambda c: running(c, "app"))
    assert c.read_file("app", "/etc/podinfo/labels") == 'app="web"\ntier="front"'
    assert (c.read_file("app", "/etc/podinfo/name"), c.read_file("app", "/etc/podinfo/mem")) == ("app", "64")
    c.patch("pod", "app", {"metadata": {"labels": {"tier": "back", "v": "2"}}})
    c.advance(1)
    assert c.read_file("app", "/etc/podinfo/labels") == 'app="web"\ntier="back"\nv="2"'


def test_the_files_the_kubelet_writes_for_every_container() -> None:
    c = SimCluster(workers=1)
    c.apply(pod("app", "busybox:1.36", command=["sleep", "3600"], spec={"hostAliases": [
        {"ip": "10.1.2.3", "hostnames": ["db.local", "db"]}]}))
    run_until(c, lambda c: running(c, "app"))
    ip = c.get("pod", "app")["status"]["podIP"]
    assert c.read_file("app", "/etc/hosts").splitlines()[-4:] == [
        f"{ip}\tapp", "", "# Entries added by HostAliases.", "10.1.2.3\tdb.local\tdb"]
    assert c.read_file("app", "/etc/hostname") == "app\n"
    assert c.read_file("app", "/etc/resolv.conf") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n")


def test_a_command_reads_mounted_files() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(pod("app", "busybox:1.36", command=["sh", "-c", "cat /etc/config/app.properties; sleep 3600"],
                volumeMounts=[{"name": "config", "mountPath": "/etc/config"}],
                spec={"volumes": [{"name": "config", "configMap": {"name": "app-config"}}]},
                readinessProbe={"exec": {"command": ["cat", "/etc/config/MODE"]}, "periodSeconds": 2}))
    run_until(c, lambda c: container_status(c, "app")["ready"])
    assert c.logs("app") == "color=blue\nsize=10\n"


def test_exec_errors_in_the_containers_and_kubectls_words() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(mounting("bb", [{"name": "config", "configMap": {"name": "app-config"}}],
                     [{"name": "config", "mountPath": "/etc/config"}]))
    c.apply(mounting("deb", [{"name": "config", "configMap": {"name": "app-config"}}],
                     [{"name": "config", "mountPath": "/etc/config"}], image="nginx:1.20", command=None))
    c.apply(pod("waiting", "nginx:1.20", env=[{"name": "X", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}}]))
    c.apply(pod("done", "busybox:1.36", command=["true"], spec={"restartPolicy": "Never"}))
    run_until(c, lambda c: running(c, "bb") and running(c, "deb"))
    with pytest.raises(ExecError) as busybox:
        c.read_file("bb", "/etc/config/NOPE")
    assert str(busybox.value) == "cat: can't open '/etc/config/NOPE': No such file or directory"
    assert busybox.value.exit_code == 1
    assert busybox.value.kubectl_text() == ("cat: can't open '/etc/config/NOPE': No such file or directory\n"
                                            "command terminated with exit code 1")
    with pytest.raises(ExecError, match=r"^cat: /etc/config/NOPE: No such file or directory$"):
        c.read_file("deb", "/etc/config/NOPE")
    with pytest.raises(ExecError, match=r"^cat: /etc/config: Is a directory$"):
        c.read_file("deb", "/etc/config")
    with pytest.raises(ExecError, match=r"^cat: can't open '/etc/config/MODE/x': Not a directory$"):
        c.read_file("bb", "/etc/config/MODE/x")
    with pytest.raises(ExecError) as ls:
        c.list_dir("deb", "/nope")
    assert (str(ls.value), ls.value.exit_code) == ("ls: cannot access '/nope': No such file or directory", 2)
    with pytest.raises(ExecError, match=r"^ls: /nope: No such file or directory$"):
        c.list_dir("bb", "/nope")
    assert c.list_dir("bb", "/etc/config/MODE") == ["/etc/config/MODE"]
    with pytest.raises(NotFoundError, match=r'^pods "ghost" not found$'):
        c.exec_env("ghost")
    with pytest.raises(BadRequestError, match=r"^container nope is not valid for pod bb$"):
        c.exec_env("bb", container="nope")
    with pytest.raises(BackendError, match=r'^error: unable to upgrade connection: container not found \("app"\)$'):
        c.exec_env("waiting")
    run_until(c, lambda c: c.get("pod", "done")["status"].get("phase") == "Succeeded")
    with pytest.raises(BackendError) as completed:
        c.read_file("done", "/etc/hostname")
    assert str(completed.value) == "error: cannot exec into a container in a completed pod; current phase is Succeeded"


def test_files_a_process_writes_and_an_emptydir_shared_by_the_pods_containers() -> None:
    c = SimCluster(workers=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "site"}, "spec": {
        "initContainers": [{"name": "init", "image": "busybox:1.36",
                            "volumeMounts": [{"name": "html", "mountPath": "/work"}],
                            "command": ["sh", "-c", "echo '<h1>hello</h1>' > /work/index.html"]}],
        "containers": [
            {"name": "web", "image": "nginx:1.20",
             "volumeMounts": [{"name": "html", "mountPath": "/usr/share/nginx/html"}]},
            {"name": "side", "image": "busybox:1.36", "volumeMounts": [{"name": "html", "mountPath": "/data"}],
             "command": ["sh", "-c", "cat /data/index.html; echo ok > /tmp/state; sleep 3600"]}],
        "volumes": [{"name": "html", "emptyDir": {}}]}})
    run_until(c, lambda c: running(c, "site"))
    # What the init container wrote into the shared emptyDir, every container that mounts it sees.
    assert c.read_file("site", "/usr/share/nginx/html/index.html") == "<h1>hello</h1>\n"
    assert c.list_dir("site", "/data", container="side") == ["index.html"]
    assert c.logs("site", container="side") == "<h1>hello</h1>\n"
    # A file outside any volume is the container's own.
    assert c.read_file("site", "/tmp/state", container="side") == "ok\n"
    assert c.list_dir("site", "/tmp", container="web") == []
