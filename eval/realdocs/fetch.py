"""Fetch the real-documents corpus: pinned Debian documentation packages -> eval-out/realdocs/corpus.

Downloads each pinned package with `apt-get download PKG=VERSION`, checks the
.deb against its pinned sha256 (a mismatch stops the script, naming the
package), unpacks it with `dpkg-deb -x`, and writes the chosen files into the
corpus folder under short stable names: copied as shipped, gunzipped, cut to a
page range (`qpdf`), or converted (`pandoc`, HTML -> DOCX or Markdown). Each
written file is checked against its pinned sha256: a copied file must match
(else stop); a converted one only matches with the same tool version, so a
mismatch there is a warning (run check.py: the evidence spans are what count).

Idempotent: a .deb or corpus file already there with the right checksum is
kept; the rest is (re)made. Nothing is copied into the repository. Stdlib only.
Needs root (or sudo-less apt) to install `qpdf`/`pandoc` when they are missing.

    python3 eval/realdocs/fetch.py [CORPUS_DIR] [--cache DIR]

When a pinned version leaves the archive (Debian replaces versions at point
releases), `apt-get download` fails: pin the new version and its sha256, run
this script, then `check.py`; fix the evidence spans it reports.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

# package -> (version, sha256 of the .deb); all from Debian 12 (bookworm)
PACKAGES = {
    "bash-doc": ("5.2.15-2", "2c1a353f7004d14ba81db19c253b958d2dd9582027650739c530fd50376a9d8b"),
    "debian-faq": ("11.1", "427426e0cfa6888622fc1d72631071cb4b5a1f86ccde722e7820bcef284de5d0"),
    "debian-reference-en": ("2.100", "9f31d3a17df505de09689ca255512ea58c1fc47c59bb1b0c7bf1c23362e9743f"),
    "git-doc": ("1:2.39.5-0+deb12u3", "3c89668a11053a6bafade3de1f611f4613db31e082af63f43d8c5b69ad8795ec"),
    "postgresql-doc-15": ("15.20-0+deb12u1", "4c44bf2c599f208b3f46454a6cf7a72e25ec46ff74d37b59dd31ad76b00eebb7"),
    "sqlite3-doc": ("3.40.1-2+deb12u2", "466e30d7066e2641fa13e56bc662a2ad521b8cc9c17dde9c9dac3d4f105e32f2"),
    "zstd": ("1.5.4+dfsg2-5", "3f6f833ae2fd533a0c9238310aef1148f51a64aa5d5f1278451ddc793d4d6d15"),
}

PG = "usr/share/doc/postgresql-doc-15/html/"
SQ = "usr/share/doc/sqlite3/"
GIT = "usr/share/doc/git-doc/"

# corpus name, package, path inside the package, how to make it, sha256 of the result
FILES = [
    ("debian-reference-packages.pdf", "debian-reference-en", "usr/share/debian-reference/debian-reference.en.pdf",
     "pages 65-103", "b3c8ff083c42442e33cb1ca24d662d33d12d8805b3b90d2a63257dfff6f43272"),
    ("bash-manpage.pdf", "bash-doc", "usr/share/doc/bash/bash.pdf", "copy",
     "ebd1361fe662e7e6b7386da02986bda05a434f85667939f72356fa86de19dd6d"),
    ("pg-connection-settings.html", "postgresql-doc-15", PG + "runtime-config-connection.html", "copy",
     "97578da824175e05ceb7849079df64438488205d97d845825c34bc2bd09ad079"),
    ("pg-hba-conf.html", "postgresql-doc-15", PG + "auth-pg-hba-conf.html", "copy",
     "10d20d40f03e4537b114e69fc56c6eed6f9ac9ae479e9a4f57fc4815abfd5343"),
    ("pg-numeric-types.html", "postgresql-doc-15", PG + "datatype-numeric.html", "copy",
     "f99eb292b204c600076666669fbcac7fcafdda29f6a7a4f7d25ad15748f34484"),
    ("psql.html", "postgresql-doc-15", PG + "app-psql.html", "copy",
     "b2a45145fd66cf7a28d7197594e8437e3b0310e88cdedf9d789c0fceefeebc27"),
    ("sqlite-limits.html", "sqlite3-doc", SQ + "limits.html", "copy",
     "c8ce36be3280ea10a22db68a99643f5b7eaa0f7064685f301e04b734f4b20cac"),
    ("sqlite-faq.html", "sqlite3-doc", SQ + "faq.html", "copy",
     "f521c7145ea05014a91fb8b548c6b8f94168621b72d5158b3ca14667d248a5a7"),
    ("githooks.html", "git-doc", GIT + "githooks.html", "copy",
     "2a6eb2a575c49f971cd9e7bd5e08feea6404a81fcdfca5ff6e47ce582b7ce384"),
    ("pg-dump.docx", "postgresql-doc-15", PG + "app-pgdump.html", "pandoc docx",
     "e3356781f89ec9a2dc3008c047760913918438cdd2362bc9a00bcef35f2cdb5c"),
    ("sqlite-date-functions.docx", "sqlite3-doc", SQ + "lang_datefunc.html", "pandoc docx",
     "b963e7973910f5fc36f76d6c4c093d354580bf5579f96f4f500f3ee3881ae2d5"),
    ("pg-libpq-envars.md", "postgresql-doc-15", PG + "libpq-envars.html", "pandoc gfm-raw_html",
     "1c77f6b03f4e9b5f318bb248be913d8fd5273588b0a5e0a58868d66ae97fc044"),
    ("bash-shellmath-readme.md", "bash-doc", "usr/share/doc/bash/examples/shellmath/README.md", "copy",
     "0bc8091b73b8c39f860566ee8082da5387de7cbb74befeb57a97e8599b516433"),
    ("zstd-readme.md", "zstd", "usr/share/doc/zstd/README.md.gz", "gunzip",
     "682212486494a36ec1545925c467b4faeee0b1326795584346747b159c10a0f6"),
    ("debian-faq.txt", "debian-faq", "usr/share/doc/debian/FAQ/debian-faq.en.txt.gz", "gunzip",
     "f687d96695d667f428edb40476d0b73efc611689e030d3a0828bb76f31dc81f6"),
    ("git-submitting-patches.txt", "git-doc", GIT + "SubmittingPatches.txt", "copy",
     "8f110903a87e926916d860ad92145b221ba20d3188ccb4450a93d97f5640d79a"),
    ("gitignore.txt", "git-doc", GIT + "gitignore.txt", "copy",
     "9dedd3218fa6f3a218372c933cf385da3d727ed71e5b13744e603b99e1ab7191"),
    ("bash-examples-index.txt", "bash-doc", "usr/share/doc/bash/examples/INDEX.txt", "copy",
     "3dff3e86f35e120812715ec71655c3bb335145149b6fde11ac724e5b677f6e5b"),
]

TOOLS = {"pages": ("qpdf", "qpdf"), "pandoc": ("pandoc", "pandoc")}  # how -> (command, Debian package)


class FetchError(Exception):
    pass


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None) -> None:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise FetchError(f"{' '.join(cmd)} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-500:]}")


def deb_name(pkg: str, version: str) -> str:
    return f"{pkg}_{version.replace(':', '%3a')}_"  # apt-get download writes NAME_VERSION_ARCH.deb, ':' as %3a


def download(pkg: str, cache: Path) -> Path:
    version, want = PACKAGES[pkg]
    found = sorted(cache.glob(deb_name(pkg, version) + "*.deb"))
    if found and sha256(found[0]) == want:
        return found[0]
    for old in found:
        old.unlink()
    try:
        run(["apt-get", "download", f"{pkg}={version}"], cwd=cache)
    except FetchError:
        run(["apt-get", "update", "-qq"])  # an old or empty package list: refresh once and retry
        try:
            run(["apt-get", "download", f"{pkg}={version}"], cwd=cache)
        except FetchError as exc:
            raise FetchError(f"package {pkg} {version} could not be downloaded (left the archive? pin a new version "
                             f"and sha256 in {Path(__file__).name}, then run check.py): {exc}") from None
    found = sorted(cache.glob(deb_name(pkg, version) + "*.deb"))
    if not found:
        raise FetchError(f"package {pkg}: apt-get download wrote no {deb_name(pkg, version)}*.deb in {cache}")
    got = sha256(found[0])
    if got != want:
        raise FetchError(f"package {pkg} {version}: sha256 {got} does not match the pinned {want}; "
                         "the file was not used")
    print(f"downloaded {found[0].name} (sha256 ok)")
    return found[0]


def unpack(pkg: str, deb: Path, cache: Path) -> Path:
    target = cache / "unpacked" / pkg
    stamp = target / ".deb-sha256"
    if stamp.exists() and stamp.read_text() == PACKAGES[pkg][1]:
        return target
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    run(["dpkg-deb", "-x", str(deb), str(target)])
    stamp.write_text(PACKAGES[pkg][1])
    return target


def ensure_tool(how: str) -> None:
    for prefix, (command, package) in TOOLS.items():
        if how.startswith(prefix) and shutil.which(command) is None:
            print(f"installing {package} (needed to make the {how} files) with apt-get")
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            run(["apt-get", "install", "-y", "-qq", package], env=env)


def make(how: str, src: Path, dest: Path) -> None:
    tmp = dest.with_name(dest.name + ".part")
    if how == "copy":
        shutil.copyfile(src, tmp)
    elif how == "gunzip":
        with gzip.open(src, "rb") as f, tmp.open("wb") as out:
            shutil.copyfileobj(f, out)
    elif how.startswith("pages "):
        run(["qpdf", "--deterministic-id", str(src), "--pages", ".", how.split()[1], "--", str(tmp)])
    elif how.startswith("pandoc "):
        fmt = how.split()[1]
        env = {**os.environ, "SOURCE_DATE_EPOCH": "0"}  # pandoc stamps DOCX with this date: same bytes each run
        # -native_divs: unwrap the pages' <div>s instead of keeping them as raw HTML; -raw_html: plain Markdown
        run(["pandoc", "-f", "html-native_divs-native_spans", "-t", fmt, str(src.resolve()), "-o", str(tmp.resolve())], cwd=src.parent, env=env)
    else:
        raise FetchError(f"unknown step {how!r}")
    tmp.replace(dest)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("corpus", nargs="?", type=Path, default=Path("eval-out/realdocs/corpus"))
    p.add_argument("--cache", type=Path, help="where .debs are kept and unpacked (default: CORPUS/../debs)")
    args = p.parse_args(argv)
    corpus, cache = args.corpus, args.cache or args.corpus.parent / "debs"
    corpus.mkdir(parents=True, exist_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    try:
        unpacked = {}
        for name, pkg, member, how, want in FILES:
            dest = corpus / name
            if want and dest.exists() and sha256(dest) == want:
                print(f"kept     {dest} (sha256 ok)")
                continue
            if pkg not in unpacked:
                unpacked[pkg] = unpack(pkg, download(pkg, cache), cache)
            src = unpacked[pkg] / member
            if not src.exists():
                raise FetchError(f"package {pkg}: {member} is not in the package")
            ensure_tool(how)
            make(how, src, dest)
            got = sha256(dest)
            note = "sha256 ok" if got == want else f"sha256 {got}"
            if want and got != want:
                if how in ("copy", "gunzip"):
                    raise FetchError(f"package {pkg}: {name} has sha256 {got}, pinned {want}")
                note += f" differs from the pinned {want[:12]}... (another {how.split()[0]} version?): run check.py"
            print(f"wrote    {dest} ({dest.stat().st_size:,} bytes, {how}; {note})")
    except FetchError as exc:
        print(f"fetch.py: {exc}", file=sys.stderr)
        return 1
    print(f"{len(FILES)} files in {corpus}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
