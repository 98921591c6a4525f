"""`%k8s exec`: what a simulated container answers, worked out from the pod's objects."""

from __future__ import annotations

from typing import Any

import pytest

from kube_magics.backends import sim_exec
from kube_magics.backends.container_view import ContainerView
from tests.magics.k8s_cells import backend

APP = """%%k8s
apiVersion: v1
kind: ConfigMap
metadata:
  name: app
data:
  MODE: production
  app.properties: |
    color=blue
---
apiVersion: v1
kind: Secret
metadata:
  name: db
stringData:
  PASSWORD: s3cr3t
---
apiVersion: v1
kind: Service
metadata:
  name: web-svc
spec:
  clusterIP: 10.96.0.50
  selector:
    app: web
  ports:
    - name: http
      port: 80
      targetPort: 8080
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
    - name: app
      image: nginx:1.20
      envFrom:
        - configMapRef:
            name: app
          prefix: CFG_
      env:
        - name: GREETING
          value: hello
        - name: DB_PASSWORD
          valueFrom:
            secretKeyRef:
              name: db
              key: PASSWORD
        - name: POD_NAME
          valueFrom:
            fieldRef:
              fieldPath: metadata.name
        - name: MESSAGE
          value: $(GREETING) from $(POD_NAME)
      volumeMounts:
        - name: config
          mountPath: /etc/app
        - name: secret
          mountPath: /etc/db
          readOnly: true
    - name: sidecar
      image: busybox
  volumes:
    - name: config
      configMap:
        name: app
        items:
          - key: app.properties
            path: app.properties
    - name: secret
      secret:
        secretName: db
"""


def _view(ip: Any) -> ContainerView:
    b = backend(ip)
    pod = b.get("pods", "web", "default")

    def lookup(resource: str, name: str, namespace: str) -> Any:
        return next((o for o in b.list(resource, namespace) if o["metadata"]["name"] == name), None)

    return ContainerView.build(pod, pod["spec"]["containers"][0], lookup, b.list("services", None))


def test_the_environment_a_container_sees(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(APP)
    env = _view(ip).env
    assert list(env)[:4] == ["PATH", "HOSTNAME", "NGINX_VERSION", "NJS_VERSION"]
    assert env["HOSTNAME"] == "web" and env["CFG_MODE"] == "production"
    assert env["DB_PASSWORD"] == "s3cr3t" and env["POD_NAME"] == "web"
    assert env["MESSAGE"] == "hello from web"
    assert env["WEB_SVC_SERVICE_HOST"] == "10.96.0.50" and env["WEB_SVC_SERVICE_PORT_HTTP"] == "80"
    assert env["WEB_SVC_PORT_80_TCP"] == "tcp://10.96.0.50:80"
    assert list(env)[-1] == "HOME"


def test_commands_answered_from_the_view(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(APP)
    view = _view(ip)
    assert sim_exec.run(view, ["hostname"]).stdout == "web\n"
    assert sim_exec.run(view, ["printenv", "GREETING"]).stdout == "hello\n"
    assert sim_exec.run(view, ["printenv", "NOPE"]).exit_code == 1
    assert sim_exec.run(view, ["cat", "/etc/app/app.properties"]).stdout == "color=blue\n"
    assert sim_exec.run(view, ["cat", "/etc/db/PASSWORD"]).stdout == "s3cr3t"
    assert sim_exec.run(view, ["ls", "/etc/app"]).stdout == "app.properties\n"
    missing = sim_exec.run(view, ["cat", "/etc/app/nope"])
    assert (missing.stderr, missing.exit_code) == ("cat: /etc/app/nope: No such file or directory\n", 1)
    assert "search default.svc.cluster.local svc.cluster.local cluster.local" in \
        sim_exec.run(view, ["cat", "/etc/resolv.conf"]).stdout
    ls_sa = sim_exec.run(view, ["ls", "/var/run/secrets/kubernetes.io/serviceaccount"]).stdout
    assert ls_sa == "ca.crt\nnamespace\ntoken\n"
    script = sim_exec.run(view, ["sh", "-c", "echo $GREETING; env | grep CFG_ | sort; false && echo no; exit 3"])
    assert (script.stdout, script.exit_code) == ("hello\nCFG_MODE=production\nCFG_app.properties=color=blue\n", 3)
    with pytest.raises(sim_exec.UnsupportedCommand) as err:
        sim_exec.run(view, ["curl", "localhost"])
    assert 'cannot run "curl"' in str(err.value) and "env, printenv, hostname" in str(err.value)


def test_exec_verb_checks_its_arguments(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(APP)
    assert ip.fails("%k8s exec web") == "error: you must specify at least one command for the container"
    assert ip.fails("%k8s exec web ls /").startswith("error: exec [POD] [COMMAND] is not supported anymore")
    assert ip.fails("%k8s exec web -c nope -- env") == \
        "error: container nope is not valid for pod web out of: app, sidecar"
    assert ip.fails("%k8s exec -it web -- sh").startswith("error: an interactive shell needs a terminal")
    assert ip.fails("%k8s exec nope -- env") == 'Error from server (NotFound): pods "nope" not found'


def test_a_running_container_keeps_the_environment_it_started_with(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(APP)
    ip.ok("%kube advance 30s")
    ip.ok(APP.split("---")[0].replace("MODE: production", "MODE: staging"))
    assert str(ip.ok("%k8s exec web -c app -- printenv CFG_MODE")) == "production\n"  # set when the container started
    assert str(ip.ok("%k8s exec web -c app -- sh -c 'echo $CFG_MODE'")) == "production\n"
    ip.ok("%k8s delete pod web")
    ip.ok("%%k8s" + APP.split("---", 3)[3].replace("  name: web\n", "  name: web2\n", 1))
    ip.ok("%kube advance 30s")
    assert str(ip.ok("%k8s exec web2 -c app -- printenv CFG_MODE")) == "staging\n"  # a new container reads it anew
