"""solution list at national scale: a covering index for the list's filters in name
order, and a catalogue version the list's count cache follows

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-04 19:00:00

`catalogue_version` (hand made, like search_fts: not in the models, not in archives) holds
one number that triggers set to a new random value whenever a solution or its treatment
areas change; app/catalogue/counts.py keeps the list's counts per process until it moves.
Random rather than a counter: a rolled-back write or a restored database cannot bring back
a value the cache has seen with other rows.
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIST_COLUMNS = ['published', 'name', 'id', 'purpose', 'target_users', 'origin', 'regulatory_class', 'country']
TABLES = ('solution', 'solution_treatment_area')


def upgrade() -> None:
    op.drop_index('ix_solution_published_name', table_name='solution')
    op.create_index('ix_solution_list_name', 'solution', LIST_COLUMNS)
    op.execute("CREATE TABLE catalogue_version (id INTEGER PRIMARY KEY, value BIGINT NOT NULL)")
    op.execute("INSERT INTO catalogue_version (id, value) VALUES (1, 0)")
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            for event in ('INSERT', 'UPDATE', 'DELETE'):
                op.execute(f"CREATE TRIGGER trg_{table}_{event.lower()}_version AFTER {event} ON {table} "
                           "BEGIN UPDATE catalogue_version SET value = random(); END")
    else:
        op.execute("CREATE FUNCTION bump_catalogue_version() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                   "UPDATE catalogue_version SET value = (random() * 9e18)::bigint; RETURN NULL; END $$")
        for table in TABLES:
            op.execute(f"CREATE TRIGGER trg_{table}_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION bump_catalogue_version()")


def downgrade() -> None:
    if op.get_bind().dialect.name == 'sqlite':
        for table in TABLES:
            for event in ('insert', 'update', 'delete'):
                op.execute(f"DROP TRIGGER trg_{table}_{event}_version")
    else:
        for table in TABLES:
            op.execute(f"DROP TRIGGER trg_{table}_version ON {table}")
        op.execute("DROP FUNCTION bump_catalogue_version()")
    op.execute("DROP TABLE catalogue_version")
    op.drop_index('ix_solution_list_name', table_name='solution')
    op.create_index('ix_solution_published_name', 'solution', ['published', 'name'])
