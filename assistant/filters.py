"""Filters: which documents a question may be answered from. Pure functions.

A `Filter` names files (glob patterns on the path inside the corpus, like
`reports/*.pdf` or `*.md`), folders (a folder and everything under it), and a
modification-date range (`after` / `before`, inclusive, on the file's date).
Each given part must match; an empty filter allows everything. `allowed()`
turns a filter and the catalogue of indexed documents into the set of sources
retrieval may return.

    >>> allowed(Filter(folders=["notes"]), {"notes/a.md": 0.0, "b.txt": 0.0})
    {'notes/a.md'}
"""

from __future__ import annotations

from datetime import datetime, timezone
from fnmatch import fnmatchcase

from assistant.records import Filter


def matches(f: Filter, source: str, modified: float | None) -> bool:
    if f.files and not any(fnmatchcase(source, p) or fnmatchcase(source.rsplit("/", 1)[-1], p) for p in f.files):
        return False
    if f.folders and not any(_under(source, folder) for folder in f.folders):
        return False
    if f.after or f.before:
        if modified is None:
            return False
        day = datetime.fromtimestamp(modified, timezone.utc).date()
        if (f.after and day < f.after) or (f.before and day > f.before):
            return False
    return True


def allowed(f: Filter | None, catalog: dict[str, float | None]) -> set[str] | None:
    """Sources the filter lets through (None: no filter, everything is allowed)."""
    if f is None or f.empty:
        return None
    return {source for source, modified in catalog.items() if matches(f, source, modified)}


def _under(source: str, folder: str) -> bool:
    folder = folder.strip("/")
    return not folder or source.startswith(folder + "/")
