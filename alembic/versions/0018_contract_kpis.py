"""contract KPIs (model 7.2): KPI definitions, vendor contracts with their own targets,
reported KPI values

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 15:30:00
"""
from collections.abc import Sequence

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('contract_kpi',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name_da', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('default_target', sa.Float(), nullable=True),
    sa.Column('min_value', sa.Float(), nullable=False),
    sa.Column('max_value', sa.Float(), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_kpi')),
    sa.UniqueConstraint('code', name=op.f('uq_contract_kpi_code'))
    )
    op.create_table('contract',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('solution_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('organisation_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('start_date', sa.Date(), nullable=False),
    sa.Column('end_date', sa.Date(), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_contract_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['solution_id'], ['solution.id'], name=op.f('fk_contract_solution_id_solution')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract')),
    sa.UniqueConstraint('reference', name=op.f('uq_contract_reference'))
    )
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contract_solution_id'), ['solution_id'], unique=False)

    op.create_table('contract_kpi_value',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kpi_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('reported_by_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('reported_by', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_kpi_value_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kpi_id'], ['contract_kpi.id'], name=op.f('fk_contract_kpi_value_kpi_id_contract_kpi')),
    sa.ForeignKeyConstraint(['reported_by_id'], ['user_account.id'], name=op.f('fk_contract_kpi_value_reported_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_kpi_value')),
    sa.UniqueConstraint('contract_id', 'kpi_id', 'measured_on', name='uq_contract_kpi_value')
    )
    with op.batch_alter_table('contract_kpi_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contract_kpi_value_contract_id'), ['contract_id'], unique=False)

    op.create_table('contract_target',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('contract_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('kpi_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['contract_id'], ['contract.id'], name=op.f('fk_contract_target_contract_id_contract'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['kpi_id'], ['contract_kpi.id'], name=op.f('fk_contract_target_kpi_id_contract_kpi')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contract_target')),
    sa.UniqueConstraint('contract_id', 'kpi_id', name='uq_contract_target')
    )


def downgrade() -> None:
    op.drop_table('contract_target')
    with op.batch_alter_table('contract_kpi_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_kpi_value_contract_id'))

    op.drop_table('contract_kpi_value')
    with op.batch_alter_table('contract', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contract_solution_id'))
        batch_op.drop_index(batch_op.f('ix_contract_organisation_id'))

    op.drop_table('contract')
    op.drop_table('contract_kpi')
