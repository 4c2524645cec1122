"""The air-gapped install, for tests/test_bundle.py: run inside `unshare -n` (loopback only).

Unpacks a bundle archive into a fresh folder, then, timing each step: `make install` (which
checks the bundle and installs from its wheels alone), `assistant ingest` of the bundled
corpus, and one real question to the default model. The environment is bare: a new HOME
(no pip configuration, no caches), no PIP_* variables, and only the system's PATH, so
nothing from this machine's own install can stand in for the bundle. On a machine shared
with others, ASSISTANT_MODEL_LOCK names a lock file taken (flock) around the question only;
the wait is reported apart and not counted.
Usage: python offline_install.py ARCHIVE WORK_DIR PYTHON QUESTION. Prints one JSON line.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path


def main(archive: str, work: str, python: str, question: str) -> None:
    work_dir = Path(work)
    home = work_dir / "home"
    home.mkdir(parents=True)
    env = {"PATH": f"{Path(python).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}
    steps: dict[str, float] = {}

    def step(name: str, *command: str, cwd: Path) -> str:
        start = time.monotonic()
        run = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True)
        steps[name] = round(time.monotonic() - start, 1)
        if run.returncode != 0:
            sys.stderr.write(f"{name} failed ({run.returncode}):\n{run.stdout[-4000:]}\n{run.stderr[-6000:]}\n")
            raise SystemExit(1)
        return run.stdout

    start = time.monotonic()
    with tarfile.open(archive) as tar:
        tar.extractall(work_dir, filter="data")
    steps["unpack"] = round(time.monotonic() - start, 1)
    project = work_dir / "document-assistant"
    unpacked = time.monotonic()
    step("make install", "make", "install", f"PYTHON={python}", cwd=project)
    step("ingest", ".venv/bin/assistant", "ingest", "--quiet", cwd=project)
    waited = 0.0
    with open(os.environ.get("ASSISTANT_MODEL_LOCK", os.devnull), "a") as lock:
        if "ASSISTANT_MODEL_LOCK" in os.environ:
            start = time.monotonic()
            fcntl.flock(lock, fcntl.LOCK_EX)
            waited = time.monotonic() - start
        answer = json.loads(step("ask", ".venv/bin/assistant", "ask", "--json", question, cwd=project))
    first_answer = round(time.monotonic() - unpacked - waited, 1)
    steps["waited for the model lock"] = round(waited, 1)
    venv_mb = int(subprocess.run(["du", "-sm", ".venv"], cwd=project, capture_output=True, text=True).stdout.split()[0])
    print(json.dumps({"steps": steps, "unpacked_to_first_answer_s": first_answer, "venv_mb": venv_mb,
                      "cores": os.cpu_count(), "answer": answer}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
