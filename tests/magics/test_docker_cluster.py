"""Images built with %%dockerfile run on the simulated cluster: the build pushes them to its registry, as a push to
a real registry would; a tag nobody built fails to pull, as it does on a real cluster."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DEPLOYMENT = """%%k8s
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  replicas: 2
  selector:
    matchLabels: {{app: {name}}}
  template:
    metadata:
      labels: {{app: {name}}}
    spec:
      containers:
        - name: app
          image: {image}
          ports: [{{containerPort: 3000}}]
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    (tmp_path / "package.json").write_text('{"name": "app", "scripts": {"start": "node server.js"}}\n')
    (tmp_path / "server.js").write_text("require('http').createServer((q, s) => s.end('hi')).listen(3000)\n")
    return tmp_path


def pods(ip: Any, name: str) -> list[dict[str, Any]]:
    import kube_magics

    return list(kube_magics._session.backend.list("pods", namespace="default", selector=f"app={name}"))


def waiting_reasons(pod: dict[str, Any]) -> set[str]:
    return {(s.get("state") or {}).get("waiting", {}).get("reason", "")
            for s in pod["status"].get("containerStatuses") or []}


def test_a_built_image_runs_on_the_simulated_cluster_and_an_unknown_tag_does_not(ip, app) -> None:  # type: ignore[no-untyped-def]
    ip.ok("%docker context use sim")
    ip.ok(f"%%dockerfile -t web:1 --context {app} --no-lint\nFROM node:18-alpine\nWORKDIR /app\nCOPY . .\n"
          'EXPOSE 3000\nCMD ["npm", "start"]\n')
    ip.ok(DEPLOYMENT.format(name="web", image="web:1"))
    ip.ok(DEPLOYMENT.format(name="typo", image="web:2"))
    ip.ok("%kube advance 60s")
    running = pods(ip, "web")
    assert len(running) == 2 and {p["status"]["phase"] for p in running} == {"Running"}
    assert all(s["ready"] for p in running for s in p["status"]["containerStatuses"])
    failing = pods(ip, "typo")
    assert failing and all(p["status"]["phase"] == "Pending" for p in failing)
    assert all(waiting_reasons(p) & {"ErrImagePull", "ImagePullBackOff"} for p in failing)
    message = failing[0]["status"]["containerStatuses"][0]["state"]["waiting"]["message"]
    assert 'failed to resolve reference "docker.io/library/web:2"' in message


def test_images_stay_pullable_by_a_fresh_cluster_and_tags_count(ip, app) -> None:  # type: ignore[no-untyped-def]
    ip.ok("%docker context use sim")
    ip.ok(f"%%dockerfile -t web:1 --context {app} --no-lint\nFROM node:18-alpine\nCOPY . .\nEXPOSE 3000\n"
          'CMD ["node", "server.js"]\n')
    ip.ok("%docker tag web:1 registry.example.com/team/web:1.0")
    ip.ok("%kube use sim")
    ip.ok(DEPLOYMENT.format(name="web", image="registry.example.com/team/web:1.0"))
    ip.ok("%kube advance 60s")
    assert {p["status"]["phase"] for p in pods(ip, "web")} == {"Running"}
