"""Real servers on loopback for the backend tests: Chroma (`chroma run`) and llama-cpp-python's
OpenAI-compatible server (`python -m llama_cpp.server`). Each runs as a child process on a free
port and is stopped when its `with` block ends; its log goes to a file the failure message names."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx


def free_port() -> int:
    """A free TCP port on loopback, for servers the tests start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


BIN = Path(sys.executable).parent


@contextmanager
def _process(args: list[str], ready_url: str, log: Path, timeout: float):
    env = {**os.environ, "ANONYMIZED_TELEMETRY": "False"}
    with open(log, "wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, env=env)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[0]} exited with {proc.returncode}: see {log}\n{log.read_text()[-2000:]}")
                try:
                    if httpx.get(ready_url, timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args[0]} not ready after {timeout:.0f} s: see {log}")
                time.sleep(0.25)
            yield
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@contextmanager
def chroma_server(folder: Path):
    """A Chroma server keeping its data in `folder`; yields its URL."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [str(BIN / "chroma"), "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)]
    with _process(args, f"{url}/api/v2/heartbeat", folder.parent / "chroma-server.log", 60):
        yield url


@contextmanager
def model_server(model: Path, log_dir: Path, n_ctx: int = 4096):
    """llama-cpp-python's OpenAI-compatible server with this GGUF; yields its base URL (…/v1)."""
    port = free_port()
    args = [sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
            "--port", str(port), "--n_ctx", str(n_ctx), "--n_threads", "2", "--model_alias", model.stem,
            "--interrupt_requests", "False"]  # its default cancels a running answer when another arrives
    with _process(args, f"http://127.0.0.1:{port}/v1/models", log_dir / "model-server.log", 180):
        yield f"http://127.0.0.1:{port}/v1"
