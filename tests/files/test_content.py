"""A file's kind is read from its content: the accepted kinds pass, hostile files are
refused naming the file and why; names are cleaned for display, never used as paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.files import content
from app.files.content import FileRefused, detect, safe_name
from app.files.storage import LocalDirectoryStorage
from tests.files import samples


@pytest.mark.parametrize(("data", "kind"), [
    (samples.PDF, content.PDF), (samples.PNG, content.PNG), (samples.JPEG, content.JPEG),
    (samples.docx_bytes(), content.DOCX), (samples.xlsx_bytes(), content.XLSX),
])
def test_accepted_kinds_are_told_from_their_content(data: bytes, kind: content.FileKind) -> None:
    assert detect(data, "whatever.bin") == kind


@pytest.mark.parametrize(("data", "says"), [
    (b"", "is empty"),
    (samples.EXE, "is a program"),
    (b"#!/bin/sh\nrm -rf /\n", "is a program"),
    (b"just some text, not a document", "the content is not a PDF"),
    (samples.plain_zip(), "not a Word (DOCX) or Excel (XLSX) document"),
    (samples.zip_bomb_docx(), "compressed"),
])
def test_hostile_content_is_refused_naming_the_file(data: bytes, says: str) -> None:
    with pytest.raises(FileRefused) as refused:
        detect(data, "rapport.pdf")
    assert says in str(refused.value.args[0]) and "rapport.pdf" in str(refused.value.args[0])


@pytest.mark.parametrize(("raw", "shown"), [
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\x\\Desktop\\Rapport 2026.pdf", "Rapport 2026.pdf"),
    ("evil\x00name\r\n.pdf", "evilname.pdf"),
    ("   ", "fil.pdf"),
    ("..", "fil.pdf"),
    ("å" * 300 + ".pdf", "å" * 196 + ".pdf"),
])
def test_names_lose_paths_and_control_characters(raw: str, shown: str) -> None:
    assert safe_name(raw, content.PDF) == shown


def test_local_storage_keeps_by_digest_and_refuses_other_names(tmp_path: Path) -> None:
    storage = LocalDirectoryStorage(tmp_path)
    digest = "ab" * 32
    storage.put(digest, b"one")
    storage.put(digest, b"one")
    assert storage.get(digest) == b"one" and storage.has(digest)
    assert (tmp_path / "ab" / "ab" / digest).is_file()
    with pytest.raises(ValueError):
        storage.get("../../secret_key")
