"""Typed dates: read the way a Dane (or an English reader) writes them, a half-typed date
refused rather than taken for no date."""

from __future__ import annotations

from datetime import date

import pytest

from app.web.forms import NotADate, date_text, typed_date, typed_dates

DEC_3 = date(2026, 12, 3)


@pytest.mark.parametrize("text", [
    "3.12.2026", "03.12.2026", "3-12-2026", "3/12/2026", "2026-12-03", " 3.12.2026 ",
    "3. dec. 2026", "3. december 2026", "3 Dec 2026", "3 December 2026", "3. DEC 2026",
])
def test_a_whole_date_is_read_day_first_in_either_language(text: str) -> None:
    for lang in ("da", "en"):
        assert typed_date(text, lang) == DEC_3


def test_danish_month_names_are_read() -> None:
    assert typed_date("17. maj 2026", "da") == date(2026, 5, 17)
    assert typed_date("1. okt. 2026", "en") == date(2026, 10, 1)


@pytest.mark.parametrize(("text", "why"), [
    ("3.12", "not a whole date"), ("3.12.26", "not a whole date"), ("2026-12", "not a whole date"),
    ("12.2026", "not a whole date"), ("i morgen", "not a whole date"), ("3. foo 2026", "not a whole date"),
    ("31.2.2026", "not a date in the calendar"), ("2026-13-01", "not a date in the calendar"),
])
def test_a_half_typed_or_impossible_date_is_refused_with_the_text(text: str, why: str) -> None:
    with pytest.raises(NotADate) as refused:
        typed_date(text, "da")
    assert why in refused.value.message and text in refused.value.message


def test_a_stored_date_is_shown_as_the_field_reads_it_back() -> None:
    assert date_text("2026-12-03", "da") == "03.12.2026"
    assert date_text(DEC_3, "en") == "03/12/2026"
    assert date_text(None, "da") == "" and date_text("3.12", "da") == "3.12"  # refused text as typed
    for lang in ("da", "en"):
        assert typed_date(date_text(DEC_3, lang), lang) == DEC_3


def test_typed_dates_gives_iso_and_names_the_refused_fields() -> None:
    parsed, errors = typed_dates({"a": "3.12.2026", "b": "3.12", "c": ""}, ("a", "b", "c"), "da")
    assert parsed == {"a": "2026-12-03", "b": "3.12", "c": ""}
    assert list(errors) == ["b"]
