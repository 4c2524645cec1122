"""Settings: defaults, precedence, and errors that name the field."""

import pytest

from assistant.config import Settings, describe_fields, load_settings
from assistant.errors import ConfigError


def test_defaults_are_sane():
    s = load_settings()
    assert s.host == "127.0.0.1"
    assert s.model == "qwen2.5-coder-1.5b"
    assert s.chunk_overlap < s.chunk_size <= 256


def test_every_field_is_described():
    assert all(describe_fields().values())
    for field in ("corpus_dir", "data_dir", "model", "n_ctx", "n_threads", "n_gpu_layers", "embedder",
                  "chunk_size", "chunk_overlap", "top_k", "temperature", "host", "port"):
        assert field in Settings.model_fields


def test_bad_value_names_field_and_allowed_values():
    with pytest.raises(ConfigError) as err:
        load_settings(top_k=0)
    assert "top_k" in str(err.value) and "1 to 50" in str(err.value)


def test_env_and_toml(monkeypatch, tmp_path):
    toml = tmp_path / "assistant.toml"
    toml.write_text('top_k = 7\ntemperature = 0.5\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    assert load_settings().top_k == 7
    monkeypatch.setenv("ASSISTANT_TOP_K", "9")
    s = load_settings()
    assert s.top_k == 9 and s.temperature == 0.5
    assert load_settings(top_k=3).top_k == 3


def test_bad_env_value_and_unknown_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_PORT", "seventy")
    with pytest.raises(ConfigError, match="port"):
        load_settings()
    monkeypatch.delenv("ASSISTANT_PORT")
    toml = tmp_path / "assistant.toml"
    toml.write_text('topk = 7\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    with pytest.raises(ConfigError, match="unknown setting 'topk'"):
        load_settings()


def test_overlap_must_be_below_size():
    with pytest.raises(ConfigError, match="chunk_overlap"):
        load_settings(chunk_size=64, chunk_overlap=64)


def test_embedder_must_be_known():
    with pytest.raises(ConfigError, match="embedder"):
        load_settings(embedder="some-hub-model")


def test_the_readme_table_lists_every_setting_with_its_description():
    from assistant.config import ROOT, settings_table

    readme = (ROOT / "README.md").read_text()
    assert all(f"| `{name}` |" in readme for name in describe_fields())
    assert settings_table() in readme, "README settings table is out of date: paste `python -m assistant.config`"
