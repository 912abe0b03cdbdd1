"""The four-eyes rule, as a pure function: no database, no web.

Nobody checks their own work. Whoever created an assessment, wrote any of its answers
(saving, clearing or verifying an answer or the scope answers counts, and so does a value
since replaced) or submitted it may not review it or complete the review; and nobody who
did any of that, or reviewed it, may decide on an approval that rests on it. Assessment reviews
(rule F1, app.assessment.services) and approval decisions (rule B2,
app.approvals.lifecycle) both ask ``barred_part``; neither decides on its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.messages import Message

CREATOR = "creator"
ANSWER_WRITER = "answer_writer"
SUBMITTER = "submitter"
REVIEWER = "reviewer"
#: the parts that make an assessment: none of them may review it
MAKERS = (CREATOR, ANSWER_WRITER, SUBMITTER)
#: nobody who made or reviewed an assessment may decide on an approval resting on it
MAKERS_AND_REVIEWERS = (*MAKERS, REVIEWER)

REVIEW_RULE = "F1"
REVIEW_RULE_TEXT = Message("four-eyes rule: whoever created an assessment, wrote any of its answers "
                           "or submitted it may not review or complete it")


@dataclass(frozen=True)
class Contributors:
    """Everyone who took part in one assessment, by the part they played."""

    creator_id: int | None = None
    answer_writer_ids: frozenset[int] = frozenset()
    submitter_ids: frozenset[int] = frozenset()
    reviewer_ids: frozenset[int] = frozenset()

    def parts_of(self, user_id: int) -> tuple[str, ...]:
        """Every part `user_id` played, in the order of MAKERS_AND_REVIEWERS."""
        played = {CREATOR: user_id == self.creator_id, ANSWER_WRITER: user_id in self.answer_writer_ids,
                  SUBMITTER: user_id in self.submitter_ids, REVIEWER: user_id in self.reviewer_ids}
        return tuple(part for part in MAKERS_AND_REVIEWERS if played[part])


def barred_part(user_id: int | None, contributors: Contributors, *, deciding: bool) -> str | None:
    """The part that bars `user_id` from reviewing the assessment (``deciding=False``) or
    from deciding on an approval that rests on it (``deciding=True``); None when nothing
    does. A system actor (no user id) made nothing and is never barred."""
    if user_id is None:
        return None
    barred = MAKERS_AND_REVIEWERS if deciding else MAKERS
    return next((part for part in contributors.parts_of(user_id) if part in barred), None)


def what_you_did(part: str, assessment_id: int) -> Message:
    """The part that bars someone, said to them (for the refusal's message)."""
    if part == CREATOR:
        return Message("you created assessment #{id}", id=assessment_id)
    if part == ANSWER_WRITER:
        return Message("you wrote answers in assessment #{id}", id=assessment_id)
    if part == SUBMITTER:
        return Message("you submitted assessment #{id}", id=assessment_id)
    return Message("you reviewed assessment #{id}", id=assessment_id)
