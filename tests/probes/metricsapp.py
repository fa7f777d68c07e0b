"""A small application that exposes prometheus_client metrics on 127.0.0.1 with known figures.

Every scrape of /metrics first counts one "tick" of traffic: the given requests per status code
on the Counter `http_requests_total` and the given latencies on the Histogram
`http_request_duration_seconds`. Every series grows by the same number of ticks between two
scrapes, so ratios over any window (availability, quantiles) are exactly those of one tick,
whatever the scrape timing."""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest

BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0)


class MetricsApp:
    def __init__(
        self,
        requests: Mapping[str, int],
        latencies: Sequence[tuple[float, int]] = (),
        label: str = "code",
    ) -> None:
        """`requests`: status code -> requests per tick; `latencies`: (seconds, count) per tick;
        `label`: the status label's name (`code` or `status`)."""
        self.requests = dict(requests)
        self.latencies = list(latencies)
        self.registry = CollectorRegistry()
        self.counter = Counter("http_requests_total", "requests", [label], registry=self.registry)
        self.histogram = Histogram(
            "http_request_duration_seconds", "latency", buckets=BUCKETS, registry=self.registry
        )
        for code in self.requests:  # every series exists from the first scrape on
            self.counter.labels(code)
        self._lock = threading.Lock()
        app = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = app.scrape()
                self.send_response(200)
                self.send_header("Content-Type", CONTENT_TYPE_LATEST)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.address = f"127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def scrape(self) -> bytes:
        with self._lock:
            for code, n in self.requests.items():
                self.counter.labels(code).inc(n)
            for seconds, n in self.latencies:
                for _ in range(n):
                    self.histogram.observe(seconds)
            return generate_latest(self.registry)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
