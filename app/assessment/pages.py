"""HTML pages of frameworks and assessments (Jinja + HTMX) over the same services as the API.

The assessment form is generated from the pinned framework version and saves as you go:
each criterion is its own small form that HTMX posts on change; the answer comes back as
the updated criterion fragment plus an out-of-band swap of the live score panel.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Any

from litestar import Controller, MediaType, Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.assessment import evidence, form_import, form_reader
from app.assessment import services as svc
from app.assessment.display import answer_text, framework_title, outcome_text, tier_text
from app.assessment.loader import FrameworkRegistry
from app.assessment.models import Assessment
from app.assessment.schema import Condition, Criterion, Framework
from app.assessment.schemas import AnswerIn, AssessmentIn, ScopeIn, TransitionIn, VerifyIn
from app.assessment.scoring import AssessmentScore
from app.core.principal import ANONYMOUS_PRINCIPAL, Principal
from app.core.roles import Role
from app.errors import Conflict, DomainError, Forbidden, NotFound, Unauthenticated, ValidationFailed
from app.files import services as files
from app.files.web import download, file_upload, upload_of
from app.messages import Message, message_of, translate
from app.web import errors as error_pages
from app.web.forms import Unreadable, number_text, typed_date, typed_number
from app.web.htmx import is_htmx
from app.web.i18n import label, translations
from app.web.rendering import field_errors, language_of, render
from app.web.routing import get, post

FormBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]
UploadBody = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
# label(code, kind): the catalogue's msgid prefix of each kind of code.
LABEL_KINDS = {"status": "assessment-status", "section": "section-status", "source": "answer-source",
               "verification": "verification", "tier": "tier", "answer_type": "answer-type",
               "mode": "section-mode", "scoring": "scoring"}


def _last(value: Any) -> Any:
    return value[-1] if isinstance(value, list) else value


def _version(raw: Any) -> int | None:
    text = str(_last(raw) or "").strip()
    return int(text) if text.isascii() and text.isdigit() else None


def dom_id(code: str) -> str:
    return "c-" + "".join(ch if ch.isalnum() else "_" for ch in code)


# ---- texts in the user's language ---------------------------------------------------------


def _tr(lang: str) -> Any:
    """t(obj, "question") -> obj.question_da or obj.question_en (dicts too), Danish as fallback."""
    def t(obj: Any, field: str) -> str:
        if obj is None:
            return ""
        get = obj.get if isinstance(obj, dict) else (lambda key: getattr(obj, key, None))
        return get(f"{field}_{lang}") or get(f"{field}_da") or ""
    return t


def _status_label(lang: str) -> Any:
    def status_label(status: str | None, kind: str = "status") -> str:
        return "" if status is None else label(lang, LABEL_KINDS[kind], status)
    return status_label


def _value_label(lang: str) -> Any:
    return lambda c, value: answer_text(c, value, lang)


def _applies_note(lang: str) -> Any:
    """The note beside a follow-up: "gælder kun når C2.3 = Ja"."""
    gettext = translations(lang).gettext
    text = _condition_text(lang)

    def note(fw: Framework, c: Criterion) -> str:
        if c.applies_when is None:
            return ""
        return gettext("applies only when {condition}").format(condition=text(fw, c.applies_when))
    return note


def _condition_text(lang: str) -> Any:
    """applies_when in words, e.g. "C2.3 = Ja" or "D1.1 = Ja eller Arbejder hen imod det"."""
    gettext = translations(lang).gettext
    show = _value_label(lang)

    def text(fw: Framework, cond: Condition) -> str:
        if cond.all_of is not None or cond.any_of is not None:
            joiner = f" {gettext('and')} " if cond.all_of is not None else f" {gettext('or')} "
            parts = [text(fw, c) for c in (cond.all_of or cond.any_of or ())]
            return joiner.join(f"({p})" if (c.all_of or c.any_of) else p
                               for p, c in zip(parts, cond.all_of or cond.any_of or (), strict=True))
        crit = fw.criterion(cond.question or "")
        if cond.one_of is not None:
            values = f" {gettext('or')} ".join(_one_label(show, crit, v) for v in cond.one_of)
            return f"{crit.code} = {values}"
        if cond.contains is not None:
            return f"{crit.code} {gettext('includes')} {_one_label(show, crit, cond.contains)}"
        if cond.not_equals is not None:
            return f"{crit.code} ≠ {_one_label(show, crit, cond.not_equals)}"
        return f"{crit.code} = {_one_label(show, crit, cond.equals)}"
    return text


def _one_label(show: Any, crit: Criterion, value: Any) -> str:
    """The label of one option value (also of a multi_choice criterion)."""
    return str(show(crit, [value] if crit.answer_type == "multi_choice" else value))


def _helpers(request: Request) -> dict[str, Any]:
    lang = language_of(request)
    return {"t": _tr(lang), "label": _status_label(lang), "show": _value_label(lang), "dom_id": dom_id,
            "applies_note": _applies_note(lang),
            "number_text": lambda value: number_text(value, lang),
            "tier_text": lambda tier: tier_text(tier, lang),
            "tiers_text": lambda tiers: ", ".join(tier_text(tier, lang) for tier in tiers),
            "outcome_text": lambda a, outcome: outcome_text(a.status, outcome, lang)}


def _framework_title(request: Request, frameworks: FrameworkRegistry) -> Callable[[Assessment], str]:
    lang = language_of(request)
    return lambda a: framework_title(frameworks, a.framework_id, a.framework_version, lang)


# ---- building the form's view model ---------------------------------------------------------


@dataclass(frozen=True)
class Typed:
    """What a person typed into one criterion's form, kept on screen when it was not stored."""

    value: Any = None
    comment: str | None = None
    evidence_url: str | None = None


@dataclass(frozen=True)
class Refused:
    """Why what was typed into a criterion was not stored (per field), and what was typed."""

    errors: dict[str, str]
    typed: Typed | None  # None: show the stored answer


def _refusal(refused: Refused | None) -> tuple[dict[str, str] | None, None, Typed | None]:
    return (refused.errors, None, refused.typed) if refused else (None, None, None)


def _item(a: Assessment, fw: Framework, c: Criterion, principal: Principal, actions: list[str],
          suggestions: dict[str, svc.Suggestion], inactive: frozenset[str],
          errors: dict[str, str] | None = None, notice: str | None = None,
          typed: Typed | None = None) -> dict[str, Any]:
    """One criterion's view. `errors` says per field ("value", "evidence_url", "form") why
    what was typed was not stored; `typed` is then shown instead of the stored answer. A
    criterion in `inactive` does not apply (its condition on other answers fails)."""
    ans = a.answer(c.code)
    vendor_may = "vendor_answer" in actions and c.audience == "vendor" and (
        ans is None or ans.source == "vendor")
    applies = c.code not in inactive
    editable = ("edit" in actions or vendor_may) and applies
    if typed is None:
        typed = Typed(ans.value, ans.comment, ans.evidence_url) if ans else Typed()
    value = typed.value
    return {"c": c, "ans": ans, "sug": suggestions.get(c.code) if "edit" in actions and applies else None,
            "editable": editable, "applies": applies, "can_verify": "verify" in actions and ans is not None
            and ans.source == "vendor" and applies, "errors": errors or {}, "notice": notice, "value": value,
            "comment": typed.comment or "", "evidence_url": typed.evidence_url or "",
            "checked": value if isinstance(value, list) else ([value] if value is not None else [])}


def _sections(a: Assessment, fw: Framework, principal: Principal, actions: list[str],
              suggestions: dict[str, svc.Suggestion], refused: dict[str, Refused]) -> list[dict[str, Any]]:
    vendor_only = principal.role == Role.VENDOR
    inactive = fw.inactive_criteria(a.tier, svc.answer_values(a))
    out = []
    for section in fw.sections:
        items = [_item(a, fw, c, principal, actions, suggestions, inactive, *_refusal(refused.get(c.code)))
                 for c in section.criteria
                 if c.applies(a.tier) and (not vendor_only or c.audience == "vendor")]
        if items:
            out.append({"s": section, "criteria": items})
    return out


def _form_context(request: Request, db: Session, principal: Principal,
                  frameworks: FrameworkRegistry, a: Assessment, errors: dict[str, str] | None = None,
                  refused: dict[str, Refused] | None = None, workflow_error: str | None = None,
                  workflow_errors: dict[str, str] | None = None,
                  scope_values: dict[str, Any] | None = None) -> dict[str, Any]:
    fw = svc.framework_of(frameworks, a)
    score = svc.compute_score(fw, a)
    actions = svc.allowed_actions(db, principal, a)
    suggestions = svc.prefill_suggestions(db, principal, frameworks, a.id) if "edit" in actions else {}
    tier_known = not fw.tiers or a.tier in fw.tiers
    return {
        "a": a, "fw": fw, "score": score, "actions": actions, "tier_known": tier_known,
        "sections": _sections(a, fw, principal, actions, suggestions, refused or {}) if tier_known else [],
        "scope_values": scope_values if scope_values is not None else (a.scope_answers or {}),
        "missing_scope": fw.missing_scope_answers(a.scope_answers or {}),
        "problems": svc.completeness_problems(fw, a) if a.status in svc.EDITABLE else {},
        "suggestion_count": len(suggestions), "workflow_error": workflow_error,
        "workflow_errors": workflow_errors or {}, "errors": errors or {},
        "correction_id": svc.correction_of(db, a), "imports": form_import.imports_of(db, principal, a.id),
        "import_max_mb": form_reader.MAX_MB, **_answer_files(request, db, principal, a), **_helpers(request),
    }


def _answer_files(request: Request, db: Session, principal: Principal, a: Assessment) -> dict[str, Any]:
    return {"answer_files": evidence.answer_files(db, principal, a.id), "uploaded_on": files.uploaded_on,
            "file_limit_mb": files.megabytes(request.app.state.settings.file_max_bytes)}


def _form_page(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               a: Assessment, status_code: int = 200, import_error: str | None = None, **extra: Any) -> Template:
    return render(request, "assessment/form.html", status_code=status_code, import_error=import_error,
                  **_form_context(request, db, principal, frameworks, a, **extra))


def _fragment(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              a: Assessment, code: str, score: AssessmentScore | None,
              errors: dict[str, str] | None = None, notice: str | None = None,
              typed: Typed | None = None) -> Template:
    fw = svc.framework_of(frameworks, a)
    actions = svc.allowed_actions(db, principal, a)
    suggestions = svc.prefill_suggestions(db, principal, frameworks, a.id) if "edit" in actions else {}
    crit = fw.criterion(code)
    inactive = fw.inactive_criteria(a.tier, svc.answer_values(a))
    item = _item(a, fw, crit, principal, actions, suggestions, inactive, errors, notice, typed)
    # The follow-ups of this answer may have started or stopped applying: re-render them.
    vendor_only = principal.role == Role.VENDOR
    dependents = [_item(a, fw, fw.criterion(d), principal, actions, suggestions, inactive)
                  for d in fw.dependents(code) if fw.criterion(d).applies(a.tier)
                  and (not vendor_only or fw.criterion(d).audience == "vendor")]
    return render(request, "assessment/_save_response.html", a=a, fw=fw, item=item,
                  dependents=dependents,
                  score=score if score is not None else svc.compute_score(fw, a),
                  problems=svc.completeness_problems(fw, a), actions=actions,
                  **_answer_files(request, db, principal, a), **_helpers(request))


def _field_errors(exc: DomainError, code: str, lang: str) -> dict[str, str]:
    """A refusal as {field: why}: "value" and "evidence_url" for the criterion's own fields,
    "form" for what concerns the whole answer (someone else changed it, no permission)."""
    gettext = translations(lang).gettext
    if not isinstance(exc, ValidationFailed) or isinstance(exc, Forbidden):
        return {"form": _error_text(exc, lang)}
    fields = {code: "value", f"{code}.evidence_url": "evidence_url", "comment": "comment"}
    out: dict[str, str] = {}
    for key, why in exc.errors.items():
        field = fields.get(key, "form")
        out[field] = "; ".join(filter(None, (out.get(field), translate(why, gettext))))
    return out


def _error_text(exc: DomainError, lang: str) -> str:
    gettext = translations(lang).gettext
    if isinstance(exc, ValidationFailed):
        return "; ".join(translate(v, gettext) for v in exc.errors.values())
    return translate(message_of(exc), gettext)


def _require(request: Request, principal: Principal, *permissions: str) -> None:
    """A form post by a role that may never do this answers 403 before the form is read
    (the JSON API's policy guard does the same); ownership is left to the services."""
    if not any(principal.can(p) for p in permissions):
        raise Forbidden(translations(language_of(request)).gettext(
            "Your role may not change this assessment.")
            + f" ({principal.role}: {' / '.join(permissions)})")


# ---- importing a completed form -------------------------------------------------------------


def _upload(data: dict[str, Any]) -> tuple[str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise ValidationFailed({"file": "choose a .docx or .odt file"})
    return upload.filename, upload.file.read(form_reader.MAX_BYTES + 1)


def _shown_params(fw: Framework, unmapped: dict[str, Any], lang: str) -> dict[str, Any]:
    """A stored reason's values for the page: the options it lists in the page's language."""
    params = dict(unmapped["params"])
    if "allowed" in params and unmapped["code"] in {c.code for _, c in fw.all_criteria()}:
        crit = fw.criterion(unmapped["code"])
        if crit.options:
            params["allowed"] = ", ".join(getattr(o, f"label_{lang}") for o in crit.options)
        else:
            answers = ("yes", "no", "na") if crit.answer_type == "yes_no_na" else ("yes", "no")
            params["allowed"] = ", ".join(label(lang, "answer", v) for v in answers)
    return params


def _solution_page(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                   slug: str, status_code: int = 200, error: str | None = None,
                   import_error: str | None = None) -> Template:
    solution, items = svc.list_for_solution(db, principal, slug)
    return render(request, "assessment/solution_assessments.html", status_code=status_code, solution=solution,
                  items=items, frameworks=svc.startable_frameworks(frameworks),
                  framework_title=_framework_title(request, frameworks),
                  can_start=principal.can("assessment.write"), error=error, import_error=import_error,
                  import_max_mb=form_reader.MAX_MB, **_helpers(request))


def _form_too_large(request: Request, exc: HTTPException) -> Any:
    """The upload was refused before it was read (so before its CSRF token was checked): a
    page says why and links back to the page the upload came from."""
    principal = request.scope.get("user", ANONYMOUS_PRINCIPAL)
    if not principal.is_authenticated:
        return error_pages.domain_error_handler(request, Unauthenticated("log in to import a form"))
    reason = Message("the file is larger than {mb} MB", mb=form_reader.MAX_MB)
    return render(request, "assessment/import_too_large.html", status_code=exc.status_code,
                  reason=reason.in_language(translations(language_of(request)).gettext),
                  back=request.url.path.removesuffix("/import"))


# An upload page answers HTML also when it refuses the file (400) or its size (413).
UPLOAD_ROUTE: dict[str, Any] = {
    "request_max_body_size": form_reader.MAX_REQUEST_BYTES, "media_type": MediaType.HTML,
    "exception_handlers": {HTTP_413_REQUEST_ENTITY_TOO_LARGE: _form_too_large},
}


def _typed(crit: Criterion, data: dict[str, Any]) -> Typed:
    raw = data.get("value")
    if crit.answer_type == "multi_choice":
        value: Any = [v for v in (raw if isinstance(raw, list) else [raw]) if v]
    else:
        value = _last(raw)
    return Typed(value, _last(data.get("comment")), _last(data.get("evidence_url")))


def _answer_value(crit: Criterion, value: Any, lang: str) -> Any:
    """The answer to hand to the service, None for no answer. A number or a date is read as
    typed in the page's language ("1,5", "1.234,5", "-3"; "3.12.2026"); text that is neither
    is refused here, with the reason, rather than changed into one (a half-typed date is no
    empty answer)."""
    if value in (None, "", []) or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        return value
    try:
        if crit.answer_type == "number":
            return _plain(typed_number(value, lang))
        if crit.answer_type == "date":
            return typed_date(value, lang).isoformat()
    except Unreadable as exc:
        raise svc.AnswerRejected({crit.code: exc.message}) from None
    return value


def _plain(number: Decimal) -> int | float:
    return int(number) if number == number.to_integral_value() else float(number)


def _you_typed(typed: Typed, lang: str) -> str:
    parts = [", ".join(typed.value) if isinstance(typed.value, list) else str(typed.value or ""),
             typed.comment or "", typed.evidence_url or ""]
    return translations(lang).gettext("Not saved; you typed: {typed}").format(
        typed=" · ".join(p.strip() for p in parts if p and p.strip()) or "–")


def _store(db: Session, principal: Principal, frameworks: FrameworkRegistry, a: Assessment,
           crit: Criterion, typed: Typed, version: int | None,
           lang: str) -> tuple[AssessmentScore | None, str | None]:
    """Save (or clear) what was typed into one criterion: the new score, and a notice when
    nothing was stored."""
    value = _answer_value(crit, typed.value, lang)
    if value is None and a.answer(crit.code) is not None:
        score = svc.clear_answer(db, principal, frameworks, a.id, crit.code, version)
        return score, _cleared_notice(typed, lang)
    if value is None:
        return None, translations(lang).gettext("Choose an answer – the comment and link are saved with it.")
    _, score = svc.save_answer(db, principal, frameworks, a.id, crit.code, AnswerIn(
        value=value, comment=typed.comment, evidence_url=typed.evidence_url, version=version))
    return score, None


def _refused(request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
             a: Assessment, code: str, typed: Typed,
             exc: ValidationFailed | Conflict | Forbidden | ValidationError) -> Template:
    """A refused save: each field's reason beside it and what was typed still on screen; on a
    conflict the answer as it is now, with what was typed in the message."""
    lang = language_of(request)
    shown: Typed | None = typed
    if isinstance(exc, ValidationError):
        errors, status = field_errors(exc, lang), 400
    else:
        errors, status = _field_errors(exc, code, lang), exc.status_code
    if isinstance(exc, Conflict):
        db.rollback()
        a = svc.get_assessment(db, principal, a.id)
        errors["form"] += " " + _you_typed(typed, lang)
        shown = None
    if not is_htmx(request):
        return _form_page(request, db, principal, frameworks, a, status_code=status,
                          refused={code: Refused(errors, shown)})
    return _fragment(request, db, principal, frameworks, a, code, None, errors=errors, typed=shown)


def _cleared_notice(typed: Typed, lang: str) -> str:
    gettext = translations(lang).gettext
    if typed.comment or typed.evidence_url:
        return gettext("The answer is cleared. The comment and link you typed are not saved until "
                       "you choose an answer.")
    return gettext("The answer is cleared.")


# ---- frameworks -----------------------------------------------------------------------------


class FrameworkPages(Controller):
    include_in_schema = False

    @get("/frameworks")
    def index(self, request: Request, frameworks: FrameworkRegistry) -> Template:
        return render(request, "assessment/frameworks.html", frameworks=list(frameworks),
                      **_helpers(request))

    @get("/frameworks/{framework_id:str}/{version:str}")
    def detail(self, request: Request, frameworks: FrameworkRegistry, framework_id: str,
               version: str) -> Template:
        fw = svc.get_framework(frameworks, framework_id, version)
        others = [f for f in frameworks if f.id == fw.id and f.version != fw.version]
        return render(request, "assessment/framework.html", fw=fw, others=others, **_helpers(request))


# ---- assessments ----------------------------------------------------------------------------


class AssessmentPages(Controller):
    include_in_schema = False

    @get("/solutions/{slug:str}/assessments")
    def for_solution(self, request: Request, db: Session, principal: Principal,
                     frameworks: FrameworkRegistry, slug: str) -> Template:
        return _solution_page(request, db, principal, frameworks, slug)

    @post("/solutions/{slug:str}/assessments/import", **UPLOAD_ROUTE)
    def import_new(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                   slug: str, data: UploadBody) -> Any:
        svc.list_for_solution(db, principal, slug)  # anonymous: log in; unseen: 404
        _require(request, principal, "assessment.write")
        try:
            record = form_import.import_new(db, principal, frameworks, slug, *_upload(data))
        except (ValidationFailed, Conflict) as exc:
            db.rollback()
            return _solution_page(request, db, principal, frameworks, slug, exc.status_code,
                                  import_error=_error_text(exc, language_of(request)))
        return Redirect(f"/assessments/{record.assessment_id}/imports/{record.id}")

    @post("/solutions/{slug:str}/assessments")
    def start(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              slug: str, data: FormBody) -> Any:
        framework_id, _, version = str(_last(data.get("framework")) or "").partition("@")
        try:
            a = svc.start_assessment(db, principal, frameworks, AssessmentIn(
                solution_id=slug, framework_id=framework_id or "?", framework_version=version or "?"))
        except ValidationFailed as exc:
            return _solution_page(request, db, principal, frameworks, slug, 400, error="; ".join(
                translate(v, translations(language_of(request)).gettext) for v in exc.errors.values()))
        return Redirect(f"/assessments/{a.id}")

    @get("/assessments/mine")
    def mine(self, request: Request, db: Session, principal: Principal,
             frameworks: FrameworkRegistry) -> Template:
        """The assessor's workplace: what waits for them, by kind."""
        work = svc.my_work(db, principal)
        if is_htmx(request):  # the count in the header
            return render(request, "assessment/_work_count.html", count=sum(len(v) for v in work.values()))
        return render(request, "assessment/mine.html", work=work,
                      framework_title=_framework_title(request, frameworks), **_helpers(request))

    @get("/assessments/{assessment_id:int}")
    def form(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
             assessment_id: int) -> Template:
        a = svc.get_assessment(db, principal, assessment_id)
        return _form_page(request, db, principal, frameworks, a)

    @post("/assessments/{assessment_id:int}/import", **UPLOAD_ROUTE)
    def import_form(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                    assessment_id: int, data: UploadBody) -> Any:
        svc.get_assessment(db, principal, assessment_id)  # anonymous: log in; unseen: 404
        _require(request, principal, "assessment.write", "assessment.vendor_answer")
        try:
            record = form_import.import_into(db, principal, frameworks, assessment_id, *_upload(data))
        except (ValidationFailed, Conflict, Forbidden) as exc:
            db.rollback()
            a = svc.get_assessment(db, principal, assessment_id)
            return _form_page(request, db, principal, frameworks, a, status_code=exc.status_code,
                              import_error=_error_text(exc, language_of(request)))
        return Redirect(f"/assessments/{assessment_id}/imports/{record.id}")

    @get("/assessments/{assessment_id:int}/imports/{import_id:int}")
    def import_result(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                      assessment_id: int, import_id: int) -> Template:
        record = form_import.get_import(db, principal, assessment_id, import_id)
        a = svc.get_assessment(db, principal, assessment_id)
        fw = svc.framework_of(frameworks, a)
        lang = language_of(request)
        gettext = translations(lang).gettext
        unmapped = [{**u, "reason": Message(u["msgid"], **_shown_params(fw, u, lang)).in_language(gettext)}
                    for u in record.report.get("unmapped", [])]
        return render(request, "assessment/import_result.html", a=a, fw=fw, record=record, unmapped=unmapped,
                      actions=svc.allowed_actions(db, principal, a), import_max_mb=form_reader.MAX_MB,
                      import_error=None, **_helpers(request))

    @get("/assessments/{assessment_id:int}/result")
    def result(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int) -> Template:
        a = svc.get_assessment(db, principal, assessment_id)
        fw = svc.framework_of(frameworks, a)
        return render(request, "assessment/result.html", a=a, fw=fw, score=svc.compute_score(fw, a),
                      not_applicable=fw.inactive_criteria(a.tier, svc.answer_values(a)),
                      correction_id=svc.correction_of(db, a), **_helpers(request))

    @post("/assessments/{assessment_id:int}/scope")
    def scope(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              assessment_id: int, data: FormBody) -> Any:
        a = svc.get_assessment(db, principal, assessment_id)
        fw = svc.framework_of(frameworks, a)
        answers: dict[str, Any] = {}
        for q in fw.scope_questions:
            raw = data.get(q.code)
            if q.answer_type == "multi_choice":
                answers[q.code] = [v for v in (raw if isinstance(raw, list) else [raw]) if v] or None
            else:
                answers[q.code] = _last(raw) or None
        try:
            svc.set_scope(db, principal, frameworks, assessment_id, ScopeIn(answers=answers))
        except svc.AnswerRejected as exc:
            gettext = translations(language_of(request)).gettext
            errors = {k: translate(v, gettext) for k, v in exc.errors.items()}
            return _form_page(request, db, principal, frameworks, a, status_code=400, errors=errors,
                              scope_values=answers)
        return Redirect(f"/assessments/{assessment_id}")

    @post("/assessments/{assessment_id:int}/answers/{code:str}")
    def save(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
             assessment_id: int, code: str, data: FormBody) -> Any:
        a = svc.get_assessment(db, principal, assessment_id)
        _require(request, principal, "assessment.write", "assessment.vendor_answer")
        fw = svc.framework_of(frameworks, a)
        if code not in {c.code for _, c in fw.all_criteria()}:
            raise NotFound(Message("criterion {code} does not exist in {framework} {version}",
                                   code=code, framework=fw.id, version=fw.version))
        crit = fw.criterion(code)
        typed = _typed(crit, data)
        version = _version(data.get("version"))
        lang = language_of(request)
        try:
            score, notice = _store(db, principal, frameworks, a, crit, typed, version, lang)
        except (ValidationFailed, Conflict, Forbidden, ValidationError) as exc:
            return _refused(request, db, principal, frameworks, a, code, typed, exc)
        if not is_htmx(request):
            return Redirect(f"/assessments/{assessment_id}#{dom_id(code)}")
        kept = typed if notice and (typed.comment or typed.evidence_url) else None
        return _fragment(request, db, principal, frameworks, a, code, score, notice=notice, typed=kept)

    def _answer_action(self, request: Request, db: Session, principal: Principal,
                       frameworks: FrameworkRegistry, assessment_id: int, code: str, action: Any) -> Any:
        lang = language_of(request)
        try:
            score = action()
        except (ValidationFailed, Conflict, Forbidden, NotFound) as exc:
            if isinstance(exc, Conflict):
                db.rollback()
            a = svc.get_assessment(db, principal, assessment_id)
            errors = {"form": _error_text(exc, lang)}
            if not is_htmx(request):
                return _form_page(request, db, principal, frameworks, a, status_code=exc.status_code,
                                  refused={code: Refused(errors, None)})
            return _fragment(request, db, principal, frameworks, a, code, None, errors=errors)
        if not is_htmx(request):
            return Redirect(f"/assessments/{assessment_id}#{dom_id(code)}")
        a = svc.get_assessment(db, principal, assessment_id)
        return _fragment(request, db, principal, frameworks, a, code, score)

    @post("/assessments/{assessment_id:int}/answers/{code:str}/clear")
    def clear(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              assessment_id: int, code: str, data: FormBody) -> Any:
        version = _version(data.get("version"))
        return self._answer_action(request, db, principal, frameworks, assessment_id, code, lambda: (
            svc.clear_answer(db, principal, frameworks, assessment_id, code, version)))

    @post("/assessments/{assessment_id:int}/answers/{code:str}/confirm")
    def confirm(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                assessment_id: int, code: str) -> Any:
        return self._answer_action(request, db, principal, frameworks, assessment_id, code, lambda: (
            svc.confirm_prefill(db, principal, frameworks, assessment_id, code)[1]))

    @post("/assessments/{assessment_id:int}/answers/{code:str}/verify")
    def verify(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int, code: str, data: FormBody) -> Any:
        svc.get_assessment(db, principal, assessment_id)  # anonymous: log in; unseen: 404
        _require(request, principal, "assessment.review")
        decision = str(_last(data.get("decision")) or "")
        comment = _last(data.get("verification_comment"))

        def act() -> None:
            if decision not in ("accepted", "queried"):
                raise ValidationFailed({"decision": "accepted or queried"})
            svc.verify_answer(db, principal, frameworks, assessment_id, code,
                              VerifyIn(decision=decision, comment=comment))  # type: ignore[arg-type]
        return self._answer_action(request, db, principal, frameworks, assessment_id, code, act)

    @get("/assessments/{assessment_id:int}/completion")
    def confirm_complete(self, request: Request, db: Session, principal: Principal,
                         frameworks: FrameworkRegistry, assessment_id: int) -> Template:
        """Completing is final: the reviewer sees what is being completed and confirms."""
        a = svc.get_assessment(db, principal, assessment_id)
        fw = svc.framework_of(frameworks, a)
        return render(request, "assessment/confirm_complete.html", a=a, fw=fw,
                      score=svc.compute_score(fw, a), actions=svc.allowed_actions(db, principal, a),
                      **_helpers(request))

    @post("/assessments/{assessment_id:int}/{action:str}")
    def transition(self, request: Request, db: Session, principal: Principal,
                   frameworks: FrameworkRegistry, assessment_id: int, action: str, data: FormBody) -> Any:
        handler = svc.TRANSITIONS.get(action)
        if handler is None:
            raise NotFound(Message("no workflow action {action}", action=repr(action)))
        if action == "complete" and _last(data.get("confirmed")) != "yes":
            return Redirect(f"/assessments/{assessment_id}/completion", status_code=303)
        comment = str(_last(data.get("comment")) or "").strip() or None
        try:
            a = handler(db, principal, frameworks, assessment_id, TransitionIn(comment=comment))
        except (ValidationFailed, Conflict, Forbidden) as exc:
            db.rollback()
            a = svc.get_assessment(db, principal, assessment_id)
            errors = exc.errors if isinstance(exc, ValidationFailed) else {}
            return _form_page(request, db, principal, frameworks, a, status_code=exc.status_code,
                              workflow_error=message_of(exc) if not errors else None, workflow_errors=errors)
        if a.status == svc.COMPLETED:
            return Redirect(f"/assessments/{a.id}/result")
        return Redirect(f"/assessments/{a.id}")


class AnswerFilePages(Controller):
    """Files of the answers on the assessment form: one upload form per page (each
    criterion's file field and button belong to it), taking off, downloading."""

    path = "/assessments/{assessment_id:int}"
    include_in_schema = False

    def _refused(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                 assessment_id: int, code: str, exc: DomainError) -> Template:
        db.rollback()  # nothing of a refused file is kept
        a = svc.get_assessment(db, principal, assessment_id)
        return _form_page(request, db, principal, frameworks, a, status_code=exc.status_code,
                          refused={code: Refused({"file": _error_text(exc, language_of(request))}, None)})

    @post("/files", media_type=MediaType.HTML, request_max_body_size=None, opt=file_upload(*evidence.ANSWERING))
    def attach(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               file_context: files.FileContext, assessment_id: int, data: UploadBody) -> Any:
        code = str(_last(data.get("criterion")) or "")
        try:
            upload = upload_of(data, f"file-{code}", file_context.limit)
            evidence.attach(db, principal, frameworks, file_context, assessment_id, code, upload)
        except (ValidationFailed, Conflict, Forbidden) as exc:
            return self._refused(request, db, principal, frameworks, assessment_id, code, exc)
        return Redirect(f"/assessments/{assessment_id}#{dom_id(code)}", status_code=303)

    @post("/answers/{code:str}/files/{file_id:int}/remove", media_type=MediaType.HTML,
          request_max_body_size=None, opt=file_upload(*evidence.ANSWERING))
    def detach(self, request: Request, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int, code: str, file_id: int) -> Any:
        try:
            evidence.detach(db, principal, frameworks, assessment_id, code, file_id)
        except (ValidationFailed, Conflict, Forbidden) as exc:
            return self._refused(request, db, principal, frameworks, assessment_id, code, exc)
        return Redirect(f"/assessments/{assessment_id}#{dom_id(code)}", status_code=303)

    @get("/files/{file_id:int}")
    def download(self, db: Session, principal: Principal, file_context: files.FileContext, assessment_id: int,
                 file_id: int) -> Any:
        row = evidence.answer_file(db, principal, assessment_id, file_id)
        return download(row, files.content_of(file_context.storage, row))


ROUTES: list[ControllerRouterHandler] = [FrameworkPages, AssessmentPages, AnswerFilePages]
