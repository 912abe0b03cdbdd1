"""Assessment business rules: starting, scoping, answering, vendor answers, prefill,
and the four-eyes workflow draft -> submitted -> in_review -> completed | returned.

Services take a Session, a Principal and the FrameworkRegistry; they flush but never
commit. Every assessment is scored against the framework version it was started with
(pinned); the cached score/outcome/result columns are recomputed on every save.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.assessment import four_eyes, notify
from app.assessment.answers import AnswerError, is_http_link, validate_answer
from app.assessment.concepts import answered_concepts, prefill_from_concepts
from app.assessment.display import outcome_text
from app.assessment.loader import FrameworkRegistry
from app.assessment.models import Answer, AnswerWriter, Assessment, AssessmentTransition
from app.assessment.schema import Criterion, Framework
from app.assessment.schemas import AnswerIn, AssessmentIn, ScopeIn, TransitionIn, VerifyIn
from app.assessment.scoring import AssessmentScore, score_assessment
from app.catalogue import services as catalogue
from app.catalogue.models import Solution
from app.core.clock import danish_day
from app.core.principal import Principal, require
from app.core.records import flush
from app.core.roles import Role
from app.db.base import table_of
from app.errors import Conflict, Forbidden, NotFound, Unauthenticated, ValidationFailed
from app.messages import RULE_MSGID, Message, Term
from app.web.i18n import translations

DRAFT, SUBMITTED, IN_REVIEW, COMPLETED, RETURNED = "draft", "submitted", "in_review", "completed", "returned"
STATUSES = (DRAFT, SUBMITTED, IN_REVIEW, COMPLETED, RETURNED)
EDITABLE = (DRAFT, RETURNED)


class AnswerRejected(ValidationFailed):
    """Invalid answers: {code: reason}."""


class FourEyesRefused(ValidationFailed, Forbidden):
    """The four-eyes rule (four_eyes.REVIEW_RULE) refuses a review: 403, with the rule
    code in ``errors`` as the approval rules give theirs."""

    status_code = 403

    def __init__(self, part: str, assessment_id: int) -> None:
        message = Message(RULE_MSGID, rule=four_eyes.REVIEW_RULE, detail=Message(
            "{rule} ({what})", rule=four_eyes.REVIEW_RULE_TEXT, what=four_eyes.what_you_did(part, assessment_id)))
        super().__init__({"four_eyes": message, "rule": four_eyes.REVIEW_RULE})
        self.args = (message,)


# ---- look-ups ------------------------------------------------------------------------


def framework_label(fw: Framework) -> str:
    """A short name for provenance texts, e.g. "NHS Digital ... (DTAC) 1.0"."""
    short = fw.title_da.split(" - ")[0].strip()
    return short if fw.version in short else f"{short} {fw.version}"


def framework_of(frameworks: FrameworkRegistry, assessment: Assessment) -> Framework:
    """The PINNED framework version of an assessment."""
    try:
        return frameworks.get(assessment.framework_id, assessment.framework_version)
    except KeyError:
        raise NotFound(Message("framework {framework} version {version} (used by assessment #{id}) "
                               "is not loaded", framework=assessment.framework_id,
                               version=assessment.framework_version, id=assessment.id)) from None


def startable_frameworks(frameworks: FrameworkRegistry) -> list[Framework]:
    """Every loaded version may be started: current versions first, superseded ones after
    them (a vendor may hold a completed old form; starting one shows its superseded note)."""
    return sorted(frameworks, key=lambda fw: fw.superseded)


def get_framework(frameworks: FrameworkRegistry, framework_id: str, version: str) -> Framework:
    try:
        return frameworks.get(framework_id, version)
    except KeyError:
        raise NotFound(Message("framework {framework} version {version} does not exist",
                               framework=framework_id, version=version)) from None


def _can_read(principal: Principal, assessment: Assessment) -> bool:
    if principal.can("assessment.read"):
        return True
    return principal.role == Role.VENDOR and principal.is_authenticated and (
        principal.vendor_id == assessment.solution.vendor_id)


def get_assessment(session: Session, principal: Principal, assessment_id: int) -> Assessment:
    if not principal.is_authenticated:
        raise Unauthenticated("log in (or send a bearer token) to see assessments")
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not _can_read(principal, assessment):
        raise NotFound(Message("assessment {id} does not exist", id=assessment_id))
    return assessment


def list_for_solution(session: Session, principal: Principal,
                      key: int | str) -> tuple[Solution, list[Assessment]]:
    if not principal.is_authenticated:
        raise Unauthenticated("log in (or send a bearer token) to see assessments")
    solution = catalogue.get_solution(session, principal, key)
    if not principal.can("assessment.read") and not (
            principal.role == Role.VENDOR and principal.vendor_id == solution.vendor_id):
        raise Forbidden(Message("your role ({role}) may not see this solution's assessments",
                                role=Message(principal.role)))
    items = list(session.scalars(select(Assessment).where(Assessment.solution_id == solution.id)
                                 .order_by(Assessment.id.desc())))
    return solution, items


def correction_of(session: Session, assessment: Assessment) -> int | None:
    """Id of the correction version made from this assessment, if any."""
    return session.scalar(select(Assessment.id).where(Assessment.parent_id == assessment.id))


# ---- scoring -------------------------------------------------------------------------


def answer_values(assessment: Assessment) -> dict[str, Any]:
    return {a.criterion_code: a.value for a in assessment.answers}


def compute_score(fw: Framework, assessment: Assessment) -> AssessmentScore | None:
    """The live score, or None while the tier is unknown (scope not answered / out of scope)."""
    if fw.tiers and assessment.tier not in fw.tiers:
        return None
    return score_assessment(fw, assessment.tier, answer_values(assessment))


def score_summary(score: AssessmentScore | None) -> dict[str, Any] | None:
    if score is None:
        return None
    outcome = score.outcome
    return {
        "score": round(score.score, 2) if score.score is not None else None,
        "outcome": {"code": outcome.code, "label_da": outcome.label_da, "label_en": outcome.label_en}
        if outcome else None,
        "complete": score.complete,
        "missing": list(score.missing),
        "failed_gates": list(score.failed_gates),
        "pending_gates": list(score.pending_gates),
        "sections": [
            {"code": s.code, "mode": s.mode, "scored": s.scored,
             "score": round(s.score, 2) if s.score is not None else None, "status": s.status,
             "conclusion": s.conclusion, "answered": s.answered, "applicable": len(s.applicable),
             "not_applicable": list(s.not_applicable),
             "missing": list(s.missing), "failed_gates": list(s.failed_gates),
             "pending_gates": list(s.pending_gates)}
            for s in score.sections
        ],
    }


def recompute(session: Session, fw: Framework, assessment: Assessment) -> AssessmentScore | None:
    """Recompute and cache score/outcome/result. Written with a plain UPDATE: the cache is
    derived data, so it neither bumps the assessment's version nor fills the audit log."""
    score = compute_score(fw, assessment)
    summary = score_summary(score)
    values = {
        "score": summary["score"] if summary else None,
        "outcome": summary["outcome"]["code"] if summary and summary["outcome"] else None,
        "result": summary,
    }
    if any(getattr(assessment, k) != v for k, v in values.items()):
        table = table_of(Assessment)
        session.execute(table.update().where(table.c.id == assessment.id).values(**values))
        for key, value in values.items():
            set_committed_value(assessment, key, value)
    return score


# ---- helpers -------------------------------------------------------------------------


def flush_answers(session: Session) -> None:
    flush(session, "this answer was changed by someone else at the same time; reload it and make your change again")


def _note_writer(session: Session, assessment_id: int, user_id: int | None) -> None:
    """Remember that `user_id` wrote an answer of the assessment (once; concurrent saves
    by the same person neither fail nor duplicate). No autoflush here: the caller's
    `flush_answers` is the one that turns a stale answer into a 409."""
    if user_id is None:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    with session.no_autoflush:
        session.execute(dialect.insert(AnswerWriter.__table__)
                        .values(assessment_id=assessment_id, user_id=user_id).on_conflict_do_nothing())


def require_editable(assessment: Assessment) -> None:
    if assessment.status == COMPLETED:
        raise Conflict(Message("assessment #{id} is completed and read-only; start a correction "
                               "version to change it", id=assessment.id))
    if assessment.status not in EDITABLE:
        raise Conflict(Message("assessment #{id} is {status}; answers can only change while it is "
                               "a draft or has been returned", id=assessment.id,
                               status=Term("assessment", assessment.status)))


def _check_version(assessment: Assessment, version: int | None) -> None:
    if version is not None and version != assessment.version:
        raise Conflict(Message("assessment #{id} was changed by someone else (you read version "
                               "{version}, it is now version {current}); reload it",
                               id=assessment.id, version=version, current=assessment.version))


def _transition(assessment: Assessment, principal: Principal, to: str, comment: str | None = None) -> None:
    assessment.transitions.append(AssessmentTransition(
        from_status=assessment.status if assessment.id else None, to_status=to,
        actor_id=principal.id, comment=comment))
    assessment.status = to


def _criterion(fw: Framework, code: str) -> Criterion:
    for _, crit in fw.all_criteria():
        if crit.code == code:
            return crit
    if any(q.code == code for q in fw.scope_questions):
        raise ValidationFailed({code: "is a scope question; answer it with the scope answers"})
    raise NotFound(Message("criterion {code} does not exist in {framework} {version}",
                           code=code, framework=fw.id, version=fw.version))


def _evidence_url(value: str | None, code: str) -> str | None:
    text = (value or "").strip()
    if not text:
        return None
    if not is_http_link(text):
        raise AnswerRejected({f"{code}.evidence_url": Message("{value} is not an http(s) link",
                                                              value=repr(text))})
    return text


def need_tier(fw: Framework, assessment: Assessment) -> None:
    if fw.tiers and assessment.tier not in fw.tiers:
        missing = fw.missing_scope_answers(assessment.scope_answers or {})
        if missing:
            raise ValidationFailed({"scope": Message("answer the scope questions first ({codes}): the "
                                                     "tier decides which criteria apply",
                                                     codes=", ".join(missing))})
        raise ValidationFailed({"scope": "the scope answers put the solution outside this framework "
                                "(no tier), so its criteria cannot be answered"})


# ---- starting and scoping --------------------------------------------------------------


def start_assessment(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                     data: AssessmentIn) -> Assessment:
    require(principal, "assessment.write")
    try:
        fw = frameworks.get(data.framework_id, data.framework_version)
    except KeyError:
        versions = [f.version for f in frameworks if f.id == data.framework_id]
        hint = (Message("versions: {versions}", versions=", ".join(versions)) if versions
                else Message("frameworks: {frameworks}", frameworks=", ".join(frameworks.ids())))
        raise ValidationFailed({"framework_version": Message(
            "no framework {framework} version {version} ({hint})", framework=data.framework_id,
            version=data.framework_version, hint=hint)}) from None
    try:
        solution = catalogue.get_solution(session, principal, data.solution_id)
    except NotFound:
        raise ValidationFailed({"solution_id": Message("no solution {key}", key=data.solution_id)}) from None
    tier = fw.classify({}) if fw.classification else (fw.tiers[0] if fw.tiers else None)
    assessment = Assessment(solution_id=solution.id, framework_id=fw.id, framework_version=fw.version,
                            tier=tier, scope_answers={}, status=DRAFT, number=1,
                            author_id=principal.id)
    assessment.transitions.append(AssessmentTransition(from_status=None, to_status=DRAFT, actor_id=principal.id))
    session.add(assessment)
    flush_answers(session)
    recompute(session, fw, assessment)
    return assessment


def set_scope(session: Session, principal: Principal, frameworks: FrameworkRegistry,
              assessment_id: int, data: ScopeIn) -> Assessment:
    """Answer scope questions (null clears one) and re-classify the tier."""
    require(principal, "assessment.write")
    assessment = get_assessment(session, principal, assessment_id)
    require_editable(assessment)
    _check_version(assessment, data.version)
    fw = framework_of(frameworks, assessment)
    questions = {q.code: q for q in fw.scope_questions}
    if not questions:
        raise ValidationFailed({"answers": Message("{framework} {version} has no scope questions",
                                                   framework=fw.id, version=fw.version)})
    answers = dict(assessment.scope_answers or {})
    errors: dict[str, str] = {}
    for code, value in data.answers.items():
        question = questions.get(code)
        if question is None:
            errors[code] = Message("{code} is not a scope question of {framework} {version}",
                                   code=code, framework=fw.id, version=fw.version)
        elif value is None or value == "" or value == []:
            answers.pop(code, None)
        else:
            try:
                answers[code] = validate_answer(question, value, None)
            except AnswerError as exc:
                errors[code] = exc.message
    if errors:
        raise AnswerRejected(errors)
    if answers != assessment.scope_answers:
        assessment.scope_answers = answers
    _note_writer(session, assessment.id, principal.id)
    if fw.classification is not None:
        assessment.tier = fw.classify(answers)
    flush_answers(session)
    recompute(session, fw, assessment)
    return assessment


# ---- answers ---------------------------------------------------------------------------


def answer_access(session: Session, principal: Principal, assessment_id: int) -> Assessment:
    if principal.role == Role.VENDOR:
        require(principal, "assessment.vendor_answer")
        assessment = get_assessment(session, principal, assessment_id)
        if assessment.solution.vendor_id != principal.vendor_id:
            raise Forbidden("a vendor may only answer assessments of its own solutions")
        return assessment
    require(principal, "assessment.write")
    return get_assessment(session, principal, assessment_id)


def write_answer(session: Session, principal: Principal, fw: Framework, assessment: Assessment,
                  crit: Criterion, value: Any, *, comment: str | None, evidence_url: str | None,
                  version: int | None, source: str, provenance: str | None = None) -> Answer:
    existing = assessment.answer(crit.code)
    if existing is not None:
        if version is None:
            raise Conflict(Message("{code} is already answered (version {version}); send the version "
                                   "you read to change it", code=crit.code, version=existing.version))
        if version != existing.version:
            raise Conflict(Message("{code} was changed by someone else (you read version {version}, "
                                   "it is now version {current}); reload it and answer again",
                                   code=crit.code, version=version, current=existing.version))
        if source == "vendor" and existing.source != "vendor":
            raise Forbidden(Message("{code} has been answered by an assessor; a vendor cannot change it",
                                    code=crit.code))
        answer = existing
    else:
        if version is not None:
            raise Conflict(Message("{code} was cleared by someone else since you read it; reload it",
                                   code=crit.code))
        answer = Answer(criterion_code=crit.code)
        assessment.answers.append(answer)
    keep_origin = (source == "assessor" and existing is not None and existing.value == value
                   and existing.source in ("vendor", "prefill"))
    answer.value = value
    answer.comment = (comment or "").strip() or None
    answer.evidence_url = evidence_url
    answer.answered_by_id = principal.id
    if not keep_origin:
        answer.source = source
        answer.provenance = provenance
        answer.verification = "pending" if source == "vendor" else None
        answer.verification_comment = None
    _note_writer(session, assessment.id, principal.id)
    return answer


def save_answer(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                assessment_id: int, code: str, data: AnswerIn) -> tuple[Answer, AssessmentScore | None]:
    """Validate and save one answer; returns it with the recomputed score."""
    assessment = answer_access(session, principal, assessment_id)
    require_editable(assessment)
    fw = framework_of(frameworks, assessment)
    crit = _criterion(fw, code)
    vendor = principal.role == Role.VENDOR
    if vendor and crit.audience != "vendor":
        raise Forbidden(Message("{code} is for the assessor; a vendor may only answer criteria whose "
                                "audience is vendor", code=code))
    need_tier(fw, assessment)
    errors: dict[str, str] = {}
    try:
        value = validate_answer(crit, data.value, assessment.tier)
    except AnswerError as exc:
        errors[code] = exc.message
    try:
        evidence = _evidence_url(data.evidence_url, code)
    except AnswerRejected as exc:
        errors.update(exc.errors)
    if errors:  # every field that is refused, not only the first
        raise AnswerRejected(errors)
    provenance = f"Udfyldt af leverandøren ({principal.name})" if vendor else None
    answer = write_answer(session, principal, fw, assessment, crit, value, comment=data.comment,
                           evidence_url=evidence, version=data.version,
                           source="vendor" if vendor else "assessor", provenance=provenance)
    flush_answers(session)
    return answer, recompute(session, fw, assessment)


def clear_answer(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                 assessment_id: int, code: str, version: int | None = None) -> AssessmentScore | None:
    assessment = answer_access(session, principal, assessment_id)
    require_editable(assessment)
    fw = framework_of(frameworks, assessment)
    _criterion(fw, code)
    answer = assessment.answer(code)
    if answer is None:
        raise NotFound(Message("{code} has no answer in assessment #{id}", code=code, id=assessment.id))
    if version is not None and version != answer.version:
        raise Conflict(Message("{code} was changed by someone else (you read version {version}, it is "
                               "now version {current}); reload it", code=code, version=version,
                               current=answer.version))
    if principal.role == Role.VENDOR and answer.source != "vendor":
        raise Forbidden(Message("{code} has been answered by an assessor; a vendor cannot clear it",
                                code=code))
    assessment.answers.remove(answer)
    session.delete(answer)  # explicitly, so the audit hook sees it (an orphan is found only in the flush)
    _note_writer(session, assessment.id, principal.id)
    flush_answers(session)
    return recompute(session, fw, assessment)


def verify_answer(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                  assessment_id: int, code: str, data: VerifyIn) -> Answer:
    """An assessor accepts or queries a vendor answer."""
    require(principal, "assessment.write")
    assessment = get_assessment(session, principal, assessment_id)
    require_editable(assessment)
    fw = framework_of(frameworks, assessment)
    _criterion(fw, code)
    answer = assessment.answer(code)
    if answer is None or answer.source != "vendor":
        raise ValidationFailed({code: Message("only answers given by the vendor are accepted or queried")})
    comment = (data.comment or "").strip() or None
    if data.decision == "queried" and not comment:
        raise ValidationFailed({"comment": "say what the vendor should clarify when querying an answer"})
    answer.verification = data.decision
    answer.verification_comment = comment
    _note_writer(session, assessment.id, principal.id)
    flush_answers(session)
    recompute(session, fw, assessment)
    if data.decision == "queried":
        notify.answer_queried(session, principal, assessment, answer)
    return answer


# ---- prefill through shared concepts ---------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    code: str
    value: Any
    source_assessment_id: int
    source_framework: str
    source_code: str

    @property
    def provenance(self) -> str:
        return (f"Forudfyldt fra vurdering #{self.source_assessment_id} "
                f"({self.source_framework}, {self.source_code})")


def prefill_suggestions(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                        assessment_id: int) -> dict[str, Suggestion]:
    """Suggested answers for unanswered criteria, from the solution's other assessments
    (completed ones first, newest first), carried over through shared concept ids."""
    assessment = get_assessment(session, principal, assessment_id)
    fw = framework_of(frameworks, assessment)
    if fw.tiers and assessment.tier not in fw.tiers:
        return {}
    answered = {a.criterion_code for a in assessment.answers}
    others = session.scalars(
        select(Assessment)
        .where(Assessment.solution_id == assessment.solution_id, Assessment.id != assessment.id)
        .order_by(case((Assessment.status == COMPLETED, 0), else_=1), Assessment.id.desc()))
    out: dict[str, Suggestion] = {}
    for other in others:
        try:
            source_fw = framework_of(frameworks, other)
        except NotFound:
            continue
        source_answers = {a.criterion_code: a.value for a in other.answers
                          if a.source != "vendor" or a.verification == "accepted"}
        sources = answered_concepts(source_fw, source_answers, other.tier)
        for code, value in prefill_from_concepts(fw, assessment.tier, source_fw, source_answers,
                                                 other.tier).items():
            if code in answered or code in out:
                continue
            concept = fw.criterion(code).concept
            out[code] = Suggestion(code, value, other.id, framework_label(source_fw),
                                   sources[concept].code if concept else "?")
    return out


def confirm_prefill(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                    assessment_id: int, code: str) -> tuple[Answer, AssessmentScore | None]:
    """The assessor confirms a suggested answer; it is saved with its provenance."""
    require(principal, "assessment.write")
    assessment = get_assessment(session, principal, assessment_id)
    require_editable(assessment)
    fw = framework_of(frameworks, assessment)
    crit = _criterion(fw, code)
    suggestion = prefill_suggestions(session, principal, frameworks, assessment_id).get(code)
    if suggestion is None:
        raise NotFound(Message("there is no suggested answer for {code} (it may be answered already)",
                               code=code))
    answer = write_answer(session, principal, fw, assessment, crit, suggestion.value, comment=None,
                           evidence_url=None, version=None, source="prefill",
                           provenance=suggestion.provenance)
    flush_answers(session)
    return answer, recompute(session, fw, assessment)


# ---- workflow --------------------------------------------------------------------------


def completeness_problems(fw: Framework, assessment: Assessment) -> dict[str, str]:
    """What stops an assessment from being submitted or completed ({} when nothing)."""
    problems: dict[str, str] = {}
    missing_scope = fw.missing_scope_answers(assessment.scope_answers or {})
    if missing_scope:
        problems["scope"] = Message("unanswered scope questions: {codes}", codes=", ".join(missing_scope))
    elif fw.tiers and assessment.tier not in fw.tiers:
        problems["scope"] = ("the scope answers put the solution outside this framework (no tier); "
                             "it cannot be assessed against it")
    score = compute_score(fw, assessment)
    if score is not None and score.missing:
        problems["missing"] = Message("unanswered required criteria: {codes}", codes=", ".join(score.missing))
    inactive = fw.inactive_criteria(assessment.tier, answer_values(assessment))
    applicable = {c.code for c in fw.applicable_criteria(assessment.tier)} - inactive
    unverified = [a.criterion_code for a in assessment.answers
                  if a.source == "vendor" and a.verification != "accepted" and a.criterion_code in applicable]
    if unverified:
        problems["unverified"] = Message("vendor answers not yet accepted by an assessor: {codes}",
                                         codes=", ".join(unverified))
    return problems


def submit(session: Session, principal: Principal, frameworks: FrameworkRegistry,
           assessment_id: int, data: TransitionIn | None = None) -> Assessment:
    require(principal, "assessment.write")
    assessment = get_assessment(session, principal, assessment_id)
    if assessment.status not in EDITABLE:
        raise Conflict(Message("only a draft or returned assessment can be submitted; #{id} is {status}",
                               id=assessment.id, status=Term("assessment", assessment.status)))
    fw = framework_of(frameworks, assessment)
    problems = completeness_problems(fw, assessment)
    if problems:
        raise ValidationFailed(problems)
    _transition(assessment, principal, SUBMITTED, data.comment if data else None)
    flush_answers(session)
    recompute(session, fw, assessment)
    notify.submitted(session, principal, assessment, contributors(session, assessment))
    return assessment


def answer_writer_ids(session: Session, assessment: Assessment) -> set[int]:
    """Everyone who ever wrote an answer of the assessment (latest writers included, so
    answers stored without the service still count)."""
    ids = set(session.scalars(select(AnswerWriter.user_id)
                              .where(AnswerWriter.assessment_id == assessment.id)))
    return ids | {a.answered_by_id for a in assessment.answers if a.answered_by_id is not None}


def contributors(session: Session, assessment: Assessment) -> four_eyes.Contributors:
    """Everyone who took part in the assessment, for the four-eyes rule."""
    def actors(*statuses: str) -> frozenset[int]:
        return frozenset(t.actor_id for t in assessment.transitions
                         if t.to_status in statuses and t.actor_id is not None)

    reviewers = actors(IN_REVIEW, COMPLETED, RETURNED)
    if assessment.reviewer_id is not None:
        reviewers |= {assessment.reviewer_id}
    return four_eyes.Contributors(
        creator_id=assessment.author_id, answer_writer_ids=frozenset(answer_writer_ids(session, assessment)),
        submitter_ids=actors(SUBMITTED), reviewer_ids=reviewers)


def _barred_from_review(session: Session, principal: Principal, assessment: Assessment) -> str | None:
    return four_eyes.barred_part(principal.id, contributors(session, assessment), deciding=False)


def _four_eyes(session: Session, principal: Principal, assessment: Assessment) -> None:
    part = _barred_from_review(session, principal, assessment)
    if part is not None:
        raise FourEyesRefused(part, assessment.id)


def start_review(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                 assessment_id: int, data: TransitionIn | None = None) -> Assessment:
    require(principal, "assessment.review")
    assessment = get_assessment(session, principal, assessment_id)
    if assessment.status != SUBMITTED:
        raise Conflict(Message("only a submitted assessment can be taken into review; #{id} is {status}",
                               id=assessment.id, status=Term("assessment", assessment.status)))
    _four_eyes(session, principal, assessment)
    assessment.reviewer_id = principal.id
    _transition(assessment, principal, IN_REVIEW, data.comment if data else None)
    flush_answers(session)
    return assessment


def _require_reviewer(principal: Principal, assessment: Assessment, action: str) -> None:
    require(principal, "assessment.review")
    if assessment.status != IN_REVIEW:
        raise Conflict(Message("only an assessment in review can be {action}; #{id} is {status}",
                               action=Term("assessment", action), id=assessment.id,
                               status=Term("assessment", assessment.status)))
    if principal.id != assessment.reviewer_id:
        raise Forbidden(Message("only the reviewer who took the assessment into review may have it "
                                "{action}", action=Term("assessment", action)))


def complete(session: Session, principal: Principal, frameworks: FrameworkRegistry,
             assessment_id: int, data: TransitionIn | None = None) -> Assessment:
    assessment = get_assessment(session, principal, assessment_id)
    _require_reviewer(principal, assessment, "completed")
    _four_eyes(session, principal, assessment)
    fw = framework_of(frameworks, assessment)
    problems = completeness_problems(fw, assessment)
    if problems:
        raise ValidationFailed(problems)
    assessment.completed_at = datetime.now(UTC)
    _transition(assessment, principal, COMPLETED, data.comment if data else None)
    flush_answers(session)
    recompute(session, fw, assessment)
    notify.completed(session, principal, assessment)
    return assessment


def return_assessment(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                      assessment_id: int, data: TransitionIn | None = None) -> Assessment:
    assessment = get_assessment(session, principal, assessment_id)
    _require_reviewer(principal, assessment, "returned")
    comment = ((data.comment if data else None) or "").strip()
    if not comment:
        raise ValidationFailed({"comment": "say why the assessment is returned to the assessor"})
    _transition(assessment, principal, RETURNED, comment)
    flush_answers(session)
    notify.returned(session, principal, assessment, comment)
    return assessment


def new_correction(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                   assessment_id: int, data: TransitionIn | None = None) -> Assessment:
    """A completed assessment is read-only; a correction is a new draft version copying it."""
    require(principal, "assessment.write")
    original = get_assessment(session, principal, assessment_id)
    if original.status != COMPLETED:
        raise Conflict(Message("only a completed assessment can be corrected; #{id} is {status} and "
                               "can still be changed directly", id=original.id,
                               status=Term("assessment", original.status)))
    existing = correction_of(session, original)
    if existing is not None:
        raise Conflict(Message("assessment #{id} already has a correction version (#{correction})",
                               id=original.id, correction=existing))
    fw = framework_of(frameworks, original)
    copy = Assessment(solution_id=original.solution_id, framework_id=original.framework_id,
                      framework_version=original.framework_version, tier=original.tier,
                      scope_answers=dict(original.scope_answers or {}), status=DRAFT,
                      number=original.number + 1, parent_id=original.id, author_id=principal.id)
    for a in original.answers:
        copy.answers.append(Answer(
            criterion_code=a.criterion_code, value=a.value, comment=a.comment,
            evidence_url=a.evidence_url, source=a.source, provenance=a.provenance,
            verification=a.verification, verification_comment=a.verification_comment,
            answered_by_id=a.answered_by_id))
    comment = (data.comment if data else None) or f"Rettelse af vurdering #{original.id}"
    copy.transitions.append(AssessmentTransition(from_status=None, to_status=DRAFT,
                                                 actor_id=principal.id, comment=comment))
    session.add(copy)
    flush_answers(session)
    writers = answer_writer_ids(session, original)
    if principal.id is not None:
        writers.add(principal.id)
    for user_id in sorted(writers):
        _note_writer(session, copy.id, user_id)
    recompute(session, fw, copy)
    return copy


TRANSITIONS = {
    "submit": submit,
    "review": start_review,
    "complete": complete,
    "return": return_assessment,
    "corrections": new_correction,
}


# ---- an assessor's work ------------------------------------------------------------------

WORK_KINDS = ("drafts", "returned", "to_review", "in_my_review")


def my_work(session: Session, principal: Principal) -> dict[str, list[Assessment]]:
    """What waits for this person: their drafts and returned assessments (created or
    answered by them), submitted ones they may review (the four-eyes rule decides) and those
    in their review. Newest first."""
    if not principal.is_authenticated or principal.id is None:
        raise Unauthenticated("log in (or send a bearer token) to see your assessments")
    if not principal.can("assessment.read") and principal.role != Role.VENDOR:
        raise Forbidden(Message("your role ({role}) may not see assessments", role=Message(principal.role)))
    work: dict[str, list[Assessment]] = {kind: [] for kind in WORK_KINDS}
    if not (principal.can("assessment.write") or principal.can("assessment.review")):
        return work
    written = select(AnswerWriter.assessment_id).where(AnswerWriter.user_id == principal.id)
    open_ones = session.scalars(select(Assessment).where(
        Assessment.status.in_((DRAFT, RETURNED, SUBMITTED, IN_REVIEW))).order_by(Assessment.id.desc()))
    for a in open_ones:
        kind = _work_kind(session, principal, a, written)
        if kind:
            work[kind].append(a)
    return work


def _work_kind(session: Session, principal: Principal, a: Assessment, written: Any) -> str | None:
    if a.status in EDITABLE:
        mine = a.author_id == principal.id or session.scalar(
            written.where(AnswerWriter.assessment_id == a.id)) is not None
        return ("drafts" if a.status == DRAFT else "returned") if mine and principal.can("assessment.write") \
            else None
    if not principal.can("assessment.review"):
        return None
    if a.status == IN_REVIEW:
        return "in_my_review" if a.reviewer_id == principal.id else None
    return "to_review" if _barred_from_review(session, principal, a) is None else None


def work_item(a: Assessment) -> dict[str, Any]:
    return {"id": a.id, "status": a.status, "solution": {"slug": a.solution.slug, "name": a.solution.name},
            "framework": {"id": a.framework_id, "version": a.framework_version},
            "author": _user(a.author), "created_at": a.created_at.isoformat() if a.created_at else None}


# ---- what a user may do now (for pages and the API) ------------------------------------


def allowed_actions(session: Session, principal: Principal, assessment: Assessment) -> list[str]:
    actions: list[str] = []
    status = assessment.status
    writer = principal.can("assessment.write")
    if status in EDITABLE and writer:
        actions += ["edit", "submit", "verify"]
    if status in EDITABLE and principal.role == Role.VENDOR and \
            principal.vendor_id == assessment.solution.vendor_id:
        actions.append("vendor_answer")
    if status == SUBMITTED and principal.can("assessment.review") and \
            _barred_from_review(session, principal, assessment) is None:
        actions.append("review")
    if status == IN_REVIEW and principal.id == assessment.reviewer_id:
        may_complete = _barred_from_review(session, principal, assessment) is None
        actions += ["complete", "return"] if may_complete else ["return"]
    if status == COMPLETED and writer and correction_of(session, assessment) is None:
        actions.append("corrections")
    return actions


# ---- the API's view of an assessment ---------------------------------------------------


def _user(user: Any) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def answer_view(a: Answer) -> dict[str, Any]:
    return {"criterion_code": a.criterion_code, "value": a.value, "comment": a.comment,
            "evidence_url": a.evidence_url, "source": a.source, "provenance": a.provenance,
            "verification": a.verification, "verification_comment": a.verification_comment,
            "answered_by": _user(a.answered_by), "version": a.version,
            "updated_at": a.updated_at.isoformat() if a.updated_at else None}


def _in_criterion_order(fw: Framework, answers: list[Answer]) -> list[Answer]:
    order = {c.code: i for i, (_, c) in enumerate(fw.all_criteria())}
    return sorted(answers, key=lambda a: (order.get(a.criterion_code, len(order)), a.criterion_code))


def assessment_view(session: Session, principal: Principal, frameworks: FrameworkRegistry,
                    assessment: Assessment, score: AssessmentScore | None = None) -> dict[str, Any]:
    fw = framework_of(frameworks, assessment)
    score = score or compute_score(fw, assessment)
    return {
        "id": assessment.id,
        "version": assessment.version,
        "number": assessment.number,
        "parent_id": assessment.parent_id,
        "solution": {"id": assessment.solution.id, "slug": assessment.solution.slug,
                     "name": assessment.solution.name},
        "framework": {"id": fw.id, "version": fw.version, "title_da": fw.title_da,
                      "title_en": fw.title_en, "superseded": fw.superseded,
                      "superseded_note_da": fw.superseded_note_da,
                      "superseded_note_en": fw.superseded_note_en},
        "tier": assessment.tier,
        "scope_answers": assessment.scope_answers or {},
        "missing_scope": fw.missing_scope_answers(assessment.scope_answers or {}),
        "status": assessment.status,
        "author": _user(assessment.author),
        "reviewer": _user(assessment.reviewer),
        "completed_at": assessment.completed_at.isoformat() if assessment.completed_at else None,
        "created_at": assessment.created_at.isoformat() if assessment.created_at else None,
        "result": score_summary(score),
        "answers": [answer_view(a) for a in _in_criterion_order(fw, assessment.answers)],
        "transitions": [
            {"from_status": t.from_status, "to_status": t.to_status, "actor": _user(t.actor),
             "comment": t.comment, "at": t.created_at.isoformat() if t.created_at else None}
            for t in assessment.transitions
        ],
        "problems": completeness_problems(fw, assessment) if assessment.status in EDITABLE else {},
        "allowed_actions": allowed_actions(session, principal, assessment),
    }


# ---- results for buyers ---------------------------------------------------------------


def framework_name(fw: Framework, lang: str) -> str:
    """The framework's name and version in words, in the reader's language."""
    title = fw.title_en if lang == "en" else fw.title_da
    return title if fw.version in title else f"{title} ({translations(lang).gettext('version')} {fw.version})"


def completed_results(session: Session, frameworks: FrameworkRegistry, solution_ids: Iterable[int],
                      lang: str = "da") -> dict[int, list[dict[str, Any]]]:
    """Per solution, the latest COMPLETED assessment of each framework, as a buyer reads it:
    framework and version in words, outcome, overall and section scores, completion date and
    the assessor's organisation. Drafts, submitted assessments, those in review and returned
    ones are never results, so they are not read at all."""
    ids = [int(i) for i in solution_ids]
    latest: dict[tuple[int, str], Assessment] = {}
    rows = session.scalars(select(Assessment).where(Assessment.solution_id.in_(ids), Assessment.status == COMPLETED)
                           .order_by(Assessment.completed_at, Assessment.id))
    for a in rows:
        latest[(a.solution_id, a.framework_id)] = a  # the last one of each framework wins
    out: dict[int, list[dict[str, Any]]] = {sid: [] for sid in ids}
    for (sid, _framework), a in latest.items():
        out[sid].append(_completed_result(frameworks, a, lang))
    for results in out.values():
        results.sort(key=lambda r: r["framework"])
    return out


def _completed_result(frameworks: FrameworkRegistry, a: Assessment, lang: str) -> dict[str, Any]:
    pinned = (a.framework_id, a.framework_version)
    fw = frameworks.get(*pinned) if pinned in frameworks else None
    result = a.result or {}
    outcome = result.get("outcome")
    assessor = a.author.organisation or (a.reviewer.organisation if a.reviewer else None)
    sections = [{"code": s["code"], "title": _section_title(fw, s["code"], lang), "score": s["score"],
                 "status": s["status"], "scored": s["scored"]} for s in result.get("sections", [])]
    return {
        "assessment_id": a.id, "framework_id": a.framework_id, "framework_version": a.framework_version,
        "framework": framework_name(fw, lang) if fw else f"{a.framework_id} {a.framework_version}",
        "outcome": outcome_text(COMPLETED, outcome, lang) if outcome else None,
        "outcome_code": outcome["code"] if outcome else None,
        "score": result.get("score"), "sections": sections,
        "answered": any(s["answered"] for s in result.get("sections", [])),
        "completed_on": _danish_day(a.completed_at),
        "assessor_organisation": assessor.name if assessor else None,
    }


def _section_title(fw: Framework | None, code: str, lang: str) -> str:
    if fw is None:
        return code
    section = fw.section(code)
    return section.title_en if lang == "en" else section.title_da


def _danish_day(moment: datetime | None) -> str | None:
    return danish_day(moment).isoformat() if moment else None


def concept_claims(session: Session, frameworks: FrameworkRegistry, solution_ids: Iterable[int], concept: str,
                   lang: str = "da") -> dict[int, dict[str, Any]]:
    """Per solution, what its latest COMPLETED assessment answering a criterion that carries
    `concept` (e.g. capacity.fte_per_1000) claimed: the value, the criterion, the framework
    in words and the completion day. Solutions with no such answer are left out."""
    ids = [int(i) for i in solution_ids]
    claims: dict[int, dict[str, Any]] = {}
    rows = session.scalars(select(Assessment).where(Assessment.solution_id.in_(ids), Assessment.status == COMPLETED)
                           .order_by(Assessment.completed_at, Assessment.id))
    for a in rows:
        pinned = (a.framework_id, a.framework_version)
        fw = frameworks.get(*pinned) if pinned in frameworks else None
        values = answer_values(a)
        answered = [code for code in (fw.concepts().get(concept, []) if fw else []) if values.get(code) is not None]
        if fw is not None and answered:  # the latest one wins
            claims[a.solution_id] = {"value": values[answered[0]], "criterion": answered[0],
                                     "assessment_id": a.id, "framework": framework_name(fw, lang),
                                     "completed_on": _danish_day(a.completed_at)}
    return claims
