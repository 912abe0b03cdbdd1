"""The one place that turns a report context into a PDF: Jinja (reports/templates) → HTML →
WeasyPrint (with reports/print.css)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.settings import PROJECT_ROOT

REPORTS_DIR = PROJECT_ROOT / "reports"
TEMPLATES_DIR = REPORTS_DIR / "templates"
PRINT_CSS = REPORTS_DIR / "print.css"
# The charts name a screen font; in print we use the report font (æ, ø, å everywhere).
_SCREEN_FONT = re.compile(r'font-family="[^"]*"')
PRINT_FONT = 'font-family="DejaVu Sans, Liberation Sans, Arial, sans-serif"'
_CSS_UNSAFE = frozenset("\\\"'<>&")


def svg(markup: str | None) -> Markup:
    """A chart from app/benchmark/charts.py, embedded inline as vector SVG."""
    if not markup:
        return Markup("")
    # DejaVu Sans is wider than the screen font: a slightly smaller size keeps labels inside.
    markup = _SCREEN_FONT.sub(PRINT_FONT, markup, count=1).replace('font-size="12"', 'font-size="10.5"', 1)
    return Markup(markup)


def css_string(text: object) -> Markup:
    """`text` as one quoted CSS string, for `content:` in the <style> of base.html (the running
    header). HTML escaping is wrong there: a style sheet is raw text, so "&amp;" would be
    printed as it stands. Every character that could end the string or the style sheet
    (quotes, backslash, line breaks, < >) or that HTML would treat specially (&) becomes a
    CSS escape instead, which the PDF shows as the character itself."""
    return Markup('"' + "".join(_css_char(c) for c in str(text)) + '"')


def _css_char(char: str) -> str:
    if char.isprintable() and char not in _CSS_UNSAFE:
        return char
    return f"\\{ord(char):x} "


def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html"]),
                      trim_blocks=True, lstrip_blocks=True)
    env.filters["svg"] = svg
    env.filters["css_string"] = css_string
    return env


def render_html(context: dict[str, Any]) -> str:
    lang = context.get("lang", "da")

    def t(da: str, en: str) -> str:
        return en if lang == "en" else da

    def tn(count: int, da: tuple[str, str], en: tuple[str, str]) -> str:
        """A noun after a count: tn(n, ("tilslutning", "tilslutninger"), ("endorsement", "endorsements"))."""
        one, other = en if lang == "en" else da
        return one if count == 1 else other

    template = environment().get_template(f"{context['kind']}.html")
    return template.render(t=t, tn=tn, **context)


def html_to_pdf(html: str, out: Path | None = None) -> bytes:
    from weasyprint import CSS, HTML

    document = HTML(string=html, base_url=str(REPORTS_DIR))
    pdf = document.write_pdf(stylesheets=[CSS(filename=str(PRINT_CSS))])
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(out.suffix + ".part")
        tmp.write_bytes(pdf)
        tmp.replace(out)
    return pdf
