"""One row per file attached to something: an assessment answer (the assessment and the
criterion, so a file outlives changes of the answer), an approval application (its `apply`
event) or a milestone of an evidence plan. The bytes are in a FileStorage under `sha256`."""

from __future__ import annotations

from datetime import datetime

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.db.base import Base, Versioned

ANSWER, APPLICATION, MILESTONE = "answer", "application", "milestone"
SUBJECTS = (ANSWER, APPLICATION, MILESTONE)


class EvidenceFile(Versioned, Base):
    __tablename__ = "evidence_file"
    __table_args__ = (Index("ix_evidence_file_subject", "subject", "subject_id", "criterion_code"),)

    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(10))          # app.files.content.KINDS
    media_type: Mapped[str] = mapped_column(String(100))
    # Shown and offered as the download's name, never used as a path (content.safe_name).
    name: Mapped[str] = mapped_column(String(255))
    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"), index=True)
    # answer: the assessment's id (and criterion_code); application: the apply event's id;
    # milestone: the milestone's id.
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int] = mapped_column(BigInteger)
    criterion_code: Mapped[str | None] = mapped_column(String(40))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Taken off what it was attached to (audited); the row and the bytes stay.
    removed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")


__all__ = ["EvidenceFile"]
