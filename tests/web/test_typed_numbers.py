"""Typed numbers: read the way the page's language writes them, never changed into another."""

from __future__ import annotations

from decimal import Decimal

import pytest

from app.web.forms import NotANumber, number_text, typed_number, typed_numbers


@pytest.mark.parametrize(("lang", "text", "number"), [
    ("da", "1,5", "1.5"), ("da", "1.234,5", "1234.5"), ("da", "-3", "-3"), ("da", "−3", "-3"),
    ("da", "1 234,5", "1234.5"), ("da", "1.500", "1500"), ("da", "1.5", "1.5"), ("da", "1,234.5", "1234.5"),
    ("en", "1.5", "1.5"), ("en", "1,234.5", "1234.5"), ("en", "1,500", "1500"), ("en", "1,5", "1.5"),
    ("en", "1.234,5", "1234.5"), ("da", " 0,0001 ", "0.0001"),
])
def test_a_number_is_read_as_typed(lang: str, text: str, number: str) -> None:
    assert typed_number(text, lang) == Decimal(number)


@pytest.mark.parametrize("text", ["abc", "1e3", "NaN", "Infinity", "1,2,3", "1.2.3", "-", ".", "+-3", ""])
def test_what_is_not_a_number_is_refused_with_the_text(text: str) -> None:
    for lang in ("da", "en"):
        with pytest.raises(NotANumber) as refused:
            typed_number(text, lang)
        assert text.strip() in str(refused.value.message)


@pytest.mark.parametrize("value", [1.5, 1234.5, 0.0001, 15, -3, 123456789.123456])
def test_a_stored_number_shown_and_typed_again_is_the_same_number(value: float) -> None:
    for lang in ("da", "en"):
        assert typed_number(number_text(value, lang), lang) == Decimal(str(value))
    assert number_text(1234.5, "da") == "1.234,5" and number_text(None, "da") == ""


def test_typed_numbers_keeps_the_typed_text_and_names_the_refused_fields() -> None:
    values = {"a": "1.500", "b": "abc", "c": "", "d": "tekst"}
    parsed, errors = typed_numbers(values, ("a", "b", "c"), "da")
    assert parsed["a"] == Decimal(1500) and parsed["c"] == "" and parsed["d"] == "tekst"
    assert set(errors) == {"b"} and values["b"] == "abc"
