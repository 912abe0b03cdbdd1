"""The kinds of notification a user can receive, each switchable on the user's
"Notifikationer" page. A kind's mail is the template ``templates/mail/<code>.txt``."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    label: str  # msgid shown on the settings page


KINDS: dict[str, Kind] = {kind.code: kind for kind in (
    Kind("assessment_submitted", "An assessment is submitted for my review"),
    Kind("assessment_returned", "My assessment is returned to me"),
    Kind("assessment_completed", "My assessment is completed"),
    Kind("application_received", "An application for blåstempling arrives"),
    Kind("approval_expiring", "A temporary approval is about to end"),
    Kind("milestone_due", "An evidence milestone is due"),
    Kind("milestone_evidence", "A vendor submits evidence for a milestone"),
    Kind("vendor_milestone_due", "My solution's evidence milestone is due or overdue"),
    Kind("decision_recorded", "A decision on my solution is recorded"),
    Kind("vendor_answer_queried", "An answer of mine is queried by an assessor"),
    Kind("need_matched", "A solution matching my need is approved"),
    Kind("saved_search_match", "New solutions match my saved search"),
)}
