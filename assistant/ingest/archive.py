"""A zip-based format's guard (PPTX, XLSX, ODS, ODT, EPUB): the archive must open, and its members
must not unpack to more than the limit (a zip bomb). Checked from the zip's directory, before any
member is read. Standard library only."""

from __future__ import annotations

import io
import zipfile

from assistant.errors import IngestError


def check_zip(data: bytes, source: str, kind: str, max_mb: int) -> None:
    """IngestError naming the file when `data` is no zip, or unpacks to more than `max_mb` MiB."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            total = sum(info.file_size for info in z.infolist())
    except (zipfile.BadZipFile, OSError, NotImplementedError, ValueError, EOFError) as exc:
        raise IngestError(f"{source}: not a {kind} file, or a damaged one (its zip archive: {exc})") from None
    if total > max_mb * 2**20:
        raise IngestError(f"{source}: unpacks to {total // 2**20} MiB (over {max_mb} MiB, setting "
                          "'ingest.max_unzipped_mb'): refused as a zip bomb")
