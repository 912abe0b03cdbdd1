"""evidence_file: files attached to assessment answers, approval applications and milestones

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 16:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'evidence_file',
        sa.Column('id', BIGINT, nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.BigInteger(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('solution_id', BIGINT, nullable=False),
        sa.Column('subject', sa.String(length=20), nullable=False),
        sa.Column('subject_id', sa.BigInteger(), nullable=False),
        sa.Column('criterion_code', sa.String(length=40), nullable=True),
        sa.Column('uploaded_by_id', BIGINT, nullable=True),
        sa.Column('removed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column('removed_by_id', BIGINT, nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['solution_id'], ['solution.id'], name=op.f('fk_evidence_file_solution_id_solution')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                                name=op.f('fk_evidence_file_uploaded_by_id_user_account')),
        sa.ForeignKeyConstraint(['removed_by_id'], ['user_account.id'],
                                name=op.f('fk_evidence_file_removed_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_evidence_file')),
    )
    op.create_index('ix_evidence_file_sha256', 'evidence_file', ['sha256'], unique=False)
    op.create_index('ix_evidence_file_solution_id', 'evidence_file', ['solution_id'], unique=False)
    op.create_index('ix_evidence_file_subject', 'evidence_file', ['subject', 'subject_id', 'criterion_code'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_evidence_file_subject', table_name='evidence_file')
    op.drop_index('ix_evidence_file_solution_id', table_name='evidence_file')
    op.drop_index('ix_evidence_file_sha256', table_name='evidence_file')
    op.drop_table('evidence_file')
