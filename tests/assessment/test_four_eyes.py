"""The four-eyes rule as a pure function: one table of every part a person can play in an
assessment, for a review and for an approval decision."""

from __future__ import annotations

import pytest

from app.assessment import four_eyes
from app.assessment.four_eyes import ANSWER_WRITER, CREATOR, REVIEWER, SUBMITTER, Contributors
from app.web.i18n import translations

CREATED_BY = 1
WROTE_ONE_ANSWER = 2
WROTE_AND_SUBMITTED = 3
SUBMITTED_ONLY = 4
REVIEWED = 5
OUTSIDER = 9
PEOPLE = Contributors(creator_id=CREATED_BY,
                      answer_writer_ids=frozenset({WROTE_ONE_ANSWER, WROTE_AND_SUBMITTED}),
                      submitter_ids=frozenset({WROTE_AND_SUBMITTED, SUBMITTED_ONLY}),
                      reviewer_ids=frozenset({REVIEWED}))

# (who, the part that bars them from reviewing, the part that bars them from deciding)
TABLE = [
    (CREATED_BY, CREATOR, CREATOR),
    (WROTE_ONE_ANSWER, ANSWER_WRITER, ANSWER_WRITER),
    (WROTE_AND_SUBMITTED, ANSWER_WRITER, ANSWER_WRITER),
    (SUBMITTED_ONLY, SUBMITTER, SUBMITTER),
    (REVIEWED, None, REVIEWER),  # a reviewer who returned it may review it again, never decide on it
    (OUTSIDER, None, None),
    (None, None, None),  # the system (the daily expiry job) is never barred
]


@pytest.mark.parametrize(("who", "review", "decision"), TABLE)
def test_who_is_barred_from_reviewing_and_deciding(who: int | None, review: str | None,
                                                    decision: str | None) -> None:
    assert four_eyes.barred_part(who, PEOPLE, deciding=False) == review
    assert four_eyes.barred_part(who, PEOPLE, deciding=True) == decision


def test_one_person_can_play_several_parts() -> None:
    admin = 7
    did_everything = Contributors(creator_id=admin, answer_writer_ids=frozenset({admin}),
                                  submitter_ids=frozenset({admin}), reviewer_ids=frozenset({admin}))
    assert did_everything.parts_of(admin) == (CREATOR, ANSWER_WRITER, SUBMITTER, REVIEWER)
    assert Contributors().parts_of(admin) == ()
    assert four_eyes.barred_part(admin, Contributors(), deciding=True) is None


@pytest.mark.parametrize(("part", "english", "danish"), [
    (CREATOR, "you created assessment #12", "du har oprettet vurdering #12"),
    (ANSWER_WRITER, "you wrote answers in assessment #12", "du har skrevet svar i vurdering #12"),
    (SUBMITTER, "you submitted assessment #12", "du har indsendt vurdering #12"),
    (REVIEWER, "you reviewed assessment #12", "du har kontrolleret vurdering #12"),
])
def test_the_refusal_says_what_you_did_in_english_and_danish(part: str, english: str, danish: str) -> None:
    said = four_eyes.what_you_did(part, 12)
    assert said == english and said.in_language(translations("da").gettext) == danish
    assert four_eyes.REVIEW_RULE_TEXT.in_language(translations("da").gettext).startswith("firøjnesprincippet")
