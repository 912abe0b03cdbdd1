"""report_start: the ledger of report starts (rate limits shared by all workers, reuse of
identical anonymous reports)

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 10:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'report_start',
        sa.Column('job_id', sa.String(length=32), nullable=False),
        sa.Column('owner_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('address', sa.String(length=64), nullable=False),
        sa.Column('request_key', sa.String(length=64), nullable=False),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('job_id', name=op.f('pk_report_start')),
    )
    op.create_index('ix_report_start_created_at', 'report_start', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_report_start_created_at', table_name='report_start')
    op.drop_table('report_start')
