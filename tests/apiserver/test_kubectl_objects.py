"""kubectl 1.35 against the served simulator: pods, ConfigMaps and Secrets, the API server's errors, patches,
server-side apply, explain and version, compared with the recordings of a real cluster where they have them.
"""

from __future__ import annotations

import json

import pytest

from kube_magics.apiserver import Server
from tests import reference
from tests.apiserver.conftest import Kubectl, running
from tests.apiserver.normalize import shape
from tests.apiserver.script import Block, blocks
from tests.seed_manifests import SEED_DEPLOYMENT

# What the kubelet and the scheduler decide (the recording's were a stand-in, which marked bound pods Running a
# second after binding; the simulator's own differ in container ids, status details and events), and the pod's
# generation, which a binding written as a spec update bumps: compared up to where these begin.
_KUBELETS_PART = {"kubectl get pod nginx-pod -o yaml": "status:", "kubectl describe pod nginx-pod": "Conditions:"}
_GENERATION = "generation:"


def _api_part(command: str, lines: list[str]) -> list[str]:
    end = _KUBELETS_PART.get(command)
    kept = lines[:lines.index(end)] if end in lines else lines
    return [line for line in kept if not line.startswith(_GENERATION)]


def _run(kubectl: Kubectl, block: Block) -> tuple[int, str]:
    waits = block.args[0] in ("delete", "rollout", "wait")
    result = kubectl.advancing(*block.args, stdin=block.stdin) if waits else kubectl(*block.args, stdin=block.stdin)
    return result.rc, result.text


def test_the_pod_chapter(kubectl: Kubectl, served: Server) -> None:
    for block in blocks("pod.txt"):
        rc, text = _run(kubectl, block)
        assert rc == block.rc, (block.command, text)
        got, want = shape(text), shape(block.output)
        assert _api_part(block.command, got) == _api_part(block.command, want), block.command
        running(served)


def test_configmaps_and_secrets(kubectl: Kubectl) -> None:
    # `kubectl create secret|configmap` send their objects as protobuf (client-go's typed clients).
    for block in blocks("config.txt"):
        rc, text = _run(kubectl, block)
        assert (rc, shape(text)) == (block.rc, shape(block.output)), block.command


ERROR_BLOCKS = [b for b in blocks("errors.txt") if b.rc != 0 and b.args[:2] != ["top", "pods"]]


@pytest.mark.parametrize("block", ERROR_BLOCKS, ids=[f"{i}" for i in range(len(ERROR_BLOCKS))])
def test_errors_are_worded_as_a_real_cluster_words_them(kubectl: Kubectl, served: Server, block: Block) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    assert _run(kubectl, block) == (block.rc, block.output)


def test_the_three_patch_types_and_server_side_apply(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    assert kubectl("patch", "deploy", "nginx-deployment", "-p", '{"metadata":{"labels":{"tier":"web"}}}').text == \
        "deployment.apps/nginx-deployment patched\n"
    assert kubectl("patch", "deploy", "nginx-deployment", "--type", "merge",
                   "-p", '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.22"}]}}}}'
                   ).rc == 0
    assert kubectl("patch", "deploy", "nginx-deployment", "--type", "json",
                   "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]').rc == 0
    assert kubectl("patch", "deploy", "nginx-deployment", "-p", '{"metadata":{"labels":{"tier":"web"}}}').text == \
        "deployment.apps/nginx-deployment patched (no change)\n"
    d = json.loads(kubectl("get", "deploy", "nginx-deployment", "-o", "json").out)
    assert d["metadata"]["labels"] == {"tier": "web"}
    assert d["spec"]["replicas"] == 2
    assert d["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.22"
    # Server-side apply of the seed takes the fields back, after a conflict on what `patch` changed.
    conflict = kubectl("apply", "--server-side", "-f", "-", stdin=SEED_DEPLOYMENT)
    assert conflict.rc == 1
    assert conflict.err.startswith('error: Apply failed with 2 conflicts: conflicts with "kubectl-patch" using '
                                   "apps/v1:\n- .spec.replicas\n"
                                   '- .spec.template.spec.containers[name="nginx"].image\n')
    forced = kubectl("apply", "--server-side", "--force-conflicts", "-f", "-", stdin=SEED_DEPLOYMENT)
    assert forced.text == "deployment.apps/nginx-deployment serverside-applied\n"
    d = json.loads(kubectl("get", "deploy", "nginx-deployment", "-o", "json", "--show-managed-fields").out)
    assert d["spec"]["replicas"] == 3
    assert "kubectl" in [m["manager"] for m in d["metadata"]["managedFields"] if m["operation"] == "Apply"]


def test_strict_validation_is_the_servers(kubectl: Kubectl) -> None:
    bad = reference.output("errors.txt", "kubectl apply  -f -", 2)
    manifest = next(b.stdin for b in blocks("errors.txt") if b.output == bad)
    strict = kubectl("apply", "--validate=strict", "-f", "-", stdin=manifest)
    assert (strict.rc, strict.text) == (1, bad)
    warned = kubectl("create", "--validate=warn", "-f", "-", stdin=manifest)
    assert (warned.rc, warned.out, warned.err) == (0, "pod/p created\n",
                                                   'Warning: unknown field "spec.containers[0].portz"\n')


def test_explain_reads_the_served_openapi(kubectl: Kubectl) -> None:
    replicas = kubectl("explain", "deployment.spec.replicas")
    assert replicas.rc == 0
    assert replicas.out.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                                   "FIELD: replicas <integer>\n")
    assert "Number of desired pods." in replicas.out
    containers = kubectl("explain", "pod.spec.containers")
    assert "FIELD: containers <[]Container>" in containers.out
    assert "\n  image\t<string>\n" in containers.out and "\n  name\t<string> -required-\n" in containers.out
    v2 = kubectl("explain", "--output=plaintext-openapiv2", "svc.spec.ports")
    assert v2.rc == 0 and "RESOURCE: ports <[]Object>" in v2.out and "targetPort\t<string>" in v2.out
    missing = kubectl("explain", "pod.spec.nope")
    assert (missing.rc, missing.err) == (1, 'error: field "nope" does not exist\n')


def test_version_names_the_server(kubectl: Kubectl) -> None:
    result = kubectl("version")
    assert result.rc == 0
    assert result.out.splitlines()[-1] == "Server Version: v1.35.0"


def test_deprecated_apis_warn(kubectl: Kubectl) -> None:
    result = kubectl("get", "endpoints")
    assert result.err.startswith("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 "
                                 "EndpointSlice\n")


def test_describe_finds_events_through_field_selectors(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    rs = kubectl("get", "rs", "-o", "name").out.strip()
    described = kubectl("describe", rs)
    assert shape(described.text) == shape(reference.output("deployment.txt", "kubectl describe rs"))


def _fields(text: str) -> list[str]:
    """The top-level fields of a `describe` (lines that start at the margin)."""
    return [line.split(":", 1)[0] for line in text.splitlines() if line[:1].isalpha() and ":" in line]


def test_describe_node_and_service(kubectl: Kubectl, served: Server) -> None:
    kubectl("apply", "-f", "-", stdin=SEED_DEPLOYMENT)
    running(served)
    node = kubectl("describe", "node", "sim-worker")
    assert node.rc == 0
    # The recorded nodes had no kubelet (so no PodCIDR, ProviderID); a kind node has them, in between.
    ours = iter(_fields(node.out))
    assert all(field in ours for field in _fields(reference.output("errors.txt", "kubectl describe node fake-node-2")))
    assert "\nNon-terminated Pods:" in node.out and "nginx-deployment-" in node.out
    service = next(b for b in blocks("service.txt") if "name: web-clusterip" in (b.stdin or ""))
    assert kubectl("apply", "-f", "-", stdin=service.stdin).text == "service/web-clusterip created\n"
    described = kubectl("describe", "svc", "web-clusterip")
    recorded = reference.output("service.txt", "kubectl describe svc web-clusterip")
    assert described.rc == 0
    assert set(_fields(described.out)) <= set(_fields(recorded))
    assert shape(described.out)[:5] == shape(recorded)[:5]


def test_create_subcommands_of_kinds_the_server_reads_no_protobuf_for_say_how_to_send_json(kubectl: Kubectl) -> None:
    refused = kubectl("create", "deployment", "web", "--image=nginx")
    assert refused.rc == 1
    assert refused.err == ("error: failed to create deployment: the body of the request was in an unknown format - "
                           "accepted media types include: application/json, application/yaml (the simulated "
                           "cluster's API cannot read Deployment in protobuf, which kubectl's `create <kind>` "
                           "commands send; `kubectl create ... --dry-run=client -o yaml | kubectl apply -f -` sends "
                           "JSON)\n")
    manifest = kubectl("create", "deployment", "web", "--image=nginx", "--dry-run=client", "-o", "yaml").out
    assert kubectl("apply", "-f", "-", stdin=manifest).text == "deployment.apps/web created\n"


def test_namespaces_service_accounts_and_auth_through_protobuf(kubectl: Kubectl) -> None:
    assert kubectl("create", "namespace", "team-a").text == "namespace/team-a created\n"
    assert kubectl("create", "serviceaccount", "robot", "-n", "team-a").text == "serviceaccount/robot created\n"
    assert kubectl("get", "sa", "robot", "-n", "team-a", "-o", "name").out == "serviceaccount/robot\n"
    assert kubectl("auth", "can-i", "delete", "pods").out == "yes\n"
    whoami = kubectl("auth", "whoami").out.splitlines()
    assert [line.split()[0] for line in whoami] == ["ATTRIBUTE", "Username", "Groups"]
    assert whoami[1].split()[1] == "kube-magics-admin"
