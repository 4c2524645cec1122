"""A real browser for tests: Debian's chromium driven by the pip `playwright` package
(never `playwright install`, which downloads a browser). Flags keep it offline and quiet.
Outside CI a missing chromium skips the browser tests; under CI=true it fails them."""

from __future__ import annotations

import os
import shutil

import pytest

CANDIDATES = ("/usr/lib/chromium/chromium", "/usr/bin/chromium")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
    "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    "--proxy-server=127.0.0.1:9",  # a dead proxy: anything not on loopback fails fast
]


def chromium_path() -> str | None:
    return next((p for p in CANDIDATES if os.path.exists(p)), None) or shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        message = "Debian's chromium is not installed (apt-get install chromium); .ci/run installs it"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=FLAGS, headless=True)
        yield b
        b.close()
