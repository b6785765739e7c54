"""The scorer's HTTP server on METRICS_PORT: ``GET /metrics`` (Prometheus exposition, scraped by the PodMonitoring)
and ``GET /healthz`` (the Deployment's liveness and readiness probes). Any other path is 404.

/healthz answers 200 only while the subscriber's StreamingPullFuture runs: 503 before ``subscribe`` returned and
once the future is done (a non-retryable StreamingPull error such as PERMISSION_DENIED completes it, and so does
the drain on SIGTERM). prometheus_client's own server answers every path with the metrics, so a probe on
/metrics never fails while the process lives (issue 13 review, item 5). A kubelet probe succeeds on a status in
[200, 400) and fails otherwise (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-http-request).
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

METRICS_PATH = "/metrics"
HEALTH_PATH = "/healthz"


class Health:
    """Whether the subscriber is consuming: set to the StreamingPullFuture once ``subscribe`` returned it."""

    def __init__(self) -> None:
        self.future: Future | None = None

    def healthy(self) -> bool:
        future = self.future
        return future is not None and not future.done()


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format, *args) -> None:  # probes every few seconds would flood the log
        pass


def app(registry: CollectorRegistry, health: Health):
    metrics = make_wsgi_app(registry)

    def route(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == METRICS_PATH:
            return metrics(environ, start_response)
        if path == HEALTH_PATH:
            ok = health.healthy()
            body = b"ok\n" if ok else b"subscriber not running\n"
            start_response(
                "200 OK" if ok else "503 Service Unavailable",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))],
            )
            return [body]
        start_response("404 Not Found", [("Content-Type", "text/plain; charset=utf-8")])
        return [b"not found\n"]

    return route


def serve(port: int, registry: CollectorRegistry, health: Health, addr: str = "0.0.0.0") -> WSGIServer:
    """Serve /metrics and /healthz on a daemon thread; returns the server (``server_port``, ``shutdown()``)."""
    server = make_server(addr, port, app(registry, health), _Server, handler_class=_QuietHandler)
    threading.Thread(target=server.serve_forever, daemon=True, name="scorer-http").start()
    return server
