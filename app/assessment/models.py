"""Assessment tables: an assessment of one solution against one pinned framework version,
its answers (one per criterion), everyone who ever wrote one of them, and the history of
its workflow transitions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.catalogue.models import Solution
from app.db.base import Base, Versioned


class Assessment(Versioned, Base):
    __tablename__ = "assessment"
    __table_args__ = (Index("ix_assessment_solution_framework", "solution_id", "framework_id", "id"),)

    solution_id: Mapped[int] = mapped_column(ForeignKey("solution.id"), index=True)
    # The framework version is pinned when the assessment starts: a later version of the
    # framework never changes an existing assessment.
    framework_id: Mapped[str] = mapped_column(String(60))
    framework_version: Mapped[str] = mapped_column(String(20))
    tier: Mapped[str | None] = mapped_column(String(40))
    scope_answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), index=True, default="draft")
    number: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assessment.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    completed_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))
    # Cached result of the scoring engine, recomputed on every save (derived data).
    score: Mapped[float | None] = mapped_column(Float)
    outcome: Mapped[str | None] = mapped_column(String(40))
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    # Loaded on use: saving an answer (the hot path) needs only the answers.
    solution: Mapped[Solution] = relationship(lazy="select")
    author: Mapped[User] = relationship(foreign_keys=[author_id], lazy="select")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id], lazy="select")
    answers: Mapped[list[Answer]] = relationship(
        back_populates="assessment", lazy="selectin", cascade="all, delete-orphan",
        order_by="Answer.id")
    transitions: Mapped[list[AssessmentTransition]] = relationship(
        lazy="select", cascade="all, delete-orphan", order_by="AssessmentTransition.id")

    def answer(self, code: str) -> Answer | None:
        return next((a for a in self.answers if a.criterion_code == code), None)


class Answer(Versioned, Base):
    __tablename__ = "assessment_answer"
    __table_args__ = (UniqueConstraint("assessment_id", "criterion_code", name="uq_answer_criterion"),)

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(40))
    value: Mapped[Any] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    evidence_url: Mapped[str | None] = mapped_column(String(500))
    source: Mapped[str] = mapped_column(String(10), default="assessor")  # assessor | vendor | prefill
    provenance: Mapped[str | None] = mapped_column(Text)
    verification: Mapped[str | None] = mapped_column(String(10))  # vendor answers: pending|accepted|queried
    verification_comment: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="answers")
    answered_by: Mapped[User | None] = relationship(lazy="select")


class AnswerWriter(Base):
    """Someone who wrote (saved, cleared or verified) an answer of the assessment or its
    scope answers, at any time: an answer keeps only its latest writer, the four-eyes rule
    (app.assessment.four_eyes) needs them all.
    A correction version inherits the writers of the assessment it copies, and its maker
    wrote every copied answer."""

    __tablename__ = "assessment_answer_writer"
    __table_args__ = (UniqueConstraint("assessment_id", "user_id", name="uq_answer_writer"),)

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))


class AssessmentTransition(Base):
    __tablename__ = "assessment_transition"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    comment: Mapped[str | None] = mapped_column(Text)

    actor: Mapped[User | None] = relationship(lazy="select")


class AssessmentImport(Base):
    """A completed form imported into the assessment: the file, the form's version, who
    imported it, and the answers that could not be mapped (for the assessor to settle)."""

    __tablename__ = "assessment_import"

    assessment_id: Mapped[int] = mapped_column(ForeignKey("assessment.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    form_version: Mapped[str] = mapped_column(String(20))
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    imported: Mapped[int] = mapped_column(Integer, default=0)
    # {"imported": [codes], "unmapped": [{code, text, reason, msgid, params}], "kept": [codes],
    #  "blank": [codes], "absent": [codes]}
    report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    imported_by: Mapped[User | None] = relationship(lazy="select")


class FrameworkUpload(Versioned, Base):
    """A framework version uploaded by an admin (app.assessment.library): the YAML as
    uploaded, a draft until published or discarded. The files in frameworks/ are the seed;
    the app's frameworks are the seed plus the published uploads (a later published upload
    of the same version replaces only its wording)."""

    __tablename__ = "framework_upload"
    __table_args__ = (Index("ix_framework_upload_status", "status", "published_at"),)

    framework_id: Mapped[str] = mapped_column(String(60))
    framework_version: Mapped[str] = mapped_column(String(20))
    filename: Mapped[str] = mapped_column(String(255))
    yaml_text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default="draft")  # draft | published | discarded
    kind: Mapped[str] = mapped_column(String(12))  # new | rewording (of an existing version)
    base_version: Mapped[str | None] = mapped_column(String(20))  # the version it was compared with
    diff: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True))

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="select")
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id], lazy="select")


__all__ = ["Answer", "AnswerWriter", "Assessment", "AssessmentImport", "AssessmentTransition", "FrameworkUpload"]
