"""For the proxy and monitoring: /health, /health/live, /health/ready and /metrics.

All four are answered beside the request queue (app.web.capacity), on the health engine
and its own threads: a burst that fills the worker threads and their connections does not
make them fail; a database that does not answer within HEALTH_TIMEOUT does.

- /health/live: the process answers (no database); restart the process when it does not.
- /health/ready: 200 when this process can serve: the database answers, its migrations
  are at the scripts' head, the search backend answers, and the search outbox's oldest
  change waited less than BLAASTEMPEL_OUTBOX_LAG_LIMIT seconds; else 503. The body names
  each check and its state (the mail queue is reported, never failing).
- /metrics: Prometheus text (app.metrics), plus the queues read from the database now.
  Anyone may read it unless BLAASTEMPEL_METRICS_TOKEN is set (then: that bearer token).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import litestar
from anyio import fail_after, to_thread
from litestar import Request, Response
from litestar.exceptions import NotAuthorizedException, ServiceUnavailableException
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import Metric
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app import metrics
from app.db.migrate import current_heads, script_heads
from app.notifications.outbox import queue_state
from app.search import outbox
from app.search.backend import SearchBackend
from app.search.meili import MeiliBackend
from app.settings import Settings
from app.web import capacity

HEALTH_TIMEOUT = 2.0  # seconds; the health engine's own waits are shorter (app.web.capacity)
OK, FAIL, UNKNOWN = "ok", "fail", "unknown"
T = TypeVar("T")


async def _on_health_threads(request: Request, work: Callable[[], T]) -> T:
    """`work` on the health threads; TimeoutError after HEALTH_TIMEOUT seconds."""
    with fail_after(HEALTH_TIMEOUT):
        return await to_thread.run_sync(work, limiter=capacity.of(request.scope).health,
                                        abandon_on_cancel=True)


def _ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


@litestar.get("/health", tags=["system"], summary="Database and search backend in use")
async def health(request: Request, search: SearchBackend) -> dict[str, Any]:
    """The database answers (else 503 with Retry-After), and which engines are in use."""
    try:
        await _on_health_threads(request, lambda: _ping(request.app.state.health_engine))
    except TimeoutError:
        raise ServiceUnavailableException(detail="the database did not answer in time",
                                          headers={"Retry-After": capacity.of(request.scope).retry_after}) from None
    settings = request.app.state.settings
    return {
        "status": "ok",
        "database": settings.database_kind,
        "search_backend": search.name,
    }


@litestar.get("/health/live", tags=["system"], summary="The process answers (no database asked)")
async def live() -> dict[str, str]:
    return {"status": "ok"}


def _age(oldest: datetime | None) -> float:
    """Seconds since `oldest` (0 for none); SQLite gives it back without a time zone."""
    return (datetime.now(UTC) - oldest.replace(tzinfo=oldest.tzinfo or UTC)).total_seconds() if oldest else 0.0


def _database_checks(engine: Engine, settings: Settings) -> dict[str, dict[str, Any]]:
    try:
        with Session(engine) as session:
            session.execute(text("SELECT 1"))
            at, head = current_heads(session.connection()), script_heads()
            queued, oldest = outbox.pending(session)
            mail = queue_state(session)
    except Exception as exc:
        return {"database": {"state": FAIL, "detail": str(exc).splitlines()[0][:200]},
                **{name: {"state": UNKNOWN} for name in ("migrations", "search_outbox", "mail")}}
    lag = _age(oldest)
    limit = settings.outbox_lag_limit
    return {
        "database": {"state": OK, "kind": settings.database_kind},
        "migrations": {"state": OK if at == head else FAIL, "current": sorted(at), "head": sorted(head)},
        "search_outbox": {"state": FAIL if limit and lag > limit else OK, "queued": queued,
                          "oldest_seconds": round(lag, 1), "limit_seconds": limit},
        "mail": {"state": OK, **mail},
    }


def _search_check(backend: SearchBackend) -> dict[str, Any]:
    """The database engines answer with the database; Meilisearch is asked."""
    if isinstance(backend, MeiliBackend):
        try:
            backend.client.health()
        except Exception as exc:
            return {"state": FAIL, "backend": backend.name, "detail": str(exc)[:200]}
    return {"state": OK, "backend": backend.name}


@litestar.get("/health/ready", tags=["system"], summary="Whether this process can serve: each check and its state")
async def ready(request: Request, search: SearchBackend) -> Response[dict[str, Any]]:
    state = request.app.state
    try:
        checks = await _on_health_threads(request, lambda: _database_checks(state.health_engine, state.settings))
    except TimeoutError:
        checks = {"database": {"state": FAIL, "detail": "did not answer in time"},
                  **{name: {"state": UNKNOWN} for name in ("migrations", "search_outbox", "mail")}}
    try:
        checks["search"] = await _on_health_threads(request, lambda: _search_check(search))
    except TimeoutError:
        checks["search"] = {"state": FAIL, "backend": search.name, "detail": "did not answer in time"}
    all_ok = all(check["state"] == OK for check in checks.values())
    return Response({"status": "ready" if all_ok else "not ready", "checks": checks},
                    status_code=200 if all_ok else 503,
                    headers={} if all_ok else {"Retry-After": capacity.of(request.scope).retry_after})


def _database_up(up: bool) -> Metric:
    return GaugeMetricFamily("blaastempel_database_up", "1 when the database answered this scrape", value=int(up))


def _queue_families(engine: Engine) -> list[Metric]:
    try:
        with Session(engine) as session:
            queued, oldest = outbox.pending(session)
            mail = queue_state(session)
    except Exception:
        return [_database_up(False)]
    mail_family = GaugeMetricFamily("blaastempel_mail_queue", "Notification mail by state (pending, failed)",
                                    labels=["state"])
    for name, count in mail.items():
        mail_family.add_metric([name], count)
    return [_database_up(True),
            GaugeMetricFamily("blaastempel_search_outbox_queued", "Changes waiting for the search index",
                              value=queued),
            GaugeMetricFamily("blaastempel_search_outbox_oldest_seconds",
                              "Age of the oldest change waiting for the search index (0: none)",
                              value=_age(oldest)),
            mail_family]


@litestar.get("/metrics", tags=["system"], summary="Prometheus metrics", media_type=CONTENT_TYPE_LATEST)
async def prometheus_metrics(request: Request) -> Response[bytes]:
    token = request.app.state.settings.metrics_token
    given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
    if token and not hmac.compare_digest(given.encode(), token.encode()):
        raise NotAuthorizedException("/metrics wants the bearer token BLAASTEMPEL_METRICS_TOKEN")
    try:
        families = await _on_health_threads(request, lambda: _queue_families(request.app.state.health_engine))
    except TimeoutError:
        families = [_database_up(False)]
    return Response(metrics.exposition(families), media_type=CONTENT_TYPE_LATEST)


ROUTES = [health, live, ready, prometheus_metrics]
