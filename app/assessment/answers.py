"""One answer to one criterion: ``validate_answer`` checks it and returns it normalised.

This is the boundary: an answer is normalised here once, when it is given (saved, a scope
answer, a suggestion carried over), and stored so. Scoring, classification and concept
reuse take the stored, normalised answers as they are.

A refused answer raises AnswerError with a Message (English with its values; a page
shows it in its own language). Pure: no database, no web.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from urllib.parse import urlparse

from app.assessment.schema import Criterion
from app.messages import Message

_YES = frozenset({"yes", "ja", "true", "y"})
_NO = frozenset({"no", "nej", "false", "n"})
_NA = frozenset({"na", "n/a", "not_applicable", "ikke_relevant", "ikke relevant"})
_MAX_TEXT = 20_000


class AnswerError(ValueError):
    """An answer is not valid for a criterion; ``message`` says why."""

    def __init__(self, criterion_code: str, message: Message) -> None:
        self.criterion_code = criterion_code
        self.message = message
        super().__init__(f"{criterion_code}: {message}")


def validate_answer(criterion: Criterion, value: Any, tier: str | None) -> Any:
    """Check ``value`` against ``criterion`` and return the normalised answer.

    Normalised forms (all JSON-serialisable): yes_no -> "yes"/"no"; yes_no_na ->
    "yes"/"no"/"na"; choice -> option value (str); multi_choice -> list of option
    values in option order; number -> int or float; rating -> int; date -> ISO string
    "YYYY-MM-DD"; text -> stripped str; evidence_link -> str (http/https URL).
    Raises AnswerError. ``None`` is not an answer: delete the key instead.
    """
    code = criterion.code
    if not criterion.applies(tier):
        raise AnswerError(code, Message("does not apply to tier {tier} (applies to {tiers})",
                                        tier=repr(tier), tiers=", ".join(criterion.applies_to)))
    if value is None or (isinstance(value, str) and not value.strip()):
        raise AnswerError(code, Message("no answer given"))
    return _VALIDATORS[criterion.answer_type](criterion, value)


def _v_yes_no(c: Criterion, value: Any) -> str:
    allow_na = c.answer_type == "yes_no_na"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        v = value.strip().lower()
        if v in _YES:
            return "yes"
        if v in _NO:
            return "no"
        if allow_na and v in _NA:
            return "na"
    if allow_na:
        raise AnswerError(c.code, Message("answer must be yes, no or na, got {value}", value=repr(value)))
    raise AnswerError(c.code, Message("answer must be yes or no, got {value}", value=repr(value)))


def _v_choice(c: Criterion, value: Any) -> str:
    if not isinstance(value, str) or c.option(value.strip()) is None:
        raise AnswerError(c.code, Message("{value} is not one of the options ({allowed})", value=repr(value),
                                          allowed=", ".join(o.value for o in c.options)))
    return value.strip()


def _v_multi(c: Criterion, value: Any) -> list[str]:
    if isinstance(value, str) or not isinstance(value, list | tuple | set | frozenset):
        raise AnswerError(c.code, Message("answer must be a list of options"))
    chosen = {_v_choice(c, v) for v in value}
    if len(chosen) != len(list(value)):
        raise AnswerError(c.code, Message("an option is chosen twice"))
    return [o.value for o in c.options if o.value in chosen]


def _as_number(c: Criterion, value: Any) -> int | float:
    if isinstance(value, bool):
        raise AnswerError(c.code, Message("answer must be a number"))
    if isinstance(value, int | float):
        number: int | float = value
    elif isinstance(value, str):
        text = value.strip().replace(",", ".")
        try:
            number = int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
        except ValueError:
            raise AnswerError(c.code, Message("{value} is not a number", value=repr(value))) from None
    else:
        raise AnswerError(c.code, Message("answer must be a number"))
    if number != number or number in (float("inf"), float("-inf")):
        raise AnswerError(c.code, Message("answer must be a finite number"))
    return number


def _in_range(c: Criterion, number: float) -> None:
    low, high = c.min, c.max
    if (low is None or number >= low) and (high is None or number <= high):
        return
    if low is not None and high is not None:
        why = Message("{number} is not between {low} and {high}", number=_fmt(number), low=_fmt(low),
                      high=_fmt(high))
    elif low is not None:
        why = Message("{number} is less than {low}, the smallest allowed", number=_fmt(number),
                      low=_fmt(low))
    else:
        why = Message("{number} is more than {high}, the largest allowed", number=_fmt(number),
                      high=_fmt(high or 0))
    raise AnswerError(c.code, why)


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _v_number(c: Criterion, value: Any) -> int | float:
    number = _as_number(c, value)
    _in_range(c, number)
    return number


def _v_rating(c: Criterion, value: Any) -> int:
    number = _as_number(c, value)
    if float(number) != int(number):
        raise AnswerError(c.code, Message("a rating must be a whole number"))
    _in_range(c, number)
    return int(number)


def _v_date(c: Criterion, value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()[:10]
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).isoformat()
        except ValueError:
            pass
    raise AnswerError(c.code, Message("{value} is not a date (use YYYY-MM-DD)", value=repr(value)))


def _v_text(c: Criterion, value: Any) -> str:
    if not isinstance(value, str):
        raise AnswerError(c.code, Message("answer must be text"))
    if len(value) > _MAX_TEXT:
        raise AnswerError(c.code, Message("text is longer than {limit} characters", limit=_MAX_TEXT))
    return value.strip()


def is_http_link(text: str) -> bool:
    """True for an absolute http(s) URL without spaces (an evidence link)."""
    parsed = urlparse(text)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc) and " " not in text


def _v_link(c: Criterion, value: Any) -> str:
    text = _v_text(c, value)
    if not is_http_link(text):
        raise AnswerError(c.code, Message("{value} is not an http(s) link", value=repr(text)))
    return text


_VALIDATORS = {
    "yes_no": _v_yes_no,
    "yes_no_na": _v_yes_no,
    "choice": _v_choice,
    "multi_choice": _v_multi,
    "number": _v_number,
    "rating": _v_rating,
    "date": _v_date,
    "text": _v_text,
    "evidence_link": _v_link,
}
