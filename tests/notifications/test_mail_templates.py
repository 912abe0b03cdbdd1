"""Every kind's mail reads right in Danish and in English: subject, the event in words with
Danish or English dates, the link to the record, and why the mail came."""

from __future__ import annotations

import re
from typing import Any

import pytest

from app.accounts.models import User
from app.notifications.kinds import KINDS
from app.notifications.models import Notification
from app.notifications.render import TEMPLATES_DIR, render_mail
from tests.web.language_check import problems

BASE = "https://blaastempel.example"
ASSESSMENT = {"assessment_id": 41, "solution_name": "SelfBack", "path": "/assessments/41"}
CASE = {"solution_name": "SelfBack", "path": "/approvals/solutions/selfback"}

# kind -> (context, Danish subject, a Danish line, English subject, an English line)
MAILS: dict[str, tuple[dict[str, Any], str, str, str, str]] = {
    "assessment_submitted": (
        ASSESSMENT | {"submitted_by": "Bo Bedømmer"},
        "Vurdering #41 af SelfBack er klar til gennemgang",
        "Bo Bedømmer har sendt vurdering #41 af SelfBack til gennemgang.",
        "Assessment #41 of SelfBack is ready for review",
        "Bo Bedømmer has submitted assessment #41 of SelfBack for review."),
    "assessment_returned": (
        ASSESSMENT | {"reviewer_name": "Rita Reviewer", "comment": "BT1.3 mangler kilde"},
        "Vurdering #41 af SelfBack er sendt tilbage til dig",
        "Rita Reviewer har sendt din vurdering #41 af SelfBack tilbage med denne begrundelse:\n\nBT1.3 mangler kilde",
        "Assessment #41 of SelfBack is returned to you",
        "Rita Reviewer has returned your assessment #41 of SelfBack. The reason given:\n\nBT1.3 mangler kilde"),
    "assessment_completed": (
        ASSESSMENT | {"reviewer_name": "Rita Reviewer"},
        "Vurdering #41 af SelfBack er afsluttet",
        "Rita Reviewer har gennemgået og afsluttet din vurdering #41 af SelfBack.",
        "Assessment #41 of SelfBack is completed",
        "Rita Reviewer has reviewed and completed your assessment #41 of SelfBack."),
    "application_received": (
        CASE | {"vendor_name": "SelfBack ApS", "applied_on": "2026-12-03"},
        "Ny ansøgning om blåstempling: SelfBack",
        "SelfBack ApS har søgt om blåstempling af SelfBack den 3. dec. 2026.",
        "New application for blåstempling: SelfBack",
        "SelfBack ApS has applied for blåstempling of SelfBack on 3 Dec 2026."),
    "approval_expiring": (
        CASE | {"due": "2027-02-28", "days": 7, "milestone": ""},
        "Den midlertidige godkendelse af SelfBack udløber den 28. feb. 2027",
        "Afgør inden da, om den skal gøres permanent, forlænges eller ophøre.",
        "The temporary approval of SelfBack ends on 28 Feb 2027",
        "Decide before then whether it becomes permanent, is extended or ends."),
    "milestone_due": (
        CASE | {"due": "2027-03-07", "days": 30, "milestone": "Første data"},
        "Milepæl med frist den 7. mar. 2027: SelfBack",
        "Milepælen »Første data« i evidensplanen for SelfBack har frist den 7. mar. 2027.",
        "Milestone due on 7 Mar 2027: SelfBack",
        'The milestone "Første data" in the evidence plan of SelfBack is due on 7 Mar 2027.'),
    "milestone_evidence": (
        CASE | {"milestone": "Første data", "day": "2027-03-01"},
        "Evidens indsendt for SelfBack: Første data",
        "Leverandøren af SelfBack indsendte den 1. mar. 2027 evidens til milepælen »Første data«.",
        "Evidence submitted for SelfBack: Første data",
        'The vendor of SelfBack submitted evidence for the milestone "Første data" on 1 Mar 2027.'),
    "vendor_milestone_due": (
        CASE | {"due": "2027-03-07", "days": -1, "milestone": "Første data"},
        "Milepæl overskredet: SelfBack",
        "havde frist den 7. mar. 2027, og der er ikke registreret evidens.",
        "Milestone overdue: SelfBack",
        "was due on 7 Mar 2027 and no evidence has been registered."),
    "decision_recorded": (
        CASE | {"decision": "approve_temporarily", "on": "2026-12-04", "valid_until": "2027-12-03",
                "reason": "Lovende evidens"},
        "Der er truffet en afgørelse om SelfBack",
        "SelfBack blev midlertidigt godkendt den 4. dec. 2026, gyldig til og med 3. dec. 2027.",
        "A decision on SelfBack is recorded",
        "SelfBack was approved temporarily on 4 Dec 2026, valid until 3 Dec 2027."),
    "vendor_answer_queried": (
        ASSESSMENT | {"criterion": "BT1.1", "assessor_name": "Bo Bedømmer", "comment": "Hvilken målgruppe?"},
        "En vurderer har et spørgsmål til dit svar på BT1.1 (SelfBack)",
        "Bo Bedømmer har stillet spørgsmål til dit svar på BT1.1 i vurdering #41 af SelfBack og spørger:\n\n"
        "Hvilken målgruppe?",
        "An assessor has a question about your answer to BT1.1 (SelfBack)",
        "Bo Bedømmer has queried your answer to BT1.1 in assessment #41 of SelfBack and asks:\n\nHvilken målgruppe?"),
    "need_matched": (
        {"solution_name": "SelfBack", "need_title": "Genoptræning af ryggen", "approved_on": "2026-12-04",
         "path": "/solutions/selfback", "need_path": "/needs/ryg"},
        "En godkendt løsning passer til behovet »Genoptræning af ryggen«",
        "SelfBack blev godkendt den 4. dec. 2026 og passer til behovet »Genoptræning af ryggen«.",
        'An approved solution matches the need "Genoptræning af ryggen"',
        'SelfBack was approved on 4 Dec 2026 and matches the need "Genoptræning af ryggen".'),
    "saved_search_match": (
        {"search_name": "Ryg", "count": 12, "path": "/search?q=ryg",
         "solutions": [{"name": f"Løsning {i}", "path": f"/solutions/l{i}"} for i in range(10)]},
        "Nye løsninger passer til din søgning »Ryg«",
        "- Løsning 9: https://blaastempel.example/solutions/l9\n... og 2 flere.",
        'New solutions match your search "Ryg"',
        "- Løsning 9: https://blaastempel.example/solutions/l9\n... and 2 more."),
}


def _mail(kind: str, language: str) -> Any:
    note = Notification(kind=kind, context=MAILS[kind][0],
                        user=User(name="Mette", email="mette@example.org", language=language))
    return render_mail(note, BASE + "/")


def test_every_kind_has_a_mail_and_a_case_here() -> None:
    assert set(KINDS) == set(MAILS) == {p.stem for p in TEMPLATES_DIR.glob("*.txt") if not p.stem.startswith("_")}


@pytest.mark.parametrize("kind", sorted(MAILS))
@pytest.mark.parametrize("language", ["da", "en"])
def test_a_mail_reads_right(kind: str, language: str) -> None:
    context, da_subject, da_line, en_subject, en_line = MAILS[kind]
    mail = _mail(kind, language)
    assert mail.subject == (da_subject if language == "da" else en_subject)
    assert (da_line if language == "da" else en_line) in mail.body
    assert mail.body.startswith("Kære Mette" if language == "da" else "Dear Mette,")
    assert f"{BASE}{context['path']}" in mail.body
    why = mail.body.rstrip().splitlines()[-1]
    assert why.startswith("Du får denne mail, fordi" if language == "da" else "You receive this mail because")
    assert why.endswith(("/account/notifications", "/account/searches"))
    assert problems(re.sub(r"https?://\S+", " ", mail.subject + "\n" + mail.body), language) == []


@pytest.mark.parametrize(("decision", "line"), [
    ("approve", "SelfBack blev godkendt (blåstemplet) den 4. dec. 2026."),
    ("reject", "Ansøgningen om blåstempling af SelfBack fik afslag den 4. dec. 2026."),
    ("extend", "Den midlertidige godkendelse af SelfBack blev forlænget den 4. dec. 2026 og gælder nu til og med "
               "3. dec. 2027."),
    ("revoke", "Godkendelsen af SelfBack blev tilbagekaldt den 4. dec. 2026."),
])
def test_each_decision_is_said_in_words(decision: str, line: str) -> None:
    note = Notification(kind="decision_recorded", context=MAILS["decision_recorded"][0] | {"decision": decision},
                        user=User(name="Mette", email="mette@example.org", language="da"))
    assert line in render_mail(note, BASE).body


def test_a_milestone_not_yet_due_asks_for_evidence_before_its_day() -> None:
    note = Notification(kind="vendor_milestone_due", context=MAILS["vendor_milestone_due"][0] | {"days": 7},
                        user=User(name="Mette", email="mette@example.org", language="da"))
    mail = render_mail(note, BASE)
    assert mail.subject == "Milepæl med frist den 7. mar. 2027: SelfBack"
    assert "har frist den 7. mar. 2027. Indsend evidensen inden da." in mail.body
