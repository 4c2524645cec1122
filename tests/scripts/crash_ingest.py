"""An ingest (or watch mode) for the kill -9 trials: the real pipeline, Chroma, manifest and BM25
index, with the deterministic fake embedder (slowed a little, so a kill can land inside a write).
Usage: python crash_ingest.py CORPUS DATA_DIR ingest|watch"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the checkout, for tests.conftest

import assistant  # noqa: E402,F401  (offline switches first)

from assistant.app import App  # noqa: E402
from assistant.config import load_settings  # noqa: E402
from tests.support.fakes import FakeEmbedder  # noqa: E402


class SlowFakeEmbedder(FakeEmbedder):
    def embed(self, texts):
        time.sleep(0.02 * len(texts) ** 0.5)
        return super().embed(texts)


def app_for(corpus: Path, data_dir: Path) -> App:
    app = App(load_settings(paths__corpus_dir=corpus, paths__data_dir=data_dir, ingest__chunk_size=60, ingest__chunk_overlap=10))  # collection "corpus"
    app.engines.__dict__["embedder"] = SlowFakeEmbedder()
    return app


if __name__ == "__main__":
    corpus, data_dir, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    app = app_for(corpus, data_dir)
    if mode == "watch":
        print("watching", flush=True)
        app.watch(threading.Event())
    else:
        print(app.ingest().summary(), flush=True)
