"""Text handling shared by every engine: what a record indexes, what a query means, marking.

A record indexes, beside its Danish stems, the stems of its compounds' tails
("hjemmemonitorering" also as "monitorering": app/search/compounds.py) and the English
stems of its English text. A query becomes a list of *terms* (AND between terms, OR inside
one). A term is a word the user typed, or a phrase of the synonym file
(data/search/synonyms.yaml) the user typed, with its alternatives: the synonyms; æ, ø, å
typed as ae, oe, aa; and, when a word is not in the index vocabulary at all, the
vocabulary words one edit away (words of five letters or more); a compound's parts, all of
them, as separate words. A compound's first part ("genoptræningsforløb" -> "genoptræning")
is a broader alternative. An alternative
matches when all its words do; a word matches by its Danish stem (Danish text, compound
tails) or by its English stem (English text), as a prefix or, for the synonym file's
names, exactly (Term). Stop words are left out, unless the query has nothing else. A term
that finds nothing may be tried looser (loosen).
"""

from __future__ import annotations

import bisect
import html
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz.distance import OSA

from app.search import synonyms
from app.search.compounds import decompounder
from app.search.language import STOPWORDS, WORD, normalise, stem, stem_en, words

MARK_START, MARK_END = "\x02", "\x03"
TYPO_MIN_LENGTH = 5
MAX_TERMS = 12
COMPOUND_QUERY_MIN = 8  # a query word this long may be a compound: its first part is tried too
MAX_PART_SYNONYMS = 3  # synonyms tried per part of a compound query
DANISH_LETTERS = (("ae", "æ"), ("oe", "ø"), ("aa", "å"))

Phrase = tuple[str, ...]


# ---- what a record indexes ---------------------------------------------------------------


def stems_text(text: str | None) -> str:
    """One Danish stem per word, in order."""
    return " ".join(stem(w) for w in words(text))


def english_stems_text(text: str | None) -> str:
    """One English stem per word, in order."""
    return " ".join(stem_en(w) for w in words(text))


def tails_text(text: str | None) -> str:
    """The Danish stems of the tails of the text's compound words ("hjemmemonitorering" ->
    "monitorering"), so a query for a compound's last part finds it."""
    split = decompounder().tails
    return " ".join(stem(t) for w in words(text) for t in split(w))


def topic_text(title: str, topic: str) -> str:
    """The title's compound tails and the stems of the record's topic (its treatment areas):
    what ranks between the title's own words and the body's."""
    return f"{tails_text(title)} {stems_text(topic)} {tails_text(topic)}".strip()


def vocabulary_words(text: str | None) -> set[str]:
    """The words kept in the typo vocabulary: letters only, four or more."""
    return {w for w in words(text) if len(w) >= TYPO_MIN_LENGTH - 1 and w.isalpha()}


# ---- what a query means ------------------------------------------------------------------


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
        decompounder().add(new)  # the index's words are parts of compounds too
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


@dataclass(frozen=True)
class Term:
    """One thing the user asked for: a word, or a phrase the synonym file knows. What the
    user typed and the typo fixes match by prefix (search as you type); the synonym file's
    names by their stems exactly (they are whole words, and prefixes of common words cost
    the engines the most); a broader word by prefix."""

    text: str  # as typed (lower case): "forhøjet blodtryk"
    alternatives: tuple[Phrase, ...]  # [0] the user's own words, then spellings, typo fixes, parts
    synonyms: tuple[Phrase, ...] = ()
    broader: tuple[str, ...] = ()  # words that match more (a compound's first part)
    # Alternatives that only raise the rank: a compound's parts apart, when its first part
    # (broader) already finds every record that has them.
    boost: tuple[Phrase, ...] = ()

    @property
    def every(self) -> tuple[Phrase, ...]:
        return self.alternatives + self.synonyms + tuple((w,) for w in self.broader)

    def matchers(self, broader: bool = True, boost: bool = False) -> list[tuple[Phrase, bool]]:
        """(words, as prefixes?) per alternative; [0] is what the user typed."""
        found = [(a, True) for a in self.alternatives] + [(s, False) for s in self.synonyms]
        if broader:
            found += [((w,), True) for w in self.broader]
        return found + [(b, True) for b in self.boost] if boost else found


def _compound_head(word: str, vocab: Vocabulary) -> str | None:
    """'genoptræningsforløb' -> 'genoptræning' when both parts are words of the index."""
    for cut in range(len(word) - 4, 4, -1):
        head = word[:cut]
        for first in (head, head[:-1] if head[-1] in "se" else None):
            if first and len(first) >= 5 and stem(first) in vocab.stems:
                return first
    return None


def _typo_fixes(word: str, vocab: Vocabulary) -> list[str]:
    if (len(word) >= TYPO_MIN_LENGTH and word.isalpha() and not vocab.has_prefix(stem(word))
            and word not in vocab.words):
        return vocab.one_edit(word)
    return []


def _letter_variants(word: str, vocab: Vocabulary) -> list[str]:
    """'kraeft' -> ['kræft']: æ, ø and å typed as ae, oe and aa (a keyboard without them),
    when the index knows the word so spelt."""
    found = {word}
    for plain, letter in DANISH_LETTERS:
        found |= {w.replace(plain, letter) for w in found}
    return sorted(w for w in found - {word} if vocab.has_prefix(stem(w)))


def _synonym_at(content: list[str], i: int, known: synonyms.Synonyms) -> tuple[int, list[Phrase]]:
    """The longest name of the synonym file starting at word i: (its length, what it also finds)."""
    for n in range(min(known.longest, len(content) - i), 0, -1):
        found = known.expansions.get(synonyms.key_of(tuple(content[i:i + n])))
        if found:
            return n, found
    return 1, []


def _part_synonyms(parts: Phrase, known: synonyms.Synonyms) -> list[Phrase]:
    """The compound with one part named by its synonym: "hjemmeovervågning" ->
    "hjemmemonitorering" (joined only: the parts apart would match too much, and cost)."""
    found: list[Phrase] = []
    for i, part in enumerate(parts):
        names = known.expansions.get(synonyms.key_of((part,))) or (
            known.expansions.get(synonyms.key_of((part[:-1],))) if part[-1:] in "se" else None) or []
        for name in names[:MAX_PART_SYNONYMS]:
            if len(name) == 1:
                found.append(("".join((*parts[:i], name[0], *parts[i + 1:])),))
    return found


def _covered(phrase: Phrase, prefixes: list[str], exact: list[str]) -> bool:
    """A synonym of several words finds nothing more than a one-word alternative when one
    of its words is that word ("diabetes mellitus" beside "diabetes")."""
    da, en = tuple(stem(p) for p in prefixes), tuple(stem_en(p) for p in prefixes)
    same = {(stem(e), stem_en(e)) for e in exact}
    return len(phrase) > 1 and any(
        (stem(w).startswith(da) and stem_en(w).startswith(en)) or (stem(w), stem_en(w)) in same for w in phrase)


def analyse(q: str, vocab: Vocabulary | None) -> list[Term]:
    """The terms of a query (see the module docstring). Query syntax is just text."""
    typed = words(q[:2000])
    content = [w for w in typed if w not in STOPWORDS] or typed
    known = synonyms.current()
    terms: list[Term] = []
    seen: set[Phrase] = set()
    i = 0
    while i < len(content) and len(terms) < MAX_TERMS:
        span, expansions = _synonym_at(content, i, known)
        own = tuple(content[i:i + span])
        i += span
        if own in seen:
            continue
        seen.add(own)
        alternatives: list[Phrase] = [own]
        broader: list[str] = []
        boost: tuple[Phrase, ...] = ()
        if vocab is not None and span == 1:
            word = own[0]
            head = _compound_head(word, vocab) if len(word) >= COMPOUND_QUERY_MIN else None
            broader = [head] if head else []
            alternatives += [(w,) for w in [*_letter_variants(word, vocab), *_typo_fixes(word, vocab)]
                             if (w,) not in alternatives]
            parts = decompounder().split(word)  # "hjemmetræning" also where "hjemme" and "træning" stand apart
            if parts and head and stem(parts[0]).startswith(stem(head)):
                boost = (parts,)
            elif parts:
                alternatives.append(parts)
            alternatives += [a for a in _part_synonyms(parts, known) if a not in alternatives]
        prefixes = [a[0] for a in alternatives if len(a) == 1]
        exact = [s[0] for s in expansions if len(s) == 1]
        found = tuple(s for s in expansions if not _covered(s, prefixes, exact))
        terms.append(Term(" ".join(own), tuple(alternatives), found, tuple(broader), boost))
    return terms


def loosen(term: Term, vocab: Vocabulary | None = None) -> list[Term]:
    """What a term that finds nothing is tried as: a phrase's words one by one; a compound
    as its last part, which names what it is ("tryksår" is a "sår"); a narrower name of the
    synonym file as the broader names it is listed under ("alzheimer" -> "demens"); a
    synonym phrase as its last word; a word not in the index as the words one edit away."""
    own = term.alternatives[0]
    if len(own) > 1:
        return [Term(w, ((w,),)) for w in own]
    # A word that is not itself in the index, though it begins one ("diabetis" in
    # "diabetisk"): also the index's words one edit away.
    fixes = vocab.one_edit(own[0]) if vocab is not None and own[0] not in vocab.words \
        and len(own[0]) >= TYPO_MIN_LENGTH and own[0].isalpha() else []
    found = [Term(own[0], tuple((w,) for w in fixes))] if fixes else []
    return found + _looser(term, own)


def _looser(term: Term, own: Phrase) -> list[Term]:
    tails = decompounder().tails(own[0])
    wider = synonyms.current().broader.get(synonyms.key_of(own), [])
    # A synonym phrase as its last word, the noun it names ("forhøjet blodtryk" -> "blodtryk").
    heads = [(p[-1],) for p in term.synonyms if len(p) > 1 and len(p[-1]) >= TYPO_MIN_LENGTH]
    if not tails and not wider and not heads:
        return []
    closest = heads or wider  # a synonym's own noun is closer than a broader name
    alternatives: tuple[Phrase, ...] = tuple((t,) for t in tails[-1:]) or tuple(closest[:1])
    rest = tuple(dict.fromkeys(w for w in closest if w not in alternatives))
    return [Term(term.text, alternatives, rest)]


def prefixes(terms: list[Term]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Every Danish and every English stem the terms match by (for marking)."""
    da = {stem(w) for t in terms for alt in t.every for w in alt}
    en = {stem_en(w) for t in terms for alt in t.every for w in alt}
    return tuple(sorted(s for s in da if s)), tuple(sorted(s for s in en if s))


# ---- marking matches ---------------------------------------------------------------------


def marked_to_html(text: str) -> str:
    """Text with MARK_START/MARK_END sentinels -> escaped HTML with <mark>."""
    # NUL is our placeholder, so one in the user's text must not turn into a tag.
    text = text.replace("\x00", "")
    escaped = html.escape(text.replace(MARK_START, "\x00s").replace(MARK_END, "\x00e"))
    return escaped.replace("\x00s", "<mark>").replace("\x00e", "</mark>")


@lru_cache(maxsize=1024)
def _prefix_pattern(stems: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(set(stems), key=len, reverse=True))
    return re.compile(f"(?:{alternatives})", re.IGNORECASE)


def _word_matches(word: str, at_start: bool, da: tuple[str, ...], en: tuple[str, ...]) -> bool:
    if at_start:
        return stem(word).startswith(da) or (bool(en) and stem_en(word).startswith(en))
    return any(stem(t).startswith(da) for t in decompounder().tails(word))


def _matched_words(text: str, spans: list[tuple[int, int]], da: tuple[str, ...],
                   en: tuple[str, ...]) -> set[int]:
    """Indices of the words the query matched: a stem of the word, or of one of its
    compound tails, starts with a query stem. Stems are prefixes of their word (nearly
    always), so only words where one regex finds a query stem are stemmed."""
    starts = [a for a, _ in spans]
    marked: set[int] = set()
    tried: set[tuple[int, bool]] = set()
    for found in _prefix_pattern(da + en).finditer(text):
        i = bisect.bisect_right(starts, found.start()) - 1
        if i < 0 or i in marked or found.start() >= spans[i][1]:
            continue
        a, b = spans[i]
        at_start = found.start() == a
        if (i, at_start) in tried:
            continue
        tried.add((i, at_start))
        if _word_matches(text[a:b].lower(), at_start, da, en):
            marked.add(i)
    return marked


def mark_matches(text: str, stems: tuple[tuple[str, ...], tuple[str, ...]], window: int | None = None) -> str:
    """Escape `text` and wrap in <mark> the words matched by the query's (Danish, English)
    stems: what the index matched. With `window`, a snippet of about that many words
    around the first match. One pass over the words finds and marks them."""
    text = normalise(text)
    da, en = stems
    spans = [m.span() for m in WORD.finditer(text)]
    marked = _matched_words(text, spans, da, en) if da or en else set()
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
