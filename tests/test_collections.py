"""Named collections: settings validation, the workspace, and the CLI's --collection (fast: no models)."""

from __future__ import annotations

import json

import pytest

from assistant.app import Workspace
from assistant.cli import main
from assistant.config import load_settings
from assistant.errors import ConfigError


def test_each_collection_has_its_folder_and_the_default_comes_first(tmp_path):
    s = load_settings(paths__data_dir=tmp_path, store__collections={"legal": tmp_path / "legal", "hr-docs": tmp_path / "hr"})
    workspace = Workspace(s)
    assert workspace.names() == ["corpus", "legal", "hr-docs"]
    legal = workspace.app("legal")
    assert legal.corpus == (tmp_path / "legal").resolve() and legal.collection == "legal"
    assert workspace.app("legal") is legal and legal.engines is workspace.app().engines  # one set of models


def test_an_unknown_collection_names_the_known_ones(tmp_path):
    workspace = Workspace(load_settings(paths__data_dir=tmp_path, store__collections={"legal": tmp_path}))
    with pytest.raises(ConfigError, match="corpus, legal.*\\[collections\\]"):
        workspace.app("finance")


@pytest.mark.parametrize("bad, why", [
    ({"a b": "/x"}, "collection name 'a b'"),
    ({"corpus": "/x"}, "already the default collection"),
])
def test_bad_collections_are_refused_with_the_reason(tmp_path, bad, why):
    with pytest.raises(ConfigError, match=why):
        load_settings(paths__data_dir=tmp_path, store__collections=bad)


def test_the_cli_lists_and_chooses_collections(tmp_path, monkeypatch, capsys):
    (tmp_path / "legal").mkdir()
    (tmp_path / "legal" / "rules.md").write_text("# Rules\n\nNo dogs on the pier.\n")
    monkeypatch.setenv("ASSISTANT_STORE__COLLECTIONS", json.dumps({"legal": str(tmp_path / "legal")}))
    assert main(["collections", "--data-dir", str(tmp_path / "data"), "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == ["corpus", "legal"] and rows[1]["documents"] == 0
    assert main(["status", "--data-dir", str(tmp_path / "data"), "--collection", "nope"]) == 2
    assert "no collection named 'nope'" in capsys.readouterr().err


def test_a_folder_given_on_the_command_line_is_served_alone(tmp_path):
    from assistant.app import App

    s = load_settings(paths__data_dir=tmp_path, store__collections={"legal": tmp_path / "legal"})
    workspace = Workspace.around(App(s, tmp_path / "adhoc"))
    assert workspace.names() == [workspace.default] and workspace.default.startswith("adhoc-")
    with pytest.raises(ConfigError):
        workspace.app("legal")


def test_refused_files_are_logged_as_json_and_listed_after_a_restart(tmp_path, corpus, fake_embedder):
    from assistant.app import App

    settings = load_settings(paths__data_dir=tmp_path / "data", ingest__max_file_mb=1)
    (corpus / "huge.txt").write_text("x " * 600_000)
    app = App(settings, corpus)
    app.engines.__dict__["embedder"] = fake_embedder  # a deterministic stand-in: this test is about the log
    app.ingest()
    entry = json.loads(app.log_path.read_text().splitlines()[-1])
    assert entry["collection"] == app.collection and "max_file_mb" in entry["errors"]["huge.txt"]
    assert sorted(entry["added"]) == ["bakery.txt", "lighthouse.md", "notes/orchard.md"]
    restarted = App(settings, corpus)  # no ingest in this process: the reason comes from the log
    rows = {r["source"]: r for r in restarted.documents()}
    assert "over the limit" in rows["huge.txt"]["error"] and rows["bakery.txt"]["chunks"] > 0
