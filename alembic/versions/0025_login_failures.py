"""login_failure: failed logins per client key, so the login rate limit holds across every
worker process and server on the database

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04 19:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0025'
down_revision: str | None = '0024'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'login_failure',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
        sa.Column('scope', sa.String(length=16), nullable=False),
        sa.Column('client_key', sa.String(length=100), nullable=False),
        sa.Column('failed_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failure')),
    )
    op.create_index('ix_login_failure_key', 'login_failure', ['scope', 'client_key', 'failed_at'], unique=False)
    op.create_index('ix_login_failure_time', 'login_failure', ['scope', 'failed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_login_failure_time', table_name='login_failure')
    op.drop_index('ix_login_failure_key', table_name='login_failure')
    op.drop_table('login_failure')
