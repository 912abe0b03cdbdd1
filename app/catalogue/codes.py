"""Reference codes of a solution's buyer facts: ICD-10 diagnoses (data/reference/icd10.csv),
ISO 639-1 languages (named by Babel) and Danish CVR numbers."""

from __future__ import annotations

import csv
import re
from functools import cache
from typing import NamedTuple

from babel import Locale

from app.settings import PROJECT_ROOT

ICD10_FILE = PROJECT_ROOT / "data" / "reference" / "icd10.csv"
# ICD-10 ("M54.5", "m545") or its SKS diagnosis form ("DM545"): letter, two digits, and
# at most two more after an optional point.
_ICD10 = re.compile(r"^D?([A-Z]\d{2})\.?(\d{1,2})?$")
_CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)


class Diagnosis(NamedTuple):
    code: str
    title_da: str
    title_en: str


@cache
def icd10() -> dict[str, Diagnosis]:
    """The ICD-10 codes the register knows, by code."""
    with ICD10_FILE.open(encoding="utf-8", newline="") as fh:
        return {row["code"]: Diagnosis(row["code"], row["title_da"], row["title_en"])
                for row in csv.DictReader(fh)}


def icd10_code(text: str) -> str | None:
    """The ICD-10 code written as `text` (ICD-10 or SKS form), if the register knows it."""
    match = _ICD10.match(text.strip().upper().replace(" ", ""))
    if match is None:
        return None
    code = match.group(1) + (f".{match.group(2)}" if match.group(2) else "")
    return code if code in icd10() else None


@cache
def _language_names(lang: str) -> dict[str, str]:
    return {code: name for code, name in Locale.parse(lang).languages.items() if len(code) == 2}


def is_language(code: str) -> bool:
    return code in _language_names("en")


def language_name(code: str, lang: str) -> str:
    """The language's name in the page's language ("da" -> "dansk" / "Danish")."""
    return _language_names(lang).get(code, code)


@cache
def _country_names(lang: str) -> dict[str, str]:
    return dict(Locale.parse(lang).territories)


def country_name(code: str, lang: str) -> str:
    """A two-letter country code's name in the page's language ("NO" -> "Norge" / "Norway")."""
    return _country_names(lang).get(code, code)


def valid_cvr(cvr: str) -> bool:
    """Eight digits, not starting with 0, passing the modulus 11 check of the CVR register."""
    if len(cvr) != 8 or not cvr.isascii() or not cvr.isdigit() or cvr[0] == "0":
        return False
    return sum(int(d) * w for d, w in zip(cvr, _CVR_WEIGHTS, strict=True)) % 11 == 0
