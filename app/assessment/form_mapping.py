"""Mapping the answers of a completed form (app.assessment.form_reader) onto the criteria
of a framework version, by question code and option text.

Option text is matched with tolerance: case, punctuation and spacing do not matter, "N/A"
reads as "Not applicable", an answer may go on after the option ("Yes, it is registered
..."), and a first letter lost in copying ("es", "rovided") is forgiven. The longest option
that fits wins; two options that fit equally well are not guessed between. Every answer
that cannot be mapped is listed with its code, its text and the reason: nothing is
dropped. Pure: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.assessment.answers import AnswerError, is_http_link, validate_answer
from app.assessment.form_reader import FormRow
from app.assessment.schema import Criterion, Framework
from app.messages import Message

# The official DTAC template prints some options in other words than our framework files'
# labels (read from the v1.0 form); they match the option as its label does.
PRINTED_OPTIONS: dict[str, tuple[str, ...]] = {
    "not_available": ("Not provided",),
    "confirmed": ("Confirm",),
    "cannot_confirm": ("Cannot confirm",),
    "not_applicable": ("No because it is not applicable",),
    "no_custom_code": ("No because there is no custom code",),
    "no_patient_data": ("No because product does not identify patient record data",),
    "no_ehr": ("No because the product does not read/ write into EHRs",),
    "eu": ("In EU",),
    "outside_eu": ("Outside of EU",),
}
YES_NO_WORDS = {"yes": ("Yes", "Ja"), "no": ("No", "Nej"), "na": ("Not applicable", "Ikke relevant")}
URL = re.compile(r"https?://[^\s<>\"')\]]+")
MULTI_SEPARATORS = re.compile(r"\s*(?:/|,|;|&|\band\b|\bog\b)\s*", re.IGNORECASE)
DATE_FORMATS = ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y", "%d %B %Y", "%d %b %Y")
MAX_EVIDENCE_URL = 500


@dataclass(frozen=True)
class MappedAnswer:
    code: str
    value: Any
    comment: str | None
    evidence_url: str | None


@dataclass(frozen=True)
class Unmapped:
    code: str
    text: str
    reason: Message

    def as_dict(self) -> dict[str, Any]:
        """For storing and for the API: the English reason, and its msgid and values so a page
        can show it in its own language."""
        return {"code": self.code, "text": self.text, "reason": str(self.reason), "msgid": self.reason.msgid,
                "params": {k: str(v) for k, v in self.reason.params.items()}}


@dataclass
class Mapping:
    mapped: list[MappedAnswer] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    blank: list[str] = field(default_factory=list)  # codes the form leaves empty
    absent: list[str] = field(default_factory=list)  # criteria the form has no row for


def map_form(fw: Framework, tier: str | None, rows: list[FormRow]) -> Mapping:
    criteria = {c.code.upper(): c for _, c in fw.all_criteria()}
    result = Mapping()
    seen: set[str] = set()
    for row in rows:
        crit = criteria.get(row.code)
        if row.code in seen:
            result.unmapped.append(Unmapped(row.code, row.text, Message("the code appears twice in the form")))
        elif crit is None:
            result.unmapped.append(Unmapped(row.code, row.text, Message(
                "{framework} {version} has no question {code}", framework=fw.title_en, version=fw.version,
                code=row.code)))
        elif not row.text:
            result.blank.append(crit.code)
        else:
            _map_row(crit, tier, row, result)
        seen.add(row.code)
    result.absent = [c.code for c in criteria.values() if c.code.upper() not in seen and c.applies(tier)]
    return result


def _map_row(crit: Criterion, tier: str | None, row: FormRow, result: Mapping) -> None:
    try:
        value, rest = _value(crit, row.text)
        value = validate_answer(crit, value, tier)
    except AnswerError as exc:
        result.unmapped.append(Unmapped(crit.code, row.text, exc.message))
        return
    links = [u for u in URL.findall(row.text) if is_http_link(u) and len(u) <= MAX_EVIDENCE_URL]
    evidence = links[0] if links and crit.answer_type != "evidence_link" else None
    result.mapped.append(MappedAnswer(crit.code, value, row.text if rest else None, evidence))


def _value(crit: Criterion, text: str) -> tuple[Any, bool]:
    """The answer for ``crit`` read from ``text``, and whether the text says more than that
    (then it is kept as the comment). Raises AnswerError when the text is no answer."""
    kind = crit.answer_type
    if kind == "text":
        return text, False
    if kind in ("yes_no", "yes_no_na", "choice"):
        return _one_option(crit, text)
    if kind == "multi_choice":
        return _options(crit, text)
    if not_applicable(text):
        raise AnswerError(crit.code, Message("the form says not applicable; the question has no such answer"))
    if kind == "evidence_link":
        links = URL.findall(text)
        if not links:
            raise AnswerError(crit.code, Message("no http(s) link in the answer"))
        return links[0], normalise(text) != normalise(links[0])
    if kind == "date":
        return _date(crit, text), False
    number = text.strip().rstrip("%").strip()
    return number, False


def _date(crit: Criterion, text: str) -> str:
    cleaned = text.strip().rstrip(".")
    for fmt in ("%Y-%m-%d", *DATE_FORMATS):
        try:
            return datetime.strptime(cleaned, fmt).date().isoformat()
        except ValueError:
            continue
    raise AnswerError(crit.code, Message("{value} is not a date (use YYYY-MM-DD)", value=repr(text)))


# ---- option text -----------------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, "N/A" as "not applicable", punctuation as spaces, single spaces."""
    text = re.sub(r"\bn\s*/\s*a\b", "not applicable", text.lower())
    return " ".join(re.sub(r"[^\w]+", " ", text).split())


def not_applicable(text: str) -> bool:
    return normalise(text) in ("not applicable", "na", "ikke relevant")


def _labels(crit: Criterion) -> dict[str, list[str]]:
    """Every text an option may be printed as, normalised: {option value: texts}."""
    if crit.answer_type in ("yes_no", "yes_no_na"):
        values = ["yes", "no"] + (["na"] if crit.answer_type == "yes_no_na" else [])
        return {v: [normalise(w) for w in YES_NO_WORDS[v]] for v in values}
    out = {}
    for o in crit.options:
        texts = [o.label_en, o.label_da, o.value.replace("_", " "), *PRINTED_OPTIONS.get(o.value, ())]
        if o.na:
            texts.append("Not applicable")
        out[o.value] = [t for t in dict.fromkeys(normalise(x) for x in texts) if t]
    return out


def _fits(label: str, answer: str) -> int:
    """How well ``label`` begins ``answer`` (its length; 0 when it does not): exactly, or
    with the label's first letter lost."""
    for candidate in (label, label[1:] if len(label) > 2 else ""):
        if candidate and (answer == candidate or answer.startswith(candidate + " ")):
            return len(candidate)
    return 0


def _best_option(crit: Criterion, text: str) -> tuple[str, int] | None:
    answer = normalise(text)
    scores = {value: max(_fits(label, answer) for label in labels) for value, labels in _labels(crit).items()}
    best = max(scores.values(), default=0)
    winners = [value for value, score in scores.items() if score == best]
    if best == 0 or len(winners) > 1:
        return None
    return winners[0], len(answer) - best


def _choices(crit: Criterion) -> str:
    if crit.options:
        return ", ".join(o.label_en for o in crit.options)
    return ", ".join(YES_NO_WORDS[v][0] for v in _labels(crit))


def _one_option(crit: Criterion, text: str) -> tuple[str, bool]:
    found = _best_option(crit, text)
    if found is None:
        if not_applicable(text):
            raise AnswerError(crit.code, Message("the form says not applicable; the question has no such answer"))
        raise AnswerError(crit.code, Message("not one of the options ({allowed})", allowed=_choices(crit)))
    value, rest = found
    return value, rest > 0


def _options(crit: Criterion, text: str) -> tuple[list[str], bool]:
    lines = text.splitlines()
    first = lines[0] if lines else ""
    chosen = []
    for part in (p for p in MULTI_SEPARATORS.split(first) if p.strip()):
        found = _best_option(crit, part)
        if found is None or found[1] > 0:
            raise AnswerError(crit.code, Message("{value} is not one of the options ({allowed})",
                                                 value=repr(_short(part)), allowed=_choices(crit)))
        chosen.append(found[0])
    if not chosen:
        raise AnswerError(crit.code, Message("no answer given"))
    return list(dict.fromkeys(chosen)), len(lines) > 1


def _short(text: str, limit: int = 80) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


