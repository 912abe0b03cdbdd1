"""The benchmark's view parameters as pages and API take them: the day in view (`as_of`,
typed the reader's way or ISO) and how a trend across a change of the regions is counted
(`trend`). Bad values name the field; nothing else is read."""

from __future__ import annotations

from datetime import date

from app.benchmark.services import EACH, TREND_MODES
from app.errors import ValidationFailed
from app.messages import Message
from app.web.forms import NotADate, typed_date

FIRST_DAY, LAST_DAY = date(2007, 1, 1), date(2100, 12, 31)  # the regions exist from 2007


def view_day(raw: str | None, lang: str) -> date | None:
    """The day asked for, or None for today."""
    if not raw or not raw.strip():
        return None
    try:
        day = typed_date(raw, lang)
    except NotADate as exc:
        raise ValidationFailed({"as_of": exc.message}) from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationFailed({"as_of": Message("must be a day from {first} to {last}", first=FIRST_DAY,
                                                 last=LAST_DAY)})
    return day


def trend_mode(raw: str | None) -> str:
    if not raw:
        return EACH
    if raw not in TREND_MODES:
        raise ValidationFailed({"trend": Message("must be one of {values}", values=", ".join(TREND_MODES))})
    return raw
