"""notification outbox and notification preferences

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 15:40:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STAMP = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('context', sa.JSON(), nullable=False),
        sa.Column('dedup_key', sa.String(length=200), nullable=True),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', STAMP, nullable=True),
        sa.Column('sent_at', STAMP, nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.Column('created_at', STAMP, nullable=False),
        sa.Column('updated_at', STAMP, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification')),
        sa.UniqueConstraint('user_id', 'kind', 'dedup_key', name='uq_notification_dedup'),
    )
    op.create_index('ix_notification_pending', 'notification', ['status', 'next_attempt_at'])
    op.create_index(op.f('ix_notification_user_id'), 'notification', ['user_id'])
    op.create_table(
        'notification_preference',
        sa.Column('id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', STAMP, nullable=False),
        sa.Column('updated_at', STAMP, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_preference_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_preference')),
        sa.UniqueConstraint('user_id', 'kind', name='uq_notification_preference'),
    )
    op.create_index(op.f('ix_notification_preference_user_id'), 'notification_preference', ['user_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_notification_preference_user_id'), table_name='notification_preference')
    op.drop_table('notification_preference')
    op.drop_index(op.f('ix_notification_user_id'), table_name='notification')
    op.drop_index('ix_notification_pending', table_name='notification')
    op.drop_table('notification')
