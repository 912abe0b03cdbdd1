"""The synonym file: the checked-in one is valid and used; a broken one stops the start-up
with the file and line named, never an empty vocabulary."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from app.main import create_app
from app.search import synonyms
from app.search.lexicon import default_data_dir, parts_path, synonyms_path
from app.search.synonyms import SynonymFileError, key_of, parse, phrase_words
from app.search.text import analyse
from app.settings import Settings

CHECKED_IN = synonyms_path(default_data_dir())


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "synonyms.yaml"
    path.write_text(text, encoding="utf-8")
    return path


AREA_NAMES = {  # treatment area code -> its name in the synonym file
    "kol": "kol", "diabetes": "diabetes", "hjertesvigt": "hjertesvigt", "hjerte-kar": "hjerte-kar-sygdom",
    "laenderygsmerter": "lænderygsmerter", "muskel-skelet": "muskel- og skeletlidelser",
    "psykiatri": "psykiatri", "kraeft": "kræft", "genoptraening": "genoptræning", "graviditet": "graviditet",
    "demens": "demens", "smerter": "kroniske smerter", "overvaegt": "overvægt", "aeldrepleje": "ældrepleje",
    "multisygdom": "multisygdom", "oejne": "øjensygdom", "saar": "sår", "triage": "triage", "medicin": "medicin",
}


def test_the_checked_in_file_is_valid_sourced_and_covers_every_treatment_area() -> None:
    known = parse(CHECKED_IN)
    header = CHECKED_IN.read_text(encoding="utf-8").split("\nsets:")[0]
    for source in ("sundhed.dk", "ICD-10", "Den Store Danske", "NHS"):
        assert source in header
    areas = (default_data_dir() / "reference" / "treatment_areas.csv").read_text(encoding="utf-8")
    codes = {line.split(",")[0] for line in areas.splitlines()[1:]}
    assert codes - {"generel"} == set(AREA_NAMES)
    for name in AREA_NAMES.values():
        assert known.expansions.get(key_of(phrase_words(name))), name


def test_sets_go_both_ways_and_expansions_one_way() -> None:
    known = parse(CHECKED_IN)
    assert ("copd",) in known.expansions[("kol",)] and ("kol",) in known.expansions[("copd",)]
    assert ("dm2",) in known.expansions[key_of(("diabetes",))]
    assert ("diabetes",) not in known.expansions[("dm2",)]
    # A narrower name brings its own synonyms: hjerte-kar-sygdom -> hypertension -> forhøjet blodtryk.
    assert ("forhøjet", "blodtryk") in known.expansions[key_of(("hjerte", "kar", "sygdom"))]


def test_query_terms_get_the_synonyms_of_words_and_phrases() -> None:
    [term] = analyse("forhøjet blodtrykket", None)
    assert term.text == "forhøjet blodtrykket" and ("hypertension",) in term.synonyms
    terms = analyse("apopleksi hos ældre", None)
    assert [t.text for t in terms] == ["apopleksi", "ældre"]
    assert ("blodprop", "hjernen") in terms[0].synonyms  # "i" is a stop word


def test_meilisearch_gets_the_same_entries_stemmed() -> None:
    setting = parse(CHECKED_IN).meili()
    assert "kronisk obstruktiv lungesygdom" in setting["kol"]
    assert "forhøj blodtryk" in setting["hypertension"] and "hypertension" in setting["forhøj blodtryk"]


@pytest.mark.parametrize(("text", "line", "says"), [
    ("sets:\n  - [kol, copd\nexpansions: {}\n", 3, "not valid YAML"),
    ("sets:\n  - [kol, copd]\n  - [astma]\n", 3, "at least two names"),
    ("sets:\n  - [kol, copd]\n  - [copd, rygerlunger]\n", 3, "already in the set on line 2"),
    ("sets:\n  - [kol, [copd]]\n", 2, "every entry must be a name"),
    ("sets:\n  - [kol, og]\n", 2, "no searchable word"),
    ("sets:\n  - [kol, copd]\nsynonyms:\n  - [a, b]\n", 3, "unknown section"),
    ("sets:\n  - [kol, copd]\nexpansions:\n  diabetes: dm2\n", 4, "list of names"),
    ("sets:\n  - kol\n", 2, "list of names"),
    ("sets:\n  - [kol, copd]\nexpansions:\n  kol: [astma]\n  KOL: [emfysem]\n", 5, "already expanded on line 4"),
    ("sets: []\n", 1, "no synonyms"),
    ("# only a comment\n", 1, "expected the sections"),
])
def test_a_broken_file_names_the_file_and_line(tmp_path: Path, text: str, line: int, says: str) -> None:
    path = _file(tmp_path, text)
    with pytest.raises(SynonymFileError) as caught:
        parse(path)
    assert str(caught.value).startswith(f"{path}, line {line}:") and says in str(caught.value)


def test_the_app_does_not_start_with_a_broken_synonym_file(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "search").mkdir()
    shutil.copy(parts_path(default_data_dir()), tmp_path / "search" / "compound_parts.txt")
    _file(tmp_path / "search", "sets:\n  - [kol, copd]\n  - [kol: x]\n")
    before = synonyms.current()
    with pytest.raises(SynonymFileError, match=r"synonyms\.yaml, line 3"):
        create_app(replace(settings, data_dir=tmp_path))
    assert synonyms.current() is before  # the vocabulary in use is not replaced by an empty one
