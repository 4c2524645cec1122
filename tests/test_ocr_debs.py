"""OCR in the offline bundle: Debian's tesseract packages in `debs/` (tools/collect_ocr_debs.py,
run by make_bundle) and their installer on the air-gapped machine (tools/install_ocr_debs.py).

The first tests are pure or use made-up files. The last one downloads the real packages with
`apt-get download` (about 42 MB from a Debian mirror: marked `bundle`) and dry-runs the
installer against this machine; it skips where apt cannot download."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import TESTS

sys.path.insert(0, str(TESTS.parent / "tools"))
import collect_ocr_debs  # noqa: E402  (tools/ is not a package: scripts run with the system's Python)
import install_ocr_debs  # noqa: E402
import make_bundle  # noqa: E402
from install_ocr_debs import Choice, plan  # noqa: E402

HERE = "debian bookworm amd64"

# `apt-cache depends --recurse` as apt writes it: an alternative continues into the next line
# (` |Depends:`), a virtual package is in <>, and the packages providing it are listed below it.
DEPENDS = """\
tesseract-ocr
  Depends: libtesseract5
  Depends: tesseract-ocr-eng
tesseract-ocr-eng
libtesseract5
  PreDepends: libc6
  Depends: fontconfig-config
fontconfig-config
 |Depends: debconf
  Depends: <debconf-2.0>
    cdebconf
    debconf
 |Depends: fonts-dejavu-core
  Depends: fonts-liberation
  Depends: <awk>
    mawk
    gawk
libc6
debconf
cdebconf
  Depends: libnewt0.52
fonts-dejavu-core
fonts-liberation
mawk
gawk
libnewt0.52
<debconf-2.0>
<awk>
"""


def test_the_closure_takes_the_first_package_of_each_choice_and_follows_pre_depends():
    assert collect_ocr_debs.closure(DEPENDS, ("tesseract-ocr", "tesseract-ocr-eng")) == [
        "debconf", "fontconfig-config", "fonts-dejavu-core", "libc6", "libtesseract5", "mawk", "tesseract-ocr",
        "tesseract-ocr-eng"]


def test_a_dependency_nothing_provides_is_an_error():
    with pytest.raises(ValueError, match="libfoo depends on <gone>"):
        collect_ocr_debs.closure("libfoo\n  Depends: <gone>\n<gone>\n", ("libfoo",))


def _at_least(version: str, other: str) -> bool:  # made-up versions: dotted integers
    return tuple(map(int, version.split("."))) >= tuple(map(int, other.split(".")))


def test_the_plan_installs_missing_and_older_packages_and_never_downgrades():
    offered = {"new": "1.0", "same": "2.0", "newer-here": "3.0", "older-here": "4.1"}
    installed = {"same": "2.0", "newer-here": "3.2", "older-here": "4.0", "unrelated": "9.0"}
    assert plan(offered, installed, _at_least) == [
        Choice("new", "1.0", None, True, "not installed"),
        Choice("newer-here", "3.0", "3.2", False, "3.2 is installed, newer: kept"),
        Choice("older-here", "4.1", "4.0", True, "upgrades 4.0"),
        Choice("same", "2.0", "2.0", False, "installed"),
    ]


@pytest.mark.skipif(not shutil.which("dpkg"), reason="needs dpkg")
def test_the_plan_orders_versions_as_dpkg_does():
    offered = {"epoch": "1:4.1.0-2", "security": "3.0.22-1~deb12u2", "binnmu": "1.47.0-2"}
    installed = {"epoch": "5.0-1", "security": "3.0.19-1~deb12u2", "binnmu": "1.47.0-2+b2"}
    chosen = {c.package: c.install for c in plan(offered, installed, install_ocr_debs.dpkg_at_least)}
    assert chosen == {"epoch": True, "security": True, "binnmu": False}


def _fake_debs(root: Path, release: str = HERE) -> Path:
    """A bundle-shaped folder with debs/ (two made-up .deb files and RELEASE) and SHA256SUMS."""
    (root / "debs").mkdir(parents=True)
    (root / "debs" / "RELEASE").write_text(release + "\n")
    (root / "debs" / "alpha_1.0_amd64.deb").write_bytes(b"alpha" * 100)
    (root / "debs" / "beta_2.0_all.deb").write_bytes(b"beta" * 100)
    (root / "SHA256SUMS").write_text("".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  "
                                             f"{p.relative_to(root).as_posix()}\n"
                                             for p in sorted((root / "debs").iterdir())))
    return root


def test_packages_for_another_release_are_refused_before_anything_else(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(install_ocr_debs, "this_release", lambda: HERE)
    root = _fake_debs(tmp_path, release="debian trixie arm64")
    (root / "debs" / "alpha_1.0_amd64.deb").write_bytes(b"altered")  # not even looked at
    assert install_ocr_debs.main(["--dry-run", str(root)]) == 1
    assert "debs/ holds packages for debian trixie arm64, and this machine is debian bookworm amd64" in \
        capsys.readouterr().err


def test_an_altered_or_unlisted_deb_is_refused_by_name_before_dpkg_sees_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(install_ocr_debs, "this_release", lambda: HERE)
    root = _fake_debs(tmp_path / "altered")
    (root / "debs" / "beta_2.0_all.deb").write_bytes(b"altered")
    assert install_ocr_debs.main(["--dry-run", str(root)]) == 1
    assert "debs/beta_2.0_all.deb is altered" in capsys.readouterr().err
    root = _fake_debs(tmp_path / "unlisted")
    (root / "debs" / "gamma_3.0_all.deb").write_bytes(b"gamma")
    assert install_ocr_debs.main(["--dry-run", str(root)]) == 1
    assert "debs/gamma_3.0_all.deb is not listed in SHA256SUMS: dpkg would install from it" in capsys.readouterr().err


def test_a_bundle_without_debs_says_what_else_to_do(tmp_path, capsys):
    assert install_ocr_debs.main(["--dry-run", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "carries no OCR packages" in err and "rapidocr" in err


def test_without_apt_the_bundle_goes_without_debs_with_a_warning_or_fails_when_required(tmp_path, monkeypatch,
                                                                                           capsys):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dpkg, apt-cache or apt-get
    assert collect_ocr_debs.collect_ocr_debs(tmp_path / "debs") is False
    assert not (tmp_path / "debs").exists()
    assert "warning: the bundle has no OCR packages (debs/)" in capsys.readouterr().err
    with pytest.raises(SystemExit, match="--require-ocr-debs was given"):
        collect_ocr_debs.collect_ocr_debs(tmp_path / "debs", required=True)


def test_the_report_shows_the_debian_packages_as_a_part(tmp_path, capsys):
    archive = tmp_path / "bundle.tar"
    archive.write_bytes(b"x")
    make_bundle.report(archive, "0" * 64, [(30_000_000, "debs/libicu72_72.1-3_amd64.deb"),
                                          (12_000_000, "debs/tesseract-ocr_5.3.0-2_amd64.deb"),
                                          (5_000_000, "wheels/numpy-2.0-cp311-none-any.whl")], 1.0)
    assert "OCR (Debian packages) 42 MB; other wheels 5 MB" in capsys.readouterr().out


@pytest.mark.bundle
def test_real_debs_dry_run_installs_only_what_this_machine_lacks_or_has_older(tmp_path, capsys):
    if not shutil.which("apt-get") or not collect_ocr_debs.collect_ocr_debs(tmp_path / "debs"):
        pytest.skip("apt cannot download the OCR packages here (not Debian, or no mirror)")
    make_bundle.write_manifest(tmp_path)
    capsys.readouterr()
    assert install_ocr_debs.main(["--dry-run", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    debs = sorted((tmp_path / "debs").glob("*.deb"))
    assert f"debs/ verified: {len(debs) + 1} files" in out and "tesseract-ocr-eng_" in " ".join(p.name for p in debs)
    for line in out.splitlines():
        if line.startswith("would install"):
            _, _, name, version = line.split("(")[0].split()
            have = subprocess.run(["dpkg-query", "-W", "-f", "${db:Status-Abbrev} ${Version}", name],
                                  capture_output=True, text=True).stdout.split()
            assert not have or have[0] != "ii" or not install_ocr_debs.dpkg_at_least(have[1], version), line
    if shutil.which("tesseract"):  # installed here: tesseract-ocr itself is never offered again
        assert "would install  tesseract-ocr " not in out
