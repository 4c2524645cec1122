"""Install Debian's OCR (tesseract) from an unpacked bundle's `debs/` folder, with no network.

`make bundle` puts tesseract-ocr, tesseract-ocr-eng and the packages they depend on into
`debs/`, downloaded for the bundling machine's Debian release and architecture, which
`debs/RELEASE` names (`debian bookworm amd64`). On the air-gapped machine, as root
(`sudo make ocr`), with the system's Python (standard library only), this script:

1. refuses a machine of another release or architecture than `debs/RELEASE` names;
2. checks every file of `debs/` against SHA256SUMS (tools/verify_bundle.py) before dpkg
   sees one, and refuses a file there that SHA256SUMS does not list;
3. installs with `dpkg -i` only the packages that are missing, or installed at an older
   version: one installed at the same or a newer version is left alone, so nothing is
   ever downgraded.

`--dry-run` prints that plan and installs nothing (no root needed). It uses neither apt
nor a network, and removes nothing. Without tesseract the assistant reads scanned pages
with rapidocr, installed with it: about 8 times slower, with more character errors.

    $ sudo make ocr
    debs/ verified: 115 files, 62 MB, for debian bookworm amd64
    install  libtesseract5 5.3.0-2  (not installed)
    ...
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from verify_bundle import BundleError, verify_folder  # the same check as make install's (tools/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
DEBS = "debs"
RELEASE = "RELEASE"
ELSEWHERE = "install tesseract-ocr and tesseract-ocr-eng from this machine's own Debian media"


@dataclass(frozen=True)
class Choice:
    """What happens to one package of debs/: installed or left alone, and why."""

    package: str
    offered: str
    installed: str | None
    install: bool
    reason: str


def plan(offered: dict[str, str], installed: dict[str, str], at_least: Callable[[str, str], bool]) -> list[Choice]:
    """One Choice per offered package (name -> version), given the installed versions; pure.

    at_least(a, b) says whether Debian version a is b or newer (dpkg's ordering). A package
    is installed when it is missing or older; at the same or a newer version it is left.
    """
    choices = []
    for name, version in sorted(offered.items()):
        have = installed.get(name)
        if have is None:
            choices.append(Choice(name, version, None, True, "not installed"))
        elif not at_least(have, version):
            choices.append(Choice(name, version, have, True, f"upgrades {have}"))
        elif at_least(version, have):
            choices.append(Choice(name, version, have, False, "installed"))
        else:
            choices.append(Choice(name, version, have, False, f"{have} is installed, newer: kept"))
    return choices


def dpkg_at_least(version: str, other: str) -> bool:
    return subprocess.run(["dpkg", "--compare-versions", version, "ge", other]).returncode == 0


def this_release(os_release: Path = Path("/etc/os-release")) -> str:
    """This machine as debs/RELEASE names one: 'ID VERSION_CODENAME architecture'."""
    fields = {}
    for line in os_release.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            fields[key.strip()] = value.strip().strip('"')
    arch = subprocess.run(["dpkg", "--print-architecture"], check=True, capture_output=True, text=True).stdout
    return f"{fields.get('ID', 'unknown')} {fields.get('VERSION_CODENAME', 'unknown')} {arch.strip()}"


def offered_packages(debs: Path) -> dict[str, tuple[str, Path]]:
    """Each .deb of the folder: package name -> (version, file), read from the file itself."""
    offered: dict[str, tuple[str, Path]] = {}
    for path in sorted(debs.glob("*.deb")):
        shown = subprocess.run(["dpkg-deb", "--show", "--showformat=${Package}\t${Version}", str(path)],
                               check=True, capture_output=True, text=True).stdout
        name, version = shown.strip().split("\t")
        if name in offered:
            raise BundleError(f"{DEBS}/ holds two versions of {name}: the bundle is not as made. Unpack it again.")
        offered[name] = (version, path)
    return offered


def installed_versions(names: list[str], arch: str) -> dict[str, str]:
    """The installed version of each of names that is installed (for this architecture or `all`)."""
    # dpkg-query exits 1 when some name is unknown to it; it still lists the others
    shown = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Architecture}\t${db:Status-Abbrev}\t${Version}\n",
                            *names], capture_output=True, text=True).stdout
    installed = {}
    for line in shown.splitlines():
        name, its_arch, status, version = line.split("\t")
        if status.startswith("ii") and its_arch in (arch, "all"):  # a removed package keeps a row ('rc')
            installed[name] = version
    return installed


def prepare(root: Path) -> tuple[list[Choice], dict[str, Path]]:
    """Check debs/ for this machine and its sha256s; return the plan and each package's file."""
    debs = root / DEBS
    if not (debs / RELEASE).is_file():
        raise BundleError(f"there is no {DEBS}/{RELEASE} in {root}: this bundle carries no OCR packages (it was made "
                          f"where apt was not available). Either {ELSEWHERE}, or go on without: scanned pages are "
                          "then read by the slower rapidocr.")
    wanted, here = (debs / RELEASE).read_text().strip(), this_release()
    if wanted != here:
        raise BundleError(f"{DEBS}/ holds packages for {wanted}, and this machine is {here}: nothing was installed. "
                          f"Make the bundle on a machine of the same release and architecture, or {ELSEWHERE}.")
    files, size = verify_folder(root, DEBS, "dpkg", "sudo make ocr")
    print(f"{DEBS}/ verified: {files} files, {size / 1e6:,.0f} MB, for {here}")
    offered = offered_packages(debs)
    installed = installed_versions(sorted(offered), here.rsplit(" ", 1)[-1])
    choices = plan({name: version for name, (version, _) in offered.items()}, installed, dpkg_at_least)
    return choices, {name: path for name, (_, path) in offered.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print what would be installed, install nothing")
    parser.add_argument("bundle", nargs="?", type=Path, default=ROOT, help="the unpacked bundle (default: this one)")
    args = parser.parse_args(argv)
    try:
        choices, files = prepare(args.bundle)
    except (BundleError, OSError, subprocess.CalledProcessError) as exc:
        print(f"error: OCR packages not installed: {exc}", file=sys.stderr)
        return 1
    wanted = [c for c in choices if c.install]
    for c in wanted:
        print(f"{'would install' if args.dry_run else 'install'}  {c.package} {c.offered}  ({c.reason})")
    kept = [c for c in choices if not c.install and c.reason != "installed"]
    for c in kept:
        print(f"leave    {c.package}  ({c.reason})")
    print(f"{len(choices) - len(wanted)} of {len(choices)} packages are installed already at this version or newer")
    if not wanted:
        print("nothing to install: tesseract is " + ("on PATH" if shutil.which("tesseract") else "still not on PATH"))
        return 0
    if args.dry_run:
        return 0
    if os.geteuid() != 0:
        print("error: installing Debian packages needs root: run `sudo make ocr` (or add --dry-run)", file=sys.stderr)
        return 1
    if subprocess.run(["dpkg", "-i", *(str(files[c.package]) for c in wanted)]).returncode != 0:
        print("error: dpkg -i failed (its messages are above); `dpkg --audit` lists what is left half-installed",
              file=sys.stderr)
        return 1
    print(f"installed {len(wanted)} packages: the next `assistant ingest` reads scanned pages with tesseract")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
