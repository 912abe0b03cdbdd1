"""a user's choice between each notification at once and a daily digest

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 16:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')
STAMP = advanced_alchemy.types.datetime.DateTimeUTC(timezone=True)


def upgrade() -> None:
    op.create_table(
        'notification_setting',
        sa.Column('id', ID, nullable=False),
        sa.Column('user_id', ID, nullable=False),
        sa.Column('delivery', sa.String(length=12), nullable=False),
        sa.Column('digest_on', sa.Date(), nullable=True),
        sa.Column('created_at', STAMP, nullable=False),
        sa.Column('updated_at', STAMP, nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ondelete='CASCADE',
                                name=op.f('fk_notification_setting_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notification_setting')),
        sa.UniqueConstraint('user_id', name=op.f('uq_notification_setting_user_id')),
    )


def downgrade() -> None:
    op.drop_table('notification_setting')
