"""kill -9 at random points, then run again: the index must end exactly as a clean ingest of the
same folder makes it (the same chunk ids in Chroma, no duplicates, no orphans, the same BM25 ids,
every manifest row done), for a first ingest, a re-ingest of changed files, and watch mode.

Seeded trials (CRASH_TRIALS, default 12; CRASH_SEED). Each runs the real pipeline in a child process
with the fake embedder (tests/scripts/crash_ingest.py): the embedder is not what is under test."""

from __future__ import annotations

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.corpus import TESTS

pytestmark = pytest.mark.embedder
SCRIPT = TESTS / "scripts" / "crash_ingest.py"
TRIALS = int(os.environ.get("CRASH_TRIALS", 12))
SEED = int(os.environ.get("CRASH_SEED", 9))


def write_version(folder: Path, version: str) -> None:
    """Version A: 30 documents. Version B: 6 changed, 4 deleted, 4 added."""
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "sub").mkdir(parents=True)
    names = [f"doc{i:02d}" for i in range(30)]
    if version == "B":
        names = names[4:] + [f"new{i}" for i in range(4)]
    for i, name in enumerate(names):
        changed = version == "B" and name in {"doc05", "doc06", "doc07", "doc10", "doc20", "doc29"}
        body = "\n\n".join(f"Paragraph {p} of {name}{' (revised)' if changed else ''}: the harbour, the ferry, "
                           f"the lighthouse keeper number {i * 7 + p} and the orchard." for p in range(12))
        (folder / ("sub" if i % 3 else "") / f"{name}.md").write_text(f"# {name}\n\n{body}\n")


def run(corpus: Path, data: Path, mode: str = "ingest", kill_after: float | None = None) -> float:
    start = time.monotonic()
    proc = subprocess.Popen([sys.executable, str(SCRIPT), str(corpus), str(data), mode],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if kill_after is None:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()[-2000:]
    else:
        time.sleep(kill_after)
        proc.kill()  # SIGKILL: no cleanup of any kind
        proc.wait()
    return time.monotonic() - start


def snapshot(data: Path) -> dict:
    """What the index holds: Chroma ids (with the count, so duplicates show), BM25 rows and saved ids,
    and the manifest."""
    import chromadb
    from chromadb.config import Settings

    client = chromadb.PersistentClient(path=str(data / "chroma"), settings=Settings(anonymized_telemetry=False))
    col = client.get_collection("corpus")
    ids = col.get(include=[])["ids"]
    tokens = sqlite3.connect(data / "lexical.sqlite")  # the lexical index's own file
    lexical = sorted(r[0] for r in tokens.execute("SELECT chunk_id FROM lexical WHERE collection='corpus'"))
    tokens.close()
    db = sqlite3.connect(data / "manifest.sqlite")
    saved = json.loads((data / "lexical" / "corpus" / "ids.json").read_text())["ids"]
    files = sorted(db.execute("SELECT source, content_hash, chunks, status FROM files WHERE collection='corpus'"))
    db.close()
    return {"count": col.count(), "ids": sorted(ids), "lexical": lexical, "saved": sorted(saved), "files": files}


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """Clean ingests of versions A and B, and how long a first ingest takes."""
    root = tmp_path_factory.mktemp("crash-ref")
    refs, took = {}, 0.0
    for version in ("A", "B"):
        corpus = root / f"corpus-{version}"
        write_version(corpus, version)
        took = max(took, run(corpus, root / f"data-{version}"))
        refs[version] = snapshot(root / f"data-{version}")
    assert refs["A"]["count"] == len(set(refs["A"]["ids"])) > 100
    return refs, took


def test_kill_9_at_random_points_then_a_rerun_ends_like_a_clean_ingest(references, tmp_path):
    refs, took = references
    rng = random.Random(SEED)
    kinds = []
    for trial in range(TRIALS):
        kind = ("first ingest", "re-ingest", "watch")[trial % 3]
        corpus, data = tmp_path / f"c{trial}", tmp_path / f"d{trial}"
        write_version(corpus, "A")
        if kind == "first ingest":
            run(corpus, data, kill_after=rng.uniform(0.5, took))
            final = "A"
        elif kind == "re-ingest":
            run(corpus, data)
            write_version(corpus, "B")
            run(corpus, data, kill_after=rng.uniform(0.5, took))
            final = "B"
        else:  # watch mode picks up the change to B and is killed somewhere in its updates
            run(corpus, data)
            proc = subprocess.Popen([sys.executable, str(SCRIPT), str(corpus), str(data), "watch"],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            assert proc.stdout.readline().strip() == b"watching"
            write_version(corpus, "B")
            time.sleep(rng.uniform(0.0, took))
            proc.kill()
            proc.wait()
            final = "B"
        try:
            broken = snapshot(data) != refs[final]
        except Exception:  # killed before the collection or the BM25 index existed
            broken = True
        run(corpus, data)  # the next run repairs whatever the kill left
        got = snapshot(data)
        assert got == refs[final], f"trial {trial} ({kind}): the index differs from a clean ingest"
        kinds.append((kind, broken))
    interrupted = sum(broken for _, broken in kinds)
    print(f"\n{TRIALS} kill -9 trials (seed {SEED}): {interrupted} left the index unfinished, all repaired")
    assert interrupted >= TRIALS // 3  # the kills did land inside the work, or the test proves nothing
