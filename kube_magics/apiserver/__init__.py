"""The Kubernetes REST API over a simulated cluster, for kubectl, client libraries and other real tools.

    from kube_magics.apiserver import serve
    server = serve(cluster, kubeconfig="/tmp/sim.kubeconfig", speed=1.0)
    # $ KUBECONFIG=/tmp/sim.kubeconfig kubectl get pods
    server.stop()

An adapter over `kube_magics.sim`, like a backend: it depends on the simulator, never the other way round, and the
simulator stays single-threaded (every access takes the server's lock; see `host.py`). Modules:

    serve.py       Server: start, stop, token, kubeconfig          server.py     HTTP/1.1, auth, framing
    handlers.py    routing of requests to what serves them        routing.py    URL -> group/version/resource/...
    discovery.py   /version, /api, /apis, aggregated discovery    openapi.py    /openapi/v2, /openapi/v3
    listing.py     get, list, selectors, paging, Tables           watch.py      watch streams
    writes.py      create, update, patch, delete                  subresources.py, eviction.py, reviews.py
    realtime.py    the clock driven by the wall clock             locking.py    the notebook's side of the lock
    protocol.py    requests, answers, content negotiation         protobuf.py   protobuf request bodies
    host.py        the cluster and its lock                       cache.py      answers to identical reads
    tls.py         the server's certificate                       openapi_schemas.py, openapi_proto.py
"""

from __future__ import annotations

from kube_magics.apiserver.serve import CONTEXT, DEFAULT_KUBECONFIG, Server, serve

__all__ = ["CONTEXT", "DEFAULT_KUBECONFIG", "Server", "serve"]
