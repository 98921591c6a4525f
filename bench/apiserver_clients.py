"""50 concurrent clients listing and watching the served simulator (target: no errors, p99 at most 100 ms).

The server runs as `python -m kube_magics serve` in its own process (its clock in real time), with a Deployment
whose replica count a churn thread moves between 20 and 40 every two seconds, so that watches have events to
deliver. The clients run in worker processes (threads in each, keep-alive HTTPS connections, as client-go keeps
them) and make kubectl-style requests for `--seconds`, each at most `--requests` times:
- `kubectl get pods` / `get deploy` / `get events`: a Table list (`Accept: ...;as=Table;g=meta.k8s.io`,
  `limit=500`);
- `kubectl get deploy NAME`: a Table get;
- `kubectl get pods -w`: every client also holds one Table watch of the pods open for the whole run, and counts the
  events it receives.
Prints the request latencies (p50, p99, max), the counts, the watch events and every error:
    python bench/apiserver_clients.py [--clients 50] [--seconds 30] [--requests 2000] [--processes 5]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import json
import multiprocessing
import os
import random
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io," \
        "application/json"
LISTS = ["/api/v1/namespaces/default/pods?limit=500", "/apis/apps/v1/namespaces/default/deployments?limit=500",
         "/api/v1/namespaces/default/events?limit=500", "/apis/apps/v1/namespaces/default/deployments/web",
         "/api/v1/pods?limit=500"]
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
              "spec": {"replicas": 20, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}}}


class Conn:
    def __init__(self, target: dict[str, Any], timeout: float = 30) -> None:
        self.target = target
        ctx = ssl.create_default_context(cadata=target["ca"])
        self.http = http.client.HTTPSConnection(target["host"], target["port"], context=ctx, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {target['token']}", "User-Agent": "kubectl/v1.35.2 (bench)"}

    def request(self, method: str, path: str, body: Any = None, *, accept: str = "application/json",
                content_type: str = "application/json") -> tuple[int, bytes]:
        headers = {**self.headers, "Accept": accept}
        data = None if body is None else json.dumps(body).encode()
        if data is not None:
            headers["Content-Type"] = content_type
        self.http.request(method, path, body=data, headers=headers)
        resp = self.http.getresponse()
        return resp.status, resp.read()


def _client(target: dict[str, Any], deadline: float, limit: int, seed: int, out: list[Any]) -> None:
    rng = random.Random(seed)
    conn = Conn(target)
    latencies: list[float] = []
    errors: list[str] = []
    events = [0]
    watch = threading.Thread(target=_watch, args=(target, deadline, events, errors), daemon=True)
    watch.start()
    while time.time() < deadline and len(latencies) < limit:
        path = rng.choice(LISTS)
        started = time.perf_counter()
        try:
            status, _ = conn.request("GET", path, accept=TABLE)
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{path}: {exc!r}")
            conn = Conn(target)
            continue
        latencies.append(time.perf_counter() - started)
        if status != 200:
            errors.append(f"{path}: HTTP {status}")
        time.sleep(rng.uniform(0.0, 0.05))  # a little think time, as between kubectl commands
    watch.join(timeout=max(0.0, deadline - time.time()) + 5)
    out.append((latencies, errors, events[0]))


def _watch(target: dict[str, Any], deadline: float, events: list[int], errors: list[str]) -> None:
    conn = Conn(target, timeout=max(5.0, deadline - time.time() + 5))
    try:
        status, body = conn.request("GET", "/api/v1/namespaces/default/pods?limit=500", accept=TABLE)
        if status != 200:
            errors.append(f"watch's list: HTTP {status}")
            return
        rv = json.loads(body)["metadata"]["resourceVersion"]
        timeout = max(1, int(deadline - time.time()))
        conn.http.request("GET", f"/api/v1/namespaces/default/pods?watch=true&resourceVersion={rv}"
                                 f"&timeoutSeconds={timeout}", headers={**conn.headers, "Accept": TABLE})
        resp = conn.http.getresponse()
        if resp.status != 200:
            errors.append(f"watch: HTTP {resp.status}")
            return
        while True:
            line = resp.readline()
            if not line:
                return
            event = json.loads(line)
            if event.get("type") == "ERROR":
                errors.append(f"watch: {event['object'].get('message')}")
            events[0] += 1
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if time.time() < deadline:
            errors.append(f"watch: {exc!r}")


def _worker(target: dict[str, Any], clients: int, first_seed: int, deadline: float, limit: int,
            queue: Any) -> None:
    out: list[Any] = []
    threads = [threading.Thread(target=_client, args=(target, deadline, limit, first_seed + i, out))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    queue.put(out)


def _start_server(kubeconfig: Path) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "kube_magics", "serve", "--kubeconfig", str(kubeconfig),
                             "--speed", "1"], stdout=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    proc.stdout.readline()
    config = yaml.safe_load(kubeconfig.read_text())
    cluster, user = config["clusters"][0]["cluster"], config["users"][0]["user"]
    host, port = cluster["server"].removeprefix("https://").split(":")
    ca = base64.b64decode(cluster["certificate-authority-data"]).decode()
    return proc, {"host": host, "port": int(port), "token": user["token"], "ca": ca}


def _churn(target: dict[str, Any], deadline: float, counts: list[int]) -> None:
    conn = Conn(target)
    conn.request("POST", "/apis/apps/v1/namespaces/default/deployments", DEPLOYMENT)
    replicas = 20
    while time.time() < deadline:
        time.sleep(2)
        replicas = 40 if replicas == 20 else 20
        status, _ = conn.request("PATCH", "/apis/apps/v1/namespaces/default/deployments/web/scale",
                                 {"spec": {"replicas": replicas}}, content_type="application/merge-patch+json")
        counts.append(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--requests", type=int, default=2000, help="at most this many requests per client")
    parser.add_argument("--processes", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        server, target = _start_server(Path(tmp) / "kubeconfig")
        try:
            results, churn = _run(target, args)
        finally:
            server.terminate()
            server.wait(timeout=10)
    _report(results, churn, args)


def _run(target: dict[str, Any], args: argparse.Namespace) -> tuple[list[Any], list[int]]:
    deadline = time.time() + args.seconds
    churn: list[int] = []
    churner = threading.Thread(target=_churn, args=(target, deadline, churn))
    churner.start()
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    per = [args.clients // args.processes + (1 if i < args.clients % args.processes else 0)
           for i in range(args.processes)]
    procs = [ctx.Process(target=_worker, args=(target, n, 1000 * i, deadline, args.requests, queue))
             for i, n in enumerate(per) if n]
    for p in procs:
        p.start()
    results = [r for _ in procs for r in queue.get(timeout=args.seconds + 120)]
    for p in procs:
        p.join()
    churner.join()
    return results, churn


def _report(results: list[Any], churn: list[int], args: argparse.Namespace) -> None:
    latencies = sorted(x for lat, _, _ in results for x in lat)
    errors = [e for _, errs, _ in results for e in errs]
    events = [n for _, _, n in results]
    p = (lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000) if latencies else \
        (lambda q: float("nan"))
    print(f"clients: {len(results)} for {args.seconds:g} s ({args.processes} processes)")
    print(f"requests: {len(latencies)} ({len(latencies) / args.seconds:.0f}/s), Table lists and gets")
    print(f"latency: p50 {p(0.50):.1f} ms, p99 {p(0.99):.1f} ms, max {latencies[-1] * 1000 if latencies else 0:.1f} ms"
          f" (mean {statistics.fmean(latencies) * 1000 if latencies else 0:.1f} ms)")
    print(f"watch events per client: min {min(events, default=0)}, max {max(events, default=0)}; "
          f"scale changes: {len(churn)} ({sum(1 for s in churn if s != 200)} failed)")
    print(f"errors: {len(errors)}")
    for e in errors[:20]:
        print("  ", e)


if __name__ == "__main__":
    main()
