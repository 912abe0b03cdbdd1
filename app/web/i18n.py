"""Translations: gettext catalogues (.po, edited by translators) read with Babel.

Message ids are English; Danish is the default language. The .po files are
compiled in memory at start-up, so there is no build step. Service messages with values
are ``app.messages.Message`` objects (msgid with ``{name}`` placeholders, marked
``python-brace-format`` in the catalogues); the templates' ``_`` translates them with
their values. tests/test_messages.py checks that every one has a Danish translation.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel import Locale
from babel.dates import format_date, format_datetime
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, get_group_symbol
from babel.support import Translations

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("da", "en")
BABEL_LOCALES = {"da": "da_DK", "en": "en_GB"}


@cache
def translations(language: str) -> gettext.NullTranslations:
    po_file = LOCALE_DIR / f"{language}.po"
    if language not in LANGUAGES or not po_file.exists():
        return gettext.NullTranslations()
    with po_file.open("rb") as fh:
        catalog = read_po(fh, locale=language)
    buffer = BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer)


def label(language: str, kind: str, code: str) -> str:
    """A stored code's label: msgid "kind:code" in the catalogues, else the code with
    spaces for underscores ("not_assessed" -> "not assessed")."""
    msgid = f"{kind}:{code}"
    text = translations(language).gettext(msgid)
    return code.replace("_", " ") if text == msgid else text


def written(language: str) -> Callable[[Any], Any]:
    """How a value inside a translated Message is written: a date as the language writes it."""
    return lambda value: day(value, language) if isinstance(value, date) else value


def field_label(name: str, language: str) -> str:
    """A field's (or query parameter's) name as a reader knows it: msgid "field:name", else the name."""
    msgid = f"field:{name}"
    text = translations(language).gettext(msgid)
    return name if text == msgid else text


def country_name(code: str | None, language: str) -> str:
    """A two-letter country code by its name in the language ("NO" -> "Norge"); else the code."""
    if not code:
        return "–"
    return Locale.parse(BABEL_LOCALES[language]).territories.get(code.upper(), code)


def pick_language(requested: str | None, default: str = "da") -> str:
    return requested if requested in LANGUAGES else default


def number(value: float | int | None, language: str, digits: int = 1) -> str:
    if value is None:
        return "–"
    if type(value) is int and value >= 0:  # counts: a results page shows a hundred of them
        return f"{value:,}".replace(",", _group_symbol(language))
    return format_decimal(value, format=f"#,##0.{'#' * digits}" if digits else "#,##0",
                          locale=BABEL_LOCALES[language])


@cache
def _group_symbol(language: str) -> str:
    return get_group_symbol(BABEL_LOCALES[language])


def day(value: date | datetime | str | None, language: str) -> str:
    """A date (or an ISO date text, as the JSON views carry them) as a reader writes it: "3. dec. 2026"."""
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        return format_datetime(value, format="medium", locale=BABEL_LOCALES[language])
    return format_date(value, format="medium", locale=BABEL_LOCALES[language])


def money(value: Decimal | float | int | None, language: str) -> str:
    """An amount in Danish kroner as a reader of `language` writes it: "1.250,50 kr.", "DKK 1,250.50"."""
    if value is None:
        return "–"
    amount = format_decimal(value, format="#,##0.00", locale=BABEL_LOCALES[language])
    return f"{amount} kr." if language == "da" else f"DKK {amount}"


def file_size(size: int, language: str) -> str:
    """A file's size as a reader writes it: "1,2 MB", "340 kB", "12 B" (decimal units)."""
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{number(round(size / 1000), language)} kB"
    return f"{number(size / 1_000_000, language)} MB"
