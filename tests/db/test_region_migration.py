"""Migration 0019 on an existing database: the five regions it holds get the merger of
1 January 2027 and every organisation its membership history. (A temporary SQLite file:
the PostgreSQL test database is migrated once, empty, for the whole run.)"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from alembic import command
from app.catalogue.regions import regions_on
from app.db.engine import make_engine
from app.db.migrate import alembic_config, upgrade

ROWS = [("region", "1081", "Region Nordjylland", None), ("region", "1084", "Region Hovedstaden", None),
        ("region", "1085", "Region Sjælland", None), ("municipality", "851", "Aalborg", "1081"),
        ("municipality", "101", "København", "1084"), ("hospital", "holbaek-sygehus", "Holbæk Sygehus", "1085")]


def test_0019_adds_the_merger_to_an_existing_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0013")
    engine = make_engine(url)
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for kind, code, name, region in ROWS:
            conn.execute(text("INSERT INTO organisation (kind, code, name, region_id, valid_from, version, created_at, "
                              "updated_at) VALUES (:kind, :code, :name, (SELECT id FROM organisation WHERE kind = "
                              "'region' AND code = :region), :start, 1, :now, :now)"),
                         {"kind": kind, "code": code, "name": name, "region": region, "now": now,
                          "start": date(2007, 1, 1) if kind == "region" else None})
    upgrade(url, "0019")
    with Session(engine) as session:
        before, after = regions_on(session, date(2026, 12, 31)), regions_on(session, date(2027, 1, 1))
        assert [r.code for r in before.regions] == ["1081", "1084", "1085"]
        assert [r.name for r in after.regions] == ["Region Nordjylland", "Region Østdanmark"]
        east = after.regions[1]
        assert east.code == "oest-intern" and east.valid_from == date(2027, 1, 1)
        names = {o: n for o, n in session.execute(text("SELECT id, name FROM organisation"))}
        assert sorted(names[i] for i in after.members(east.id)) == ["Holbæk Sygehus", "København"]
        assert sorted(names[i] for i in before.members(before.regions[1].id)) == ["København"]
        assert [names[i] for i in after.members(after.regions[0].id)] == ["Aalborg"]
    command.downgrade(alembic_config(url), "0013")  # and back
    engine.dispose()
