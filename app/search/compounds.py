"""Danish compound words split into their known parts, at index time.

"hjemmemonitorering" is indexed as itself and also by its *tails*, the rest of the word
from each seam on ("monitorering"), so a search for the last part finds the compound. The
first part needs no entry of its own: every engine already matches a word by its prefix.

The parts are data, not code: the checked-in list `data/search/compound_parts.txt` plus
every word the index holds (the engines add each batch's words before they index it, and
the search cache adds the whole index vocabulary when it loads). A split is a
dynamic-programming cover of the word by known words of at least MIN_PART letters, with
Danish linking letters (-s-, -e-) allowed after any part but the last; the last part may
be inflected (its stem is known: "hjemmemonitoreringen"). The finest cover wins, so every
seam gives a tail. No maintained Danish decompounder exists as a Python package (the ones
on PyPI are German, or need Hunspell dictionaries and a C library), and a cover over our
own vocabulary keeps every engine's parts identical.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from pathlib import Path

from app.search.language import stem

MIN_PART = 3  # the checked-in list may hold three-letter parts (ryg, kar); index words have four or more
MIN_WORD = 2 * MIN_PART + 1  # shorter words are not split
MAX_WORD = 40  # longer "words" are not language (a pasted hash): not split
LINKING = "se"


def read_parts(path: Path) -> list[str]:
    """The words of a parts list: one a line, '#' starts a comment."""
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        word = line.split("#", 1)[0].strip().lower()
        if word:
            out.append(word)
    return out


class Decompounder:
    """Splits words over a growing vocabulary; splits are cached until the vocabulary grows."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self.words: set[str] = set()
        self.stems: set[str] = set()
        self._splits: dict[str, tuple[str, ...]] = {}
        self._lock = threading.Lock()
        self.add(words)

    def add(self, words: Iterable[str]) -> None:
        new = {w for w in words if len(w) >= MIN_PART and w.isalpha()} - self.words
        if not new:
            return
        with self._lock:
            self.words |= new
            self.stems |= {stem(w) for w in new}
            self._splits = {}  # a new word may open a seam in a word already split

    def split(self, word: str) -> tuple[str, ...]:
        """The parts of `word` as they stand in it (linking letters stay on the part before
        them: "genoptrænings", "forløb"), or () when it is not a compound of known words."""
        found = self._splits.get(word)
        if found is None:
            found = self._splits[word] = self._cover(word) if MIN_WORD <= len(word) <= MAX_WORD \
                and word.isalpha() else ()
        return found

    def tails(self, word: str) -> list[str]:
        """'blodsukkerkontrol' -> ['sukkerkontrol', 'kontrol']: the word from each inner seam on."""
        parts = self.split(word)
        out, start = [], 0
        for part in parts[:-1]:
            start += len(part)
            out.append(word[start:])
        return out

    def _known(self, piece: str, last: bool) -> bool:
        if piece in self.words:
            return True
        if last:
            return stem(piece) in self.stems
        return len(piece) > MIN_PART and piece[-1] in LINKING and piece[:-1] in self.words

    def _cover(self, word: str) -> tuple[str, ...]:
        n = len(word)
        best: list[tuple[str, ...] | None] = [None] * (n + 1)  # best[i]: finest cover of word[i:]
        best[n] = ()
        for i in range(n - MIN_PART, -1, -1):
            for j in range(i + MIN_PART, n + 1):
                rest = best[j]
                if rest is None or (i == 0 and j == n):
                    continue
                piece = word[i:j]
                if self._known(piece, last=j == n) and (best[i] is None or len(rest) + 1 > len(best[i] or ())):
                    best[i] = (piece, *rest)
        return best[0] or ()


_default: Decompounder | None = None
_default_lock = threading.Lock()


def install(parts: Iterable[str]) -> Decompounder:
    """Make a decompounder over `parts` the process's own (at start-up, from the data file)."""
    global _default
    with _default_lock:
        _default = Decompounder(parts)
    return _default


def decompounder() -> Decompounder:
    """The process's decompounder: the one installed, else one over the checked-in list."""
    global _default
    if _default is None:
        from app.search.lexicon import default_data_dir, parts_path

        with _default_lock:
            if _default is None:
                _default = Decompounder(read_parts(parts_path(default_data_dir())))
    return _default
