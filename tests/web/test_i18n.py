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


def test_dates_countries_and_field_names_as_each_language_writes_them() -> None:
    from datetime import date

    from app.web.i18n import country_name, day, field_label

    assert day(date(2026, 12, 3), "da") == "3. dec. 2026" and day("2026-12-03", "da") == "3. dec. 2026"
    assert day(date(2026, 12, 3), "en") == "3 Dec 2026" and day("", "da") == "–"
    assert country_name("NO", "da") == "Norge" and country_name("NO", "en") == "Norway"
    assert country_name("XX", "da") == "XX"
    assert field_label("file", "da") == "fil" and field_label("file", "en") == "file"
    assert field_label("no_such_field", "da") == "no_such_field"


def test_a_message_quoting_a_file_marks_the_quoted_values_as_code() -> None:
    from app.messages import Message, Term
    from app.web.i18n import translations, written
    from app.web.rendering import coded

    gettext = translations("da").gettext
    reason = Message("unknown organisation {ref}", ref="'municipality:999'")
    assert coded(reason, gettext, written("da")) == "ukendt organisation <code>&#39;municipality:999&#39;</code>"
    assert coded(Term("missing", "project"), gettext, written("da")) == "intet projekt"
    assert coded("<b>", gettext, written("da")) == "&lt;b&gt;"
