"""Uploads: check a file the chat window receives before it joins the corpus. Pure functions.

A name is reduced to its last path part, with anything but letters, digits,
space, dot, dash and underscore replaced, so no upload can reach outside the
uploads folder (no `..`, no absolute path, no hidden file). The type must be
one the loaders read, and the size at most the configured limit.

    >>> safe_name("../../etc/Report 2024.PDF")
    'Report 2024.PDF'
"""

from __future__ import annotations

import re

from assistant.errors import UploadError

_BAD = re.compile(r"[^A-Za-z0-9 ._-]+")


def safe_name(name: str) -> str:
    base = re.split(r"[\\\\/]", name or "")[-1]
    cleaned = _BAD.sub("_", base).strip(" .")
    if not cleaned or cleaned.startswith("."):
        raise UploadError(f"{name!r}: not a usable file name; rename the file and upload it again")
    return cleaned[:120]


def check_upload(name: str, size: int, allowed: set[str], limit_mb: int) -> str:
    """The name to store the upload under, or UploadError saying why it is refused."""
    clean = safe_name(name)
    suffix = "." + clean.rsplit(".", 1)[-1].lower() if "." in clean else ""
    if suffix not in allowed:
        raise UploadError(f"{clean}: type '{suffix or 'none'}' is not accepted (accepted: {', '.join(sorted(allowed))})")
    if size > limit_mb * 2**20:
        raise UploadError(f"{clean}: {size / 2**20:.1f} MB is over the upload limit of {limit_mb} MB (setting server.max_upload_mb)")
    if size == 0:
        raise UploadError(f"{clean}: the file is empty")
    return clean
