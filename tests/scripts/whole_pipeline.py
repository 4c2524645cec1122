"""The whole pipeline in one process, for the no-egress test: ingest a corpus, answer a question,
serve the chat window and the API, and ask through the API with the official client.
Usage: python whole_pipeline.py CORPUS DATA_DIR PORT. Prints one JSON line of findings."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import assistant  # noqa: F401  (offline switches first)

from assistant.app import Workspace
from assistant.config import load_settings
from assistant.serve import serve


def main(corpus: str, data_dir: str, port: str) -> None:
    import httpx
    import openai

    settings = load_settings(paths__corpus_dir=Path(corpus), paths__data_dir=Path(data_dir), server__port=int(port))
    workspace = Workspace(settings)
    report = workspace.app().ingest()
    answer = workspace.app().service.ask("Who designed the present Karsk Point lighthouse tower?")
    server = serve(workspace, block=False)
    try:
        page = httpx.get(server.url, timeout=30)
        client = openai.OpenAI(base_url=f"{server.url}/v1", api_key="none", max_retries=0, timeout=300)
        reply = client.chat.completions.create(
            model=settings.store.collection, messages=[{"role": "user", "content": "When does the orchard society press cider?"}])
    finally:
        server.close()
    print(json.dumps({
        "indexed": len(report.added), "errors": report.errors, "answer": answer.answer,
        "cited": [c.source for c in answer.citations], "page": page.status_code,
        "api_answer": reply.choices[0].message.content, "api_cited": [c["source"] for c in reply.model_extra["citations"]],
    }))


if __name__ == "__main__":
    main(*sys.argv[1:4])
