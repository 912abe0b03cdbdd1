"""A notification as a mail in its user's language: subject and plain-text body from the
kind's template (blocks ``subject`` and ``body``), with the app's translations and Danish
or English dates and numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.messages import translate
from app.notifications.models import Notification
from app.web.i18n import day, number, pick_language, translations, written

TEMPLATES_DIR = Path(__file__).parent / "templates" / "mail"
_env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=False,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                   keep_trailing_newline=True)


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def render_mail(note: Notification, base_url: str) -> Mail:
    lang = pick_language(note.user.language)
    tr = translations(lang)
    values: dict[str, Any] = {
        **note.context,
        "_": lambda text: translate(text, tr.gettext, written(lang)),
        "fmt_date": lambda v: day(v, lang),
        "fmt_number": lambda v, digits=1: number(v, lang, digits),
        "lang": lang,
        "user_name": note.user.name,
        "base_url": base_url.rstrip("/"),
    }
    template = _env.get_template(f"{note.kind}.txt")
    context = template.new_context(values)
    subject = "".join(template.blocks["subject"](context)).strip()
    body = "".join(template.blocks["body"](context)).strip() + "\n"
    return Mail(to=note.user.email, subject=" ".join(subject.split()), body=body)
