"""ConfigMaps and Secrets consumed as environment variables, through SimCluster on the real scheduler and kubelet:
valueFrom, envFrom with prefix, optional references, CreateContainerConfigError, the downward API, $(VAR)
expansion, service links, and an environment that is fixed when the container starts."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.sim import SimCluster
from tests.seed_manifests import SEED_CONFIG
from tests.sim.node_helpers import container_status, messages, pod, run_until

CONFIG = SEED_CONFIG


def running(c: SimCluster, name: str) -> bool:
    return (c.get("pod", name).get("status") or {}).get("phase") == "Running"


def waiting(c: SimCluster, name: str) -> dict[str, Any]:
    return container_status(c, name)["state"].get("waiting") or {}


def sleeper(name: str, **container: Any) -> dict[str, Any]:
    return pod(name, "busybox:1.36", command=["sleep", "3600"], **container)


def test_env_from_configmap_and_secret_keys_and_envfrom_with_prefix() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(pod("app", "busybox:1.36", command=["sh", "-c", "echo mode=$MODE password=$DB_PASSWORD; sleep 3600"],
                env=[{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "MODE"}}},
                     {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-secret", "key": "PASSWORD"}}},
                     {"name": "LOG_LEVEL", "value": "debug"}],
                envFrom=[{"configMapRef": {"name": "app-config"}, "prefix": "CFG_"},
                         {"secretRef": {"name": "db-secret"}}]))
    run_until(c, lambda c: running(c, "app"))
    env = c.exec_env("app")
    # The Secret's value arrives decoded: base64 was only how the API carried it.
    assert env["DB_PASSWORD"] == "s3cr3t" and env["PASSWORD"] == "s3cr3t"
    assert env["MODE"] == "production" and env["CFG_MODE"] == "production" and env["CFG_LOG_LEVEL"] == "info"
    assert env["LOG_LEVEL"] == "debug"  # env overrides what envFrom set (here the unprefixed Secret keys do not)
    names = list(env)
    # containerd and runc: PATH and HOSTNAME first, the kubelet's variables, HOME added last.
    assert names[:2] == ["PATH", "HOSTNAME"] and names[-1] == "HOME" and env["HOME"] == "/root"
    assert env["HOSTNAME"] == "app" and env["PATH"] == "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    assert names.index("CFG_LOG_LEVEL") < names.index("MODE") < names.index("DB_PASSWORD")
    assert c.logs("app") == "mode=production password=s3cr3t\n"  # what the process printed, from its environment


def test_the_image_env_comes_first_and_a_container_variable_replaces_it_in_place() -> None:
    c = SimCluster(workers=1)
    c.apply(pod("web", "nginx:1.20", env=[{"name": "NGINX_VERSION", "value": "custom"}, {"name": "A", "value": "1"}]))
    run_until(c, lambda c: running(c, "web"))
    env = c.exec_env("web")
    assert list(env)[:5] == ["PATH", "HOSTNAME", "NGINX_VERSION", "NJS_VERSION", "PKG_RELEASE"]
    assert env["NGINX_VERSION"] == "custom" and env["NJS_VERSION"] == "0.7.0" and list(env)[-1] == "HOME"
    # The kubelet's variables (the container's own, and the service links such as KUBERNETES_PORT) follow the
    # image's; their order among themselves is a Go map's in a real kubelet, so only membership is checked.
    kubelet_block = list(env)[list(env).index("PKG_RELEASE") + 1:-1]
    assert "A" in kubelet_block and "KUBERNETES_SERVICE_HOST" in kubelet_block


def test_optional_references_are_left_out_when_missing() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(sleeper("app", env=[
        {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "A", "optional": True}}},
        {"name": "B", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "NOPE", "optional": True}}},
        {"name": "C", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "C", "optional": True}}},
        {"name": "D", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "MODE", "optional": True}}},
    ], envFrom=[{"configMapRef": {"name": "missing", "optional": True}},
                {"secretRef": {"name": "gone", "optional": True}}]))
    run_until(c, lambda c: running(c, "app"))
    env = c.exec_env("app")
    assert env["D"] == "production" and not {"A", "B", "C"} & set(env)
    assert not messages(c, "app", "Failed")


def test_a_missing_configmap_leaves_the_container_in_createcontainerconfigerror_until_it_appears() -> None:
    c = SimCluster(workers=1)
    c.apply(sleeper("app", env=[{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config",
                                                                                   "key": "MODE"}}}]))
    run_until(c, lambda c: waiting(c, "app").get("reason") == "CreateContainerConfigError")
    assert waiting(c, "app") == {"reason": "CreateContainerConfigError", "message": 'configmap "app-config" not found'}
    c.advance(35)
    p = c.get("pod", "app")
    assert p["status"]["phase"] == "Pending" and p["status"]["podIP"]  # the sandbox is up, the container is not
    ready = next(x for x in p["status"]["conditions"] if x["type"] == "Ready")
    assert ready["status"] == "False" and ready["message"] == "containers with unready status: [app]"
    failed = [e for e in c.events(p) if e["reason"] == "Failed"]
    assert len(failed) == 1 and failed[0]["message"] == 'Error: configmap "app-config" not found'
    assert failed[0]["type"] == "Warning" and failed[0]["involvedObject"]["fieldPath"] == "spec.containers{app}"
    assert failed[0]["count"] == 4  # the kubelet tries again at each sync of the pod: every 10 s
    assert "Container image \"busybox:1.36\" already present on machine and can be accessed by the pod" in \
        messages(c, "app", "Pulled")

    c.apply(CONFIG)  # the kubelet picks it up at once
    assert running(c, "app") and c.exec_env("app")["MODE"] == "production"
    assert container_status(c, "app")["restartCount"] == 0
    assert messages(c, "app")[-2:] == ["Container created", "Container started"]


@pytest.mark.parametrize(("env", "message"), [
    ({"configMapKeyRef": {"name": "app-config", "key": "NOPE"}},
     "couldn't find key NOPE in ConfigMap default/app-config"),
    ({"secretKeyRef": {"name": "db-secret", "key": "NOPE"}}, "couldn't find key NOPE in Secret default/db-secret"),
    ({"secretKeyRef": {"name": "other", "key": "K"}}, 'secret "other" not found'),
])
def test_missing_keys_and_secrets_are_reported_in_the_kubelets_words(env: dict[str, Any], message: str) -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(sleeper("app", env=[{"name": "X", "valueFrom": env}]))
    run_until(c, lambda c: bool(waiting(c, "app").get("message")))
    assert waiting(c, "app") == {"reason": "CreateContainerConfigError", "message": message}
    assert messages(c, "app", "Failed") == [f"Error: {message}"]


def test_a_missing_envfrom_secret_blocks_the_start_and_only_data_keys_count_for_a_configmap() -> None:
    c = SimCluster(workers=1)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "bin"},
             "data": {"TEXT": "t"}, "binaryData": {"BLOB": "AAEC"}})
    c.apply(sleeper("a", envFrom=[{"secretRef": {"name": "db-secret"}}]))
    c.apply(sleeper("b", envFrom=[{"configMapRef": {"name": "bin"}}]))
    c.apply(sleeper("c", env=[{"name": "X", "valueFrom": {"configMapKeyRef": {"name": "bin", "key": "BLOB"}}}]))
    c.advance(10)
    assert waiting(c, "a")["message"] == 'secret "db-secret" not found'
    assert "TEXT" in c.exec_env("b") and "BLOB" not in c.exec_env("b")
    assert waiting(c, "c")["message"] == "couldn't find key BLOB in ConfigMap default/bin"


def test_variable_references_are_expanded_in_env_command_and_args() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    env_spec = [{"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "app-config", "key": "MODE"}}},
                {"name": "GREETING", "value": "hello-$(POD_NAME)"},  # POD_NAME is defined after it
                {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "URL", "value": "http://$(POD_NAME):$(PORT)/$$(x)"},
                {"name": "PORT", "value": "8080"}]
    c.apply(sleeper("app", env=env_spec))
    c.apply(pod("once", "busybox:1.36", command=["echo", "$(GREETING)"],
                args=["in", "$(MODE)", "$(PATH)", "$$(MODE)"], env=env_spec, spec={"restartPolicy": "Never"}))
    run_until(c, lambda c: running(c, "app") and c.get("pod", "once")["status"].get("phase") == "Succeeded")
    env = c.exec_env("app")
    assert env["GREETING"] == "hello-$(POD_NAME)" and env["URL"] == "http://app:$(PORT)/$(x)"
    # Command and args see every variable the kubelet set, not the image's (PATH stays as written).
    assert c.logs("once") == "hello-$(POD_NAME) in production $(PATH) $(MODE)\n"


def test_the_downward_api_and_resource_fields_in_env() -> None:
    c = SimCluster(workers=1)

    def field(path: str) -> dict[str, Any]:
        return {"fieldRef": {"fieldPath": path}}

    def resource(what: str, divisor: str | None = None) -> dict[str, Any]:
        ref: dict[str, Any] = {"resource": what}
        if divisor:
            ref["divisor"] = divisor
        return {"resourceFieldRef": ref}

    spec = sleeper("app", env=[{"name": k, "valueFrom": v} for k, v in [
        ("NAME", field("metadata.name")), ("NS", field("metadata.namespace")), ("UID", field("metadata.uid")),
        ("APP", field("metadata.labels['app']")), ("NOTE", field("metadata.annotations['note']")),
        ("NODE", field("spec.nodeName")), ("SA", field("spec.serviceAccountName")),
        ("POD_IP", field("status.podIP")), ("HOST_IP", field("status.hostIP")),
        ("MEM_MI", resource("limits.memory", "1Mi")), ("CPU_M", resource("requests.cpu", "1m")),
        ("CPU_LIMIT", resource("limits.cpu")), ("MEM_REQ", resource("requests.memory"))]],
        resources={"requests": {"cpu": "250m"}, "limits": {"memory": "128Mi"}})
    spec["metadata"]["labels"] = {"app": "web"}
    spec["metadata"]["annotations"] = {"note": "hi"}
    c.apply(spec)
    run_until(c, lambda c: running(c, "app"))
    p = c.get("pod", "app")
    env = c.exec_env("app")
    assert (env["NAME"], env["NS"], env["UID"], env["APP"], env["NOTE"]) == \
        ("app", "default", p["metadata"]["uid"], "web", "hi")
    assert (env["NODE"], env["SA"]) == (p["spec"]["nodeName"], "default")
    assert (env["POD_IP"], env["HOST_IP"]) == (p["status"]["podIP"], p["status"]["hostIP"])
    # A limit that is not set reads as the node's allocatable (4 CPUs); CPU rounds up to the divisor.
    assert (env["MEM_MI"], env["CPU_M"], env["CPU_LIMIT"], env["MEM_REQ"]) == ("128", "250", "4", "134217728")


def service(name: str, ip: str, *ports: tuple[str, int], namespace: str = "default") -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": namespace},
            "spec": {"clusterIP": ip, "selector": {"app": name},
                     "ports": [{"name": pn, "port": port} if pn else {"port": port} for pn, port in ports]}}


def test_service_links_for_the_services_that_existed_when_the_container_started() -> None:
    c = SimCluster(workers=1)
    c.apply(service("web", "10.96.12.7", ("http", 80), ("metrics", 9090)))
    c.apply(service("my-db", "10.96.40.2", ("", 5432)))
    c.apply({**service("headless", "None", ("", 80))})
    c.apply(sleeper("app"))
    c.apply(sleeper("nolinks", spec={"enableServiceLinks": False}))
    run_until(c, lambda c: running(c, "app") and running(c, "nolinks"))
    c.apply(service("later", "10.96.50.5", ("", 80)))
    env = c.exec_env("app")
    web = {k: v for k, v in env.items() if k.startswith("WEB_")}
    assert web == {
        "WEB_SERVICE_HOST": "10.96.12.7", "WEB_SERVICE_PORT": "80", "WEB_SERVICE_PORT_HTTP": "80",
        "WEB_SERVICE_PORT_METRICS": "9090", "WEB_PORT": "tcp://10.96.12.7:80",
        "WEB_PORT_80_TCP": "tcp://10.96.12.7:80", "WEB_PORT_80_TCP_PROTO": "tcp", "WEB_PORT_80_TCP_PORT": "80",
        "WEB_PORT_80_TCP_ADDR": "10.96.12.7", "WEB_PORT_9090_TCP": "tcp://10.96.12.7:9090",
        "WEB_PORT_9090_TCP_PROTO": "tcp", "WEB_PORT_9090_TCP_PORT": "9090", "WEB_PORT_9090_TCP_ADDR": "10.96.12.7"}
    assert list(web)[:4] == ["WEB_SERVICE_HOST", "WEB_SERVICE_PORT", "WEB_SERVICE_PORT_HTTP",
                             "WEB_SERVICE_PORT_METRICS"]
    assert env["MY_DB_SERVICE_HOST"] == "10.96.40.2" and env["MY_DB_PORT_5432_TCP"] == "tcp://10.96.40.2:5432"
    assert not any(k.startswith(("HEADLESS_", "LATER_")) for k in env)
    assert not any(k.startswith(("WEB_", "MY_DB_")) for k in c.exec_env("nolinks"))


def test_the_kubernetes_service_is_linked_into_every_pod() -> None:
    c = SimCluster(workers=1)
    if not any(s["metadata"]["name"] == "kubernetes" for s in c.list("services")):
        c.apply(service("kubernetes", "10.96.0.1", ("https", 443)))
    ip = c.get("service", "kubernetes")["spec"]["clusterIP"]
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    c.apply({**sleeper("app"), "metadata": {"name": "app", "namespace": "team"}})
    c.apply({**sleeper("off", spec={"enableServiceLinks": False}), "metadata": {"name": "off", "namespace": "team"}})
    run_until(c, lambda c: all(c.get("pod", n, namespace="team")["status"].get("phase") == "Running"
                               for n in ("app", "off")))
    for name in ("app", "off"):
        env = c.exec_env(name, namespace="team")
        assert env["KUBERNETES_SERVICE_HOST"] == ip and env["KUBERNETES_PORT"] == f"tcp://{ip}:443"
        assert env["KUBERNETES_SERVICE_PORT_HTTPS"] == "443"


DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: web
        image: nginx:1.20
        envFrom:
        - configMapRef: {name: app-config}
"""


def test_the_environment_is_fixed_at_start_and_a_rollout_restart_picks_up_a_change() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(DEPLOYMENT)
    run_until(c, lambda c: any(running(c, p["metadata"]["name"]) for p in c.list("pods", selector="app=web")))
    (first,) = [p["metadata"]["name"] for p in c.list("pods", selector="app=web")]
    c.apply(CONFIG.replace("production", "maintenance"))
    c.advance("3m")
    assert c.exec_env(first)["MODE"] == "production"  # the running process keeps what it started with
    c.rollout_restart("deployment/web")
    c.rollout_status("web")
    c.advance(60)
    (second,) = [p["metadata"]["name"] for p in c.list("pods", selector="app=web")]
    assert second != first and c.exec_env(second)["MODE"] == "maintenance"


def test_a_restarted_container_reads_its_configuration_again() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(pod("app", "busybox:1.36", command=["sh", "-c", "echo $MODE; sleep 5; exit 1"],
                envFrom=[{"configMapRef": {"name": "app-config"}}]))
    run_until(c, lambda c: running(c, "app"))
    c.apply(CONFIG.replace("production", "staging"))
    run_until(c, lambda c: container_status(c, "app")["restartCount"] >= 1 and running(c, "app")
              and "state" in container_status(c, "app") and "running" in container_status(c, "app")["state"])
    assert c.exec_env("app")["MODE"] == "staging" and c.logs("app") == "staging\n"
    assert c.logs("app", previous=True) == "production\n"


def test_a_restart_that_cannot_get_its_configuration_waits_and_is_not_counted_until_it_starts() -> None:
    c = SimCluster(workers=1)
    c.apply(CONFIG)
    c.apply(pod("app", "busybox:1.36", command=["sh", "-c", "sleep 5; exit 1"],
                envFrom=[{"configMapRef": {"name": "app-config"}}]))
    run_until(c, lambda c: running(c, "app"))
    c.delete("configmap", "app-config")
    run_until(c, lambda c: waiting(c, "app").get("reason") == "CreateContainerConfigError")
    status = container_status(c, "app")
    assert status["restartCount"] == 0 and status["lastState"]["terminated"]["exitCode"] == 1
    assert waiting(c, "app")["message"] == 'configmap "app-config" not found'
    c.apply(CONFIG)
    assert running(c, "app") and container_status(c, "app")["restartCount"] == 1
