"""No byte leaves the machine: the whole pipeline (ingest, answer, chat window, API) runs inside a
network namespace whose only interface is loopback (`unshare -n`), and still works. Any attempt to
reach another host would fail there, and the answers would not come back.

Needs root (or user namespaces) for `unshare -n`: skipped on a machine without it, but it fails
under CI, where it must run."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from tests.support.corpus import TESTS, copy_test_corpus
from tests.support.servers import free_port

pytestmark = [pytest.mark.model, pytest.mark.servers]


def _namespaces_work() -> bool:
    if not shutil.which("unshare") or not shutil.which("ip"):
        return False
    probe = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True)
    return probe.returncode == 0


def test_the_whole_pipeline_runs_with_no_network_but_loopback(tmp_path):
    if not _namespaces_work():
        if os.environ.get("CI"):
            pytest.fail("`unshare -n` does not work on this CI machine: the no-egress test must run here")
        pytest.skip("`unshare -n` needs root or user namespaces")
    corpus = copy_test_corpus(tmp_path)
    script = TESTS / "scripts" / "whole_pipeline.py"
    command = (f"ip link set lo up && ! ip route get 1.1.1.1 >/dev/null 2>&1 && "  # loopback only: no route out
               f"exec {sys.executable} {script} {corpus} {tmp_path / 'data'} {free_port()}")
    run = subprocess.run(["unshare", "-n", "sh", "-c", command], capture_output=True, text=True, timeout=900,
                         cwd=TESTS.parent)
    assert run.returncode == 0, run.stderr[-3000:]
    found = json.loads(run.stdout.strip().splitlines()[-1])
    assert found["indexed"] == 3 and not found["errors"]
    assert "Ruskvik" in found["answer"] and found["cited"] == ["lighthouse.md"]
    assert found["page"] == 200
    assert "Saturday" in found["api_answer"] and found["api_cited"] == ["notes/orchard.md"]
