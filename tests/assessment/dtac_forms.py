"""Completed DTAC forms for the import tests: the real sample (read from ../shared/samples,
never copied into the project) and DOCX forms built here with python-docx."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import docx
import pytest

from app.settings import PROJECT_ROOT

# SAMPLES_DIR points elsewhere when the repository is checked out away from ../shared.
SAMPLES = Path(os.environ.get("SAMPLES_DIR") or PROJECT_ROOT.parent / "shared" / "samples")
SAMPLE_NAME = "dtac-v1.0-rcpch-digital-growth-charts.odt"
TITLE = "The Digital Technology Assessment Criteria for Health and Social Care (DTAC)"
HEADER = ("Code", "Question", "Options", "Supporting information", "Scoring criteria")


def sample_odt() -> bytes:
    path = SAMPLES / SAMPLE_NAME
    if not path.exists():
        pytest.skip(f"the real DTAC sample is not at {path} (set SAMPLES_DIR to the shared samples folder)")
    return path.read_bytes()


def dtac_docx(answers: dict[str, str], *, version: str | None = "1.0", title: bool = True) -> bytes:
    """A DTAC form as the template lays it out: title, a footer with the version, and one
    table of code, question, options, supporting information and the answer."""
    document = docx.Document()
    if title:
        document.add_paragraph(TITLE)
    if version is not None:
        document.sections[0].footer.paragraphs[0].text = (
            f"Digital Technology Assessment Criteria for Health and Social Care (DTAC) - Version {version} "
            "22 February 2021. Last updated: 16th April 2021")
    table = document.add_table(rows=1, cols=len(HEADER))
    for cell, text in zip(table.rows[0].cells, HEADER, strict=True):
        cell.text = text
    for code, answer in answers.items():
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = code, f"Question {code}", "Yes | No"
        lines = answer.split("\n")
        cells[4].text = lines[0]
        for line in lines[1:]:
            cells[4].add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def zip_bomb(name: str = "word/document.xml", size: int = 32 * 1024 * 1024) -> bytes:
    """A DOCX-shaped zip whose one member unpacks 1000:1 to ``size`` bytes of zeros."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(name, "w", force_zip64=True) as member:
            block = b"\0" * (1024 * 1024)
            for _ in range(size // len(block)):
                member.write(block)
    return out.getvalue()


def encrypted_odt() -> bytes:
    """An ODT as LibreOffice saves it with a password: the manifest names encryption data."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", os.urandom(2048))
        archive.writestr("META-INF/manifest.xml", (
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
            '<manifest:file-entry manifest:full-path="content.xml"><manifest:encryption-data '
            'manifest:checksum-type="SHA1/1K"/></manifest:file-entry></manifest:manifest>'))
    return out.getvalue()
