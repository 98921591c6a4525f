"""The HTTPS/1.1 server that carries the API: one thread per connection, bound to 127.0.0.1 only.

TLS (`tls.py`) is needed because kubectl sends a kubeconfig's bearer token only over TLS; the handshake happens in
the connection's thread, so a slow client never holds up the others. Each request is authenticated
(`Authorization: Bearer <token>`, compared in constant time; a 401 Unauthorized Status without it; the health
endpoints `/healthz`, `/livez`, `/readyz` are open, as on a kind cluster), handed to `handlers.handle`, and
answered with a Content-Length, or chunked for streams (watches, followed logs), so connections are kept alive as
clients expect. A request that fails in an unexpected way is a 500 InternalError
Status (logged), never a dropped connection. The simulator itself is reached only through the handlers, under the
host's lock.

Owns: the socket, HTTP framing, authentication. Must not: touch the simulator.
"""

from __future__ import annotations

import hmac
import logging
import socket
import ssl
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kube_magics.apiserver import handlers, protocol
from kube_magics.apiserver.host import Host
from kube_magics.apiserver.protocol import Request, Response
from kube_magics.errors import BadRequestError

log = logging.getLogger("kube_magics.apiserver")

LOOPBACK = "127.0.0.1"
_OPEN_PATHS = ("/healthz", "/livez", "/readyz")
_UNAUTHORIZED = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": "Unauthorized",
                 "reason": "Unauthorized", "code": 401}
MAX_BODY = 64 * 1024 * 1024


class ApiHTTPServer(ThreadingHTTPServer):
    """A threading HTTP server for one Host; `token` is the bearer token every request must carry."""

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 128  # dozens of clients connect at once (informers, a class of terminals)

    def __init__(self, host: Host, token: str, port: int = 0, *, tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.token = token
        self.tls = tls
        self.date: tuple[int, str] = (0, "")  # the Date header of the current second
        super().__init__((LOOPBACK, port), _Handler)

    def get_request(self) -> tuple[socket.socket, Any]:
        conn, addr = self.socket.accept()
        if self.tls is not None:
            conn = self.tls.wrap_socket(conn, server_side=True, do_handshake_on_connect=False)
        return conn, addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s failed", client_address, exc_info=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "kube-magics"
    sys_version = ""
    disable_nagle_algorithm = True
    server: ApiHTTPServer

    def setup(self) -> None:
        if isinstance(self.request, ssl.SSLSocket):
            self.request.settimeout(30)
            self.request.do_handshake()
            self.request.settimeout(None)
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("%s - %s", self.address_string(), format % args)

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header changes once a second: format it once a second, not once a request.
        now = int(time.time() if timestamp is None else timestamp)
        second, text = self.server.date
        if second != now:
            text = super().date_time_string(now)
            self.server.date = (now, text)
        return text

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_GET

    def _serve(self) -> None:
        try:
            body = self._body()
        except ValueError:
            self._send(protocol.error_response(BadRequestError("the request body could not be read")))
            self.close_connection = True
            return
        split = urlsplit(self.path)
        if split.path not in _OPEN_PATHS and not self._authorized():
            self._send(Response(401, protocol.encode(_UNAUTHORIZED)))
            return
        headers = {k.title(): v for k, v in self.headers.items()}
        req = Request(self.command, split.path, parse_qs(split.query, keep_blank_values=True), headers, body)
        try:
            response = handlers.handle(self.server.host, req)
        except Exception as exc:  # an unexpected failure: answer 500, keep the server up
            log.exception("%s %s failed", self.command, self.path)
            response = Response(500, protocol.encode({
                "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                "message": f"Internal error occurred: {type(exc).__name__}: {exc}", "reason": "InternalError",
                "details": {"causes": [{"message": str(exc)}]}, "code": 500}))
        self._send(response)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.server.token.encode())

    def _body(self) -> bytes:
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            return self._chunked_body()
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(length) if length else b""

    def _chunked_body(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            size = int(self.rfile.readline().split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_BODY:
                raise ValueError("body too large")
            parts.append(self.rfile.read(size))
            self.rfile.readline()

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Cache-Control", "no-cache, private")
        for name, value in response.headers:
            self.send_header(name, value)
        if response.stream is None:
            self.send_header("Content-Length", str(len(response.body)))
            # Headers and body in one write: one TLS record and one system call for most answers.
            buffer: list[bytes] = self._headers_buffer  # type: ignore[attr-defined]
            buffer.append(b"\r\n")
            if self.command != "HEAD":
                buffer.append(response.body)
            self.flush_headers()
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self._stream(response)

    def _stream(self, response: Response) -> None:
        stream = response.stream
        assert stream is not None
        try:
            for chunk in stream:
                if chunk:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (TimeoutError, BrokenPipeError, ConnectionResetError, OSError):
            self.close_connection = True
        finally:
            close = getattr(stream, "close", None)
            if close is not None:
                close()
