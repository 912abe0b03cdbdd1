"""fhir paging indexes: (lastUpdated, id) order of solutions, vendors and register cases

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-04 19:30:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_solution_published_updated', 'solution', ['published', 'updated_at', 'id'])
    op.create_index('ix_vendor_updated', 'vendor', ['updated_at', 'id'])
    op.create_index('ix_approval_case_updated', 'approval_case', ['updated_at', 'id'])


def downgrade() -> None:
    op.drop_index('ix_approval_case_updated', table_name='approval_case')
    op.drop_index('ix_vendor_updated', table_name='vendor')
    op.drop_index('ix_solution_published_updated', table_name='solution')
