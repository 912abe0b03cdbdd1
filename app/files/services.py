"""Keeping, listing and taking off evidence files. Callers (the assessment and approvals
services) have checked that the principal may do so on the record; these functions check
the file itself: its size and its kind (from its content)."""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.clock import danish_day
from app.core.principal import Principal
from app.errors import NotFound, ValidationFailed
from app.files.content import FileRefused, detect, safe_name
from app.files.models import EvidenceFile
from app.files.storage import FileStorage
from app.messages import Message


@dataclass(frozen=True)
class Upload:
    """A file as received: the name the user's computer gave it, and its bytes."""

    name: str
    content: bytes


@dataclass(frozen=True)
class Subject:
    """What a file is attached to (see EvidenceFile)."""

    solution_id: int
    kind: str
    id: int
    criterion_code: str | None = None


@dataclass(frozen=True)
class FileContext:
    """Where uploads are kept and the largest accepted (from the settings)."""

    storage: FileStorage
    limit: int


def megabytes(limit: int) -> int:
    return max(1, round(limit / 1_000_000))


def store(session: Session, ctx: FileContext, principal: Principal, upload: Upload, subject: Subject,
          field: str = "file") -> EvidenceFile:
    """Check the file (size, kind from its content), keep its bytes and attach it; a refused
    file raises ValidationFailed naming `field`, and nothing is kept."""
    name = safe_name(upload.name)
    if len(upload.content) > ctx.limit:
        raise ValidationFailed({field: Message("{name} is larger than {mb} MB, the most a file may be",
                                               name=name, mb=megabytes(ctx.limit))})
    try:
        kind = detect(upload.content, name)
    except FileRefused as exc:
        raise ValidationFailed({field: exc.args[0]}) from None
    digest = hashlib.sha256(upload.content).hexdigest()
    ctx.storage.put(digest, upload.content)
    row = EvidenceFile(sha256=digest, size=len(upload.content), kind=kind.code, media_type=kind.media_type,
                       name=safe_name(upload.name, kind), solution_id=subject.solution_id,
                       subject=subject.kind, subject_id=subject.id, criterion_code=subject.criterion_code,
                       uploaded_by_id=principal.id)
    session.add(row)
    session.flush()
    return row


def attached(session: Session, kind: str, subject_ids: Collection[int],
             criterion_code: str | None = None) -> list[EvidenceFile]:
    """The files attached to these subjects, removed ones too (the history), oldest first."""
    if not subject_ids:
        return []
    stmt = select(EvidenceFile).where(EvidenceFile.subject == kind, EvidenceFile.subject_id.in_(subject_ids))
    if criterion_code is not None:
        stmt = stmt.where(EvidenceFile.criterion_code == criterion_code)
    return list(session.scalars(stmt.order_by(EvidenceFile.id)))


def get_file(session: Session, file_id: int) -> EvidenceFile:
    row = session.get(EvidenceFile, file_id)
    if row is None:
        raise NotFound(Message("file {id} does not exist", id=file_id))
    return row


def remove(principal: Principal, row: EvidenceFile) -> None:
    """Take the file off what it is attached to (the audit hook records who and when); the
    row and the bytes stay, so the history still shows it."""
    if row.removed_at is None:
        row.removed_at = datetime.now(UTC)
        row.removed_by_id = principal.id


def uploaded_on(row: EvidenceFile) -> date:
    """The day (in Denmark) the file was uploaded."""
    return danish_day(row.created_at)


def content_of(storage: FileStorage, row: EvidenceFile) -> bytes:
    try:
        return storage.get(row.sha256)
    except FileNotFoundError:
        raise NotFound(Message("the content of file {name} is missing from the file store",
                               name=row.name)) from None


def file_view(row: EvidenceFile) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "kind": row.kind, "media_type": row.media_type,
            "size": row.size, "sha256": row.sha256, "subject": row.subject,
            "criterion_code": row.criterion_code,
            "uploaded_by": row.uploaded_by.name if row.uploaded_by else None,
            "uploaded_at": row.created_at.isoformat() if row.created_at else None,
            "removed_at": row.removed_at.isoformat() if row.removed_at else None,
            "download": f"/files/{row.id}"}
