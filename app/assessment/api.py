"""JSON API of frameworks and assessments. Thin: parse, call the service, shape the answer."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException
from litestar.params import Body
from litestar.status_codes import HTTP_413_REQUEST_ENTITY_TOO_LARGE
from litestar.types import ControllerRouterHandler
from sqlalchemy.orm import Session

from app.assessment import form_import, form_reader
from app.assessment import services as svc
from app.assessment.evidence_api import AnswerFilesApi
from app.assessment.loader import FrameworkRegistry
from app.assessment.schemas import AnswerIn, AssessmentIn, ScopeIn, TransitionIn, VerifyIn
from app.core.principal import Principal
from app.errors import NotFound, ValidationFailed
from app.messages import Message
from app.web.routing import delete, get, post, put


class FrameworkApi(Controller):
    path = "/api/frameworks"
    tags = ["assessment"]

    @get("/", summary="Loaded assessment frameworks (every version)")
    def list(self, frameworks: FrameworkRegistry) -> list[dict[str, Any]]:
        return [{"id": fw.id, "version": fw.version, "title_da": fw.title_da, "title_en": fw.title_en,
                 "publisher": fw.publisher, "valid_from": fw.valid_from.isoformat(),
                 "superseded": fw.superseded, "tiers": list(fw.tiers)} for fw in frameworks]

    @get("/{framework_id:str}/{version:str}", summary="The full definition of one framework version")
    def detail(self, frameworks: FrameworkRegistry, framework_id: str, version: str) -> dict[str, Any]:
        return svc.get_framework(frameworks, framework_id, version).model_dump(mode="json", by_alias=True)


Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
IMPORT_LIMITS: dict[str, Any] = {
    "description": f"Multipart field `file`: a completed DTAC form, .docx or .odt, at most {form_reader.MAX_MB} MB "
                   f"({form_reader.MAX_BYTES:,} bytes; a larger request is refused with 413 before it is read). "
                   "The form's version is read from the document. Answers become the vendor's declared answers "
                   "(pending verification); every answer that could not be mapped is listed in `unmapped`. "
                   "A refused file changes nothing.",
    "request_max_body_size": form_reader.MAX_REQUEST_BYTES,
}


def _file_too_large(_request: Request, exc: HTTPException) -> Response[dict[str, Any]]:
    reason = Message("the file is larger than {mb} MB", mb=form_reader.MAX_MB)
    return Response({"status_code": exc.status_code, "detail": f"file: {reason}", "errors": {"file": reason}},
                    status_code=exc.status_code, media_type=MediaType.JSON)


def _upload(data: dict[str, Any]) -> tuple[str, bytes]:
    upload = data.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationFailed({"file": "attach the form as the multipart field 'file'"})
    return upload.filename or "upload", upload.file.read(form_reader.MAX_BYTES + 1)


class AssessmentApi(Controller):
    path = "/api/assessments"
    tags = ["assessment"]

    @post("/", summary="Start an assessment of a solution against a framework version")
    def create(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               data: AssessmentIn) -> dict[str, Any]:
        assessment = svc.start_assessment(db, principal, frameworks, data)
        return svc.assessment_view(db, principal, frameworks, assessment)

    @get("/mine", summary="Your work: drafts and returned assessments, and those waiting for your review")
    def mine(self, db: Session, principal: Principal) -> dict[str, Any]:
        work = svc.my_work(db, principal)
        return {"counts": {kind: len(items) for kind, items in work.items()},
                **{kind: [svc.work_item(a) for a in items] for kind, items in work.items()}}

    @get("/{assessment_id:int}", summary="An assessment with answers, computed scores and history")
    def detail(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int) -> dict[str, Any]:
        return svc.assessment_view(db, principal, frameworks,
                                   svc.get_assessment(db, principal, assessment_id))

    @put("/{assessment_id:int}/scope", summary="Answer scope questions; the tier is re-classified")
    def scope(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              assessment_id: int, data: ScopeIn) -> dict[str, Any]:
        assessment = svc.set_scope(db, principal, frameworks, assessment_id, data)
        return svc.assessment_view(db, principal, frameworks, assessment)

    @put("/{assessment_id:int}/answers/{code:str}",
         summary="Save one answer (send the answer version you read when changing it)")
    def answer(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int, code: str, data: AnswerIn) -> dict[str, Any]:
        answer, score = svc.save_answer(db, principal, frameworks, assessment_id, code, data)
        return {"answer": svc.answer_view(answer), "result": svc.score_summary(score)}

    @delete("/{assessment_id:int}/answers/{code:str}", status_code=200, summary="Clear one answer")
    def clear(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
              assessment_id: int, code: str, version: int | None = None) -> dict[str, Any]:
        score = svc.clear_answer(db, principal, frameworks, assessment_id, code, version)
        return {"result": svc.score_summary(score)}

    @post("/{assessment_id:int}/answers/{code:str}/verify", status_code=200,
          summary="Accept or query a vendor's answer")
    def verify(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               assessment_id: int, code: str, data: VerifyIn) -> dict[str, Any]:
        return svc.answer_view(svc.verify_answer(db, principal, frameworks, assessment_id, code, data))

    @get("/{assessment_id:int}/prefill", summary="Answers suggested from the solution's other assessments")
    def prefill(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                assessment_id: int) -> list[dict[str, Any]]:
        suggestions = svc.prefill_suggestions(db, principal, frameworks, assessment_id)
        return [{"criterion_code": s.code, "value": s.value, "provenance": s.provenance,
                 "source_assessment_id": s.source_assessment_id, "source_code": s.source_code}
                for s in suggestions.values()]

    @post("/{assessment_id:int}/answers/{code:str}/confirm", status_code=200,
          summary="Confirm a suggested (prefilled) answer")
    def confirm(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                assessment_id: int, code: str) -> dict[str, Any]:
        answer, score = svc.confirm_prefill(db, principal, frameworks, assessment_id, code)
        return {"answer": svc.answer_view(answer), "result": svc.score_summary(score)}

    @post("/{assessment_id:int}/import", status_code=200, **IMPORT_LIMITS,
          summary="Import a completed DTAC form (DOCX or ODT) into this assessment",
          exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _file_too_large})
    def import_form(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                    assessment_id: int, data: Multipart) -> dict[str, Any]:
        form_import.may_import(db, principal, assessment_id)
        filename, content = _upload(data)
        return form_import.import_view(form_import.import_into(db, principal, frameworks, assessment_id,
                                                               filename, content))

    @get("/{assessment_id:int}/imports", summary="Forms imported into the assessment, newest first")
    def imports(self, db: Session, principal: Principal, assessment_id: int) -> list[dict[str, Any]]:
        return [form_import.import_view(i) for i in form_import.imports_of(db, principal, assessment_id)]

    @post("/{assessment_id:int}/{action:str}", status_code=200,
          summary="Workflow: submit, review, complete, return (comment required) or corrections")
    def transition(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
                   assessment_id: int, action: str, data: TransitionIn | None = None) -> dict[str, Any]:
        handler = svc.TRANSITIONS.get(action)
        if handler is None:
            raise NotFound(f"no workflow action {action!r}; use one of {', '.join(svc.TRANSITIONS)}")
        assessment = handler(db, principal, frameworks, assessment_id, data)
        return svc.assessment_view(db, principal, frameworks, assessment)


@get("/api/solutions/{key:str}/assessments", tags=["assessment"],
     summary="A solution's assessments (newest first)")
def solution_assessments(db: Session, principal: Principal, key: str) -> list[dict[str, Any]]:
    _, items = svc.list_for_solution(db, principal, key)
    return [{"id": a.id, "number": a.number, "parent_id": a.parent_id, "framework_id": a.framework_id,
             "framework_version": a.framework_version, "tier": a.tier, "status": a.status,
             "score": a.score, "outcome": a.outcome,
             "created_at": a.created_at.isoformat() if a.created_at else None} for a in items]


@post("/api/solutions/{key:str}/assessments/import", tags=["assessment"], status_code=201, **IMPORT_LIMITS,
      summary="Start a DTAC assessment of the solution from a completed form (DOCX or ODT)",
      exception_handlers={HTTP_413_REQUEST_ENTITY_TOO_LARGE: _file_too_large})
def import_solution_form(db: Session, principal: Principal, frameworks: FrameworkRegistry, key: str,
                         data: Multipart) -> dict[str, Any]:
    form_import.may_import(db, principal)
    filename, content = _upload(data)
    return form_import.import_view(form_import.import_new(db, principal, frameworks, key, filename, content))


ROUTES: list[ControllerRouterHandler] = [FrameworkApi, AssessmentApi, solution_assessments, import_solution_form,
                                         AnswerFilesApi]
