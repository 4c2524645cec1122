"""A zip-based format's guard (DOCX, PPTX, XLSX, ODS, ODT, EPUB): the archive must open, and its
members must not unpack to more than the limit (a zip bomb). Checked from the zip's directory, before
any member is read. Standard library only. What a reader then unpacks itself raises ZIP_ERRORS when
damaged, which `damaged` turns into the same refusal."""

from __future__ import annotations

import io
import zipfile
import zlib

from assistant.errors import IngestError

# NotImplementedError: a damaged header naming a zip version or method Python cannot read; zlib.error: a damaged
# deflate stream, once a member is unpacked (both found by fuzzing)
ZIP_ERRORS = (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError, zlib.error)


def damaged(source: str, kind: str, exc: Exception) -> IngestError:
    return IngestError(f"{source}: not a {kind} file, or a damaged one (its zip archive: {exc})")


def check_zip(data: bytes, source: str, kind: str, max_mb: int) -> None:
    """IngestError naming the file when `data` is no zip, or unpacks to more than `max_mb` MiB."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(info.file_size for info in z.infolist())
    except ZIP_ERRORS as exc:
        raise damaged(source, kind, exc) from None
    if total > max_mb * 2**20:
        raise IngestError(f"{source}: unpacks to {total // 2**20} MiB (over {max_mb} MiB, setting "
                          "'ingest.max_unzipped_mb'): refused as a zip bomb")
