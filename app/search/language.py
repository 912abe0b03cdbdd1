"""Words, stop words and Snowball stems (Danish and English), shared by every engine."""

from __future__ import annotations

import re
import threading
import unicodedata
from functools import lru_cache

import snowballstemmer

WORD = re.compile(r"[^\W_]+", re.UNICODE)
# PostgreSQL's Danish stop words: dropped from queries by every engine so all of them
# answer alike (a query of nothing but stop words keeps them: see text.analyse).
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

_local = threading.local()


def normalise(text: str | None) -> str:
    return unicodedata.normalize("NFC", text or "")


def words(text: str | None) -> list[str]:
    return [w.lower() for w in WORD.findall(normalise(text))]


def _stemmer(language: str) -> snowballstemmer.stemmer:
    stemmer = getattr(_local, language, None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer(language)
        setattr(_local, language, stemmer)
    return stemmer


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """The Danish stem of a word (lower case)."""
    return _stemmer("danish").stemWord(word.lower())


@lru_cache(maxsize=200_000)
def stem_en(word: str) -> str:
    """The English (Porter 2) stem of a word (lower case)."""
    return _stemmer("english").stemWord(word.lower())
