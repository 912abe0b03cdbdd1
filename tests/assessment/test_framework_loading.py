"""Loading framework files: every shipped file loads; broken files fail cleanly."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
import yaml

from app.assessment.loader import FrameworkError, load_framework, load_frameworks
from app.assessment.schema import Framework

from .helpers import FRAMEWORK_FILES, FRAMEWORKS_DIR, crit, framework_data, opts, section


def write(tmp_path: Path, data: dict, name: str = "fw.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def minimal() -> dict:
    return framework_data([section("S1", [crit("Q1"), crit("Q2", "text")])])


# ---------------------------------------------------------------- shipped files


def test_frameworks_directory_is_not_empty():
    names = {p.name for p in FRAMEWORK_FILES}
    assert {
        "nice-esf-2022.yaml",
        "nhs-dtac-1.0.yaml",
        "mast-2010.yaml",
        "naevnet-sundhedsapps-2024.yaml",
        "blaastempel-dk-1.0.yaml",
    } <= names


@pytest.mark.parametrize("path", FRAMEWORK_FILES, ids=lambda p: p.name)
def test_every_shipped_file_loads(path: Path):
    fw = load_framework(path)
    assert isinstance(fw, Framework)
    assert fw.source_url and fw.publisher and fw.valid_from
    text = path.read_text(encoding="utf-8")
    assert text.lstrip().startswith("#"), "each file starts with a comment header citing sources"


def test_esf_structure_matches_the_2022_tables():
    fw = load_framework(FRAMEWORKS_DIR / "nice-esf-2022.yaml")
    assert fw.tiers == ("A", "B", "C")
    # 9 design factors + ESF4.1/ESF4.2 (standard 4's follow-up for data-driven technologies)
    assert [len(s.criteria) for s in fw.sections] == [11, 4, 3, 2, 3]
    assert [s.title_en for s in fw.sections] == [
        "Design factors",
        "Describing value",
        "Demonstrating performance",
        "Delivering value",
        "Deployment considerations",
    ]
    assert {t: len(fw.applicable_criteria(t)) for t in fw.tiers} == {"A": 19, "B": 22, "C": 23}
    assert fw.criterion("ESF14").applies_to == ("C",)
    for code in ("ESF7", "ESF8", "ESF9"):
        assert fw.criterion(code).applies_to == ("B", "C")


def test_esf_classification():
    fw = load_framework(FRAMEWORKS_DIR / "nice-esf-2022.yaml")
    in_scope = {f"S{i}": "yes" for i in range(1, 5)} | {"S5": "no", "S6": "no", "S7": "no"}
    assert fw.classify(in_scope | {"P1": "system", "P2": "no"}) == "A"
    assert fw.classify(in_scope | {"P1": "self_management", "P2": "no"}) == "B"
    assert fw.classify(in_scope | {"P1": "intervention", "P2": "no"}) == "C"
    assert fw.classify(in_scope | {"P1": "system", "P2": "yes"}) == "C"
    assert fw.classify(in_scope | {"S7": "yes", "P1": "system", "P2": "no"}) is None
    assert fw.classify({"S1": "yes"}) is None  # not all scope answers yet
    assert "S2" in fw.missing_scope_answers({"S1": "yes"})


def test_blaastempel_classification_sizes():
    fw = load_framework(FRAMEWORKS_DIR / "blaastempel-dk-1.0.yaml")
    assert fw.classify({"K1": "none", "K2": "no"}) == "light"
    assert fw.classify({"K1": "I", "K2": "no"}) == "light"
    assert fw.classify({"K1": "IIa", "K2": "no"}) == "full"
    assert fw.classify({"K1": "none", "K2": "yes"}) == "full"


def test_dtac_is_marked_superseded_and_has_the_v1_sections():
    fw = load_framework(FRAMEWORKS_DIR / "nhs-dtac-1.0.yaml")
    assert fw.superseded and fw.superseded_note_da and fw.superseded_note_en
    assert [s.code for s in fw.sections] == ["A", "B", "C1", "C2", "C3", "C4", "D1"]
    assert [s.mode for s in fw.sections] == ["none"] * 2 + ["pass_fail"] * 4 + ["weighted"]
    assert [s.code for s in fw.sections if s.scored] == ["D1"]


def test_mast_domains_conclude():
    fw = load_framework(FRAMEWORKS_DIR / "mast-2010.yaml")
    domains = [s for s in fw.sections if s.mode == "conclusion"]
    assert len(domains) == 7
    for s in domains:
        values = [o.value for o in s.criterion(s.conclusion).options]
        assert values == ["positive", "neutral", "negative", "insufficient_evidence"]


# ---------------------------------------------------------------- broken files


@pytest.mark.parametrize(
    ("mutate", "location", "fragment"),
    [
        (lambda d: d["sections"][0]["criteria"][0].update(answer_type="yes_maybe"),
         "sections[0].criteria[0].answer_type", "Input should be"),
        (lambda d: d["sections"][0]["criteria"][0].update(answer_type="choice"),
         "sections[0].criteria[0].options", "at least 2 options"),
        (lambda d: d["sections"][0]["criteria"].append(crit("Q1")),
         "sections[0].criteria[2].code", "duplicate criterion code 'Q1'"),
        (lambda d: d["sections"][0]["criteria"][0].update(applies_to=["Z"]),
         "sections[0].criteria[0].applies_to", "unknown tier"),
        (lambda d: d["sections"][0]["criteria"][0].update(colour="red"),
         "sections[0].criteria[0].colour", "unknown field"),
        (lambda d: d["sections"][0]["criteria"][1].update(weight=2),
         "sections[0].criteria[1].weight", "earns no credit"),
        (lambda d: d["sections"][0]["criteria"][1].update(gate=True),
         "sections[0].criteria[1].gate", "a gate must be scorable"),
        (lambda d: d["sections"][0]["criteria"][0].update(answer_type="rating", min=5, max=1),
         "sections[0].criteria[0].max", "greater than min"),
        (lambda d: d["outcomes"]["thresholds"].reverse(),
         "outcomes.thresholds[1].min_score", "highest to lowest"),
        (lambda d: d["outcomes"]["thresholds"].pop(),
         "outcomes.thresholds[0].min_score", "min_score 0"),
        (lambda d: d.update(valid_from="next tuesday"), "valid_from", "date"),
        (lambda d: d.pop("publisher"), "publisher", "missing"),
        (lambda d: d["sections"][0].update(mode="conclusion"),
         "sections[0].scored", "cannot be scored"),
        (lambda d: d["sections"][0]["criteria"][0].update(concept="GDPR DPIA"),
         "sections[0].criteria[0].concept", "dotted lower case"),
    ],
)
def test_broken_file_names_file_path_and_problem(tmp_path, mutate, location, fragment):
    data = minimal()
    mutate(data)
    path = write(tmp_path, data)
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    err = info.value
    assert err.file == str(path)
    assert err.location == location
    assert fragment in err.problem
    assert str(path) in str(err) and location in str(err)


def test_choice_option_scores_must_be_all_or_none(tmp_path):
    data = minimal()
    data["sections"][0]["criteria"][0] = crit("Q1", "choice", options=opts(("a", 1), ("b", None)))
    with pytest.raises(FrameworkError, match=r"sections\[0\]\.criteria\[0\]\.options"):
        load_framework(write(tmp_path, data))


def rule(tier, condition):
    return {"tier": tier, "conditions": [condition]}


def test_classification_must_reference_known_tiers_and_questions(tmp_path):
    data = minimal() | {
        "tiers": ["low", "high"],
        "scope_questions": [crit("K1")],
        "classification": {"rules": [rule("huge", {"question": "K1", "equals": "yes"})]},
    }
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, data))
    assert info.value.location == "classification.rules[0].tier"
    data["classification"]["rules"][0] = rule("high", {"question": "K9", "equals": "yes"})
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, data))
    assert info.value.location == "classification.rules[0].conditions[0].question"
    data["classification"]["rules"][0] = rule("high", {"question": "K1", "equals": "maybe"})
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, data))
    assert info.value.location == "classification.rules[0].conditions[0].equals"


def test_gate_needs_failing_outcome(tmp_path):
    data = minimal()
    data["sections"][0]["criteria"][0]["gate"] = True
    del data["outcomes"]["failing"]
    with pytest.raises(FrameworkError) as info:
        load_framework(write(tmp_path, data))
    assert info.value.location == "outcomes.failing"


def test_invalid_yaml_reports_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nsections: [\n  - a\n", encoding="utf-8")
    with pytest.raises(FrameworkError) as info:
        load_framework(path)
    assert info.value.location.startswith("line ")
    assert "invalid YAML" in info.value.problem


def test_duplicate_yaml_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(textwrap.dedent("""\
        id: a
        id: b
    """), encoding="utf-8")
    with pytest.raises(FrameworkError, match="duplicate key 'id'"):
        load_framework(path)


def test_unquoted_yes_stays_a_string(tmp_path):
    data = minimal()
    data["sections"][0]["criteria"][0] = crit("Q1", "choice", options=opts(("yes", 1), ("no", 0)))
    path = tmp_path / "yes.yaml"
    text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False).replace("'yes'", "yes")
    path.write_text(text.replace("'no'", "no"), encoding="utf-8")
    fw = load_framework(path)
    assert [o.value for o in fw.sections[0].criteria[0].options] == ["yes", "no"]


def test_file_that_is_not_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(FrameworkError, match="mapping"):
        load_framework(path)


# ---------------------------------------------------------------- registry


def test_registry_get_latest_list(tmp_path):
    old = minimal() | {"version": "1", "valid_from": "2020-01-01"}
    new = minimal() | {"version": "2", "valid_from": "2023-01-01"}
    other = minimal() | {"id": "other"}
    write(tmp_path, old, "a-1.yaml")
    write(tmp_path, new, "a-2.yaml")
    write(tmp_path, other, "other.yaml")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    reg = load_frameworks(tmp_path)
    assert len(reg) == 3
    assert reg.get("test", "1").valid_from.year == 2020
    assert reg.latest("test").version == "2"
    assert [(f.id, f.version) for f in reg] == [("other", "1"), ("test", "1"), ("test", "2")]
    assert reg.ids() == ["other", "test"]
    assert ("test", "2") in reg
    assert reg.file("test", "2") == tmp_path / "a-2.yaml"
    with pytest.raises(KeyError):
        reg.get("test", "9")
    with pytest.raises(KeyError):
        reg.latest("nope")


def test_latest_prefers_non_superseded(tmp_path):
    write(tmp_path, minimal() | {"version": "1", "valid_from": "2020-01-01"}, "a.yaml")
    sup = minimal() | {"version": "2", "valid_from": "2023-01-01", "superseded": True,
                       "superseded_note_da": "trukket tilbage", "superseded_note_en": "withdrawn"}
    write(tmp_path, sup, "b.yaml")
    assert load_frameworks(tmp_path).latest("test").version == "1"


def test_duplicate_id_version_names_both_files(tmp_path):
    first = write(tmp_path, minimal(), "a.yaml")
    second = write(tmp_path, minimal(), "b.yaml")
    with pytest.raises(FrameworkError) as info:
        load_frameworks(tmp_path)
    assert info.value.file == str(second)
    assert str(first) in info.value.problem


def test_one_bad_file_fails_the_whole_registry(tmp_path):
    for path in FRAMEWORK_FILES:
        shutil.copy(path, tmp_path / path.name)
    bad = minimal()
    bad["sections"][0]["criteria"][0]["answer_type"] = "choice"
    write(tmp_path, bad, "zz-bad.yaml")
    with pytest.raises(FrameworkError, match=r"zz-bad\.yaml"):
        load_frameworks(tmp_path)


def test_shipped_registry_loads():
    reg = load_frameworks(FRAMEWORKS_DIR)
    expected = {"blaastempel-dk", "mast", "naevnet-sundhedsapps", "nhs-dtac", "nice-esf"}
    assert set(reg.ids()) == expected


def test_models_are_frozen():
    fw = load_framework(FRAMEWORKS_DIR / "mast-2010.yaml")
    with pytest.raises(Exception):  # noqa: B017 - pydantic raises ValidationError
        fw.id = "x"  # type: ignore[misc]
