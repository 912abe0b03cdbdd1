"""approval_case: the application's basis (an approval abroad or none), its reference and
the day it is to be decided by

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-04 16:00:00
"""
import calendar
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Applications recorded before the basis existed had none: due the default period after receipt.
MONTHS = 6


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def upgrade() -> None:
    with op.batch_alter_table('approval_case') as batch:
        batch.add_column(sa.Column('basis', sa.String(length=10), nullable=False, server_default='none'))
        batch.add_column(sa.Column('basis_reference', sa.String(length=500), nullable=True))
        batch.add_column(sa.Column('decision_due', sa.Date(), nullable=True))
    case = sa.table('approval_case', sa.column('id', sa.Integer), sa.column('applied_on', sa.Date),
                    sa.column('decision_due', sa.Date))
    bind = op.get_bind()
    for case_id, applied_on in bind.execute(sa.select(case.c.id, case.c.applied_on)
                                            .where(case.c.applied_on.is_not(None))).all():
        bind.execute(case.update().where(case.c.id == case_id)
                     .values(decision_due=_add_months(applied_on, MONTHS)))


def downgrade() -> None:
    with op.batch_alter_table('approval_case') as batch:
        batch.drop_column('decision_due')
        batch.drop_column('basis_reference')
        batch.drop_column('basis')
