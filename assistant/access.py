"""Who is asking, and what they may do: the one place the chat window and the API ask.

With accounts (users.py holds at least one when the server starts), every
request names a user: the chat window by its login, the API by the user's key.

- An admin uses every collection, and uploads, removes and re-indexes documents.
- A member asks in their own collections only; anything else is AccessDenied.
- A wrong password or key counts against the client's address and (for a login)
  the name; after `server.max_failed_logins` in `server.failed_login_minutes`
  that address or name is refused (TooManyFailures) for a while. Every refusal
  is logged, one line on the `assistant.access` logger, with no secret in it.

Without accounts `Access.open()` lets everyone use everything: the server then
guards itself as before (serve.py: loopback only, or the login and key settings).

    >>> everyone = Access.open(["corpus", "legal"])
    >>> everyone.collections(None), everyone.allowed(None, "legal")
    (['corpus', 'legal'], 'legal')
"""

from __future__ import annotations

import logging

from assistant.errors import AccessDenied, NotSignedIn, TooManyFailures
from assistant.throttle import Throttle
from assistant.users import User, Users

log = logging.getLogger("assistant.access")


class Access:
    """The accounts' rules over a server's collections (`names`, the default first)."""

    def __init__(self, users: Users | None, names: list[str], throttle: Throttle | None = None):
        self.users, self.names = users, list(names)
        self.throttle = throttle or Throttle()

    @classmethod
    def open(cls, names: list[str]) -> "Access":
        """No accounts: everyone may do everything (the server's own login and key settings apply)."""
        return cls(None, names)

    @property
    def accounts(self) -> bool:
        return self.users is not None

    def login(self, name: str, password: str, client: str) -> bool:
        """The chat window's login check (Gradio's `auth`): the password, unless this address or name is refused."""
        keys = [f"address {client}", f"user {name[:64]!r}"]
        refused = self.throttle.refused(keys)
        if refused:
            log.warning("login refused: too many failures from %s", refused)
            return False
        if self.users.by_password(name, password) is None:
            self.throttle.fail(keys)
            log.warning("login failed: user %r from address %s", name[:64], client)
            return False
        return True

    def by_key(self, authorization: str, client: str) -> User | None:
        """The user an API request's `Authorization: Bearer KEY` names; None without accounts."""
        if not self.accounts:
            return None
        keys = [f"address {client}"]
        refused = self.throttle.refused(keys)
        if refused:
            log.warning("API key refused: too many failures from %s", refused)
            raise TooManyFailures("too many failed API keys from this address: wait a few minutes")
        scheme, _, key = authorization.strip().partition(" ")
        user = self.users.by_key(key.strip()) if scheme.lower() == "bearer" and key.strip() else None
        if user is None:
            self.throttle.fail(keys)
            log.warning("API key refused: %s from address %s", "a wrong key" if key.strip() else "no key", client)
            raise NotSignedIn("a valid API key is needed: Authorization: Bearer KEY (`assistant users reset NAME` "
                              "gives a user a new one)")
        return user

    def user(self, name: str | None) -> User | None:
        """The signed-in user of this name (None without accounts); a removed user is refused at once."""
        if not self.accounts:
            return None
        found = self.users.get(name or "")
        if found is None:
            log.warning("refused: no user %r (removed?)", (name or "")[:64])
            raise NotSignedIn("you are not signed in (or your account was removed): log in again")
        return found

    def collections(self, user: User | None) -> list[str]:
        """The collections this user may use, the server's order kept."""
        if user is None or user.admin:
            return list(self.names)
        return [name for name in self.names if name in user.collections]

    def allowed(self, user: User | None, name: str | None) -> str:
        """The collection to use (`name`, or the user's first); AccessDenied when it is not theirs."""
        mine = self.collections(user)
        name = name or (self.names[0] if self.names[0] in mine else mine[0] if mine else self.names[0])
        if user is not None and name not in mine:
            log.warning("refused: user %r asked for collection %r", user.name, name[:64])
            raise AccessDenied(f"collection {name!r} is not yours; yours: {', '.join(mine) or 'none'}")
        return name

    def manager(self, user: User | None) -> None:
        """Uploads, removal and re-indexing: admins only (everyone without accounts)."""
        if user is not None and not user.admin:
            log.warning("refused: user %r tried to change documents", user.name)
            raise AccessDenied("only an admin may upload, remove or re-index documents")
