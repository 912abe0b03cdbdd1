"""saved searches

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-04 16:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STAMP = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        'saved_search',
        sa.Column('id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('alerts', sa.Boolean(), nullable=False),
        sa.Column('seen_solution_ids', sa.JSON(), nullable=False),
        sa.Column('scanned_at', STAMP, nullable=True),
        sa.Column('created_at', STAMP, nullable=False),
        sa.Column('updated_at', STAMP, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_saved_search_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_search')),
    )
    op.create_index(op.f('ix_saved_search_user_id'), 'saved_search', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_saved_search_user_id'), table_name='saved_search')
    op.drop_table('saved_search')
