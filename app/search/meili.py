"""Meilisearch: used when MEILI_URL and MEILI_KEY are set. The app applies the index
settings itself (searchable, filterable and sortable attributes, synonyms, typo
tolerance) on start-up and before every rebuild.

Meilisearch has no stemmer, so each document also carries our Snowball stems (title_s,
body_s), the stems of its compound words' parts (title_p, body_p: Meilisearch matches
only the query's last word as a prefix, so a compound's first part is listed too) and of
its English text (en_s: the English stem and the Danish one, as the query is sent in
Danish stems); the query is sent as the stems of the words the user typed. The synonym
file (data/search/synonyms.yaml) becomes the `synonyms` setting, stemmed the same way.
Typo tolerance is Meilisearch's own, set to the register's rule (one typo from five
letters, never two). Matching: all words; when they find fewer than FEW_RESULTS records,
a count per word finds the words no record has, and the rest are searched again with
the matching strategy "last" (records with more of the words first: the "words" rule).
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import Session

from app.search import synonyms
from app.search.backend import (
    DOC_TYPES,
    FACETS,
    FEW_RESULTS,
    Document,
    FacetCount,
    Hit,
    SearchQuery,
    SearchResult,
    SearchUnavailable,
    facet_counts,
)
from app.search.compounds import decompounder
from app.search.text import (
    MARK_END,
    MARK_START,
    Term,
    analyse,
    loosen,
    marked_to_html,
    stem,
    stem_en,
    stems_text,
    vocabulary_words,
    words,
)

INDEX = "blaastempel"
# Whole words before compound parts and English text (the "attribute" rule).
SEARCHABLE = ["title", "title_s", "body", "body_s", "en_s", "body_en", "title_p", "body_p"]


def settings() -> dict[str, Any]:
    return {
        "searchableAttributes": SEARCHABLE,
        "filterableAttributes": list(FACETS),
        "sortableAttributes": ["sort_name", "created_ts", "adoption"],
        "displayedAttributes": ["*"],
        "synonyms": synonyms.current().meili(),
        "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 255}},
        "pagination": {"maxTotalHits": 1_000_000},
        "faceting": {"maxValuesPerFacet": 200},
        "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness"],
    }


def _parts(text: str) -> str:
    """The Danish stems of every part of the text's compound words (first parts too)."""
    split = decompounder().split
    return " ".join(stem(p) for w in words(text) for p in split(w))


def _english(text: str) -> str:
    """English words by their English and their Danish stems (the query is sent in Danish stems)."""
    return " ".join(dict.fromkeys(s for w in words(text) for s in (stem_en(w), stem(w))))


def _meili_id(doc_id: str) -> str:
    return doc_id.replace(":", "-")


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class MeiliBackend:
    name = "meilisearch"

    def __init__(self, url: str, key: str, index: str = INDEX) -> None:
        import meilisearch

        self.client = meilisearch.Client(url, key, timeout=3)
        self.index_name = index
        self._settings_applied = False

    def _index(self) -> Any:
        if not self._settings_applied:
            self.apply_settings()
        return self.client.index(self.index_name)

    def apply_settings(self) -> None:
        try:
            task = self.client.create_index(self.index_name, {"primaryKey": "id"})
            self.client.wait_for_task(task.task_uid)
            task = self.client.index(self.index_name).update_settings(settings())
            self.client.wait_for_task(task.task_uid, timeout_in_ms=30_000)
        except Exception as exc:
            raise SearchUnavailable(f"Meilisearch: {exc}") from exc
        self._settings_applied = True

    @staticmethod
    def _doc(d: Document) -> dict[str, Any]:
        return {"id": _meili_id(d.doc_id), "doc_id": d.doc_id, "type": d.type, "pk": d.pk,
                "slug": d.slug, "title": d.title, "body": d.body, "url": d.url,
                "title_s": stems_text(d.title), "body_s": stems_text(d.body),
                "title_p": f"{_parts(d.title)} {stems_text(d.topic)} {_parts(d.topic)}".strip(),
                "body_p": _parts(d.body),
                "body_en": d.body_en, "en_s": _english(d.body_en),
                "sort_name": d.sort_name, "adoption": d.adoption,
                "created_ts": d.created_at.timestamp() if d.created_at else 0,
                **{f: d.facets.get(f, []) for f in FACETS}}

    def apply(self, session: Session, upserts: list[Document], deletes: list[str]) -> None:
        try:
            index = self._index()
            tasks = []
            if upserts:
                decompounder().add(set().union(*(vocabulary_words(f"{d.title} {d.body} {d.body_en}")
                                                 for d in upserts)))
                tasks.append(index.add_documents([self._doc(d) for d in upserts]))
            if deletes:
                tasks.append(index.delete_documents([_meili_id(d) for d in deletes]))
            for task in tasks:
                done = self.client.wait_for_task(task.task_uid, timeout_in_ms=30_000)
                if getattr(done, "status", "succeeded") == "failed":
                    raise SearchUnavailable(f"Meilisearch task failed: {done.error}")
        except SearchUnavailable:
            raise
        except Exception as exc:
            raise SearchUnavailable(f"Meilisearch: {exc}") from exc

    def clear(self, session: Session) -> None:
        with contextlib.suppress(Exception):  # no index yet
            self.client.wait_for_task(self.client.index(self.index_name).delete().task_uid)
        self._settings_applied = False
        self.apply_settings()

    def compact(self, session: Session) -> None:
        pass  # Meilisearch keeps its own index tidy

    def warm(self, session: Session) -> None:
        pass  # the server holds its index; this process keeps nothing of it

    def _filter(self, filters: dict[str, tuple[str, ...]], skip: str | None = None,
                exclude: tuple[str, ...] = ()) -> list[Any]:
        out: list[Any] = [[f"{facet} = {_quote(v)}" for v in vals]
                          for facet, vals in filters.items() if facet != skip]
        out += [f"doc_id != {_quote(d)}" for d in exclude]
        return out

    @staticmethod
    def _q(terms: list[Term]) -> str:
        """The stems of what the user typed; Meilisearch adds the synonyms itself."""
        return " ".join(dict.fromkeys(stem(w) for t in terms for w in t.alternatives[0]))

    def _sort(self, query: SearchQuery) -> list[str] | None:
        return {"name": ["sort_name:asc"], "newest": ["created_ts:desc"],
                "adoption": ["adoption:desc", "sort_name:asc"]}.get(query.sort)

    def _multi(self, queries: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], float]:
        start = time.perf_counter()
        try:
            self._index()
            answers = self.client.multi_search(queries)["results"]
        except Exception as exc:
            raise SearchUnavailable(f"Meilisearch: {exc}") from exc
        return answers, (time.perf_counter() - start) * 1000

    def search(self, session: Session, query: SearchQuery) -> SearchResult:
        terms = analyse(query.q, None)
        strategy = "last" if query.match_any else "all"
        result = self._answer(query, self._q(terms), strategy)
        if terms and not query.match_any and result.total < FEW_RESULTS:
            result = self._relax(query, terms, result)
        return result

    def _relax(self, query: SearchQuery, terms: list[Term], result: SearchResult) -> SearchResult:
        """All the words found few records (one word: none): a count per word names the
        words no record in the selection has; those are tried looser (text.loosen), and
        the words are searched again, records with more of them first."""
        engine_ms = result.engine_ms
        if len(terms) == 1:
            if result.total:
                return result
            found: list[Term] = []
        else:
            counts, ms = self._multi([{"indexUid": self.index_name, "q": self._q([t]), "limit": 0,
                                       "filter": self._filter(query.filters, exclude=query.exclude),
                                       "matchingStrategy": "all"} for t in terms])
            engine_ms += ms
            found = [t for t, answer in zip(terms, counts, strict=True) if _total(answer)]
        unmatched = [t.text for t in terms if t not in found]
        loose = found + [lt for t in terms if t not in found for lt in loosen(t)]
        relaxed = self._answer(query, self._q(loose), "last") if loose else result
        if relaxed is result or relaxed.total <= result.total:
            return replace(result, unmatched_terms=unmatched, engine_ms=engine_ms)
        return replace(relaxed, unmatched_terms=unmatched, relaxed=True, engine_ms=engine_ms + relaxed.engine_ms)

    def _answer(self, query: SearchQuery, q: str, strategy: str) -> SearchResult:
        main = self._page_query(query, q, query.filters, query.limit, query.offset, strategy)
        if query.with_facets:
            main["facets"] = list(FACETS)
        queries = [main]
        if query.with_facets:
            for facet in query.filters:  # disjunctive counts: the facet's own filter left out
                queries.append({"indexUid": self.index_name, "q": q, "limit": 0, "facets": [facet],
                                "filter": self._filter(query.filters, skip=facet, exclude=query.exclude),
                                "matchingStrategy": strategy})
        counted = len(queries)
        per_type = [t for t in DOC_TYPES if t in query.filters.get("type", DOC_TYPES)] if query.per_type else []
        queries += [self._page_query(query, q, {**query.filters, "type": (t,)}, query.per_type, 0, strategy)
                    for t in per_type]
        answers, engine_ms = self._multi(queries)
        first = answers[0]
        distribution: dict[str, dict[str, int]] = dict(first.get("facetDistribution") or {})
        for facet, answer in zip(query.filters, answers[1:counted], strict=False):
            distribution[facet] = (answer.get("facetDistribution") or {}).get(facet, {})
        facets: dict[str, list[FacetCount]] = {}
        for facet in FACETS if query.with_facets else ():
            found = ((v, int(n)) for v, n in distribution.get(facet, {}).items())
            facets[facet] = facet_counts(found, query.filters.get(facet, ()))
        groups = {t: hits for t, answer in zip(per_type, answers[counted:], strict=True)
                  if (hits := _hits(answer))}
        return SearchResult(hits=_hits(first), total=_total(first), facets=facets, engine_ms=engine_ms,
                            groups=groups)

    def _page_query(self, query: SearchQuery, q: str, filters: dict[str, tuple[str, ...]],
                    limit: int, offset: int, strategy: str) -> dict[str, Any]:
        page: dict[str, Any] = {
            "indexUid": self.index_name, "q": q, "limit": limit, "offset": offset,
            "filter": self._filter(filters, exclude=query.exclude),
            "attributesToHighlight": ["title", "body"], "attributesToCrop": ["body"], "cropLength": 30,
            "highlightPreTag": MARK_START, "highlightPostTag": MARK_END,
            "matchingStrategy": strategy,
        }
        if self._sort(query):
            page["sort"] = self._sort(query)
        return page


def _total(answer: dict[str, Any]) -> int:
    return int(answer.get("estimatedTotalHits", answer.get("totalHits", len(answer.get("hits", [])))))


def _hits(answer: dict[str, Any]) -> list[Hit]:
    hits = []
    for h in answer.get("hits", []):
        formatted = h.get("_formatted") or {}
        hits.append(Hit(type=h["type"], id=int(h["pk"]), slug=h["slug"],
                        title=marked_to_html(formatted.get("title", h["title"])),
                        snippet=marked_to_html(formatted.get("body", h["body"])), url=h["url"],
                        adoption=int(h.get("adoption", 0)),
                        approval_status=(h.get("approval_status") or [None])[0]
                        if h["type"] == "solution" else None))
    return hits
