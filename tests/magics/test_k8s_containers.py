"""Verbs that reach into containers, on the simulated kubelet: logs, exec, and run with -i."""

from __future__ import annotations

from tests.magics.k8s_cells import NGINX_DEPLOYMENT, NGINX_POD, clock, text

TICKER = """%%k8s
apiVersion: v1
kind: Pod
metadata:
  name: ticker
spec:
  containers:
    - name: main
      image: busybox
      command: ["sh", "-c", "while true; do echo tick; sleep 1; done"]
    - name: side
      image: busybox
      command: ["sh", "-c", "echo side started; sleep 3600"]
"""


def test_logs_of_a_pod_and_of_a_deployment(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    ip.ok("%k8s wait --for=condition=Ready pod/nginx-pod")
    ip.ok("%kube advance 5s")
    lines = text(ip.ok("%k8s logs nginx-pod")).splitlines()
    assert lines[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform " \
                       "configuration"
    assert any("nginx/1.20" in line for line in lines)
    assert text(ip.ok("%k8s logs nginx-pod --tail=2")).splitlines() == lines[-2:]
    assert text(ip.ok("%k8s logs pod/nginx-pod --tail=0")) == ""
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s rollout status deployment/nginx-deployment")
    picked = text(ip.ok("%k8s logs deploy/nginx-deployment --tail=1")).splitlines()
    assert picked[0].startswith("Found 3 pods, using pod/nginx-deployment-") and len(picked) == 2
    assert ip.fails("%k8s logs nope") == 'error: error from server (NotFound): pods "nope" not found in namespace ' \
                                         '"default"'
    assert ip.fails("%k8s logs") == ("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                                     "POD or TYPE/NAME is a required argument for the logs command\n"
                                     "See 'kubectl logs -h' for help and examples")


def test_logs_of_a_container_and_following(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(TICKER)
    ip.ok("%k8s wait --for=condition=Ready pod/ticker")
    first = text(ip.ok("%k8s logs ticker"))
    assert first.startswith('Defaulted container "main" out of: main, side\ntick\n')
    assert text(ip.ok("%k8s logs ticker -c side")) == "side started\n"
    assert text(ip.ok("%k8s logs ticker side")) == "side started\n"
    assert ip.fails("%k8s logs ticker -c nope") == "error: container nope is not valid for pod ticker out of: " \
                                                   "main, side"
    start = clock(ip)
    followed = text(ip.ok("%k8s logs ticker -c main -f --tail=1 --timeout=5s")).splitlines()
    assert clock(ip) - start == 5
    assert followed == ["tick"] * 6  # the last line there was, then one a second for five seconds
    everything = text(ip.ok("%k8s logs ticker --all-containers --prefix")).splitlines()
    assert everything[0] == "[pod/ticker/main] tick" and everything[-1] == "[pod/ticker/side] side started"


def test_exec_in_a_running_container(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok("%k8s create configmap app --from-literal=MODE=production")
    ip.ok("%k8s run web --image=nginx:1.20 --env=GREETING=hello")
    ip.ok("%k8s wait --for=condition=Ready pod/web")
    env = text(ip.ok("%k8s exec web -- env")).splitlines()
    assert env[:2] == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOSTNAME=web"]
    assert "GREETING=hello" in env and "NGINX_VERSION=1.20.2" in env
    assert text(ip.ok("%k8s exec web -- sh -c 'echo $GREETING from $(hostname)'")) == "hello from web\n"
    assert text(ip.ok("%k8s exec web -- printenv GREETING")) == "hello\n"
    resolv = text(ip.ok("%k8s exec web -- cat /etc/resolv.conf"))
    assert resolv.startswith("search default.svc.cluster.local svc.cluster.local cluster.local\n")
    failed = ip.fails_showing("%k8s exec web -- cat /var/run/secrets/kubernetes.io/serviceaccount/nope")
    assert failed.splitlines() == ["cat: /var/run/secrets/kubernetes.io/serviceaccount/nope: No such file or "
                                   "directory", "command terminated with exit code 1"]
    assert "cannot run \"apt-get\"" in ip.fails("%k8s exec web -- apt-get update")


def test_exec_needs_a_running_container(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert ip.fails("%k8s exec nginx-pod -- env") == \
        'error: unable to upgrade connection: container not found ("nginx")'


def test_run_attached_prints_the_output_and_removes_the_pod(ip) -> None:  # type: ignore[no-untyped-def]
    out = text(ip.ok("%k8s run once --image=busybox --restart=Never --rm -i -- sh -c 'echo hello; echo bye'"))
    assert out == 'hello\nbye\npod "once" deleted from default namespace\n'
    assert text(ip.ok("%k8s get pods")) == "No resources found in default namespace.\n"
    failed = ip.fails_showing("%k8s run oops --image=busybox --restart=Never -i -- sh -c 'echo broken; exit 3'")
    assert failed.splitlines() == ["broken", "error: pod default/oops terminated (Error) with exit code 3"]
    assert ip.fails("%k8s run t --image=busybox -it -- sh").startswith("error: -t/--tty needs a terminal")
