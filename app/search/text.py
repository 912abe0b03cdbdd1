"""Danish text handling shared by every engine: tokens, stems, query analysis, marking.

A query becomes a list of *term groups* (AND between groups, OR inside one): each
group holds the user's word plus its alternatives: the first part of a compound
("genoptræningsforløb" -> also "genoptræning") and, when the word is not in the index
vocabulary at all, the vocabulary words one edit away (words of five letters or more).
Every engine then matches each alternative by stem + prefix.
"""

from __future__ import annotations

import bisect
import html
import re
import threading
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

import snowballstemmer
from rapidfuzz.distance import OSA

WORD = re.compile(r"[^\W_]+", re.UNICODE)
MARK_START, MARK_END = "\x02", "\x03"
TYPO_MIN_LENGTH = 5
MAX_TERMS = 12
# PostgreSQL's Danish stop words (the 'danish' configuration drops them): dropped by
# every engine so all of them answer alike.
STOPWORDS = frozenset([
    "og", "i", "jeg", "det", "at", "en", "den", "til", "er", "som", "på", "de", "med", "han", "af",
    "for", "ikke", "der", "var", "mig", "sig", "men", "et", "har", "om", "vi", "min", "havde",
    "ham", "hun", "nu", "over", "da", "fra", "du", "ud", "sin", "dem", "os", "op", "man", "hans",
    "hvor", "eller", "hvad", "skal", "selv", "her", "alle", "vil", "blev", "kunne", "ind", "når",
    "være", "dog", "noget", "ville", "jo", "deres", "efter", "ned", "skulle", "denne", "end",
    "dette", "mit", "også", "under", "have", "dig", "anden", "hende", "mine", "alt", "meget",
    "sit", "sine", "vor", "mod", "disse", "hvis", "din", "nogle", "hos", "blive", "mange", "ad",
    "bliver", "hendes", "været", "thi", "jer", "sådan",
])

_stemmer_local = threading.local()


def normalise(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def words(text: str | None) -> list[str]:
    return [w.lower() for w in WORD.findall(normalise(text))]


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    stemmer = getattr(_stemmer_local, "stemmer", None)
    if stemmer is None:
        stemmer = _stemmer_local.stemmer = snowballstemmer.stemmer("danish")
    return stemmer.stemWord(word.lower())


def stems_text(text: str | None) -> str:
    """One stem per word, in order: token i of the result is word i of the text."""
    return " ".join(stem(w) for w in words(text))


def vocabulary_words(text: str | None) -> set[str]:
    """The words kept in the typo vocabulary: letters only, four or more."""
    return {w for w in words(text) if len(w) >= TYPO_MIN_LENGTH - 1 and w.isalpha()}


@dataclass
class Vocabulary:
    """The index's words (raw, lower case), for the one-typo rule and compound splits."""

    words: set[str] = field(default_factory=set)
    stems: set[str] = field(default_factory=set)
    _sorted: list[str] | None = None
    _by_length: dict[int, list[str]] | None = None

    def add(self, new: Iterable[str]) -> None:
        before = len(self.words)
        new = set(new) - self.words
        self.words.update(new)
        self.stems.update(stem(w) for w in new)
        if len(self.words) != before:
            self._sorted = self._by_length = None

    def _index(self) -> tuple[list[str], dict[int, list[str]]]:
        if self._sorted is None or self._by_length is None:
            self._sorted = sorted(self.words)
            by_length: dict[int, list[str]] = {}
            for w in self._sorted:
                by_length.setdefault(len(w), []).append(w)
            self._by_length = by_length
        return self._sorted, self._by_length

    def has_prefix(self, prefix: str) -> bool:
        ordered, _ = self._index()
        i = bisect.bisect_left(ordered, prefix)
        return i < len(ordered) and ordered[i].startswith(prefix)

    def one_edit(self, word: str) -> list[str]:
        _, by_length = self._index()
        found: list[str] = []
        for length in (len(word) - 1, len(word), len(word) + 1):
            for cand in by_length.get(length, ()):
                if OSA.distance(word, cand, score_cutoff=1) <= 1:  # a swap of two letters is one typo
                    found.append(cand)
        return found[:8]


def _compound_head(word: str, vocab: Vocabulary) -> str | None:
    """'genoptræningsforløb' -> 'genoptræning' when both parts are words of the index."""
    for cut in range(len(word) - 4, 4, -1):
        head = word[:cut]
        for first in (head, head[:-1] if head[-1] in "se" else None):
            if first and len(first) >= 5 and stem(first) in vocab.stems:
                return first
    return None


def analyse(q: str, vocab: Vocabulary | None) -> list[list[str]]:
    """Term groups for a query (see the module docstring). Query syntax is just text."""
    groups: list[list[str]] = []
    seen: set[str] = set()
    for word in words(q[:2000]):
        if word in STOPWORDS or word in seen:
            continue
        seen.add(word)
        group = [word]
        if vocab is not None and len(word) >= 8:
            head = _compound_head(word, vocab)
            if head:
                group.append(head)
        if (vocab is not None and len(word) >= TYPO_MIN_LENGTH and word.isalpha()
                and not vocab.has_prefix(stem(word)) and word not in vocab.words):
            group.extend(w for w in vocab.one_edit(word) if w not in group)
        groups.append(group)
        if len(groups) >= MAX_TERMS:
            break
    return groups


def group_stems(groups: list[list[str]]) -> list[list[str]]:
    out = []
    for group in groups:
        out.append(list(dict.fromkeys(stem(w) for w in group if stem(w))))
    return out


# ---- marking matches ---------------------------------------------------------------------


def marked_to_html(text: str) -> str:
    """Text with MARK_START/MARK_END sentinels -> escaped HTML with <mark>."""
    # NUL is our placeholder, so one in the user's text must not turn into a tag.
    text = text.replace("\x00", "")
    escaped = html.escape(text.replace(MARK_START, "\x00s").replace(MARK_END, "\x00e"))
    return escaped.replace("\x00s", "<mark>").replace("\x00e", "</mark>")


@lru_cache(maxsize=1024)
def _word_start_pattern(prefixes: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(set(prefixes), key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alternatives})", re.IGNORECASE)


def _matched_words(text: str, spans: list[tuple[int, int]], prefixes: tuple[str, ...]) -> set[int]:
    """Indices of the words whose stem starts with a prefix. A Danish stem is a prefix of
    its word, so only words starting with a prefix (found by one regex) are stemmed."""
    starts = [a for a, _ in spans]
    marked: set[int] = set()
    for found in _word_start_pattern(prefixes).finditer(text):
        i = bisect.bisect_left(starts, found.start())
        if i < len(spans) and starts[i] == found.start():
            a, b = spans[i]
            if stem(text[a:b].lower()).startswith(prefixes):
                marked.add(i)
    return marked


def mark_matches(text: str, stems: list[list[str]], window: int | None = None) -> str:
    """Escape `text` and wrap in <mark> the words matched by the query's stems (prefix
    rule: what the index matched). With `window`, a snippet of about that many words
    around the first match. One pass over the words finds and marks them."""
    text = normalise(text)
    prefixes = tuple(s for group in stems for s in group)
    spans = [m.span() for m in WORD.finditer(text)]
    marked = _matched_words(text, spans, prefixes) if prefixes else set()
    start_char, end_char, prefix, suffix = 0, len(text), "", ""
    if window is not None and len(spans) > window:
        first = min(marked) if marked else 0
        lo = max(0, first - window // 3)
        hi = min(len(spans), lo + window)
        lo = max(0, hi - window)
        start_char = spans[lo][0]
        end_char = spans[hi - 1][1]
        prefix = "… " if lo > 0 else ""
        suffix = " …" if hi < len(spans) else ""
    out = [prefix]
    pos = start_char
    for i in sorted(marked):
        a, b = spans[i]
        if a < start_char or b > end_char:
            continue
        out.append(html.escape(text[pos:a]))
        out.append(f"<mark>{html.escape(text[a:b])}</mark>")
        pos = b
    out.append(html.escape(text[pos:end_char]))
    out.append(suffix)
    return "".join(out)


