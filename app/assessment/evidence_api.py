"""JSON API of the files attached to an assessment's answers (app.assessment.evidence)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Response
from litestar.enums import RequestEncodingType
from litestar.params import Body
from sqlalchemy.orm import Session

from app.assessment import evidence
from app.assessment.evidence import ANSWERING
from app.assessment.loader import FrameworkRegistry
from app.core.principal import Principal
from app.files import services as files
from app.files.web import download, file_upload, upload_of
from app.web.routing import delete, get, post

Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


class AnswerFilesApi(Controller):
    path = "/api/assessments"
    tags = ["assessment"]

    @get("/{assessment_id:int}/files", summary="Files attached to the answers, by criterion (removed ones too)")
    def index(self, db: Session, principal: Principal, assessment_id: int) -> dict[str, Any]:
        return {code: [files.file_view(f) for f in rows]
                for code, rows in evidence.answer_files(db, principal, assessment_id).items()}

    @post("/{assessment_id:int}/answers/{code:str}/files", status_code=201, request_max_body_size=None,
          opt=file_upload(*ANSWERING), summary="Attach a file to an answer",
          description="Multipart field `file`: PDF, DOCX, XLSX, PNG or JPEG (checked from its content), at most "
                      "the configured size (25 MB by default). Who may answer the criterion may attach.")
    def attach(self, db: Session, principal: Principal, frameworks: FrameworkRegistry,
               file_context: files.FileContext, assessment_id: int, code: str, data: Multipart) -> dict[str, Any]:
        upload = upload_of(data, "file", file_context.limit)
        return files.file_view(evidence.attach(db, principal, frameworks, file_context, assessment_id, code, upload))

    @delete("/{assessment_id:int}/answers/{code:str}/files/{file_id:int}", status_code=200,
            summary="Take a file off an answer (audited; the file stays in the history)")
    def detach(self, db: Session, principal: Principal, frameworks: FrameworkRegistry, assessment_id: int,
               code: str, file_id: int) -> dict[str, Any]:
        return files.file_view(evidence.detach(db, principal, frameworks, assessment_id, code, file_id))

    @get("/{assessment_id:int}/files/{file_id:int}", media_type="application/octet-stream",
         summary="Download a file of an answer (whoever may see the assessment)")
    def download(self, db: Session, principal: Principal, file_context: files.FileContext, assessment_id: int,
                 file_id: int) -> Response[bytes]:
        row = evidence.answer_file(db, principal, assessment_id, file_id)
        return download(row, files.content_of(file_context.storage, row))
