"""Numbers as each language writes them."""

from __future__ import annotations

import pytest
from babel.numbers import format_decimal

from app.web.i18n import BABEL_LOCALES, number

VALUES = [0, 7, 999, 1_000, 12_345, 999_999, 1_234_567, 10**12]


@pytest.mark.parametrize("language", ["da", "en"])
def test_counts_are_grouped_as_babel_groups_them(language: str) -> None:
    for value in VALUES:
        for digits in (0, 1):
            pattern = f"#,##0.{'#' * digits}" if digits else "#,##0"
            assert number(value, language, digits) == format_decimal(value, format=pattern,
                                                                     locale=BABEL_LOCALES[language])


def test_danish_and_english_grouping_and_decimals() -> None:
    assert number(1_234_567, "da") == "1.234.567"
    assert number(1_234_567, "en") == "1,234,567"
    assert number(1234.56, "da", 1) == "1.234,6"
    assert number(-1234, "da", 0) == "-1.234"
    assert number(None, "da") == "–"
