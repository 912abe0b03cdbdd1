"""What a reader must never see: checks of a page's or a PDF's visible text for leaked
English, raw codes, ISO dates and English decimals (issue 18). Used by
tests/web/test_language_everywhere.py and the browser tests."""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser

from babel.messages.pofile import read_po

from app.settings import PROJECT_ROOT

LOCALE = PROJECT_ROOT / "app/web/locale"
# Seen on real Danish pages, or the English of a status, a role or a form word.
ENGLISH_WORDS = (
    "Under review", "in review", "not assessed", "not applied", "temporarily approved", "full", "light",
    "yes", "no", "source", "assessor", "approver", "vendor", "file", "draft", "approved", "pending",
    "rejected", "revoked", "expired", "completed", "returned", "error", "errors", "does not exist",
    "unknown", "must be", "missing", "required", "invalid", "not found", "the", "and", "of", "with",
    "rule", "none", "true", "false", "relevance", "newest", "submitted", "overdue", "met",
    "missed", "planned", "in operation", "discontinued", "municipality", "reviewet", "reviewed", "gate", "gates",
)
_ENGLISH = re.compile(r"(?<![\w/.@-])(" + "|".join(re.escape(w) for w in ENGLISH_WORDS) + r")(?![\w/@-])",
                      re.IGNORECASE)
_CODE = re.compile(r"(?<![\w/.@:-])([a-z]+(?:[_-][a-z]+)*:[a-z0-9]+(?:[_-][a-z0-9]+)*)(?![\w/.@-])")
_SNAKE = re.compile(r"(?<![\w/.@:-])([a-z]+_[a-z_]+)(?![\w/.@-])")
_ISO_DAY = re.compile(r"(?<![\w.-])(\d{4}-\d{2}-\d{2})(?![\w-])")
# 0.5, 12.75 (a Danish thousands group has exactly three digits: 1.234)
_ENGLISH_DECIMAL = re.compile(r"(?<![\w.,-])(\d+\.(?:\d{1,2}|\d{4,}))(?![\w.,])")
# Not prose of the page's language: code a reader types (column names of an import file),
# a form field's own value, whatever is marked as another language (lang="en") and proper
# names marked translate="no".
# "1 kommuner": a count of one with a plural noun.
_ONE_PLURAL = re.compile(r"(?<![\d.,])(1 (?:kommuner|hospitaler|regioner|løsninger|rækker|milepæle|tilslutninger|"
                         r"vurderinger|projekter|indikatorer|organisationer|brugere|aktive brugere|felter|fejl mere|"
                         r"resultater|spærrekriterier|berørte patienter|godkendelser))\b")
_HIDDEN_TAGS = frozenset({"script", "style", "template", "title", "head", "code", "kbd", "textarea"})


_VOID_TAGS = frozenset({"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"})
_BLOCK_TAGS = frozenset({"br", "p", "li", "td", "th", "div", "tr", "h1", "h2", "h3", "option", "dt", "dd"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._open: list[tuple[str, bool]] = []  # open elements: (tag, is its text hidden?)
        self._lang = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self._lang = values.get("lang") or ""
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")
        if tag in _VOID_TAGS:
            return
        other_language = bool(values.get("lang")) and values.get("lang") != self._lang and tag != "html"
        a_name = values.get("translate") == "no"  # a proper name, e.g. an English publisher's
        self._open.append((tag, tag in _HIDDEN_TAGS or other_language or a_name or self._hidden))

    def handle_endtag(self, tag: str) -> None:
        if any(open_tag == tag for open_tag, _ in self._open):  # also closes what HTML left open (<p>, <li>)
            while self._open.pop()[0] != tag:
                pass
        self.parts.append(" ")

    @property
    def _hidden(self) -> bool:
        return bool(self._open and self._open[-1][1])

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """The text a reader sees (no scripts, styles, attributes or URLs in attributes)."""
    parser = _Text()
    parser.feed(html)
    return re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))


@cache
def catalogue(language: str) -> dict[str, str]:
    with (LOCALE / f"{language}.po").open("rb") as fh:
        return {m.id: m.string for m in read_po(fh, locale=language) if m.id and isinstance(m.id, str)}


@cache
def _untranslated_msgids() -> frozenset[str]:
    """English msgids whose Danish differs: seen whole on a Danish page, one was not translated."""
    danish = catalogue("da")
    return frozenset(mid for mid, text in danish.items()
                     if text and text != mid and "{" not in mid and "%(" not in mid and len(mid) > 3
                     and " " in mid)


# A version number is no decimal: "version 1.0", "DTAC 2.0", "WCAG 2.1", a version cell, "1.0-skema".
_VERSION = re.compile(r"(?:(?:\b(?:[Vv]ersion|DTAC|DK|WCAG|[a-z]+-[a-z-]+)|\(DTAC\))\s+\d+(?:\.\d+)+\b"
                      r"|^\s*\d+\.\d+\s*$|\b\d+\.\d+-skema\b)", re.MULTILINE)


def problems(text: str, language: str, allowed: frozenset[str] = frozenset()) -> list[str]:
    """What is wrong with `text` (visible text) in `language`: each finding with its context."""
    found: list[str] = []
    text = _VERSION.sub(" ", text)

    def add(kind: str, match: re.Match[str]) -> None:
        if match.group(1) not in allowed:
            found.append(f"{kind} {match.group(1)!r}: …{text[max(0, match.start() - 40):match.end() + 40]}…"
                         .replace("\n", " "))

    for match in _CODE.finditer(text):
        add("raw key", match)
    for match in _SNAKE.finditer(text):
        add("raw code", match)
    for match in _ISO_DAY.finditer(text):
        add("ISO date", match)
    if language == "da":
        for match in _ENGLISH_DECIMAL.finditer(text):
            add("English number", match)
        for match in _ENGLISH.finditer(text):
            add("English word", match)
        for match in _ONE_PLURAL.finditer(text):
            add("plural after 1", match)
        lines = {line.strip() for line in text.splitlines()}
        found += [f"untranslated {mid!r}" for mid in sorted(lines & _untranslated_msgids())]
    return found
