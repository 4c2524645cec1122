"""Put Debian's OCR packages into a bundle's `debs/` folder: a step of tools/make_bundle.py.

tesseract-ocr and tesseract-ocr-eng, with every package they depend on (Depends and
Pre-Depends, followed to the end; not Recommends or Suggests), as `apt-get download`
fetches them for this machine's Debian release and architecture; `debs/RELEASE` names
that pair (tools/install_ocr_debs.py installs them on the air-gapped machine, and refuses
another pair). Where a dependency offers a choice (`a | b`), only the first installable
package is taken, as apt itself takes it on a machine that has neither: `apt-cache depends
--recurse` lists every alternative (for fontconfig-config, nine font packages and a second
debconf), and a closure of all of them would install packages nothing needs.

It needs no root and installs nothing. Where apt is missing or a download fails (another
distribution, no access to a Debian mirror) it warns and leaves debs/ out: the bundle then
reads scanned pages with rapidocr. `required=True` (make_bundle's --require-ocr-debs) fails
instead.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from install_ocr_debs import RELEASE, this_release  # the same release line the installer compares

PACKAGES = ("tesseract-ocr", "tesseract-ocr-eng")
DEPENDS = ["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
           "--no-breaks", "--no-replaces", "--no-enhances"]


def closure(depends: str, roots: tuple[str, ...]) -> list[str]:
    """The packages roots need, read from `apt-cache depends --recurse` output; pure.

    Each dependency is a group of alternatives (` |Depends: a` continues into the next line);
    the first real package of a group is taken, or for a group of virtual packages only
    (`<debconf-2.0>`), the first package listed below it as providing one.
    """
    groups: dict[str, list[list[str]]] = {}
    providers: dict[str, list[str]] = {}
    package, last, continued = "", "", False
    for line in depends.splitlines():
        if not line.startswith(" "):
            package, continued = line.strip(), False
            groups.setdefault(package, [])
        elif line.startswith("    "):  # a package providing the virtual one named just above
            providers.setdefault(last, []).append(line.strip())
        else:
            kind, _, name = line.strip().lstrip("|").partition(": ")
            if kind in ("Depends", "PreDepends"):
                if continued:
                    groups[package][-1].append(name)
                else:
                    groups[package].append([name])
                last = name
            continued = line[1] == "|"
    needed, todo = set(), list(roots)
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        for group in groups.get(name, []):
            real = [n for n in group if not n.startswith("<")] or [p for n in group for p in providers.get(n, [])]
            if not real:
                raise ValueError(f"{name} depends on {' | '.join(group)}, which no package provides")
            todo.append(real[0])
    return sorted(needed)


def collect_ocr_debs(debs: Path, required: bool = False) -> bool:
    """Download the OCR packages into debs (made here) and write debs/RELEASE; False when left out."""
    try:
        release = this_release()
        listed = subprocess.run([*DEPENDS, *PACKAGES], check=True, capture_output=True, text=True).stdout
        names = closure(listed, PACKAGES)
        debs.mkdir(parents=True)
        subprocess.run(["apt-get", "download", "--quiet", *names], cwd=debs, check=True, capture_output=True, text=True)
    except (OSError, ValueError, subprocess.CalledProcessError) as exc:
        shutil.rmtree(debs, ignore_errors=True)
        said = getattr(exc, "stderr", None) or ""
        reason = " ".join(line for line in said.splitlines() if line.startswith("E:"))[:500] or str(exc)
        message = (f"the bundle has no OCR packages (debs/): {reason}. The air-gapped machine will read scanned pages "
                   "with rapidocr (about 8 times slower, more errors) unless it installs tesseract-ocr and "
                   "tesseract-ocr-eng from its own Debian media.")
        if required:
            raise SystemExit(f"error: {message} --require-ocr-debs was given: no bundle made.") from exc
        print(f"warning: {message}", file=sys.stderr)
        return False
    (debs / RELEASE).write_text(release + "\n")
    return True
