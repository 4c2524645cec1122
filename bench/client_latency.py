"""The `client` section of `make bench`: the first answer text of `assistant ask` beside the chat window's,
both asking one warm `assistant serve` on loopback.

    start   `assistant ingest` of the seeds into a temporary data folder, `assistant users add bench --admin`,
            `assistant serve --no-ingest` on a free port; up when /v1/models answers the key; warm after one
            throwaway question through the API, one in the chat window and one `assistant ask` (not counted).
    round   one seeds-dev question asked by both, one after the other; the side going first alternates, since
            the second asker finds the question's prompt in the model's cache.
    chat window      Debian's chromium (playwright, as tests/test_ui_browser.py drives it), signed in, a fresh
                     conversation loaded: from the click on Ask to the first text in the new assistant bubble,
                     both read in the page (performance.now), so no playwright round trip is counted. The
                     browser shares the server's cores, so it asks for reduced motion and shows a blank page
                     outside its turns.
    `assistant ask`  a new process, configured as a user of this server would be (the server's port, the
                     user's API key in ASSISTANT_CLIENT__API_KEY): from Popen to its first byte on stdout.

The user account is there for the audit trail: each answer's line holds the server's own timings, so each
side's overhead is its observed time less the server's time to the first shown sentence (both show whole
checked sentences, never a bare token). The audit line's `via` ('chat window' or 'api') and the CLI's
"answered by the server at" line prove that each answer came through the server, not from a model loaded
in the CLI's own process.

It does not judge the answers (the eval does) and asserts no figure.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from bench.load import free_port

CHAT, CLI = "chat window", "assistant ask"
VIA = {CHAT: "chat window", CLI: "api"}  # the audit line's `via` of each side
ANSWER_S = 300  # longest wait for one answer (2 shared cores)

# Installed before each click: the click's time, and the first text in an assistant bubble added after it.
_TIMER = """() => {
  window.__clicked = null; window.__shown = null;
  const chat = document.querySelector('#chat');
  const before = chat.querySelectorAll('[data-testid="bot"]').length;
  document.querySelector('#ask').addEventListener('click', () => { window.__clicked = performance.now(); },
                                                  {capture: true, once: true});
  const shown = () => { const bots = chat.querySelectorAll('[data-testid="bot"]');
                        return bots.length > before && bots[bots.length - 1].innerText.trim().length > 0; };
  const watch = new MutationObserver(() => { if (shown()) { window.__shown = performance.now(); watch.disconnect(); } });
  watch.observe(chat, {childList: true, subtree: true, characterData: true});
}"""


@dataclass(frozen=True)
class Served:
    url: str
    env: dict  # a user's environment: the data folder, the port `assistant ask` finds the server on, the key
    user: str
    password: str
    audit: Path


@contextlib.contextmanager
def serve_seeds(bin: Path, seeds: Path, tmp: Path, warm_question: str):
    port = free_port()
    env = {**os.environ, "ASSISTANT_PATHS__CORPUS_DIR": str(seeds), "ASSISTANT_PATHS__DATA_DIR": str(tmp / "data"),
           "ASSISTANT_SERVER__PORT": str(port)}
    subprocess.run([bin / "assistant", "ingest", "--quiet"], check=True, capture_output=True, env=env)
    made = json.loads(subprocess.run([bin / "assistant", "users", "add", "bench", "--admin", "--json"],
                                     check=True, capture_output=True, text=True, env=env).stdout)
    log = tmp / "serve.log"
    with open(log, "wb") as out:
        server = subprocess.Popen([bin / "assistant", "serve", "--no-ingest"], stdout=out, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url, made["api_key"], server, log)
        _api_answer(url, made["api_key"], warm_question)
        yield Served(url, {**env, "ASSISTANT_CLIENT__API_KEY": made["api_key"]}, made["name"], made["password"],
                     tmp / "data" / "audit")
    finally:
        server.terminate()
        server.wait(30)


def _wait_up(url: str, key: str, server: subprocess.Popen, log: Path) -> None:
    request = urllib.request.Request(f"{url}/v1/models", headers={"Authorization": f"Bearer {key}"})
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"`assistant serve` exited with {server.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(request, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"`assistant serve` not up after 180 s: see {log}")


def _api_answer(url: str, key: str, question: str) -> None:
    body = json.dumps({"messages": [{"role": "user", "content": question}]}).encode()
    request = urllib.request.Request(f"{url}/v1/chat/completions", data=body, headers={
        "Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=ANSWER_S) as r:
        r.read()


def audit_lines(folder: Path) -> list[dict]:
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl")) for line in f.read_text().splitlines() if line]


def next_audit_line(folder: Path, seen: int) -> dict:
    """The audit line after the first `seen`, waiting for the answer to end."""
    deadline = time.monotonic() + ANSWER_S
    while time.monotonic() < deadline:
        lines = audit_lines(folder)
        if len(lines) > seen:
            return lines[seen]
        time.sleep(0.05)
    raise RuntimeError(f"no audit line for the answer after {ANSWER_S} s")


class ChatWindow:
    """A signed-in chat page in chromium; `ask` gives the seconds from the click on Ask to the first text shown."""

    def __init__(self, browser, served: Served):
        self.url = served.url
        # reduced motion: headless chromium paints Gradio's "generating" animation in software, 1.5 cores of
        # these 2 taken from the model while an answer streams (0.3 core without it)
        context = browser.new_context(viewport={"width": 1280, "height": 860}, reduced_motion="reduce")
        signed = context.request.post(f"{self.url}/login", form={"username": served.user, "password": served.password})
        if not signed.ok:
            raise RuntimeError(f"the chat window refused the login: {signed.status}")
        self.page = context.new_page()

    def ask(self, question: str) -> float:
        self.page.goto(self.url)  # a fresh conversation: no history, so no follow-up rewrite
        self.page.wait_for_selector("#ask")
        time.sleep(1.0)  # the page's own loading done before the clock starts
        self.page.locator("#question textarea").fill(question)
        self.page.evaluate(_TIMER)
        self.page.locator("#ask").click()
        self.page.wait_for_function("window.__shown !== null", polling=200, timeout=ANSWER_S * 1000)
        return self.page.evaluate("(window.__shown - window.__clicked) / 1000")

    def leave(self) -> None:
        """A blank page while `assistant ask` has its turn: the chat page's own painting is not the CLI's cost."""
        self.page.goto("about:blank")


def ask_cli(bin: Path, served: Served, question: str) -> tuple[float, str]:
    """Seconds from Popen to the first byte of the answer on stdout, and the server that answered (from stderr)."""
    start = time.perf_counter()
    proc = subprocess.Popen([bin / "assistant", "ask", question], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=served.env, bufsize=0)
    first = proc.stdout.read(1)  # unbuffered: returns as soon as the CLI prints
    seconds = time.perf_counter() - start
    _, err = proc.communicate(timeout=ANSWER_S)
    err = err.decode()
    if not first or proc.returncode:
        raise RuntimeError(f"`assistant ask` failed ({proc.returncode}): {err[-2000:]}")
    by = err.rsplit("(answered by the server at ", 1)
    if len(by) < 2:
        raise RuntimeError(f"`assistant ask` answered in its own process, not through {served.url}: {err[-500:]}")
    return seconds, by[1].split(")", 1)[0]


def measure(bin: Path, shared: Path, repeats: int, chromium: str, flags: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    questions = [q["question"] for q in map(json.loads, (shared / "eval" / "seeds-dev.jsonl").read_text().splitlines())
                 if q["answerable"]]
    rounds = []
    with tempfile.TemporaryDirectory() as tmp, serve_seeds(bin, shared / "seeds", Path(tmp), questions[-1]) as served, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=flags, headless=True)
        chat = ChatWindow(browser, served)
        asks = {CHAT: chat.ask, CLI: lambda q: ask_cli(bin, served, q)[0]}
        for side, question in ((CHAT, questions[-2]), (CLI, questions[-3])):  # warm-ups, not counted
            seen = len(audit_lines(served.audit))
            asks[side](question)
            next_audit_line(served.audit, seen)
            chat.leave()
        for i in range(repeats):
            question = questions[i % (len(questions) - 3)]
            order = (CHAT, CLI) if i % 2 == 0 else (CLI, CHAT)
            row = {"question": question, "first": order[0]}
            for side in order:
                seen = len(audit_lines(served.audit))
                if side == CLI:
                    observed, by = ask_cli(bin, served, question)
                    row["served_by"] = by
                else:
                    observed = chat.ask(question)
                line = next_audit_line(served.audit, seen)
                chat.leave()
                if line["via"] != VIA[side] or line["question"] != question:
                    raise RuntimeError(f"{side}: the server's audit line is another answer's: {line}")
                t = line["timings"]
                shown = t["first_sentence_s"] if t["first_sentence_s"] is not None else t["total_s"]  # an abstention
                row[side] = {"observed_s": round(observed, 3), "server_shown_s": round(shown, 3),
                             "server_first_token_s": t["first_token_s"], "overhead_s": round(observed - shown, 3),
                             "abstained": line["abstained"], "model": line["model"]}
            row["difference_s"] = round(row[CLI]["observed_s"] - row[CHAT]["observed_s"], 3)
            rounds.append(row)
            print(json.dumps(row), flush=True)
        browser.close()
    return {"rounds": rounds, "url": served.url}
