"""Denmark's calendar: the one "today" every rule, figure and page is dated by.

The server runs on UTC; between 22:00/23:00 and midnight UTC it is already tomorrow in
Copenhagen, so ``date.today()`` would date an approval, a benchmark and a report differently."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def now() -> datetime:
    """The moment in Danish time (tests move it to see the app across midnight)."""
    return datetime.now(DANISH_TIME)


def today() -> date:
    """Today in Denmark."""
    return now().date()


def danish_day(moment: datetime) -> date:
    """The Danish calendar day of a stored (aware) moment."""
    return moment.astimezone(DANISH_TIME).date()
