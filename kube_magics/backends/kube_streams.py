"""Streams other than watches: a followed log (bounded in time) and exec over the API's websocket.

`follow_text` reads `pods/NAME/log?follow=true` as lines arrive and ends the stream after the given seconds (a cell
must end; kubectl's `-f` would not). `exec_command` runs a command in a container through
`kubernetes.stream.stream` (the client's websocket channel protocol: stdout, stderr, and the exit status on the
error channel), without a terminal or stdin.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

from kube_magics.backends.base import ExecResult
from kube_magics.backends.kube_client import Query, Rest
from kube_magics.backends.kube_errors import translated
from kube_magics.errors import BackendError


def follow_text(rest: Rest, path: str, *, query: Query, seconds: float) -> str:
    """The log so far and what the container writes in the next `seconds`."""
    response = rest.open("GET", path, query=[*query, ("follow", "true")], timeout=(10.0, seconds + 30.0),
                         accept="*/*")
    timer = threading.Timer(seconds, _shutdown, (response,))
    timer.daemon = True
    timer.start()
    chunks: list[bytes] = []
    try:
        for chunk in response.response.stream(amt=None, decode_content=False):
            chunks.append(chunk)
    except Exception:  # the timer shut the connection down mid-read: the bound was reached
        if timer.is_alive():
            raise
    finally:
        timer.cancel()
        response.response.release_conn()
    return b"".join(chunks).decode("utf-8", "replace")


def _shutdown(response: Any) -> None:
    with contextlib.suppress(Exception):  # already closed
        response.response.shutdown()


def exec_command(rest: Rest, pod: str, namespace: str, command: list[str], *, container: str | None,
                 timeout: float) -> ExecResult:
    """Run `command` in the pod's container; its output and exit code."""
    from kubernetes.client import CoreV1Api
    from kubernetes.stream import stream

    kwargs: dict[str, Any] = {"command": command, "stderr": True, "stdin": False, "stdout": True, "tty": False,
                              "_preload_content": False}
    if container:
        kwargs["container"] = container
    with translated(rest.context):
        try:
            client = stream(CoreV1Api(rest.api).connect_get_namespaced_pod_exec, pod, namespace, **kwargs)
        except Exception as exc:
            if type(exc).__module__.startswith("websocket"):
                raise BackendError(f"error: unable to upgrade connection: {exc}") from None
            raise
        try:
            client.run_forever(timeout=timeout)
            out, err = client.read_stdout() or "", client.read_stderr() or ""
            code = client.returncode
        finally:
            client.close()
    return ExecResult(out, err, int(code) if code is not None else 0)
