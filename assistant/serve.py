"""Serving: the chat window and the OpenAI-compatible API on one port; the only module that imports uvicorn.

    http://HOST:PORT/            the chat window (ui.py)
    http://HOST:PORT/v1/...      the API (api.py), when `api` is on

Safe by default: it binds to 127.0.0.1. Any other address is refused unless
there are user accounts (`assistant users add`), or the chat window has a login
(username and password, neither blank) and the API a key (`api_key`, not blank,
or `api = false`), and the message says how to set them. Logins and keys are
compared in constant time.

Whether there are accounts is decided when the server starts (a user added to
a server that had none takes effect at its restart); from then on each login and
key is checked against users.sqlite as it comes, so a removed user or a reset
key is refused at once. With accounts the login and key settings are not used,
and each answer is written to the audit trail when `server.audit` is on.

`serve(..., block=False)` returns a `Server` handle (tests, embedding); its
`close()` stops it.
"""

from __future__ import annotations

import hmac
import ipaddress
import threading
import time
from contextvars import ContextVar

from assistant.access import Access
from assistant.app import App, Workspace
from assistant.audit import AuditLog
from assistant.errors import AssistantError, ConfigError
from assistant.throttle import Throttle
from assistant.users import FILE as USERS_FILE
from assistant.users import Users, exists

_CLIENT: ContextVar[str] = ContextVar("client", default="")  # the address of the request being served


class Server:
    """A running server: `url`, and `close()` to stop it."""

    def __init__(self, server, thread: threading.Thread, url: str):
        self._server, self._thread, self.url = server, thread, url

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=30)


def check_exposure(settings) -> None:
    """Refuse a non-loopback bind without credentials, saying how to set them."""
    if is_loopback(settings.server.host) or exists(settings.paths.data_dir / USERS_FILE):
        return
    if not (settings.server.username.strip() and settings.server.password.get_secret_value().strip()):
        raise ConfigError(
            f"setting 'server.host' = {settings.server.host!r}: binding to an address other than loopback needs a login. Add user "
            "accounts (`assistant users add NAME --admin`: docs/deployment.md), or set ASSISTANT_SERVER__USERNAME and ASSISTANT_SERVER__PASSWORD (not blank; username under [server] in assistant.toml), or "
            "keep host = 127.0.0.1 and use an SSH tunnel"
        )
    if settings.server.api and not settings.server.api_key.get_secret_value().strip():
        raise ConfigError(
            f"setting 'server.host' = {settings.server.host!r}: off loopback the API needs a key. Set ASSISTANT_SERVER__API_KEY, or "
            "turn the API off with ASSISTANT_SERVER__API=false"
        )


def serve(target: App | Workspace, block: bool = True) -> Server | None:
    """Serve the chat window (and the API) on the configured host and port."""
    import uvicorn  # lazy: only the server needs it

    from assistant.api import create_app
    from assistant.ui import mount

    workspace = target if isinstance(target, Workspace) else Workspace.around(target)
    s = workspace.settings
    check_exposure(s)
    access, audit = guards(workspace)
    root, _ = mount(create_app(workspace, s.server.api, access, audit), workspace, _login(s, access), access, audit)
    root.add_middleware(_RemembersClient)  # the address a login comes from, for access.py's count of failures
    if s.model.warm_up:
        threading.Thread(target=_warm, args=(workspace,), daemon=True, name="warm-up").start()
    config = uvicorn.Config(root, host=s.server.host, port=s.server.port, log_level="warning", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    url = f"http://{s.server.host}:{s.server.port}"
    if block:
        api = f", API: {url}/v1" if s.server.api else ""
        print(f"chat window: {url}{api}  (Ctrl-C to stop)", flush=True)
        _log_lines()
        server.run()
        return None
    thread = threading.Thread(target=server.run, daemon=True, name="server")
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise ConfigError(f"the server did not start on {s.server.host}:{s.server.port} (is the port in use?)")
        time.sleep(0.05)
    return Server(server, thread, url)


def _log_lines() -> None:
    """The assistant's warnings (refused sign-ins and requests, an audit line not written) as dated lines on
    stderr, while the server runs in the foreground."""
    import logging

    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("assistant")
    if not logger.handlers:
        logger.addHandler(handler)
        logger.setLevel(logging.WARNING)


def guards(workspace: Workspace) -> tuple[Access, AuditLog | None]:
    """The accounts' rules and the audit trail, when users.sqlite holds a user; else an open Access and none."""
    s = workspace.settings
    path = s.paths.data_dir / USERS_FILE
    if not exists(path):
        return Access.open(workspace.names()), None
    throttle = Throttle(s.server.max_failed_logins, s.server.failed_login_minutes * 60)
    audit = AuditLog(s.paths.data_dir / "audit", s.server.audit_days) if s.server.audit else None
    return Access(Users(path), workspace.names(), throttle), audit


def _login(s, access: Access):
    """The chat window's login check: the users' passwords with accounts, else the login settings, else none."""
    if access.accounts:
        return lambda name, password: access.login(name, password, _CLIENT.get())
    password = s.server.password.get_secret_value()
    return login_checker(s.server.username, password) if s.server.username and password else None


class _RemembersClient:
    """ASGI middleware: keeps the client's address where the login check (which Gradio calls with the name and
    password alone) can read it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            _CLIENT.set((scope.get("client") or ("",))[0])
        await self.app(scope, receive, send)


def _warm(workspace: Workspace) -> None:
    """The default collection's embedder, model and system prompt, ready before the first question. A
    failure here (a missing model, say) is left for that question to report."""
    try:
        workspace.app().service.warm()
    except AssistantError:
        pass


def login_checker(username: str, password: str):
    """A login check that compares in constant time, so timing does not leak the secret."""

    def check(given_user: str, given_password: str) -> bool:
        user_ok = hmac.compare_digest(given_user.encode(), username.encode())
        password_ok = hmac.compare_digest(given_password.encode(), password.encode())
        return user_ok and password_ok

    return check


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
