"""Reading a completed NHS DTAC form (DOCX or ODT): its version and the answer of every
question code, as printed.

The official template is a document of tables whose header row starts with "Code"
(code, question, options, ..., and the answer in the last column). The form's version
is printed in its footer ("... (DTAC) - Version 1.0 22 February 2021").

A file someone else made is checked before it is parsed: its size, that it is what its
name says (a DOCX renamed .odt is refused), that it is not encrypted, and every zip
member's size and compression ratio (app.ziplimits). Anything wrong raises FormRefused
naming the file and the reason. Pure: bytes in, a FormReading out; no database.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import docx
from odf import opendocument
from odf.namespaces import OFFICENS, STYLENS, TABLENS, TEXTNS

from app.errors import ValidationFailed
from app.messages import Message, message_of
from app.ziplimits import MIB, ZipLimits, ZipRefused, open_zip

# The upload limit the page states (as for the benchmark import); the routes take the
# file plus a little room for the rest of the multipart form.
MAX_MB = 20
MAX_BYTES = MAX_MB * 1_000_000
MAX_REQUEST_BYTES = MAX_BYTES + 64 * 1024
# A DTAC form's XML is well under a megabyte; pictures do not compress. 64 MiB per member
# and 100:1 leave real forms plenty of room and stop a zip bomb before it unpacks.
FORM_LIMITS = ZipLimits(max_member_bytes=64 * MIB, max_total_bytes=128 * MIB, max_ratio=100)
# Rows and columns read from one table at most (the template has about 30 rows of 6).
MAX_ROWS, MAX_COLUMNS = 2_000, 32
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an encrypted Office file (or an old .doc)
CODE = re.compile(r"^[A-Z]\d{1,2}(?:\.\d{1,2}){0,3}$")
VERSION = re.compile(r"(?:\bversion|\bv)\s*(\d{1,2}\.\d{1,2})\b", re.IGNORECASE)
DTAC_TITLE = re.compile(r"\bDTAC\b|Digital Technology Assessment Criteria", re.IGNORECASE)
KINDS = {".docx": "docx", ".odt": "odt"}


class FormRefused(ValidationFailed):
    """The file cannot be imported: ``errors["file"]`` says which file and why."""

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__({"file": Message("{file}: {reason}", file=filename, reason=reason)})


@dataclass(frozen=True)
class FormRow:
    code: str
    text: str  # the answer cell as printed: paragraphs joined by newlines, comments left out


@dataclass(frozen=True)
class FormReading:
    filename: str
    kind: str  # docx | odt
    version: str
    rows: list[FormRow]


def read_form(filename: str, content: bytes) -> FormReading:
    """The version and answer rows of a completed DTAC form; FormRefused when it is not one."""
    name = filename or "upload"
    kind = KINDS.get(name[name.rfind("."):].lower()) if "." in name else None
    if kind is None:
        raise FormRefused(name, Message("must be a .docx or .odt file"))
    if not content:
        raise FormRefused(name, Message("the file is empty"))
    if len(content) > MAX_BYTES:
        raise FormRefused(name, Message("the file is larger than {mb} MB", mb=MAX_MB))
    if content.startswith(OLE_MAGIC):
        raise FormRefused(name, Message("the file is encrypted (password protected) or an old Word "
                                        "document; save it without a password as .docx or .odt"))
    try:
        archive = open_zip(io.BytesIO(content), FORM_LIMITS)
    except ZipRefused as exc:
        raise FormRefused(name, message_of(exc)) from None
    with archive:
        _check_kind(name, kind, archive)
    try:
        texts, tables = _read_odt(content) if kind == "odt" else _read_docx(content)
    except Exception as exc:  # a damaged document: say so, never a 500
        raise FormRefused(name, Message("could not be read ({error})", error=f"{type(exc).__name__}: {exc}")) \
            from None
    version = _version(texts)
    rows = list(_answer_rows(tables))
    if not rows or not any(DTAC_TITLE.search(t) for t in texts):
        raise FormRefused(name, Message("is not a completed DTAC form: no DTAC title and table of "
                                        "question codes (A1, C1.1, ...) was found"))
    if version is None:
        raise FormRefused(name, Message("the DTAC form's version was not found (the template prints "
                                        "\"Version 1.0\" in its footer)"))
    return FormReading(filename=name, kind=kind, version=version, rows=rows)


def _check_kind(name: str, kind: str, archive: zipfile.ZipFile) -> None:
    members = set(archive.namelist())
    if "META-INF/manifest.xml" in members and b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise FormRefused(name, Message("the file is encrypted (password protected); save it without a "
                                        "password"))
    is_odt = "mimetype" in members and archive.read("mimetype").strip() == ODT_MIMETYPE.encode() and \
        "content.xml" in members
    is_docx = "word/document.xml" in members and "[Content_Types].xml" in members
    if kind == "odt" and is_docx:
        raise FormRefused(name, Message("is a Word document (DOCX) named .odt; give it its own name (.docx)"))
    if kind == "docx" and is_odt:
        raise FormRefused(name, Message("is an OpenDocument text (ODT) named .docx; give it its own name (.odt)"))
    if not (is_odt if kind == "odt" else is_docx):
        raise FormRefused(name, Message("is not a {kind} document", kind=kind.upper()))


def _version(texts: list[str]) -> str | None:
    """The first "Version N.N" printed in a text that names DTAC (footers come first)."""
    for text in texts:
        if DTAC_TITLE.search(text):
            found = VERSION.search(text)
            if found:
                return found.group(1)
    return None


def _answer_rows(tables: list[list[list[str]]]) -> Iterator[FormRow]:
    """Rows of every table whose header starts with "Code"; the answer is the last column."""
    for rows in tables:
        if not rows or _first_line(rows[0][0]).lower() != "code":
            continue
        answer_column = len(rows[0]) - 1
        for cells in rows[1:]:
            code = _first_line(cells[0]).replace(" ", "").upper() if cells else ""
            if CODE.match(code) and len(cells) > answer_column > 0:
                yield FormRow(code=code, text=_tidy(cells[answer_column]))


def _first_line(text: str) -> str:
    return next((line.strip() for line in text.splitlines() if line.strip()), "")


def _tidy(text: str) -> str:
    """Trailing spaces off every line, at most one empty line in a row, no outer blank lines."""
    lines = [line.rstrip() for line in text.replace("\r", "\n").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# ---- ODT (odfpy) -----------------------------------------------------------------------


def _read_odt(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    doc = opendocument.load(io.BytesIO(content))
    texts = [_odf_text(page) for page in doc.masterstyles.childNodes if _is(page, STYLENS, "master-page")]
    texts += [_odf_text(p) for p in _odf_walk(doc.text) if _is(p, TEXTNS, "p") or _is(p, TEXTNS, "h")]
    tables = [_odf_table(t) for t in _odf_walk(doc.text) if _is(t, TABLENS, "table")]
    return texts, tables


def _is(node: Any, ns: str, name: str) -> bool:
    return node.nodeType == node.ELEMENT_NODE and node.qname == (ns, name)


def _odf_walk(node: Any) -> Iterator[Any]:
    """Elements in document order, not entering tables (their paragraphs are cells)."""
    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        yield child
        if not _is(child, TABLENS, "table"):
            yield from _odf_walk(child)


def _odf_table(table: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    for row in _odf_rows(table):
        cells: list[str] = []
        for cell in row.childNodes:
            if _is(cell, TABLENS, "table-cell") or _is(cell, TABLENS, "covered-table-cell"):
                repeat = int(cell.attributes.get((TABLENS, "number-columns-repeated"), "1") or 1)
                cells += [_odf_text(cell)] * min(repeat, MAX_COLUMNS - len(cells))
        rows.append(cells)
        if len(rows) >= MAX_ROWS:
            break
    return rows


def _odf_rows(node: Any) -> Iterator[Any]:
    for child in node.childNodes:
        if _is(child, TABLENS, "table-row"):
            yield child
        elif child.nodeType == child.ELEMENT_NODE and child.qname[0] == TABLENS and \
                child.qname[1] in ("table-header-rows", "table-rows", "table-row-group"):
            yield from _odf_rows(child)


def _odf_text(node: Any) -> str:
    """The text of an element: paragraphs and line breaks as newlines, comments left out."""
    out: list[str] = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            out.append(child.data)
        elif child.nodeType != child.ELEMENT_NODE or child.qname == (OFFICENS, "annotation"):
            continue
        elif child.qname == (TEXTNS, "line-break"):
            out.append("\n")
        elif child.qname == (TEXTNS, "tab"):
            out.append("\t")
        elif child.qname == (TEXTNS, "s"):
            out.append(" " * min(int(child.attributes.get((TEXTNS, "c"), "1") or 1), 100))
        elif child.qname in ((TEXTNS, "p"), (TEXTNS, "h")):
            out.append(_odf_text(child) + "\n")
        else:
            out.append(_odf_text(child))
    return "".join(out)


# ---- DOCX (python-docx) ----------------------------------------------------------------


def _read_docx(content: bytes) -> tuple[list[str], list[list[list[str]]]]:
    doc = docx.Document(io.BytesIO(content))
    texts: list[str] = []
    for section in doc.sections:
        for part in (section.footer, section.first_page_footer, section.even_page_footer,
                     section.header, section.first_page_header, section.even_page_header):
            if not part.is_linked_to_previous:
                texts.append(_docx_text(part._element))
    texts += [_docx_text(p._p) for p in doc.paragraphs]
    tables = [[[_docx_text(cell._tc) for cell in row.cells[:MAX_COLUMNS]] for row in table.rows[:MAX_ROWS]]
              for table in doc.tables]
    return texts, tables


def _docx_text(element: Any) -> str:
    """Paragraphs as lines; inserted text included, deleted text (w:delText) left out."""
    lines = []
    for paragraph in element.xpath("descendant-or-self::w:p"):
        lines.append("".join(_DOCX_PIECES.get(piece.tag.rsplit("}", 1)[-1], piece.text or "")
                             for piece in paragraph.xpath(".//w:t | .//w:tab | .//w:br | .//w:cr")))
    return "\n".join(lines)


_DOCX_PIECES = {"tab": "\t", "br": "\n", "cr": "\n"}
