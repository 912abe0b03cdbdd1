"""Where the bytes of evidence files live. Files are addressed by the SHA-256 of their
content, so the same file uploaded twice is kept once and a stored file never changes.
A deployment may keep them elsewhere by adding a FileStorage and naming it in
BLAASTEMPEL_FILE_STORAGE (app.settings.FILE_STORAGES)."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

from app.settings import Settings

DIGEST = re.compile(r"^[0-9a-f]{64}$")


class FileStorage(Protocol):
    def put(self, digest: str, content: bytes) -> None:
        """Keep `content` under its SHA-256 `digest` (again: nothing changes)."""

    def get(self, digest: str) -> bytes:
        """The content kept under `digest`; FileNotFoundError when there is none."""

    def has(self, digest: str) -> bool: ...


class LocalDirectoryStorage:
    """A directory: `<root>/ab/cd/abcd…` (two levels keep directories small)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, digest: str) -> Path:
        if not DIGEST.match(digest):  # never a path from outside: only a hex digest names a file
            raise ValueError(f"not a SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def put(self, digest: str, content: bytes) -> None:
        path = self._path(digest)
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under a temporary name, then renamed: a reader never sees half a file.
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(content)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def get(self, digest: str) -> bytes:
        return self._path(digest).read_bytes()

    def has(self, digest: str) -> bool:
        return self._path(digest).is_file()


def make_storage(settings: Settings) -> FileStorage:
    """The storage the settings name (only "local" so far)."""
    return LocalDirectoryStorage(settings.files_dir)
