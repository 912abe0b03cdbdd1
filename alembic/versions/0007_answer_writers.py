"""assessment_answer_writer: everyone who ever wrote an answer of an assessment (the
four-eyes rule), backfilled from the answers' latest writers and the audit trail

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2_000
STREAM = {"yield_per": 5_000}

writer = sa.table(
    'assessment_answer_writer', sa.column('assessment_id', sa.BigInteger()), sa.column('user_id', sa.BigInteger()),
    sa.column('created_at', advanced_alchemy.types.DateTimeUTC(timezone=True)),
    sa.column('updated_at', advanced_alchemy.types.DateTimeUTC(timezone=True)))
answer = sa.table('assessment_answer', sa.column('id'), sa.column('assessment_id'), sa.column('answered_by_id'))
assessment = sa.table('assessment', sa.column('id'), sa.column('parent_id'))
user_account = sa.table('user_account', sa.column('id'))
audit_event = sa.table('audit_event', sa.column('id'), sa.column('actor_id'), sa.column('action'),
                       sa.column('entity_type'), sa.column('entity_id'),
                       sa.column('before', sa.JSON()), sa.column('after', sa.JSON()))


def upgrade() -> None:
    op.create_table('assessment_answer_writer',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('user_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'], name=op.f('fk_assessment_answer_writer_assessment_id_assessment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_assessment_answer_writer_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_answer_writer')),
    sa.UniqueConstraint('assessment_id', 'user_id', name='uq_answer_writer')
    )
    backfill_writers(op.get_bind())


def downgrade() -> None:
    op.drop_table('assessment_answer_writer')


def backfill_writers(conn: sa.Connection) -> None:
    """Writers = each answer's latest writer, every actor of an audited change to an
    answer or to the scope answers, and (for a correction version) the writers of the
    assessment it copies."""
    writers: dict[int, set[int]] = {}
    owner: dict[int, int] = {}
    for answer_id, assessment_id, answered_by in conn.execute(sa.select(answer)):
        owner[answer_id] = assessment_id
        if answered_by is not None:
            writers.setdefault(assessment_id, set()).add(answered_by)
    for assessment_id, actor_id in _audited_writers(conn, dict(owner)):
        writers.setdefault(assessment_id, set()).add(actor_id)
    users = set(conn.scalars(sa.select(user_account.c.id)))
    rows = []
    for assessment_id, parent_id in conn.execute(sa.select(assessment).order_by(assessment.c.id)):
        mine = writers.setdefault(assessment_id, set())
        mine |= writers.get(parent_id, set()) if parent_id is not None else set()
        rows += [{"assessment_id": assessment_id, "user_id": u} for u in sorted(mine & users)]
    now = datetime.now(UTC)
    for start in range(0, len(rows), BATCH):
        conn.execute(writer.insert(), [r | {"created_at": now, "updated_at": now}
                                       for r in rows[start:start + BATCH]])


def _audited_writers(conn: sa.Connection, owner: dict[int, int]) -> Iterable[tuple[int, int]]:
    """(assessment id, actor id) of every audited change to an answer or to the scope
    answers. Read in order, so a create names the answer's assessment before its updates
    (ids can be reused in SQLite)."""
    events = conn.execute(
        sa.select(audit_event.c.entity_type, audit_event.c.actor_id, audit_event.c.action,
                  audit_event.c.entity_id, audit_event.c.before, audit_event.c.after)
        .where(audit_event.c.entity_type.in_(('assessment_answer', 'assessment')))
        .order_by(audit_event.c.id).execution_options(**STREAM))
    for entity_type, actor_id, action, entity_id, before, after in events:
        if entity_type == 'assessment':
            if action == 'update' and actor_id is not None and 'scope_answers' in (after or {}):
                yield entity_id, actor_id
            continue
        snapshot: Any = after if action == 'create' else before if action == 'delete' else None
        if isinstance(snapshot, dict) and snapshot.get('assessment_id') is not None:
            owner[entity_id] = int(snapshot['assessment_id'])
        if actor_id is not None and entity_id in owner:
            yield owner[entity_id], actor_id
