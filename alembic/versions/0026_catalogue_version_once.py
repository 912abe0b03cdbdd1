"""catalogue_version moves once per transaction on PostgreSQL

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-04 22:20:00

The statement triggers of 0023 updated the one catalogue_version row on every statement
that touched a solution or its treatment areas. A transaction writing rows one statement
at a time (an import, `generate`) then left a new version of that row per statement, and
each update had to step over all the earlier ones: `generate` of a million solutions had
not finished writing them after 17 minutes (it now writes everything in about 2). One
new value per transaction tells the list's count cache the same thing (other processes
only ever see the committed value). The marker is a transaction-local setting, so it goes
with the transaction, and with a savepoint rolled back. SQLite updates the row in place:
its row triggers stay as they are.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVERY_STATEMENT = ("CREATE OR REPLACE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$ "
                   "BEGIN UPDATE catalogue_version SET value = (random() * 9e18)::bigint; RETURN NULL; END $$")
ONCE_PER_TRANSACTION = (
    "CREATE OR REPLACE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF current_setting('blaastempel.catalogue_moved', true) IS DISTINCT FROM 'yes' THEN "
    "UPDATE catalogue_version SET value = (random() * 9e18)::bigint; "
    "PERFORM set_config('blaastempel.catalogue_moved', 'yes', true); "
    "END IF; RETURN NULL; END $$")


def upgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(ONCE_PER_TRANSACTION)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(EVERY_STATEMENT)
