"""A notification as a mail in its user's language: subject and plain-text body from the
kind's template (blocks ``subject`` and ``body``), with the app's translations and Danish
or English dates and numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from app.accounts.models import User
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


def _values(user: User, base_url: str) -> dict[str, Any]:
    lang = pick_language(user.language)
    tr = translations(lang)
    return {
        "_": lambda text: translate(text, tr.gettext, written(lang)),
        "ngettext": tr.ngettext,
        "fmt_date": lambda v: day(v, lang),
        "fmt_number": lambda v, digits=1: number(v, lang, digits),
        "lang": lang,
        "user_name": user.name,
        "base_url": base_url.rstrip("/"),
    }


def _mail(user: User, template_name: str, values: dict[str, Any]) -> Mail:
    template = _env.get_template(template_name)
    context = template.new_context(values)
    subject = "".join(template.blocks["subject"](context)).strip()
    body = "".join(template.blocks["body"](context)).strip() + "\n"
    return Mail(to=user.email, subject=" ".join(subject.split()), body=body)


def render_mail(note: Notification, base_url: str) -> Mail:
    return _mail(note.user, f"{note.kind}.txt", {**note.context, **_values(note.user, base_url)})


def render_digest(user: User, notes: list[Notification], base_url: str) -> Mail:
    """One mail listing the user's notifications: each one's subject and, when its
    context names a `path`, the link to it."""
    base = base_url.rstrip("/")
    items = [{"subject": render_mail(note, base_url).subject,
              "link": f"{base}{note.context['path']}" if note.context.get("path") else None} for note in notes]
    return _mail(user, "_digest.txt", {**_values(user, base_url), "items": items})
