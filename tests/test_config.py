"""Settings: a tree of sections, defaults, precedence, the flat names of the first release, and errors that
name the setting."""

import warnings

import pytest

from assistant.config import ROOT, SECTIONS, DeprecatedSetting, LEGACY, Settings, describe_fields, load_settings, \
    settings_reference
from assistant.errors import ConfigError


def test_defaults_are_sane():
    s = load_settings()
    assert s.server.host == "127.0.0.1"
    assert s.model.name == "qwen2.5-coder-1.5b"
    assert s.ingest.chunk_overlap < s.ingest.chunk_size <= 256


def test_every_setting_is_described_without_calibration_history():
    described = describe_fields()
    assert all(described.values())
    assert len(described) == sum(len(m.model_fields) for m in SECTIONS.values())
    for text in described.values():  # what it does and how to choose it; the history is in docs/experiments/
        assert "BENCHMARKS" not in text and "dev" not in text.split() and "MultiHop" not in text


def test_bad_value_names_setting_and_allowed_values():
    with pytest.raises(ConfigError) as err:
        load_settings(retrieval__top_k=0)
    assert "retrieval.top_k" in str(err.value) and "1 to 50" in str(err.value)


def test_toml_tables_then_env_then_overrides(monkeypatch, tmp_path):
    toml = tmp_path / "assistant.toml"
    toml.write_text('[retrieval]\ntop_k = 7\n\n[model]\ntemperature = 0.5\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    assert load_settings().retrieval.top_k == 7
    monkeypatch.setenv("ASSISTANT_RETRIEVAL__TOP_K", "9")
    s = load_settings()
    assert s.retrieval.top_k == 9 and s.model.temperature == 0.5
    assert load_settings(retrieval__top_k=3).retrieval.top_k == 3


def test_flat_names_of_the_first_release_still_work_with_a_warning_naming_the_new_one(monkeypatch, tmp_path):
    toml = tmp_path / "assistant.toml"
    toml.write_text('top_k = 7\nmodel = "qwen2.5-coder-0.5b"\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    monkeypatch.setenv("ASSISTANT_PORT", "8001")
    with pytest.warns(DeprecatedSetting) as caught:
        s = load_settings()
    assert (s.retrieval.top_k, s.model.name, s.server.port) == (7, "qwen2.5-coder-0.5b", 8001)
    said = " ".join(str(w.message) for w in caught)
    assert "[retrieval] top_k" in said and "ASSISTANT_SERVER__PORT" in said
    assert set(LEGACY.values()) <= set(describe_fields())  # every old name points at a setting that exists


def test_no_warning_when_every_name_is_new(monkeypatch, tmp_path):
    toml = tmp_path / "assistant.toml"
    toml.write_text('[answer]\nmin_score = 0.2\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert load_settings().answer.min_score == 0.2


def test_bad_env_value_and_unknown_key(monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_SERVER__PORT", "seventy")
    with pytest.raises(ConfigError, match="server.port"):
        load_settings()
    monkeypatch.delenv("ASSISTANT_SERVER__PORT")
    toml = tmp_path / "assistant.toml"
    toml.write_text('[retrieval]\ntopk = 7\n')
    monkeypatch.setenv("ASSISTANT_CONFIG", str(toml))
    with pytest.raises(ConfigError, match=r"unknown setting 'retrieval.topk' \(known here: mode, top_k"):
        load_settings()
    toml.write_text('topk = 7\n')
    with pytest.raises(ConfigError, match="unknown setting 'topk'"):
        load_settings()
    toml.write_text('[retrieval\n')
    with pytest.raises(ConfigError, match="could not read the settings file"):
        load_settings()


def test_overlap_must_be_below_size():
    with pytest.raises(ConfigError, match="chunk_overlap"):
        load_settings(ingest__chunk_size=64, ingest__chunk_overlap=64)


def test_embedder_must_be_known():
    with pytest.raises(ConfigError, match="embedding.name"):
        load_settings(embedding__name="some-hub-model")


def test_updated_copies_and_checks():
    s = load_settings()
    t = s.updated(retrieval__top_k=5, model__name=None)
    assert t.retrieval.top_k == 5 and s.retrieval.top_k == 4 and t.model.name == s.model.name
    with pytest.raises(ConfigError):
        s.updated(retrieval__top_k=0)
    assert isinstance(t, Settings)


def test_the_settings_reference_is_generated_from_the_settings():
    reference = (ROOT / "docs" / "settings.md").read_text()
    assert reference.strip() == settings_reference().strip(), \
        "docs/settings.md is out of date: run `python -m assistant.config > docs/settings.md`"
