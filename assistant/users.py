"""User accounts: the only owner of `users.sqlite` in the data folder.

A team that shares one server gives each person an account: a name, admin or
not, and the collections a member may ask (an admin sees every collection and
manages documents and users). `add` and `reset` return the secrets once, as
`Credentials`; only their hashes are stored:

- the password with scrypt (hashlib, the standard library), a random salt each,
  at n=2**14, r=8, p=1, so a stolen file costs an attacker real work a guess;
- the API key as its sha256 digest: a key is 32 random bytes, too long to guess,
  so a fast hash is enough, and the digest is compared in constant time.

    >>> import tempfile, pathlib
    >>> users = Users(pathlib.Path(tempfile.mkdtemp()) / "users.sqlite")
    >>> made = users.add("alice", collections=["legal"], known=["corpus", "legal"])
    >>> users.by_password("alice", made.password).collections, users.by_key(made.api_key).name
    (('legal',), 'alice')
    >>> users.by_password("alice", "guess") is None
    True

This module does not decide what an account may do (access.py), nor read the
settings: the caller passes the collection names it knows. A file that is not a
readable users database is an AccountError, never replaced: an empty table
would open the server to everyone.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import AccountError
from assistant.sqlitefile import private

FILE = "users.sqlite"  # in paths.data_dir
NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,62}$")
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "maxmem": 64 * 2**20, "dklen": 32}


@dataclass(frozen=True)
class User:
    """An account, without its secrets."""

    name: str
    admin: bool
    collections: tuple[str, ...]  # a member's collections; an admin's are all of them


@dataclass(frozen=True)
class Credentials:
    """The secrets of a new or reset account, shown once and never stored."""

    name: str
    password: str
    api_key: str


def exists(path: Path) -> bool:
    """Whether the file at `path` holds at least one account (it is not created when it is missing)."""
    return path.is_file() and bool(Users(path).list())


def password_hash(password: str, salt: bytes | None = None) -> str:
    """'scrypt$<salt hex>$<digest hex>'."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def key_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Users:
    """The accounts in one SQLite file; every method opens its own connection (threads share the object)."""

    def __init__(self, path: Path):
        self.path = path
        self._lock = threading.Lock()
        self._run("CREATE TABLE IF NOT EXISTS users (name TEXT PRIMARY KEY, admin INTEGER NOT NULL, "
                  "collections TEXT NOT NULL, password TEXT NOT NULL, api_key TEXT NOT NULL)")

    def add(self, name: str, admin: bool = False, collections=(), known=()) -> Credentials:
        """A new account; AccountError names the field that is wrong."""
        if not NAME.fullmatch(name or ""):
            raise AccountError(f"name {name!r}: use 1-63 lower-case letters, digits, '.', '_' or '-', starting with "
                               "a letter or digit")
        unknown = [c for c in collections if c not in known]
        if unknown:
            raise AccountError(f"collections: no collection named {unknown[0]!r}; the collections are "
                               f"{', '.join(known)} (`assistant collections` lists them)")
        if not admin and not collections:
            raise AccountError("collections: a member needs at least one collection (--collections A,B), or make "
                               "the account an admin (--admin)")
        made = _new_secrets(name)
        try:
            self._run("INSERT INTO users VALUES (?, ?, ?, ?, ?)", name, int(admin), ",".join(dict.fromkeys(collections)),
                      password_hash(made.password), key_digest(made.api_key))
        except sqlite3.IntegrityError:
            raise AccountError(f"name {name!r}: a user of that name exists; `assistant users reset {name}` gives "
                               "new secrets") from None
        return made

    def reset(self, name: str) -> Credentials:
        """New secrets for an account; the old password and key stop working at once."""
        self.get(name, required=True)
        made = _new_secrets(name)
        self._run("UPDATE users SET password = ?, api_key = ? WHERE name = ?", password_hash(made.password),
                  key_digest(made.api_key), name)
        return made

    def remove(self, name: str) -> None:
        self.get(name, required=True)
        self._run("DELETE FROM users WHERE name = ?", name)

    def list(self) -> list[User]:
        return [_user(row) for row in self._run("SELECT name, admin, collections FROM users ORDER BY name")]

    def get(self, name: str, required: bool = False) -> User | None:
        rows = self._run("SELECT name, admin, collections FROM users WHERE name = ?", name)
        if not rows and required:
            raise AccountError(f"name {name!r}: no such user; `assistant users list` shows them")
        return _user(rows[0]) if rows else None

    def by_password(self, name: str, password: str) -> User | None:
        """The account when the password is its own. An unknown name costs the same scrypt as a known one."""
        rows = self._run("SELECT name, admin, collections, password FROM users WHERE name = ?", name)
        stored = rows[0][3] if rows else password_hash("", b"\0" * 16)
        _, salt, _ = stored.split("$")
        ok = hmac.compare_digest(password_hash(password, bytes.fromhex(salt)), stored)
        return _user(rows[0][:3]) if rows and ok else None

    def by_key(self, key: str) -> User | None:
        """The account whose API key this is; every stored digest is compared, in constant time each."""
        given, found = key_digest(key), None
        for row in self._run("SELECT name, admin, collections, api_key FROM users"):
            if hmac.compare_digest(given, row[3]):
                found = _user(row[:3])
        return found

    def _run(self, sql: str, *params) -> list[tuple]:
        with self._lock:
            try:
                db = private(self.path)  # hashes only, yet nobody else's business
                try:
                    with db:
                        rows = db.execute(sql, params).fetchall()
                finally:
                    db.close()
                return rows
            except sqlite3.IntegrityError:
                raise
            except sqlite3.Error as exc:
                raise AccountError(f"the users file {self.path} cannot be read ({exc}); restore it from a backup, "
                                   "or move it aside and add the users again") from None


def _new_secrets(name: str) -> Credentials:
    return Credentials(name=name, password=secrets.token_urlsafe(12), api_key="sk-" + secrets.token_urlsafe(32))


def _user(row) -> User:
    return User(name=row[0], admin=bool(row[1]), collections=tuple(c for c in row[2].split(",") if c))
