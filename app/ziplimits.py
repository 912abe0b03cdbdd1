"""Limits for reading a zip file someone else made (a register archive, an .xlsx upload).

Every member's uncompressed size and compression ratio is checked from the zip's
directory before a byte is decompressed. That bounds the work of reading: zipfile never
returns more than a member's declared size (past it, reading stops and fails the CRC
check), so a member that lies about its size cannot unpack to more either.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from app.messages import Message

MIB = 1024 * 1024


@dataclass(frozen=True)
class ZipLimits:
    max_member_bytes: int
    max_total_bytes: int
    # Uncompressed ÷ compressed size. Real data compresses about 10–20:1; a zip bomb of
    # zeros about 1000:1.
    max_ratio: int
    # Members smaller than this may compress as well as they like: they cannot hurt.
    ratio_floor_bytes: int = MIB


class ZipRefused(ValueError):
    """The zip is unreadable or would unpack to an absurd size; args[0] is a Message."""


def open_zip(file: Path | IO[bytes], limits: ZipLimits) -> zipfile.ZipFile:
    """The zip, open for reading, once its directory has passed the limits."""
    try:
        source = zipfile.ZipFile(file)
    except (zipfile.BadZipFile, zipfile.LargeZipFile) as exc:
        raise ZipRefused(Message("not a readable zip file ({error})", error=str(exc))) from None
    try:
        _check_members(source, limits)
    except ZipRefused:
        source.close()
        raise
    return source


def _check_members(source: zipfile.ZipFile, limits: ZipLimits) -> None:
    total = 0
    for info in source.infolist():
        if info.file_size > limits.max_member_bytes:
            raise ZipRefused(Message("{member} would unpack to {size} bytes; at most {limit} are allowed",
                                     member=info.filename, size=info.file_size, limit=limits.max_member_bytes))
        if (info.file_size > limits.ratio_floor_bytes
                and info.file_size > limits.max_ratio * max(info.compress_size, 1)):
            raise ZipRefused(Message("{member} is compressed {ratio}:1; at most {limit}:1 is allowed",
                                     member=info.filename, ratio=info.file_size // max(info.compress_size, 1),
                                     limit=limits.max_ratio))
        total += info.file_size
        if total > limits.max_total_bytes:
            raise ZipRefused(Message("the zip would unpack to more than {limit} bytes",
                                     limit=limits.max_total_bytes))
