"""LangChain's standard RAG recipe over a folder, for bench/compare.py. Runs in its own environment
(bench/langchain/requirements.txt), never in the assistant's:

    python recipe.py CORPUS QUESTIONS.jsonl EMBEDDER_FOLDER OUT.json

Loads every file as one Document, splits with RecursiveCharacterTextSplitter (1,000 characters,
200 overlap: the documented defaults of the tutorials), embeds with HuggingFaceEmbeddings (the same
local MiniLM folder the assistant uses, float32, normalized) into Chroma (embedded, persistent), then
asks each test question with similarity_search(k=10). Writes timings and, per question, the texts of
the ten passages, so the caller scores them with the assistant's own definition of a hit.
"""

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.update({"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"})

from langchain_chroma import Chroma  # noqa: E402
from langchain_core.documents import Document  # noqa: E402
from langchain_huggingface import HuggingFaceEmbeddings  # noqa: E402
from langchain_text_splitters import RecursiveCharacterTextSplitter  # noqa: E402


def main() -> None:
    corpus, questions, embedder, out = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    qs = [q for q in map(json.loads, questions.read_text().splitlines()) if q.get("split") == "test" and q.get("evidence")]
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        docs = [Document(page_content=p.read_text(errors="replace"), metadata={"source": p.name})
                for p in sorted(corpus.iterdir()) if p.is_file()]
        chunks = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200).split_documents(docs)
        emb = HuggingFaceEmbeddings(model_name=embedder, model_kwargs={"device": "cpu"},
                                    encode_kwargs={"normalize_embeddings": True})
        db = Chroma.from_documents(chunks, emb, persist_directory=tmp, collection_name="langchain")
        ingest_s = time.perf_counter() - start
        db.similarity_search(qs[0]["question"], k=10)  # warm
        rows, times = [], []
        for q in qs:
            t = time.perf_counter()
            hits = db.similarity_search(q["question"], k=10)
            times.append(time.perf_counter() - t)
            rows.append({"id": q["id"], "passages": [h.page_content for h in hits]})
    out.write_text(json.dumps({"documents": len(docs), "chunks": len(chunks), "ingest_s": ingest_s,
                               "query_s": times, "rows": rows}))


if __name__ == "__main__":
    main()
