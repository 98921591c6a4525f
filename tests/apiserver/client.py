"""A small HTTPS client for the served API in tests: requests as a Kubernetes client sends them, answers as data.

`Api(server)` trusts the server's certificate and sends its bearer token; `request` returns the status, the
headers and the decoded body; `watch` opens a watch stream and reads its events one by one.
"""

from __future__ import annotations

import http.client
import json
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from kube_magics.apiserver import Server

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io," \
        "application/json"


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: Any
    raw: bytes


class Api:
    def __init__(self, server: Server, *, token: str | None = None) -> None:
        self.server = server
        self.token = server.token if token is None else token
        self.context = ssl.create_default_context(cadata=server.certificate.cert_pem.decode())
        split = urlsplit(server.url)
        self.host, self.port = split.hostname or "127.0.0.1", split.port or 443

    def _connection(self, timeout: float = 10) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=timeout)

    def _headers(self, accept: str | None, content_type: str | None) -> dict[str, str]:
        headers = {"User-Agent": "kube-magics-tests/1.0"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if accept:
            headers["Accept"] = accept
        if content_type:
            headers["Content-Type"] = content_type
        return headers

    def request(self, method: str, path: str, body: Any = None, *, query: dict[str, Any] | None = None,
                accept: str | None = None, content_type: str | None = None) -> Answer:
        if query:
            path += "?" + urlencode(query, doseq=True)
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            content_type = content_type or "application/json"
        conn = self._connection()
        try:
            conn.request(method, path, body=data, headers=self._headers(accept, content_type))
            resp = conn.getresponse()
            raw = resp.read()
            ctype = resp.headers.get("Content-Type", "")
            decoded = json.loads(raw) if raw and "json" in ctype else raw
            return Answer(resp.status, resp.headers, decoded, raw)
        finally:
            conn.close()

    def get(self, path: str, **kwargs: Any) -> Answer:
        return self.request("GET", path, **kwargs)

    def watch(self, path: str, *, query: dict[str, Any] | None = None, accept: str | None = None,
              timeout: float = 10) -> Iterator[dict[str, Any]]:
        """The events of a watch, as they arrive (the stream is closed when the iterator is)."""
        query = {"watch": "true", **(query or {})}
        conn = self._connection(timeout)
        try:
            conn.request("GET", path + "?" + urlencode(query), headers=self._headers(accept, None))
            resp = conn.getresponse()
            assert resp.status == 200, resp.read()
            while True:
                line = resp.readline()
                if not line:
                    return
                yield json.loads(line)
        finally:
            conn.close()
