"""Start and stop serving a simulated cluster: `serve(cluster) -> Server`.

    server = serve(cluster, port=0, kubeconfig="~/.kube/kube-magics-sim.yaml", speed=1.0)
    print(server)          # the URL, the kubeconfig, and `export KUBECONFIG=...`
    ...
    server.stop()

A random bearer token (32 bytes, URL-safe) is required on every request; the kubeconfig (written with mode 0600,
removed again on `stop`) has a cluster (with the server's certificate as its certificate authority), a user with
that token and a context, all named `kube-magics-sim`, with `current-context` set, so `kubectl --kubeconfig PATH
get pods` or `export KUBECONFIG=PATH` just works. The URL is `https://127.0.0.1:PORT` (loopback only; HTTPS
because kubectl sends a kubeconfig's token over TLS only, see `tls.py`).
`speed` runs the virtual clock with the wall clock (`realtime.py`); 0 leaves time to the notebook.

Owns: the server's lifecycle and its kubeconfig. Must not: be imported by the simulator.
"""

from __future__ import annotations

import base64
import os
import secrets
import threading
from pathlib import Path
from typing import Any

import yaml

from kube_magics.apiserver.host import Host
from kube_magics.apiserver.realtime import RealTime
from kube_magics.apiserver.server import LOOPBACK, ApiHTTPServer
from kube_magics.apiserver.tls import self_signed
from kube_magics.sim.cluster import SimCluster

CONTEXT = "kube-magics-sim"
DEFAULT_KUBECONFIG = "~/.kube/kube-magics-sim.yaml"


class Server:
    """A served simulator: `url`, `token`, `kubeconfig` (the file written, or None), `stop()`."""

    def __init__(self, cluster: SimCluster, *, port: int = 0, kubeconfig: str | Path | None = DEFAULT_KUBECONFIG,
                 speed: float = 1.0, token: str | None = None, lock: threading.RLock | None = None) -> None:
        self.token = token or secrets.token_urlsafe(32)
        self.host = Host(cluster, lock=lock, token=self.token)
        self.certificate = self_signed(LOOPBACK)
        self._http = ApiHTTPServer(self.host, self.token, port, tls=self.certificate.context())
        self.port = self._http.port
        self.url = f"https://{LOOPBACK}:{self.port}"
        self.host.address = f"{LOOPBACK}:{self.port}"
        self.kubeconfig = write_kubeconfig(Path(kubeconfig).expanduser(), self.url, self.token,
                                           self.certificate.cert_pem) if kubeconfig is not None else None
        self._thread = threading.Thread(target=self._http.serve_forever, kwargs={"poll_interval": 0.2},
                                        name=f"kube-magics-api-{self.port}", daemon=True)
        self._thread.start()
        self._clock = RealTime(self.host, speed)
        self._stopped = False

    @property
    def cluster(self) -> SimCluster:
        return self.host.cluster

    @property
    def lock(self) -> threading.RLock:
        """The lock every access to the served cluster takes (the notebook's too, through `locking.Locked`)."""
        return self.host.lock

    @property
    def speed(self) -> float:
        return self._clock.speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be 0 (off) or positive")
        self._clock.speed = value

    @property
    def running(self) -> bool:
        return not self._stopped

    def hint(self) -> str:
        """The shell line that points kubectl at this server."""
        return f"export KUBECONFIG={self.kubeconfig}" if self.kubeconfig else \
            f"kubectl --server {self.url} --token <token>"

    def stop(self) -> None:
        """Stop serving: end watches and followed logs, close the socket, stop the clock, remove the kubeconfig (unless
        another server has written its own there since)."""
        if self._stopped:
            return
        self._stopped = True
        self.host.stopping.set()
        self._clock.stop()
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)
        if self.kubeconfig is not None and _holds(self.kubeconfig, self.token):
            self.kubeconfig.unlink()

    def close(self) -> None:
        """`stop`, under the name a notebook's views use (a session closes them when it switches clusters)."""
        self.stop()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __str__(self) -> str:
        if self._stopped:
            return f"Stopped serving the simulated cluster at {self.url}"
        clock = f"real time x{self.speed:g}" if self.speed else "moved by the notebook only"
        lines = [f"Serving the simulated cluster at {self.url} (clock: {clock})"]
        if self.kubeconfig is not None:
            lines += [f"kubeconfig: {self.kubeconfig} (context {CONTEXT})", self.hint()]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Server {self.url} {'stopped' if self._stopped else 'serving'}>"


def serve(cluster: SimCluster, *, port: int = 0, kubeconfig: str | Path | None = DEFAULT_KUBECONFIG,
          speed: float = 1.0, token: str | None = None, lock: threading.RLock | None = None) -> Server:
    """Serve `cluster`'s Kubernetes API on 127.0.0.1 (port 0: any free port). See the module's docstring."""
    return Server(cluster, port=port, kubeconfig=kubeconfig, speed=speed, token=token, lock=lock)


def _holds(path: Path, token: str) -> bool:
    """Whether the kubeconfig at `path` is still this server's (another server may have written it since)."""
    try:
        return token in path.read_text(encoding="utf-8")
    except OSError:
        return False


def kubeconfig_document(url: str, token: str, ca_pem: bytes) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {"server": url,
                                                   "certificate-authority-data": base64.b64encode(ca_pem).decode()}}],
        "users": [{"name": CONTEXT, "user": {"token": token}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT, "namespace": "default"}}],
        "current-context": CONTEXT,
        "preferences": {},
    }


def write_kubeconfig(path: Path, url: str, token: str, ca_pem: bytes) -> Path:
    """Write the kubeconfig (readable by its owner only: it holds the token)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    text = yaml.safe_dump(kubeconfig_document(url, token, ca_pem), sort_keys=False)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    os.chmod(path, 0o600)
    return path
