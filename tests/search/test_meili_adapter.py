"""The Meilisearch adapter's own work, without a server: what it asks Meilisearch for
(settings, filters, disjunctive facet queries, sort) and how it turns the answer into
the shared SearchResult. The behaviour against a real server is the contract suite
(tests/search/test_contract.py), which runs when MEILI_URL is set."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from app.search import synonyms
from app.search.backend import Document, FacetCount, SearchQuery, SearchUnavailable
from app.search.meili import MeiliBackend, settings
from app.search.text import MARK_END, MARK_START


class RecordingIndex:
    def __init__(self, calls: list[tuple[str, Any]]) -> None:
        self.calls = calls

    def update_settings(self, settings: dict[str, Any]) -> Any:
        self.calls.append(("update_settings", settings))
        return SimpleNamespace(task_uid=2)


class RecordingClient:
    """Answers like Meilisearch's client; records every call."""

    def __init__(self, answers: list[dict[str, Any]]) -> None:
        self.answers = answers
        self.calls: list[tuple[str, Any]] = []

    def create_index(self, uid: str, options: dict[str, Any]) -> Any:
        self.calls.append(("create_index", (uid, options)))
        return SimpleNamespace(task_uid=1)

    def wait_for_task(self, uid: int, **_: Any) -> Any:
        return SimpleNamespace(status="succeeded")

    def index(self, uid: str) -> RecordingIndex:
        return RecordingIndex(self.calls)

    def multi_search(self, queries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("multi_search", queries))
        return {"results": self.answers}


def backend_with(answers: list[dict[str, Any]]) -> tuple[MeiliBackend, RecordingClient]:
    backend = MeiliBackend("http://127.0.0.1:9", "key")
    client = RecordingClient(answers)
    backend.client = client
    return backend, client


def hit(pk: int, title: str, body: str) -> dict[str, Any]:
    return {"type": "solution", "pk": pk, "slug": f"s-{pk}", "title": title, "body": body,
            "url": f"/solutions/{pk}", "adoption": 3, "approval_status": ["approved"],
            "_formatted": {"title": title.replace("Ryg", f"{MARK_START}Ryg{MARK_END}"), "body": body}}


def test_the_index_settings_are_applied_before_the_first_search() -> None:
    backend, client = backend_with([{"hits": [], "estimatedTotalHits": 0}])
    backend.search(None, SearchQuery.make(q="ryg", with_facets=False))  # type: ignore[arg-type]
    names = [name for name, _ in client.calls]
    assert names == ["create_index", "update_settings", "multi_search"]
    assert client.calls[1][1] == settings()
    assert settings()["typoTolerance"]["minWordSizeForTypos"] == {"oneTypo": 5, "twoTypos": 255}


def test_a_search_asks_for_facets_disjunctively_and_converts_the_answer() -> None:
    main = {"hits": [hit(7, "Ryg & nakke <app>", "Træning af ryggen")], "estimatedTotalHits": 41,
            "facetDistribution": {"type": {"solution": 41}, "purpose": {"treatment": 30, "monitoring": 11},
                                  "region": {"1084": 12}}}
    purpose_only = {"hits": [], "facetDistribution": {"purpose": {"treatment": 30, "monitoring": 11,
                                                                  "prevention": 4}}}
    region_only = {"hits": [], "facetDistribution": {"region": {"1084": 12, "1085": 9}}}
    backend, client = backend_with([main, purpose_only, region_only])
    backend._settings_applied = True
    query = SearchQuery.make(q="ryg", filters={"purpose": ["treatment"], "region": ["1084", "1081"]},
                             sort="adoption")
    result = backend.search(None, query)  # type: ignore[arg-type]

    queries = client.calls[0][1]
    assert len(queries) == 3  # the page, then one count query per chosen facet
    assert queries[0]["filter"] == [['purpose = "treatment"'], ['region = "1084"', 'region = "1081"']]
    assert queries[0]["sort"] == ["adoption:desc", "sort_name:asc"]
    assert queries[1]["facets"] == ["purpose"] and queries[1]["filter"] == [['region = "1084"', 'region = "1081"']]
    assert queries[2]["facets"] == ["region"] and queries[2]["filter"] == [['purpose = "treatment"']]

    assert result.total == 41
    assert result.hits[0].title == "<mark>Ryg</mark> &amp; nakke &lt;app&gt;"
    assert result.hits[0].approval_status == "approved"
    assert result.facets["purpose"] == [FacetCount("treatment", 30, True), FacetCount("monitoring", 11),
                                        FacetCount("prevention", 4)]
    # A chosen value nothing carries is still listed (so it can be unticked), with 0.
    assert result.facets["region"] == [FacetCount("1084", 12, True), FacetCount("1085", 9),
                                       FacetCount("1081", 0, True)]
    assert result.facets["type"] == [FacetCount("solution", 41)]
    assert result.facets["municipality"] == []


def test_grouped_results_ask_for_each_chosen_types_first_hits_in_the_same_call() -> None:
    main = {"hits": [], "estimatedTotalHits": 5, "facetDistribution": {"type": {"solution": 4, "need": 1}}}
    type_only = {"hits": [], "facetDistribution": {"type": {"solution": 4, "project": 2, "need": 1}}}
    solutions = {"hits": [hit(7, "Ryg", "a"), hit(8, "Ryg 2", "b")], "estimatedTotalHits": 4}
    needs = {"hits": [], "estimatedTotalHits": 0}
    backend, client = backend_with([main, type_only, solutions, needs])
    backend._settings_applied = True
    query = SearchQuery.make(q="ryg", filters={"type": ["solution", "need"]}, limit=0, per_type=2, sort="name")
    result = backend.search(None, query)  # type: ignore[arg-type]

    [(name, queries)] = client.calls
    assert name == "multi_search" and len(queries) == 4  # page, type counts, then one per chosen type
    assert [(q["filter"], q["limit"], q["offset"], q["sort"]) for q in queries[2:]] == [
        ([['type = "solution"']], 2, 0, ["sort_name:asc"]), ([['type = "need"']], 2, 0, ["sort_name:asc"])]
    assert [h.id for h in result.groups["solution"]] == [7, 8]
    assert "need" not in result.groups and result.hits == [] and result.total == 5


class ScriptedClient(RecordingClient):
    """Answers each multi_search call with the next list of answers."""

    def __init__(self, calls: list[list[dict[str, Any]]]) -> None:
        super().__init__([])
        self.script = calls

    def multi_search(self, queries: list[dict[str, Any]]) -> dict[str, Any]:
        self.calls.append(("multi_search", queries))
        return {"results": self.script.pop(0)}


def test_the_synonym_file_is_the_synonyms_setting() -> None:
    assert settings()["synonyms"] == synonyms.current().meili()
    assert "kronisk obstruktiv lungesygdom" in settings()["synonyms"]["kol"]
    assert {"title_p", "body_p", "en_s", "body_en"} <= set(settings()["searchableAttributes"])


def test_documents_carry_compound_parts_and_english_stems() -> None:
    doc = Document(doc_id="solution:1", type="solution", pk=1, slug="s", title="Hjemmemonitorering",
                   body="Genoptræningsforløb", url="/solutions/s", facets={"type": ["solution"]},
                   sort_name="hjemmemonitorering", created_at=None, body_en="Monitoring patients")
    sent = MeiliBackend._doc(doc)
    assert sent["title_p"] == "hjem monitorering" and sent["body_p"] == "genoptræning forløb"
    assert sent["en_s"] == "monitor monitoring patient" and sent["body_en"] == "Monitoring patients"


def test_few_results_for_all_words_counts_each_word_and_searches_the_found_ones_again() -> None:
    first = [{"hits": [], "estimatedTotalHits": 0, "facetDistribution": {}}]
    counts = [{"hits": [], "estimatedTotalHits": 12}, {"hits": [], "estimatedTotalHits": 0},
              {"hits": [], "estimatedTotalHits": 3}]
    relaxed = [{"hits": [hit(7, "Ryg", "a")], "estimatedTotalHits": 14, "facetDistribution": {}}]
    backend = MeiliBackend("http://127.0.0.1:9", "key")
    client = ScriptedClient([first, counts, relaxed])
    backend.client = client
    backend._settings_applied = True
    result = backend.search(None, SearchQuery.make(q="rygsmerter xyzzyq genoptræning",  # type: ignore[arg-type]
                                                   filters={"region": ["1084"]}))
    [(_, page), (_, per_word), (_, again)] = client.calls
    assert page[0]["q"] == "rygsmert xyzzyq genoptræning" and page[0]["matchingStrategy"] == "all"
    assert [(q["q"], q["limit"], q["filter"]) for q in per_word] == [
        (w, 0, [['region = "1084"']]) for w in ("rygsmert", "xyzzyq", "genoptræning")]
    assert again[0]["q"] == "rygsmert genoptræning" and again[0]["matchingStrategy"] == "last"
    assert result.relaxed and result.unmatched_terms == ["xyzzyq"] and result.total == 14
    assert [h.id for h in result.hits] == [7]


def test_a_single_word_nothing_has_is_named_without_another_call() -> None:
    backend, client = backend_with([{"hits": [], "estimatedTotalHits": 0}])
    backend._settings_applied = True
    result = backend.search(None, SearchQuery.make(q="xyzzyq", with_facets=False))  # type: ignore[arg-type]
    assert len(client.calls) == 1 and result.unmatched_terms == ["xyzzyq"] and not result.relaxed


def test_an_unreachable_server_is_search_unavailable() -> None:
    backend = MeiliBackend("http://127.0.0.1:9", "key")  # nothing listens on the discard port
    with pytest.raises(SearchUnavailable):
        backend.search(None, SearchQuery.make(q="ryg"))  # type: ignore[arg-type]
    backend._settings_applied = True
    with pytest.raises(SearchUnavailable):
        backend.search(None, SearchQuery.make(q="ryg"))  # type: ignore[arg-type]
    with pytest.raises(SearchUnavailable):
        backend.apply(None, [], ["solution:1"])  # type: ignore[arg-type]
    with pytest.raises(SearchUnavailable):
        backend.clear(None)  # type: ignore[arg-type]
