"""region validity and membership history: Region Hovedstaden and Region Sjælland end on
31 Dec 2026, Region Østdanmark (internal code, no official one found) starts on 1 Jan 2027
with their municipalities and hospitals

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 16:00:00
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime

import advanced_alchemy.types
import sqlalchemy as sa
from alembic import op

revision: str = '0019'
down_revision: str | None = '0018'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

MERGED = ('1084', '1085')
EAST = {'code': 'oest-intern', 'name': 'Region Østdanmark', 'name_en': 'Region of Eastern Denmark'}
LAST_DAY, FIRST_DAY = date(2026, 12, 31), date(2027, 1, 1)
ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table(
        'region_membership',
        sa.Column('id', ID, nullable=False),
        sa.Column('organisation_id', ID, nullable=False),
        sa.Column('region_id', ID, nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=True),
        sa.Column('valid_to', sa.Date(), nullable=True),
        sa.Column('created_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.Column('updated_at', advanced_alchemy.types.datetime.DateTimeUTC(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'],
                                name=op.f('fk_region_membership_organisation_id_organisation'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['region_id'], ['organisation.id'],
                                name=op.f('fk_region_membership_region_id_organisation'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_region_membership')),
        sa.UniqueConstraint('organisation_id', 'region_id', name='uq_region_membership'),
    )
    with op.batch_alter_table('region_membership') as batch:
        batch.create_index(batch.f('ix_region_membership_organisation_id'), ['organisation_id'], unique=False)
        batch.create_index(batch.f('ix_region_membership_region_id'), ['region_id'], unique=False)
    _fill(op.get_bind())


def _fill(conn: sa.Connection) -> None:
    """Existing databases: every organisation with a region gets that membership; when the
    reference regions are loaded, the merger too (a fresh database gets it from the seed)."""
    now = datetime.now(UTC)
    org = sa.table('organisation', sa.column('id'), sa.column('kind'), sa.column('code'), sa.column('name'),
                   sa.column('name_en'), sa.column('region_id'), sa.column('valid_from'), sa.column('valid_to'),
                   sa.column('source'), sa.column('version'), sa.column('created_at'), sa.column('updated_at'))
    member = sa.table('region_membership', sa.column('organisation_id'), sa.column('region_id'),
                      sa.column('valid_from'), sa.column('valid_to'), sa.column('created_at'), sa.column('updated_at'))
    regions = dict(conn.execute(sa.select(org.c.code, org.c.id).where(org.c.kind == 'region')).all())
    merging = [regions[c] for c in MERGED if c in regions]
    east = regions.get(EAST['code'])
    if len(merging) == len(MERGED) and east is None:
        conn.execute(org.insert().values(kind='region', valid_from=FIRST_DAY, version=1, created_at=now,
                                         updated_at=now, source='data/reference (see SOURCES.md)', **EAST))
        east = conn.execute(sa.select(org.c.id).where(org.c.kind == 'region', org.c.code == EAST['code'])).scalar()
        conn.execute(org.update().where(org.c.id.in_(merging)).values(valid_to=LAST_DAY, version=org.c.version + 1))
    rows = []
    for oid, rid in conn.execute(sa.select(org.c.id, org.c.region_id).where(org.c.region_id.is_not(None))):
        moves = east is not None and rid in merging
        rows.append({'organisation_id': oid, 'region_id': rid, 'valid_from': None,
                     'valid_to': LAST_DAY if moves else None, 'created_at': now, 'updated_at': now})
        if moves:
            rows.append({'organisation_id': oid, 'region_id': east, 'valid_from': FIRST_DAY, 'valid_to': None,
                         'created_at': now, 'updated_at': now})
    if rows:
        conn.execute(member.insert(), rows)


def downgrade() -> None:
    with op.batch_alter_table('region_membership') as batch:
        batch.drop_index(batch.f('ix_region_membership_region_id'))
        batch.drop_index(batch.f('ix_region_membership_organisation_id'))
    op.drop_table('region_membership')
