"""Accounts without a server (fast): the users file and its CLI, the rules of access, the count of failed
sign-ins, and the audit trail's lines and retention."""

from __future__ import annotations

import json
import logging
import stat
from datetime import datetime, timedelta, timezone

import pytest

from assistant.access import Access
from assistant.audit import AuditLog
from assistant.cli import main
from assistant.errors import AccessDenied, AccountError, NotSignedIn, TooManyFailures
from assistant.records import Answer, Citation, Timings
from assistant.throttle import Throttle
from assistant.users import Users

KNOWN = ["corpus", "alpha", "beta"]


@pytest.fixture
def users(tmp_path) -> Users:
    return Users(tmp_path / "users.sqlite")


def test_only_hashes_are_stored_and_the_secrets_work(users, tmp_path):
    made = users.add("alice", collections=["alpha"], known=KNOWN)
    stored = (tmp_path / "users.sqlite").read_bytes()
    assert made.password.encode() not in stored and made.api_key.encode() not in stored
    assert b"scrypt$" in stored
    assert stat.S_IMODE((tmp_path / "users.sqlite").stat().st_mode) == 0o600
    assert users.by_password("alice", made.password).collections == ("alpha",)
    assert users.by_password("alice", made.password + "x") is None and users.by_password("nobody", "x") is None
    assert users.by_key(made.api_key).name == "alice" and users.by_key(made.api_key[:-1]) is None


@pytest.mark.parametrize("name, admin, collections, field", [
    ("Alice", False, ["alpha"], "name 'Alice'"),
    ("a b", False, ["alpha"], "name 'a b'"),
    ("", True, [], "name ''"),
    ("carol", False, ["gamma"], "collections: no collection named 'gamma'; the collections are corpus, alpha, beta"),
    ("carol", False, [], "collections: a member needs at least one collection"),
])
def test_bad_accounts_name_the_field(users, name, admin, collections, field):
    with pytest.raises(AccountError, match=field.replace("(", r"\(")):
        users.add(name, admin, collections, KNOWN)


def test_a_taken_name_and_an_unknown_one_are_refused(users):
    users.add("alice", collections=["alpha"], known=KNOWN)
    with pytest.raises(AccountError, match="name 'alice': a user of that name exists"):
        users.add("alice", admin=True, known=KNOWN)
    for act in (users.reset, users.remove):
        with pytest.raises(AccountError, match="name 'zed': no such user"):
            act("zed")


def test_a_damaged_users_file_is_an_error_not_an_empty_table(tmp_path):
    (tmp_path / "users.sqlite").write_bytes(b"not a database " * 500)
    with pytest.raises(AccountError, match="cannot be read"):
        Users(tmp_path / "users.sqlite").list()


def cli(capsys, *argv) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_users_commands(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_STORE__COLLECTIONS", json.dumps({"alpha": str(tmp_path / "a")}))
    data = ["--data-dir", str(tmp_path / "data")]
    code, out, _ = cli(capsys, "users", "add", "alice", "--collections", "alpha", "--json", *data)
    made = json.loads(out)
    assert code == 0 and set(made) == {"name", "password", "api_key"} and made["name"] == "alice"
    code, out, _ = cli(capsys, "users", "add", "root", "--admin", *data)
    assert code == 0 and "password: " in out and "API key:  sk-" in out and "Shown this once" in out
    code, out, _ = cli(capsys, "users", "list", *data)
    assert "alice" in out and "member" in out and "alpha" in out and "root" in out and "admin" in out
    assert made["password"] not in out and made["api_key"] not in out and "sk-" not in out
    code, out, _ = cli(capsys, "users", "list", "--json", *data)
    assert json.loads(out) == [{"name": "alice", "admin": False, "collections": ["alpha"]},
                               {"name": "root", "admin": True, "collections": "all"}]
    code, out, _ = cli(capsys, "users", "reset", "alice", "--json", *data)
    again = json.loads(out)
    assert again["password"] != made["password"] and again["api_key"] != made["api_key"]
    users = Users(tmp_path / "data" / "users.sqlite")
    assert users.by_key(made["api_key"]) is None and users.by_password("alice", made["password"]) is None
    assert users.by_key(again["api_key"]).name == "alice"
    code, out, _ = cli(capsys, "users", "remove", "alice", *data)
    assert code == 0 and users.by_key(again["api_key"]) is None
    code, _, err = cli(capsys, "users", "add", "bob", "--collections", "beta", *data)
    assert code == 2 and "error: collections: no collection named 'beta'; the collections are corpus, alpha" in err


def test_members_use_their_collections_and_admins_all(users):
    alice = users.by_key(users.add("alice", collections=["alpha"], known=KNOWN).api_key)
    root = users.by_key(users.add("root", admin=True, known=KNOWN).api_key)
    access = Access(users, KNOWN)
    assert access.collections(alice) == ["alpha"] and access.collections(root) == KNOWN
    assert access.allowed(alice, None) == "alpha" and access.allowed(root, None) == "corpus"
    with pytest.raises(AccessDenied, match="collection 'beta' is not yours; yours: alpha"):
        access.allowed(alice, "beta")
    with pytest.raises(AccessDenied, match="only an admin"):
        access.manager(alice)
    access.manager(root)
    users.remove("alice")
    with pytest.raises(NotSignedIn):
        access.user("alice")


def test_failed_keys_and_logins_are_refused_after_five_and_logged(users, caplog):
    made = users.add("alice", collections=["alpha"], known=KNOWN)
    now = [0.0]
    access = Access(users, KNOWN, Throttle(5, 300, clock=lambda: now[0]))
    caplog.set_level(logging.WARNING, logger="assistant.access")
    for _ in range(5):
        with pytest.raises(NotSignedIn):
            access.by_key("Bearer sk-wrong", "10.0.0.9")
    with pytest.raises(TooManyFailures):  # even the right key, from that address
        access.by_key(f"Bearer {made.api_key}", "10.0.0.9")
    assert access.by_key(f"Bearer {made.api_key}", "10.0.0.7").name == "alice"  # another address is not held
    for address in ("10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.4", "10.0.1.5"):  # one name, many addresses
        assert not access.login("alice", "guess", address)
    assert not access.login("alice", made.password, "10.0.1.6")  # the name is held
    now[0] = 301.0
    assert access.login("alice", made.password, "10.0.1.6") and access.by_key(f"Bearer {made.api_key}", "10.0.0.9")
    lines = [r.getMessage() for r in caplog.records]
    assert sum("API key refused: a wrong key from address 10.0.0.9" in m for m in lines) == 5
    assert any("API key refused: too many failures from address 10.0.0.9" in m for m in lines)
    assert any("login refused: too many failures from user 'alice'" in m for m in lines)
    assert not any(made.password in m or made.api_key in m or "guess" in m for m in lines)


def answer() -> Answer:
    return Answer(question="How long does the rye loaf rest?", answer="14 hours [1].", abstained=False,
                  citations=[Citation(n=1, source="bread.pdf", text="It rests 14 hours.", page=3)], passages=[],
                  model="scripted", timings=Timings(retrieval_s=0.25, total_s=1.5, prompt_tokens=90))


def test_an_audit_line_holds_who_asked_what_and_what_was_cited(tmp_path):
    log = AuditLog(tmp_path / "audit", 90, clock=lambda: datetime(2026, 11, 29, 12, 30, 1, 250000, timezone.utc))
    log.write("alice", "api", "alpha", answer())
    path = tmp_path / "audit" / "2026-11-29.jsonl"
    entry = json.loads(path.read_text())
    assert entry == {"time": "2026-11-29T12:30:01.250+00:00", "user": "alice", "via": "api", "collection": "alpha",
                     "question": "How long does the rye loaf rest?", "abstained": False, "abstain_reason": None,
                     "cited": [{"n": 1, "source": "bread.pdf", "where": "page 3"}], "model": "scripted",
                     "timings": {**Timings().model_dump(), "retrieval_s": 0.25, "total_s": 1.5, "prompt_tokens": 90}}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_audit_files_older_than_the_retention_are_dropped_when_a_day_starts(tmp_path):
    folder = tmp_path / "audit"
    folder.mkdir()
    today = datetime(2026, 11, 29, 0, 5, tzinfo=timezone.utc)
    for days in (0, 1, 30, 31, 400):
        (folder / f"{(today - timedelta(days=days)).date().isoformat()}.jsonl").write_text("{}\n")
    (folder / "notes.txt").write_text("kept")
    AuditLog(folder, 30, clock=lambda: today).write("root", "chat window", "corpus", answer())
    kept = sorted(p.name for p in folder.iterdir())
    assert kept == ["2026-10-30.jsonl", "2026-11-28.jsonl", "2026-11-29.jsonl", "notes.txt"]
    assert len((folder / "2026-11-29.jsonl").read_text().splitlines()) == 2  # appended to today's file
