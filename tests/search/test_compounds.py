"""Danish compounds split into known parts (data/search/compound_parts.txt + the index's words)."""

from __future__ import annotations

import pytest

from app.search.compounds import Decompounder, read_parts
from app.search.lexicon import default_data_dir, parts_path


@pytest.fixture(scope="module")
def parts() -> Decompounder:
    return Decompounder(read_parts(parts_path(default_data_dir())))


@pytest.mark.parametrize(("word", "split"), [
    ("hjemmemonitorering", ("hjemme", "monitorering")),
    ("genoptræningsforløb", ("genoptrænings", "forløb")),  # linking -s-
    ("blodsukkerkontrol", ("blod", "sukker", "kontrol")),
    ("lænderygsmerter", ("lænde", "ryg", "smerter")),
    ("hjemmemonitoreringen", ("hjemme", "monitoreringen")),  # the last part inflected
    ("sygeplejersker", ("syge", "plejersker")),
    ("videokonsultation", ("video", "konsultation")),
])
def test_compounds_split_into_known_parts(parts: Decompounder, word: str, split: tuple[str, ...]) -> None:
    assert parts.split(word) == split


@pytest.mark.parametrize("word", ["behandling", "forløb", "diabetes", "indlæggelse", "ab", "x" * 60, "covid19"])
def test_words_that_are_not_compounds_of_known_words_stay_whole(parts: Decompounder, word: str) -> None:
    assert parts.split(word) == () and parts.tails(word) == []


def test_tails_are_the_word_from_each_seam(parts: Decompounder) -> None:
    assert parts.tails("blodsukkerkontrol") == ["sukkerkontrol", "kontrol"]
    assert parts.tails("børnediabetes") == ["diabetes"]  # linking -e- after "børn"


def test_the_index_vocabulary_adds_parts() -> None:
    parts = Decompounder(["hjemme"])
    assert parts.split("hjemmedialyse") == ()
    parts.add(["dialyse", "hjemmedialyse"])  # the whole word being a word of the index does not count
    assert parts.split("hjemmedialyse") == ("hjemme", "dialyse")


def test_parts_from_the_index_need_four_letters_and_letters_only() -> None:
    parts = Decompounder(["abc1", "ab"])
    assert parts.words == set()


def test_the_parts_list_says_where_it_comes_from() -> None:
    header = parts_path(default_data_dir()).read_text(encoding="utf-8").split("\n\n")[0]
    assert "Source and method" in header
    assert len(read_parts(parts_path(default_data_dir()))) > 200
