"""Check an unpacked offline bundle against its SHA256SUMS before anything is installed.

`make install` runs this (with the system's Python: standard library only) when the
project folder holds a bundle (`SHA256SUMS` or `wheels/`), and stops on the first
problem with a message that names the file:

- a file listed in SHA256SUMS that is missing or whose sha256 differs;
- a file in `wheels/` that SHA256SUMS does not list (pip would see it);
- SHA256SUMS or `wheels/` without the other.

It does not look at files the bundle did not ship (`data/`, `.venv/`, `models/*.gguf`,
your documents in `corpus/`), and it installs nothing. The manifest has the format of
`sha256sum`, so `sha256sum -c SHA256SUMS` checks the same files by hand.

A newer bundle unpacked over an older install: `--previous` names the SHA256SUMS of the
bundle installed before (`make install` keeps a copy in `.venv/`). Its files that the new
bundle no longer ships (old wheels, a deleted module) are removed first, but only those
still exactly as shipped: a file you changed is left, and named.

`verify_folder` checks one folder alone the same way: the OCR installer
(tools/install_ocr_debs.py) checks `debs/` with it before dpkg sees a file.

    $ python3 tools/verify_bundle.py
    bundle verified: 183 files, 2,412 MB, commit 1a2b3c4d5e6f
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

MANIFEST = "SHA256SUMS"
WHEELS = "wheels"


class BundleError(Exception):
    """A bundle that must not be installed; the message names the file and what to do."""


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def read_manifest(path: Path) -> dict[str, str]:
    """SHA256SUMS -> {relative path: sha256}; lines as `sha256sum` writes them."""
    entries = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or not name or name.startswith("/") or ".." in Path(name).parts:
            raise BundleError(f"{path.name} line {number} is malformed: {line[:80]!r}. Copy the bundle again.")
        entries[name] = digest.lower()
    return entries


def verify(root: Path) -> tuple[int, int]:
    """Check every file of the bundle in root; return (files, bytes). Raises BundleError."""
    manifest, wheels = root / MANIFEST, root / WHEELS
    if not manifest.is_file():
        raise BundleError(f"{WHEELS}/ is here but {MANIFEST} is missing: the bundle is incomplete. Unpack it again.")
    entries = read_manifest(manifest)
    if not wheels.is_dir():
        raise BundleError(f"{MANIFEST} is here but {WHEELS}/ is missing: the bundle is incomplete. Unpack it again.")
    refuse_unlisted(root, WHEELS, entries, "pip", "make install")
    return len(entries), check_files(root, entries)


def verify_folder(root: Path, folder: str, reader: str, command: str) -> tuple[int, int]:
    """Check only the files of one folder of the bundle (the OCR installer's `debs/`): each listed file
    intact and no file unlisted; return (files, bytes). `reader` is the program that would take a
    stray file, `command` the one to run again. Raises BundleError."""
    if not (root / MANIFEST).is_file():
        raise BundleError(f"{MANIFEST} is missing: this is not a whole bundle. Unpack the archive again.")
    entries = read_manifest(root / MANIFEST)
    part = {name: digest for name, digest in entries.items() if name.startswith(f"{folder}/")}
    if not part:
        raise BundleError(f"{MANIFEST} lists no file in {folder}/: this bundle did not ship it.")
    refuse_unlisted(root, folder, entries, reader, command)
    return len(part), check_files(root, part)


def refuse_unlisted(root: Path, folder: str, entries: dict[str, str], reader: str, command: str) -> None:
    """A file in folder that the manifest does not list is refused: `reader` would install from it."""
    for extra in sorted(p for p in (root / folder).iterdir() if f"{folder}/{p.name}" not in entries):
        raise BundleError(
            f"{folder}/{extra.name} is not listed in {MANIFEST}: {reader} would install from it. Remove it "
            f"(a file left by an older bundle, or one added since) and run `{command}` again."
        )


def check_files(root: Path, entries: dict[str, str]) -> int:
    """Each file of entries present with its sha256; return their bytes. Raises BundleError."""
    total = 0
    for name, expected in entries.items():
        path = root / name
        if not path.is_file():
            raise BundleError(f"{name} is missing from the bundle. Unpack the archive again (check its sha256 first).")
        if sha256_of(path) != expected:
            raise BundleError(
                f"{name} is altered: its sha256 is not the one in {MANIFEST}. Nothing was installed. "
                "Copy the archive again and check its sha256 before unpacking."
            )
        total += path.stat().st_size
    return total


def remove_previous(root: Path, previous: Path) -> list[str]:
    """Delete the files the previous bundle shipped and this one does not, if unchanged; return them."""
    current = read_manifest(root / MANIFEST)
    removed = []
    for name, digest in read_manifest(previous).items():
        path = root / name
        if name in current or not path.is_file():
            continue
        if sha256_of(path) == digest:
            path.unlink()
            removed.append(name)
        else:
            print(f"note: {name} came with the previous bundle, not this one, and was changed since: left as it is")
    return removed


def main(argv: list[str]) -> int:
    args = list(argv)
    previous = None
    if args[:1] == ["--previous"]:
        previous = Path(args[1])
        args = args[2:]
    root = Path(args[0]) if args else Path.cwd()
    try:
        if previous is not None and previous.is_file() and (root / MANIFEST).is_file():
            removed = remove_previous(root, previous)
            if removed:
                print(f"removed {len(removed)} files of the previous bundle that this one no longer ships")
        files, size = verify(root)
    except BundleError as exc:
        print(f"error: bundle check failed: {exc}", file=sys.stderr)
        return 1
    commit = (root / "COMMIT").read_text().split()[0][:12] if (root / "COMMIT").is_file() else "unknown"
    print(f"bundle verified: {files} files, {size / 1e6:,.0f} MB, commit {commit}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
