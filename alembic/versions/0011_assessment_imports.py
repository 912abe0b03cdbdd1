"""assessment_import: completed forms (DTAC) imported into an assessment, with the answers
that could not be mapped

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 10:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'assessment_import',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('assessment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('form_version', sa.String(length=20), nullable=False),
        sa.Column('imported_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('imported', sa.Integer(), nullable=False),
        sa.Column('report', sa.JSON(), nullable=False),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['assessment_id'], ['assessment.id'],
                                name=op.f('fk_assessment_import_assessment_id_assessment'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'],
                                name=op.f('fk_assessment_import_imported_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_assessment_import')),
    )
    op.create_index('ix_assessment_import_assessment_id', 'assessment_import', ['assessment_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assessment_import_assessment_id', table_name='assessment_import')
    op.drop_table('assessment_import')
