"""validate_answer: accepted forms are normalised, everything else is refused."""

from __future__ import annotations

from datetime import date

import pytest

from app.assessment.answers import AnswerError, validate_answer
from app.assessment.schema import Criterion
from app.web.i18n import translations

from .helpers import crit, opts


def C(answer_type: str = "yes_no", **extra) -> Criterion:
    return Criterion.model_validate(crit("X1", answer_type, **extra))


CHOICE = C("choice", options=opts(("a", 1), ("b", 0), ("n", "na")))
MULTI = C("multi_choice", options=opts(("a", 0.5), ("b", 0.5), ("c", 0)))
RATING = C("rating", min=1, max=5)
NUMBER = C("number", min=0, max=100)


@pytest.mark.parametrize(
    ("criterion", "value", "expected"),
    [
        (C(), "yes", "yes"),
        (C(), True, "yes"),
        (C(), "Nej", "no"),
        (C("yes_no_na"), "n/a", "na"),
        (CHOICE, " a ", "a"),
        (MULTI, ["b", "a"], ["a", "b"]),
        (MULTI, [], []),
        (RATING, 3, 3),
        (RATING, "4", 4),
        (RATING, 5.0, 5),
        (NUMBER, "12,5", 12.5),
        (NUMBER, 0, 0),
        (C("date"), "2024-02-29", "2024-02-29"),
        (C("date"), date(2023, 1, 2), "2023-01-02"),
        (C("text"), "  hej  ", "hej"),
        (C("evidence_link"), "https://example.org/a?b=1", "https://example.org/a?b=1"),
    ],
)
def test_accepted_and_normalised(criterion, value, expected):
    assert validate_answer(criterion, value, None) == expected


@pytest.mark.parametrize(
    ("criterion", "value", "fragment"),
    [
        (C(), "maybe", "yes or no"),
        (C(), 1, "yes or no"),
        (C(), "na", "yes or no"),  # na only for yes_no_na
        (C("yes_no_na"), "perhaps", "yes, no or na"),
        (CHOICE, "z", "not one of the options"),
        (CHOICE, 1, "not one of the options"),
        (MULTI, "a", "list"),
        (MULTI, ["a", "z"], "not one of the options"),
        (MULTI, ["a", "a"], "twice"),
        (RATING, 0, "0 is not between 1 and 5"),
        (RATING, 6, "6 is not between 1 and 5"),
        (RATING, 2.5, "whole number"),
        (RATING, True, "number"),
        (NUMBER, -1, "-1 is not between 0 and 100"),
        (NUMBER, 101, "not between"),
        (C("number", min=0), -3, "-3 is less than 0, the smallest allowed"),
        (C("number", max=10), 10.5, "10.5 is more than 10, the largest allowed"),
        (NUMBER, "ten", "not a number"),
        (NUMBER, float("nan"), "finite"),
        (C("date"), "2023-02-30", "not a date"),
        (C("date"), "31/01/2024", "not a date"),
        (C("date"), 20240101, "not a date"),
        (C("text"), 42, "text"),
        (C("text"), "x" * 20_001, "longer"),
        (C("evidence_link"), "ftp://example.org/file", "http(s)"),
        (C("evidence_link"), "javascript:alert(1)", "http(s)"),
        (C("evidence_link"), "https://", "http(s)"),
        (C("evidence_link"), "example.org", "http(s)"),
        (C(), None, "no answer"),
        (C("text"), "   ", "no answer"),
    ],
)
def test_refused(criterion, value, fragment):
    with pytest.raises(AnswerError) as info:
        validate_answer(criterion, value, None)
    assert info.value.criterion_code == "X1"
    assert fragment in info.value.message
    danish = translations("da").gettext
    assert danish(info.value.message.msgid) != info.value.message.msgid  # the catalogue has it in Danish


def test_not_applicable_tier_is_refused():
    c = C(applies_to=["C"])
    assert validate_answer(c, "yes", "C") == "yes"
    with pytest.raises(AnswerError) as info:
        validate_answer(c, "yes", "A")
    assert "does not apply to tier 'A'" in info.value.message
    assert info.value.message.in_language(translations("da").gettext) == "gælder ikke for niveau 'A' (gælder for C)"
    with pytest.raises(AnswerError):
        validate_answer(c, "yes", None)


def test_answer_error_is_a_value_error_with_code_in_str():
    with pytest.raises(ValueError, match="X1: "):
        validate_answer(C(), "maybe", None)
