"""The text query PostgreSQL's GIN index is asked: the rows are found with the fewest
prefix walks (each prefix is a walk of the index), and ranked with every alternative.
That both find the same rows is checked on the database in test_postgres_tsv.py."""

from __future__ import annotations

from app.search.postgres import match_tsquery, tsquery
from app.search.text import Term

COMPOUND = Term("genoptræningsforløb", alternatives=(("genoptræningsforløb",), ("genoptræning", "forløb")),
                synonyms=(("rehabiliteringsforløb",),), broader=("genoptræning",))


def test_a_prefix_another_prefix_already_matches_is_left_out() -> None:
    assert "genoptræningsforløb:*" in tsquery([COMPOUND])
    assert match_tsquery([COMPOUND]) == "(rehabiliteringsforløb | genoptræn:*)"


def test_without_the_broader_word_the_compound_and_its_parts_stay() -> None:
    assert match_tsquery([COMPOUND], broader=False) == \
        "(genoptræningsforløb:* | rehabiliteringsforløb | ((genoptræn:*) & (forløb:*)))"


def test_an_exact_word_is_not_widened_and_terms_keep_their_and() -> None:
    exact = Term("dm2", alternatives=(), synonyms=(("dm2",), ("dm",)))
    assert match_tsquery([exact, exact]) == "(dm2 | dm) & (dm2 | dm)"
    assert match_tsquery([exact], any_=True) == "(dm2 | dm)"
