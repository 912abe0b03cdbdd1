"""framework_upload: framework versions uploaded by an admin (draft, published, discarded)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'framework_upload',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('framework_id', sa.String(length=60), nullable=False),
        sa.Column('framework_version', sa.String(length=20), nullable=False),
        sa.Column('filename', sa.String(length=255), nullable=False),
        sa.Column('yaml_text', sa.Text(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('base_version', sa.String(length=20), nullable=True),
        sa.Column('diff', sa.JSON(), nullable=False),
        sa.Column('uploaded_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('published_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
        sa.Column('published_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['user_account.id'],
                                name=op.f('fk_framework_upload_uploaded_by_id_user_account')),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'],
                                name=op.f('fk_framework_upload_published_by_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_upload')),
    )
    op.create_index('ix_framework_upload_status', 'framework_upload', ['status', 'published_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_framework_upload_status', table_name='framework_upload')
    op.drop_table('framework_upload')
