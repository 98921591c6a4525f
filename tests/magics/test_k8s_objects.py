"""Verbs that make and change objects: create, run, expose, autoscale, label, annotate, scale, delete, apply -f."""

from __future__ import annotations

from pathlib import Path

from tests.magics.k8s_cells import NGINX_DEPLOYMENT, NGINX_POD, text
from tests.reference import output

CREATE_DEPLOYMENT_YAML = """apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: rng
  name: rng
spec:
  replicas: 1
  selector:
    matchLabels:
      app: rng
  strategy: {}
  template:
    metadata:
      labels:
        app: rng
    spec:
      containers:
      - image: dockercoins/rng:v0.1
        name: rng
        resources: {}
status: {}
"""


def test_create_configmap_and_secret_print_the_recorded_lines(ip) -> None:  # type: ignore[no-untyped-def]
    line = "create configmap lit --from-literal=a=1 --from-literal=b=2"
    assert text(ip.ok(f"%k8s {line}")) == output("config.txt", f"kubectl {line}")
    secret = "create secret generic api-key --from-literal=KEY=abc123"
    assert text(ip.ok(f"%k8s {secret}")) == output("config.txt", f"kubectl {secret}")
    cm = ip.ok("%k8s get cm lit -o json").objects[0]
    assert cm["data"] == {"a": "1", "b": "2"}
    assert ip.ok("%k8s get secret api-key -o json").objects[0]["data"] == {"KEY": "YWJjMTIz"}
    assert ip.fails(f"%k8s {line}") == 'error: failed to create configmap: configmaps "lit" already exists'
    assert ip.fails("%k8s create configmap") == "error: exactly one NAME is required, got 0\n" \
                                                "See 'kubectl create configmap -h' for help and examples"


def test_create_from_files(ip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "settings.txt").write_text("debug=true\n")
    (tmp_path / "app.env").write_text("# comment\nMODE=dev\nLEVEL=3\n")
    ip.ok(f"%k8s create configmap files --from-file={tmp_path / 'settings.txt'} --from-file=k={tmp_path / 'app.env'}")
    data = ip.ok("%k8s get cm files -o json").objects[0]["data"]
    assert data == {"settings.txt": "debug=true\n", "k": "# comment\nMODE=dev\nLEVEL=3\n"}
    ip.ok(f"%k8s create secret generic env --from-env-file={tmp_path / 'app.env'}")
    assert sorted(ip.ok("%k8s get secret env -o json").objects[0]["data"]) == ["LEVEL", "MODE"]


def test_client_dry_run_prints_what_kubectl_builds(ip) -> None:  # type: ignore[no-untyped-def]
    made = text(ip.ok("%k8s create deployment rng --image=dockercoins/rng:v0.1 -o yaml --dry-run=client"))
    assert made == CREATE_DEPLOYMENT_YAML
    assert text(ip.ok("%k8s get deploy")) == "No resources found in default namespace.\n"
    assert text(ip.ok("%k8s create deployment web --image=nginx --dry-run=server")) == \
        "deployment.apps/web created (server dry run)\n"
    pod = text(ip.ok("%k8s run box --image=busybox --restart=Never --dry-run=client -o yaml -- sleep 60"))
    assert pod.splitlines()[:5] == ["apiVersion: v1", "kind: Pod", "metadata:", "  labels:", "    run: box"]
    assert "  restartPolicy: Never" in pod and "    - \"60\"" in pod


def test_run_expose_and_autoscale(ip) -> None:  # type: ignore[no-untyped-def]
    assert text(ip.ok("%k8s run web --image=nginx:1.20 --port=80 --expose")) == \
        "pod/web created\nservice/web created\n"
    svc = ip.ok("%k8s get svc web -o json").objects[0]
    assert svc["spec"]["selector"] == {"run": "web"} and svc["spec"]["ports"][0]["targetPort"] == 80
    ip.ok(NGINX_DEPLOYMENT)
    line = "expose deployment nginx-deployment --name=exposed --port=8080 --target-port=80"
    assert text(ip.ok(f"%k8s {line}")) == output("service.txt", f"kubectl {line}")
    exposed = ip.ok("%k8s get svc exposed -o json").objects[0]["spec"]
    assert exposed["selector"] == {"app": "nginx"}
    assert exposed["ports"][0]["port"] == 8080 and exposed["ports"][0]["targetPort"] == 80
    auto = "autoscale deployment nginx-deployment --cpu=50% --min=2 --max=10"
    assert text(ip.ok(f"%k8s {auto}")) == output("hpa.txt", f"kubectl {auto}")
    hpa = ip.ok("%k8s get hpa nginx-deployment -o json").objects[0]
    recorded = output("hpa.txt", "kubectl get hpa nginx-deployment -o yaml")
    assert "averageUtilization: 50" in recorded and hpa["spec"]["metrics"][0]["resource"]["target"] == \
        {"averageUtilization": 50, "type": "Utilization"}
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 10)
    assert ip.fails("%k8s expose configmap kube-root-ca.crt --port=80") == "error: cannot expose a ConfigMap"
    assert ip.fails("%k8s autoscale deploy nginx-deployment") == 'error: required flag(s) "max" not set'


def test_label_and_annotate_follow_the_overwrite_rules(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s label pod nginx-pod tier=web")) == "pod/nginx-pod labeled\n"
    assert text(ip.ok("%k8s label pod nginx-pod tier=web")) == "pod/nginx-pod not labeled\n"
    assert ip.fails("%k8s label pod nginx-pod tier=db") == \
        "error: 'tier' already has a value (web), and --overwrite is false"
    assert text(ip.ok("%k8s label pod nginx-pod tier=db --overwrite")) == "pod/nginx-pod labeled\n"
    assert text(ip.ok("%k8s label pod nginx-pod tier-")) == "pod/nginx-pod unlabeled\n"
    assert text(ip.ok("%k8s label pod/nginx-pod a=1 b=2")) == "pod/nginx-pod labeled\n"
    assert text(ip.ok("%k8s label pod nginx-pod --list")) == "a=1\nb=2\n"
    assert text(ip.ok("%k8s annotate pod nginx-pod note=hello")) == "pod/nginx-pod annotated\n"
    assert ip.fails("%k8s annotate pod nginx-pod note=bye") == ("error: --overwrite is false but found the "
                                                                "following declared annotation(s): 'note' already "
                                                                "has a value (hello)")
    pod = ip.ok("%k8s get pod nginx-pod -o json").objects[0]
    assert pod["metadata"]["labels"] == {"a": "1", "b": "2"}
    assert pod["metadata"]["annotations"]["note"] == "hello"


def test_scale_prints_the_recorded_line_and_errors(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    line = "scale deployment/nginx-deployment --replicas=3"
    assert text(ip.ok(f"%k8s {line}")) == output("deployment.txt", f"kubectl {line}")
    ip.ok("%k8s scale deploy nginx-deployment --replicas=5")
    assert ip.ok("%k8s get deploy nginx-deployment -o json").objects[0]["spec"]["replicas"] == 5
    missing = ip.fails("%k8s scale deployment/nope --replicas=2")
    assert missing + "\n" == output("errors.txt", "kubectl scale deployment/nope --replicas=2")
    assert ip.fails("%k8s scale deploy nginx-deployment --replicas=1 --current-replicas=3") == \
        "error: Expected replicas to be 3, was 5"
    assert ip.fails("%k8s scale deploy nginx-deployment") == 'error: required flag(s) "replicas" not set'


def test_delete_prints_kubectl_135s_line_and_waits(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_POD)
    assert text(ip.ok("%k8s delete pod nginx-pod --dry-run=client")) == \
        'pod "nginx-pod" deleted from default namespace (dry run)\n'
    assert text(ip.ok("%k8s delete pod nginx-pod")) == output("pod.txt", "kubectl delete pod nginx-pod")
    assert text(ip.ok("%k8s get pods")) == "No resources found in default namespace.\n"
    assert ip.fails("%k8s delete pod nope") + "\n" == output("errors.txt", "kubectl delete pod nope")
    assert ip.fails("%k8s delete pods") == "error: resource(s) were provided, but no name was specified"
    ip.ok("%k8s create configmap a --from-literal=x=1")
    ip.ok("%k8s create configmap b --from-literal=x=1")
    ip.ok("%k8s label cm a b group=one")
    assert text(ip.ok("%k8s delete cm -l group=one")) == ('configmap "a" deleted from default namespace\n'
                                                          'configmap "b" deleted from default namespace\n')
    assert text(ip.ok("%k8s delete cm -l group=one")) == "No resources found\n"
    assert text(ip.ok("%k8s delete ns kube-public -o name")) == "namespace/kube-public\n"


def test_apply_and_delete_files_and_directories(ip, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-pod.yaml").write_text(NGINX_POD.split("\n", 1)[1])
    (tmp_path / "b-deploy.yml").write_text(NGINX_DEPLOYMENT.split("\n", 1)[1])
    (tmp_path / "notes.txt").write_text("not a manifest")
    assert text(ip.ok(f"%k8s apply -f {tmp_path}")) == ("pod/nginx-pod created\n"
                                                        "deployment.apps/nginx-deployment created\n")
    assert text(ip.ok(f"%k8s apply -f {tmp_path / 'a-pod.yaml'}")) == "pod/nginx-pod unchanged\n"
    assert text(ip.ok(f"%k8s get -f {tmp_path / 'a-pod.yaml'} -o name")) == "pod/nginx-pod\n"
    assert text(ip.ok(f"%k8s delete -f {tmp_path} --wait=false")) == (
        'pod "nginx-pod" deleted from default namespace\n'
        'deployment.apps "nginx-deployment" deleted from default namespace\n')
    assert ip.fails(f"%k8s apply -f {tmp_path / 'nope.yaml'}") == \
        f'error: the path "{tmp_path / "nope.yaml"}" does not exist'
    (tmp_path / "c-bad.yaml").write_text("apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: 3\n")
    message = ip.fails(f"%k8s apply -f {tmp_path / 'c-bad.yaml'}")
    assert "c-bad.yaml" in message and "line 6" in message
    assert text(ip.ok("%k8s get pods")) == "No resources found in default namespace.\n"


def test_changes_are_written_by_kubectls_field_managers(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    ip.ok("%k8s label deploy nginx-deployment tier=web")
    ip.ok("%k8s annotate deploy nginx-deployment note=hi")
    ip.ok("%k8s scale deploy nginx-deployment --replicas=4")
    ip.ok("%k8s set image deploy nginx-deployment nginx=nginx:1.21")
    ip.ok("%k8s create configmap made --from-literal=a=1")
    managers = text(ip.ok("%k8s get deploy nginx-deployment --show-managed-fields "
                          "-o jsonpath='{range .metadata.managedFields[*]}{.manager}/{.subresource} {end}'")).split()
    assert {"kube-magics/", "kubectl-label/", "kubectl-annotate/", "kubectl/scale", "kubectl-set/"} <= set(managers)
    made = ip.ok("%k8s get cm made -o json --show-managed-fields").objects[0]
    assert [m["manager"] for m in made["metadata"]["managedFields"]] == ["kubectl-create"]


def test_patch_in_the_three_types(ip) -> None:  # type: ignore[no-untyped-def]
    ip.ok(NGINX_DEPLOYMENT)
    deploy = "deployment nginx-deployment"
    assert text(ip.ok(f"%k8s patch {deploy} -p '{{\"spec\":{{\"replicas\":2}}}}'")) == \
        "deployment.apps/nginx-deployment patched\n"
    assert text(ip.ok(f"%k8s patch {deploy} -p '{{\"spec\":{{\"replicas\":2}}}}'")) == \
        "deployment.apps/nginx-deployment patched (no change)\n"
    ip.ok(f"%k8s patch {deploy} --type=json -p '[{{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":4}}]'")
    ip.ok(f"%k8s patch {deploy} --type=merge -p '{{\"metadata\":{{\"labels\":{{\"tier\":\"web\"}}}}}}'")
    containers = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.21"}]}}}}'
    ip.ok(f"%k8s patch {deploy} -p '{containers}'")
    d = ip.ok("%k8s get deploy nginx-deployment -o json").objects[0]
    assert d["spec"]["replicas"] == 4 and d["metadata"]["labels"] == {"tier": "web"}
    assert [c["image"] for c in d["spec"]["template"]["spec"]["containers"]] == ["nginx:1.21"]
    assert d["spec"]["template"]["spec"]["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]
    bad_path = '[{"op":"replace","path":"/spec/nope/x","value":3}]'
    assert ip.fails(f"%k8s patch {deploy} --type=json -p '{bad_path}'") == \
        "The request is invalid: the server rejected our request due to an error in our request"
    assert ip.fails(f"%k8s patch {deploy}") == \
        "error: must specify --patch or --patch-file containing the contents of the patch"
    assert ip.fails(f"%k8s patch {deploy} --type=yaml -p x") == \
        'error: --type must be one of [json merge strategic], not "yaml"'
