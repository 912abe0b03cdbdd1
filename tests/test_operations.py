"""For the proxy and monitoring (app/operations.py): liveness, readiness with each check,
Prometheus /metrics (also added up over processes), JSON logs and request ids."""

from __future__ import annotations

import io
import json
import logging.config
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from litestar import Litestar
from litestar.testing import TestClient
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from sqlalchemy import Engine, create_engine

from app import logs
from app.db.engine import make_engine
from app.db.migrate import alembic_config, upgrade
from app.search.models import search_outbox
from app.settings import PROJECT_ROOT
from app.web import capacity
from bench.common import _free_port, stop_server
from tests.helpers import login
from tests.scratch import drop_postgres, empty_database

HISTOGRAM = "blaastempel_http_request_duration_seconds"
START_WITHIN = 240  # seconds


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Engine]]:
    """Health engines on scratch databases: one a migration behind, one at head."""
    folder = tmp_path_factory.mktemp("operations")
    scripts = ScriptDirectory.from_config(alembic_config(""))
    previous = scripts.get_revision(scripts.get_current_head()).down_revision
    urls = {"behind": empty_database(folder, "ops_behind"), "head": empty_database(folder, "ops_head")}
    upgrade(urls["behind"], str(previous))
    upgrade(urls["head"])
    engines = {name: make_engine(url, capacity.HEALTH_LIMITS) for name, url in urls.items()}
    yield engines
    for name, engine in engines.items():
        engine.dispose()
        if urls[name].startswith("postgresql"):
            drop_postgres(urls[name])


def _on(monkeypatch: pytest.MonkeyPatch, app: Litestar, engine: Engine, **settings: Any) -> None:
    monkeypatch.setattr(app.state, "health_engine", engine)
    if settings:
        monkeypatch.setattr(app.state, "settings", replace(app.state.settings, **settings))


def _states(body: dict[str, Any]) -> dict[str, str]:
    return {name: check["state"] for name, check in body["checks"].items()}


def test_ready_names_each_check_when_all_is_well(client: TestClient[Litestar]) -> None:
    response = client.get("/health/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert _states(body) == {"database": "ok", "migrations": "ok", "search": "ok", "search_outbox": "ok",
                             "mail": "ok"}
    assert body["checks"]["migrations"]["current"] == body["checks"]["migrations"]["head"]
    assert {"pending", "failed"} <= body["checks"]["mail"].keys()


def test_live_answers_and_ready_fails_when_the_database_is_unreachable(
        client: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _on(monkeypatch, app, create_engine(f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}"))
    assert client.get("/health/live").json() == {"status": "ok"}
    response = client.get("/health/ready")
    assert response.status_code == 503
    assert response.headers["retry-after"]
    assert _states(response.json()) == {"database": "fail", "migrations": "unknown", "search": "ok",
                                        "search_outbox": "unknown", "mail": "unknown"}
    scraped = _samples(client.get("/metrics").text)
    assert _value(scraped, "blaastempel_database_up") == 0


def test_ready_fails_while_the_database_is_a_migration_behind(
        client: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch,
        databases: dict[str, Engine]) -> None:
    _on(monkeypatch, app, databases["behind"])
    response = client.get("/health/ready")
    assert response.status_code == 503
    migrations = response.json()["checks"]["migrations"]
    assert migrations["state"] == "fail"
    assert migrations["current"] != migrations["head"]
    assert response.json()["checks"]["database"]["state"] == "ok"


def test_ready_fails_when_the_search_outbox_lags_past_its_limit(
        client: TestClient[Litestar], app: Litestar, monkeypatch: pytest.MonkeyPatch,
        databases: dict[str, Engine]) -> None:
    engine = databases["head"]
    _on(monkeypatch, app, engine, outbox_lag_limit=60.0)
    assert client.get("/health/ready").status_code == 200
    with engine.begin() as conn:
        conn.execute(search_outbox.insert().values(doc_type="solution", pk=1, attempts=0,
                                                   enqueued_at=datetime.now(UTC) - timedelta(hours=1)))
    try:
        response = client.get("/health/ready")
        assert response.status_code == 503
        outbox = response.json()["checks"]["search_outbox"]
        assert outbox["state"] == "fail" and outbox["queued"] == 1 and outbox["oldest_seconds"] >= 3600
        scraped = _samples(client.get("/metrics").text)
        assert _value(scraped, "blaastempel_search_outbox_queued") == 1
        assert _value(scraped, "blaastempel_search_outbox_oldest_seconds") >= 3600
        _on(monkeypatch, app, engine, outbox_lag_limit=0.0)  # 0: the lag never fails readiness
        assert client.get("/health/ready").status_code == 200
    finally:
        with engine.begin() as conn:
            conn.execute(search_outbox.delete())


def _samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def _value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) == 1, (name, labels, found)
    return found[0]


def test_metrics_have_a_latency_histogram_per_route_template(client: TestClient[Litestar]) -> None:
    for slug in ("selfback", "knaeklar"):
        assert client.get(f"/solutions/{slug}").status_code == 200
    assert client.get("/no-such-page-3f9a").status_code == 404
    assert client.request("BREW", "/no-such-page-3f9a").status_code >= 400
    assert client.get("/search?q=diabetes").status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = _samples(response.text)
    routes = {s.labels.get("route") for s in samples if s.name.startswith(HISTOGRAM)}
    assert "/solutions/{slug}" in routes and "unmatched" in routes
    assert not any("selfback" in r or "no-such-page" in r for r in routes if r), routes  # bounded labels
    assert _value(samples, f"{HISTOGRAM}_count", method="GET", route="/solutions/{slug}") >= 2
    assert _value(samples, f"{HISTOGRAM}_bucket", method="GET", route="/solutions/{slug}", le="+Inf") >= 2
    assert _value(samples, "blaastempel_http_requests_total", route="/solutions/{slug}", status="2xx") >= 2
    assert _value(samples, "blaastempel_http_requests_total", method="GET", route="unmatched", status="4xx") >= 1
    methods = {s.labels["method"] for s in samples if s.name == "blaastempel_http_requests_total"}
    assert "other" in methods and "BREW" not in methods
    assert sum(s.value for s in samples if s.name == "blaastempel_cache_lookups_total"
               and s.labels["cache"] == "search_facets") >= 1  # a hit or a miss
    assert {"pending", "failed"} == {s.labels["state"] for s in samples if s.name == "blaastempel_mail_queue"}


def test_metrics_want_the_token_when_one_is_set(client: TestClient[Litestar], app: Litestar,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(app.state, "settings", replace(app.state.settings, metrics_token="scrape-0123456789"))
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer scrape-0123456789"}).status_code == 200


RECORD = """
from app import metrics
metrics.observe_request("GET", "/solutions/{slug}", 200, 0.01)
metrics.cache_lookup("benchmark", True)
"""
SCRAPE = "import sys; from app import metrics; sys.stdout.write(metrics.exposition().decode())"


def test_metrics_add_up_every_worker_process(tmp_path: Path) -> None:
    """Two processes record, a third scrapes (as `serve --workers N` sets it up)."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _ in range(2):
        subprocess.run([sys.executable, "-c", RECORD], env=env, check=True, timeout=60)
    scraped = subprocess.run([sys.executable, "-c", SCRAPE], env=env, check=True, timeout=60,
                             capture_output=True, text=True).stdout
    samples = _samples(scraped)
    assert _value(samples, f"{HISTOGRAM}_count", route="/solutions/{slug}") == 2
    assert _value(samples, "blaastempel_http_requests_total", route="/solutions/{slug}", status="2xx") == 2
    assert _value(samples, "blaastempel_cache_lookups_total", cache="benchmark", result="hit") == 2


@pytest.fixture()
def json_lines(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The server's logging as LOG_FORMAT=json configures it, into (stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    real = sys.stdout, sys.stderr
    monkeypatch.setattr(sys, "stdout", out)
    monkeypatch.setattr(sys, "stderr", err)
    logging.config.dictConfig(logs.config("json"))
    monkeypatch.setattr(sys, "stdout", real[0])
    monkeypatch.setattr(sys, "stderr", real[1])
    yield out, err
    logging.config.dictConfig(logs.config("text"))


def test_json_logs_are_one_object_per_line_with_the_request_fields(
        client: TestClient[Litestar], json_lines: tuple[io.StringIO, io.StringIO]) -> None:
    out, err = json_lines
    response = client.get("/solutions/selfback", headers={"X-Request-ID": "proxy-id-42"})
    assert response.headers["x-request-id"] == "proxy-id-42"
    logging.getLogger("blaastempel.search").warning("a line outside any request")
    access = [json.loads(line) for line in out.getvalue().splitlines()]
    other = [json.loads(line) for line in err.getvalue().splitlines()]
    line = next(entry for entry in access if entry.get("request_id") == "proxy-id-42")
    assert {"time", "level", "logger", "message"} <= line.keys()
    assert line["logger"] == "blaastempel.access" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["route"], line["status"]) == \
        ("GET", "/solutions/selfback", "/solutions/{slug}", 200)
    assert isinstance(line["duration_ms"], float)
    datetime.fromisoformat(line["time"])
    warning = next(entry for entry in other if entry["message"] == "a line outside any request")
    assert (warning["level"], warning["logger"], warning["request_id"]) == ("WARNING", "blaastempel.search", None)


def test_a_request_id_that_is_not_a_plain_token_is_replaced(client: TestClient[Litestar]) -> None:
    given = client.get("/health/live", headers={"X-Request-ID": "two words;" + "x" * 80}).headers["x-request-id"]
    assert given.isalnum() and len(given) == 32
    assert client.get("/health/live").headers["x-request-id"] != given


def test_an_unknown_log_format_stops_start_up(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(SystemExit, match="LOG_FORMAT must be one of text, json"):
        logs.log_format()


def _serve(database_url: str, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    """As bench.common.start_server, with room for two workers importing the app on a busy
    machine (a minute each has been seen on two shared cores)."""
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "ops-secret-key-0123456789abcdef",
           "LOG_FORMAT": "json"}
    env.pop("MEILI_URL", None)
    with log_path.open("wb") as log:
        process = subprocess.Popen([str(Path(sys.executable).with_name("blaastempel")), "serve", "--port", str(port),
                                    "--workers", "2"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                   cwd=PROJECT_ROOT, start_new_session=True)
    deadline = time.monotonic() + START_WITHIN
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:  # not counted below
                return process
        except httpx.HTTPError:
            time.sleep(0.5)
    stop_server(process, grace=5)
    raise AssertionError(f"`serve --workers 2` did not answer within {START_WITHIN} s: {log_path.read_text()}")


@pytest.mark.slow
def test_two_workers_count_together_and_log_json(database_url: str, tmp_path: Path) -> None:
    """`serve --workers 2` with LOG_FORMAT=json, as deployed: /metrics adds up both workers
    whichever answers the scrape, and every line either writes is one JSON object."""
    port, log_path = _free_port(), tmp_path / "server.log"
    process = _serve(database_url, port, log_path)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=20) as http:  # a new connection each: both workers answer
            for _ in range(12):
                assert http.get("/health/live", headers={"Connection": "close"}).status_code == 200
            counts = {_value(_samples(http.get("/metrics", headers={"Connection": "close"}).text),
                             f"{HISTOGRAM}_count", method="GET", route="/health/live") for _ in range(4)}
    finally:
        stop_server(process, grace=10)
    assert counts == {12.0}
    lines = [json.loads(line) for line in log_path.read_text().splitlines() if line.strip()]
    assert {"uvicorn.error", "blaastempel.access"} <= {line["logger"] for line in lines}
    assert len({line["message"] for line in lines if line["message"].startswith("Started server process")}) == 2


def test_a_browser_that_reads_the_health_and_metrics_stays_logged_in(client: TestClient[Litestar]) -> None:
    """No session is looked up there, and none is taken for ended either."""
    login(client, "admin")
    for path in ("/health", "/health/live", "/health/ready", "/metrics"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "blaastempel_session" not in response.headers.get("set-cookie", ""), path
    assert client.get("/account", follow_redirects=False).status_code == 200
