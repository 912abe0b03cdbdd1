"""Demo decisions (data/demo/decisions.yaml), loaded by `seed --demo`.

Dates in the file are days relative to the seeding day. Every event goes through the
same service (and so the same lifecycle rules) as a real decision. A solution that
already has an approval case is skipped, so seeding twice changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.approvals import lifecycle as lc
from app.approvals import services as svc
from app.approvals.schemas import EventIn
from app.assessment import services as assessment_svc
from app.assessment.answers import AnswerError, validate_answer
from app.assessment.loader import load_frameworks
from app.assessment.models import Answer, AnswerWriter, Assessment, AssessmentTransition
from app.assessment.schema import Framework
from app.catalogue.models import Solution
from app.core import clock
from app.core.principal import Principal
from app.settings import PROJECT_ROOT

DEMO_NOTE = "Demo-vurdering: fiktive svar, lavet som grundlag for godkendelserne i demodata"


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise ValueError(f"decisions.yaml: no user {email} (seed the demo users first)")
    return user


def _principal(user: User) -> Principal:
    return Principal(id=user.id, email=user.email, name=user.name, role=user.role,
                     organisation_id=user.organisation_id, vendor_id=user.vendor_id)


def _answers(fw: Framework, tier: str | None, given: dict[str, Any], slug: str) -> dict[str, tuple[Any, str | None]]:
    """The demo answers that apply (normalised), with their comments; an answer to a
    question that does not apply is left out."""
    out: dict[str, tuple[Any, str | None]] = {}
    for code, spec in given.items():
        value, comment = (spec.get("value"), spec.get("comment")) if isinstance(spec, dict) else (spec, None)
        criterion = fw.criterion(code)
        if criterion.applies(tier):
            try:
                out[code] = (validate_answer(criterion, value, tier), comment)
            except AnswerError as exc:
                raise ValueError(f"decisions.yaml: {slug} {code}: {exc}") from None
    inactive = fw.inactive_criteria(tier, {code: v for code, (v, _) in out.items()})
    return {code: answer for code, answer in out.items() if code not in inactive}


def demo_assessment(session: Session, solution: Solution, author: User, reviewer: User, fw: Framework,
                    spec: dict[str, Any], completed_on: date) -> Assessment:
    """A completed assessment with an answer to every question that applies, written by the
    author and reviewed by someone else, clearly marked as demo data in its history."""
    at = datetime.combine(completed_on, time(12, 0), tzinfo=UTC)
    scope = {q.code: validate_answer(q, v, None) for q in fw.scope_questions
             if (v := spec.get("scope", {}).get(q.code)) is not None}
    tier = fw.classify(scope) if fw.classification is not None else None
    assessment = Assessment(solution_id=solution.id, framework_id=fw.id, framework_version=fw.version,
                            scope_answers=scope, tier=tier, status="completed", number=1, author_id=author.id,
                            reviewer_id=reviewer.id, completed_at=at)
    for code, (value, comment) in _answers(fw, tier, spec["answers"], solution.slug).items():
        assessment.answers.append(Answer(criterion_code=code, value=value, comment=comment, source="assessor",
                                         answered_by_id=author.id))
    for from_status, to_status, actor in ((None, "draft", author), ("draft", "submitted", author),
                                          ("submitted", "in_review", reviewer),
                                          ("in_review", "completed", reviewer)):
        assessment.transitions.append(AssessmentTransition(from_status=from_status, to_status=to_status,
                                                           actor_id=actor.id, comment=DEMO_NOTE, created_at=at))
    session.add(assessment)
    session.flush()
    session.add(AnswerWriter(assessment_id=assessment.id, user_id=author.id))
    score = assessment_svc.recompute(session, fw, assessment)
    if score is None or not score.complete:
        raise ValueError(f"decisions.yaml: the demo assessment of {solution.slug} is not complete "
                         f"(missing {', '.join(score.missing) if score else 'its scope'})")
    return assessment


def _spec(data_dir: Path) -> dict[str, Any]:
    return yaml.safe_load((data_dir / "demo" / "decisions.yaml").read_text(encoding="utf-8"))


def _framework(spec: dict[str, Any]) -> Framework:
    framework = spec["framework"]
    return load_frameworks(PROJECT_ROOT / "frameworks").get(framework["id"], str(framework["version"]))


def sample_assessment(session: Session, solution: Solution, author: User, reviewer: User, completed_on: date,
                      data_dir: Path = PROJECT_ROOT / "data") -> Assessment:
    """A completed demo assessment with the file's default answers (full tier)."""
    spec = _spec(data_dir)
    return demo_assessment(session, solution, author, reviewer, _framework(spec),
                           {"scope": {"K1": "IIa", "K2": "yes"}, "answers": spec["answers"]}, completed_on)


def _event_in(row: dict[str, Any], day0: date, case: Any, assessment_ids: list[int]) -> EventIn:
    def day(key: str) -> date | None:
        return day0 + timedelta(days=int(row[key])) if row.get(key) is not None else None

    data: dict[str, Any] = {"event": row["event"], "on": day("day"), "reason": row.get("reason"),
                            "conditions": row.get("conditions"), "indications": row.get("indications"),
                            "treatment_areas": row.get("treatment_areas", []),
                            "evidence_due": day("evidence_due"), "evidence_url": row.get("evidence_url"),
                            "basis": row.get("basis"), "basis_reference": row.get("basis_reference"),
                            "milestones": [{"title": m["title"], "due": day0 + timedelta(days=int(m["due"]))}
                                           for m in row.get("milestones", [])]}
    if row["event"] in lc.DECISIONS:
        data["assessment_ids"] = assessment_ids
    if row.get("milestone"):
        data["milestone_id"] = case.milestones[int(row["milestone"]) - 1].id
    if row.get("extend_months"):
        data["valid_until"] = lc.add_months(case.valid_until, int(row["extend_months"]))
    return EventIn(**data)


def seed_decisions(session: Session, data_dir: Path, today: date | None = None) -> int:
    """Load the demo decisions; answers how many solutions got a case."""
    path = data_dir / "demo" / "decisions.yaml"
    if not path.exists():
        return 0
    spec = _spec(data_dir)
    day0 = today or clock.today()
    approver = _principal(_user(session, spec["approver"]))
    author, reviewer = _user(session, spec["author"]), _user(session, spec["reviewer"])
    fw = _framework(spec)
    created = 0
    for entry in spec["solutions"]:
        solution = session.scalar(select(Solution).where(Solution.slug == entry["solution"]))
        if solution is None or svc.case_for(session, solution) is not None:
            continue
        first_decision = min(int(e["day"]) for e in entry["events"] if e["event"] in lc.DECISIONS) \
            if any(e["event"] in lc.DECISIONS for e in entry["events"]) else 0
        answers = spec.get("answers", {}) | entry.get("assessment", {}).get("answers", {})
        assessment = demo_assessment(session, solution, author, reviewer, fw,
                                     {"scope": entry.get("assessment", {}).get("scope", {}), "answers": answers},
                                     day0 + timedelta(days=first_decision - int(entry.get("assessed", 10))))
        for row in entry["events"]:
            case = svc.case_for(session, solution)
            if row["event"] == lc.EXPIRE:
                assert case is not None and case.valid_until is not None
                svc.record_event(session, Principal(id=None, email="", name="system", role="system"),
                                 solution.id, EventIn(event="expire", on=case.valid_until + timedelta(days=1),
                                                      reason="the temporary approval reached its end date"),
                                 on_day=day0, actor_label=svc.SYSTEM_LABEL)
                continue
            svc.record_event(session, approver, solution.id, _event_in(row, day0, case, [assessment.id]),
                             on_day=day0)
        created += 1
    session.flush()
    return created
