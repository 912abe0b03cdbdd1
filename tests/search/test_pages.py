"""The search page, its HTMX partial, the JSON API, the prior-art panels and the CLI."""

from __future__ import annotations

import re
from typing import Any

from click.testing import CliRunner
from litestar import Litestar
from litestar.testing import TestClient
from sqlalchemy import select

from app.catalogue.models import Need, Project
from app.settings import Settings


def test_api_search_returns_hits_facets_and_total(client: TestClient[Litestar]) -> None:
    response = client.get("/api/search", params={"q": "genoptræningen", "type": "solution",
                                                 "limit": 5, "sort": "relevance"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["total"] >= 1 and body["hits"]
    hit = body["hits"][0]
    assert set(hit) >= {"type", "id", "slug", "title", "snippet", "url"}
    assert hit["type"] == "solution" and hit["url"].startswith("/solutions/")
    assert "<mark>" in hit["title"] + hit["snippet"]
    assert {"type", "purpose", "treatment_area", "approval_status", "region"} <= set(body["facets"])
    assert body["backend"] in ("sqlite-fts5", "postgresql", "meilisearch")


def test_api_search_tells_the_engines_share_in_server_timing(client: TestClient[Litestar]) -> None:
    response = client.get("/api/search", params={"q": "genoptræning", "purpose": "treatment"})
    metrics = dict(re.findall(r"(\w+);dur=([0-9.]+)", response.headers["Server-Timing"]))
    assert set(metrics) == {"search", "query"}
    # The engine's statements are part of its whole answer, and a text query runs some.
    assert 0 < float(metrics["query"]) <= float(metrics["search"])


def test_api_search_facets_combine(client: TestClient[Litestar]) -> None:
    everything = client.get("/api/search", params={"limit": 0}).json()
    purposes = [c["value"] for c in everything["facets"]["purpose"]][:2]
    one = client.get("/api/search", params={"purpose": purposes[0], "limit": 0}).json()["total"]
    two = client.get("/api/search", params=[("purpose", purposes[0]), ("purpose", purposes[1]),
                                            ("limit", "0")]).json()["total"]
    assert 0 < one < two <= everything["total"]
    assert client.get("/api/search", params={"purpose": "nonsense"}).json()["total"] == 0
    assert client.get("/api/search", params={"q": '"( NEAR AND *', "sort": "bogus"}).status_code == 200


def test_api_search_is_documented(client: TestClient[Litestar]) -> None:
    schema = client.get("/schema/openapi.json").json()
    params = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "type", "purpose", "region", "sort", "limit", "offset"} <= params


def test_health_names_the_search_backend(client: TestClient[Litestar], app: Litestar) -> None:
    assert client.get("/health").json()["search_backend"] == app.state.search_backend.name


def test_search_page_and_htmx_partial(client: TestClient[Litestar]) -> None:
    page = client.get("/search", params={"q": "diabtes"})
    assert page.status_code == 200
    assert 'aria-live="polite"' in page.text and "<legend>" in page.text
    assert "<mark>" in page.text and "<html" in page.text
    partial = client.get("/search", params={"q": "diabetes", "type": "need"}, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text
    assert "/needs/" in partial.text
    assert "<script>" not in client.get("/search", params={"q": "<script>alert(1)</script>"}).text


def test_header_has_a_search_box(client: TestClient[Litestar]) -> None:
    html = client.get("/solutions").text
    assert 'action="/search"' in html and 'href="/search"' in html


def test_need_and_project_pages_show_what_already_exists(client: TestClient[Litestar], db: Any) -> None:
    need = db.scalars(select(Need).where(Need.title.ilike("%genoptræning%"))).first()
    project = db.scalars(select(Project).order_by(Project.id)).first()
    assert need is not None and project is not None
    assert f"/search/prior-art/need/{need.id}" in client.get(f"/needs/{need.slug}").text
    panel = client.get(f"/search/prior-art/need/{need.id}")
    assert panel.status_code == 200 and "/solutions/" in panel.text
    assert f"/search/prior-art/project/{project.id}" in client.get(f"/projects/{project.slug}").text
    panel = client.get(f"/search/prior-art/project/{project.id}")
    assert panel.status_code == 200 and f'href="/projects/{project.slug}"' not in panel.text
    missing = client.get("/search/prior-art/need/987654321")
    assert missing.status_code == 404 and "der findes intet behov 987654321" in missing.text
    missing = client.get("/search/prior-art/project/987654321?lang=en")
    assert missing.status_code == 404 and "project 987654321 does not exist" in missing.text


def test_cli_search(settings: Settings, monkeypatch: Any) -> None:
    from app.cli import main

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    result = CliRunner().invoke(main, ["search", "genoptræning", "--type", "solution", "--json"])
    assert result.exit_code == 0, result.output
    assert '"total"' in result.output and "/solutions/" in result.output
    result = CliRunner().invoke(main, ["search", "genoptræning", "--facet", "purpose=treatment"])
    assert result.exit_code == 0, result.output
    assert "results" in result.output


def test_english_queries_find_english_descriptions_whatever_the_page_language(client: TestClient[Litestar]) -> None:
    for lang in ("da", "en"):
        hits = client.get("/api/search", params={"q": "psychologist", "lang": lang}).json()["hits"]
        assert "/solutions/video-sundhed-dk" in [h["url"] for h in hits]  # "psychologists" in English only
        page = client.get("/search", params={"q": "antenatal", "lang": lang})
        assert 'href="/solutions/gravitryg"' in page.text


def test_api_and_page_say_which_words_were_not_found(client: TestClient[Litestar]) -> None:
    body = client.get("/api/search", params={"q": "hjemmemonitorering xyzzyq", "limit": 5}).json()
    assert body["unmatched_terms"] == ["xyzzyq"] and body["relaxed"] is True and body["hits"]
    assert client.get("/api/search", params={"q": "genoptræning"}).json()["unmatched_terms"] == []
    danish = client.get("/search", params={"q": "hjemmemonitorering xyzzyq"}).text
    assert "Intet resultat indeholder: <q>xyzzyq</q>" in danish
    assert "så resultater med de fleste af dem vises også" in danish
    english = client.get("/search", params={"q": "hjemmemonitorering xyzzyq", "lang": "en"}).text
    assert "No result contains: <q>xyzzyq</q>" in english


def test_every_search_box_leads_to_the_search(client: TestClient[Litestar]) -> None:
    home = client.get("/").text
    assert '<form action="/search" method="get" role="search" class="hero-search">' in home
    assert 'class="header-search" method="get" action="/search"' in client.get("/solutions").text
    assert "/solutions?q=" not in home
