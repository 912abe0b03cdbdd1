"""The iCalendar feed of approval deadlines (final evidence, milestones, end dates)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from icalendar import Calendar, Event

from app.approvals.services import utcnow


def build_calendar(deadlines: list[dict[str, Any]], base_url: str, gettext: Callable[[str], str]) -> bytes:
    """The feed in gettext's language (summaries are Messages)."""
    cal = Calendar()
    cal.add("prodid", "-//Blåstempel//Approval deadlines//DA")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", f"Blåstempel: {gettext('Approval deadlines')}")
    stamp = utcnow()
    for d in deadlines:
        case = d["case"]
        event = Event()
        event.add("uid", f"{d['uid']}@blaastempel.dk")
        event.add("dtstamp", stamp)
        event.add("dtstart", d["date"])
        event.add("dtend", d["date"] + timedelta(days=1))
        event.add("summary", d["summary"].in_language(gettext))
        event.add("url", f"{base_url}/approvals/solutions/{case.solution.slug}")
        event.add("description", f"{case.solution.name}, {case.register_number or ''}: "
                                 f"{base_url}/approvals/solutions/{case.solution.slug}")
        event.add("transp", "TRANSPARENT")
        cal.add_component(event)
    return cal.to_ical()
