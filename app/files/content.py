"""What an uploaded file is, read from its bytes (never from its name), and the name it is
shown under. PDF, PNG and JPEG are told by their magic bytes (`filetype`); DOCX and XLSX
are zip containers, told apart by the parts inside (opened within app.ziplimits' bounds,
so a zip bomb named .docx is refused before it is unpacked)."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

import filetype

from app.messages import Message
from app.ziplimits import MIB, ZipLimits, ZipRefused, open_zip


@dataclass(frozen=True)
class FileKind:
    code: str
    media_type: str
    extension: str


PDF = FileKind("pdf", "application/pdf", "pdf")
PNG = FileKind("png", "image/png", "png")
JPEG = FileKind("jpeg", "image/jpeg", "jpg")
DOCX = FileKind("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
XLSX = FileKind("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
KINDS = {k.code: k for k in (PDF, DOCX, XLSX, PNG, JPEG)}
BY_MAGIC = {"pdf": PDF, "png": PNG, "jpg": JPEG}
ZIP_MAGIC = ("zip", "docx", "xlsx", "pptx")
PROGRAMS = ("exe", "elf", "dex", "dcm", "macho", "class", "wasm", "swf", "msi")
# The part that makes an Office Open XML package a document or a workbook.
OFFICE_PARTS = (("word/document.xml", DOCX), ("xl/workbook.xml", XLSX))
# A real document's parts are a few MiB at most and compress about 10:1.
OFFICE_LIMITS = ZipLimits(max_member_bytes=64 * MIB, max_total_bytes=256 * MIB, max_ratio=100)
MAX_NAME = 200


class FileRefused(ValueError):
    """The file is not one we keep; args[0] is a Message naming the file and why."""


def detect(content: bytes, name: str) -> FileKind:
    """The file's kind from its content, or FileRefused."""
    if not content:
        raise FileRefused(Message("{name} is empty", name=name))
    guess = filetype.guess(content[:8192])
    found = guess.extension if guess else None
    if found in BY_MAGIC:
        return BY_MAGIC[found]
    if found in ZIP_MAGIC:
        return _office_kind(content, name)
    if found in PROGRAMS or content.startswith((b"MZ", b"#!")):
        raise FileRefused(Message("{name} is a program, not a document; programs are not accepted",
                                  name=name))
    raise FileRefused(Message("{name}: the content is not a PDF, Word (DOCX), Excel (XLSX), PNG or JPEG file",
                              name=name))


def _office_kind(content: bytes, name: str) -> FileKind:
    try:
        with open_zip(io.BytesIO(content), OFFICE_LIMITS) as package:
            parts = set(package.namelist())
    except ZipRefused as exc:
        raise FileRefused(Message("{name} cannot be opened: {reason}", name=name, reason=exc.args[0])) from None
    if "[Content_Types].xml" in parts:
        for part, kind in OFFICE_PARTS:
            if part in parts:
                return kind
    raise FileRefused(Message("{name} is a zip file but not a Word (DOCX) or Excel (XLSX) document",
                              name=name))


def safe_name(raw: str, kind: FileKind | None = None) -> str:
    """The name a file is shown and offered under: the user's last path part, without control
    characters, at most 200 characters; never used as a path."""
    last = raw.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(c for c in last if unicodedata.category(c)[0] != "C").strip().strip(".")
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        cleaned = f"fil.{kind.extension}" if kind else "fil"
    if len(cleaned) > MAX_NAME:
        _stem, dot, extension = cleaned.rpartition(".")
        keep = f"{dot}{extension}" if dot and len(extension) <= 10 else ""
        cleaned = cleaned[:MAX_NAME - len(keep)].rstrip() + keep
    return cleaned
