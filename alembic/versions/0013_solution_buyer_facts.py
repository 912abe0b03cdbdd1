"""solution buyer facts: coded indications, platforms, languages, price and business model,
contact, data location; solution_study: structured evidence

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 12:00:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LISTS = ('indications', 'contraindications', 'platforms', 'languages')


def upgrade() -> None:
    with op.batch_alter_table('solution') as batch:
        for name in LISTS:
            # existing rows get an empty list; the model writes its own default from now on
            batch.add_column(sa.Column(name, sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
        batch.add_column(sa.Column('licence_model', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('price_dkk', sa.Numeric(precision=14, scale=2), nullable=True))
        batch.add_column(sa.Column('price_unit', sa.String(length=30), nullable=True))
        batch.add_column(sa.Column('payer', sa.String(length=20), nullable=True))
        batch.add_column(sa.Column('free_for_municipalities', sa.Boolean(), nullable=True))
        batch.add_column(sa.Column('contact_name', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))
        batch.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('data_location', sa.String(length=20), nullable=True))
    op.create_table(
        'solution_study',
        sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('design', sa.String(length=30), nullable=False),
        sa.Column('participants', sa.Integer(), nullable=True),
        sa.Column('population', sa.Text(), nullable=True),
        sa.Column('outcome_measures', sa.Text(), nullable=True),
        sa.Column('main_result', sa.Text(), nullable=True),
        sa.Column('country', sa.String(length=2), nullable=True),
        sa.Column('year', sa.Integer(), nullable=True),
        sa.Column('doi', sa.String(length=200), nullable=True),
        sa.Column('url', sa.String(length=500), nullable=True),
        sa.Column('registry_id', sa.String(length=40), nullable=True),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['solution_id'], ['solution.id'],
                                name=op.f('fk_solution_study_solution_id_solution'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_solution_study')),
    )
    op.create_index('ix_solution_study_solution_id', 'solution_study', ['solution_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_solution_study_solution_id', table_name='solution_study')
    op.drop_table('solution_study')
    with op.batch_alter_table('solution') as batch:
        for name in ('data_location', 'contact_phone', 'contact_email', 'contact_name',
                     'free_for_municipalities', 'payer', 'price_unit', 'price_dkk', 'licence_model',
                     *reversed(LISTS)):
            batch.drop_column(name)
