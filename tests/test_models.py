"""Model lookup and listing, on tiny GGUF headers the test writes, and on the bundled files."""

import struct
from pathlib import Path

import pytest

from assistant.config import ROOT
from assistant.errors import GenerationError, ModelFileError, ModelNotFound
from assistant.generate import LlamaGenerator
from assistant.gguf import read_gguf
from assistant.modelfiles import BUNDLED, list_models, resolve_model


def _s(text: str) -> bytes:
    raw = text.encode()
    return struct.pack("<Q", len(raw)) + raw


def write_gguf(path: Path, template: str | None, ftype: int = 15) -> Path:
    kvs = [("general.architecture", 8, _s("llama")), ("general.file_type", 4, struct.pack("<I", ftype)),
           ("llama.context_length", 4, struct.pack("<I", 2048)),
           ("tokenizer.ggml.tokens", 9, struct.pack("<IQ", 8, 2) + _s("a") + _s("b"))]
    if template:
        kvs.append(("tokenizer.chat_template", 8, _s(template)))
    body = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kvs))
    for key, vtype, value in kvs:
        body += _s(key) + struct.pack("<I", vtype) + value
    body += _s("tok_embd.weight") + struct.pack("<I", 2) + struct.pack("<QQ", 32, 4) + struct.pack("<IQ", 0, 0)
    path.write_bytes(body)
    return path


def test_read_header(tmp_path):
    info = read_gguf(write_gguf(tmp_path / "m.gguf", "{{ messages }}"))
    assert (info.architecture, info.quantization, info.parameters, info.context_length) == ("llama", "Q4_K_M", 128, 2048)
    assert info.chat_template == "{{ messages }}"


def test_not_a_gguf_and_truncated(tmp_path):
    (tmp_path / "x.gguf").write_bytes(b"PK\x03\x04 zip")
    with pytest.raises(ModelFileError, match="not a GGUF"):
        read_gguf(tmp_path / "x.gguf")
    good = write_gguf(tmp_path / "t.gguf", "t").read_bytes()
    (tmp_path / "t.gguf").write_bytes(good[:40])
    with pytest.raises(ModelFileError, match="truncated"):
        read_gguf(tmp_path / "t.gguf")


def test_user_models_are_listed_and_resolved(tmp_path):
    write_gguf(tmp_path / "mine.gguf", "{{ x }}")
    write_gguf(tmp_path / "base.gguf", None)
    rows = {name: note for name, _, note in list_models(tmp_path)}
    assert rows["mine"] == "user"
    assert "no chat template" in rows["base"]
    assert "not assembled" in rows["qwen2.5-coder-1.5b"]  # bundled, but not in this folder
    assert resolve_model("mine", tmp_path) == ("mine", tmp_path / "mine.gguf")
    assert resolve_model("mine.gguf", tmp_path)[1] == tmp_path / "mine.gguf"
    with pytest.raises(ModelNotFound, match="Available: .*mine"):
        resolve_model("nope", tmp_path)
    with pytest.raises(ModelFileError, match="make install"):
        resolve_model("qwen2.5-coder-1.5b", tmp_path)


def test_model_without_chat_template_gets_a_clear_error(tmp_path):
    gen = LlamaGenerator("base", write_gguf(tmp_path / "base.gguf", None), 512, 1, 0, 0)
    with pytest.raises(GenerationError, match="no chat template"):
        gen.load()


def test_bundled_models_are_assembled_and_have_templates():
    for model in BUNDLED.values():
        info = read_gguf(ROOT / "models" / model.filename)
        assert info.size_bytes == model.size
        assert info.architecture == "qwen2" and info.quantization == "Q4_K_M" and info.chat_template
