"""audit_event index on (entity_type, id): the newest event of one kind is one look-up

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 20:20:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_audit_event_type_id', 'audit_event', ['entity_type', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_audit_event_type_id', table_name='audit_event')
