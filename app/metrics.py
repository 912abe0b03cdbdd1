"""The process's Prometheus metrics (served at /metrics by app.operations).

With several worker processes (`serve --workers N`) the `serve` command points
PROMETHEUS_MULTIPROC_DIR at a directory of its own before the workers start: each process
writes its counters and histograms there and the scrape, whichever worker answers it,
adds them up. Without it (one process, the tests) they live in this process's registry.
The queue figures read from the database at scrape time are the same in every process.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED = "unmatched"  # the route label of a request no route answers (404, 405)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})  # any other: "other"

REQUEST_SECONDS = Histogram(
    "blaastempel_http_request_duration_seconds", "Time from a request's arrival to its response's last byte",
    ["method", "route"], buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REQUESTS = Counter("blaastempel_http_requests", "Responses by route and status class (2xx, 3xx, 4xx, 5xx)",
                   ["method", "route", "status"])
CACHE_LOOKUPS = Counter("blaastempel_cache_lookups", "Lookups in the per-process caches, hit or miss",
                        ["cache", "result"])


def cache_lookup(cache: str, hit: bool) -> None:
    CACHE_LOOKUPS.labels(cache, "hit" if hit else "miss").inc()


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"  # a client may send any word
    REQUEST_SECONDS.labels(method, route).observe(seconds)
    REQUESTS.labels(method, route, f"{status // 100}xx").inc()


class _Families(Collector):
    """Metric families made by the caller (the database's queues, read for this scrape)."""

    def __init__(self, families: Iterable[Metric]) -> None:
        self.families = list(families)

    def collect(self) -> Iterable[Metric]:
        return self.families


def exposition(families: Iterable[Metric] = ()) -> bytes:
    """The text format: every process's metrics (or this process's) and `families`."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_Registry(REGISTRY))
    registry.register(_Families(families))
    return generate_latest(registry)


class _Registry(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry

    def collect(self) -> Iterable[Metric]:
        return self.registry.collect()
