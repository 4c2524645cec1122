"""webguard.py: which client-sent file paths name a URL the server would fetch (pure; the real server
test is tests/test_hostile_server.py)."""

from __future__ import annotations

import pytest

from assistant.webguard import names_remote_file, remote


@pytest.mark.parametrize("path", ["http://x.example/a.md", "HTTPS://x/a", "file:///etc/passwd", "//host/share/a.md",
                                  " ftp://x/a", "data:text/plain,hi"])
def test_urls_are_remote(path):
    assert remote(path)


@pytest.mark.parametrize("path", ["/tmp/gradio/ab12/a.md", "relative/a.md", "./http://x"])
def test_paths_are_not(path):
    assert not remote(path)


def test_file_data_anywhere_in_an_event_is_found():
    upload = {"path": "/tmp/gradio/ab/a.md", "url": "http://127.0.0.1:7860/gradio_api/file=/tmp/gradio/ab/a.md",
              "meta": {"_type": "gradio.FileData"}}
    assert not names_remote_file({"data": [[upload], "corpus"]})  # its url is the page's own link: fine
    assert names_remote_file({"data": [[{**upload, "path": "http://evil.example/a.md"}], "corpus"]})
    assert names_remote_file({"data": [[{"role": "user", "content": [{"path": "https://evil.example/i.png"}]}]]})
