"""The one typed settings object, read from `assistant.toml` and `ASSISTANT_*` env vars.

Precedence (highest first): explicit overrides from the command line, then
environment variables (`ASSISTANT_TOP_K=6`), then `assistant.toml` (in the
current folder, or the file named by `ASSISTANT_CONFIG`), then the defaults
below. Nothing is read at import time: entry points call `load_settings()`.

A bad value raises `ConfigError` naming the field and what it accepts, e.g.
    ConfigError: setting 'top_k' = 0: must be >= 1 (an integer from 1 to 50)
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from assistant.errors import ConfigError

# The project folder (the checkout), where the bundled corpus, models and prompts live.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
DEFAULT_MODEL = "qwen2.5-coder-1.5b"
COLLECTION_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,60}[a-zA-Z0-9]$"


class Settings(BaseSettings):
    """Every knob of the assistant. Each field's description is its documentation."""

    model_config = SettingsConfigDict(
        env_prefix="ASSISTANT_", frozen=True, extra="forbid", validate_default=True
    )

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of documents to index.")
    data_dir: Path = Field(ROOT / "data", description="Folder for the index (Chroma store and manifests).")
    models_dir: Path = Field(ROOT / "models", description="Folder of GGUF model files; drop your own here.")
    prompts_dir: Path = Field(ROOT / "prompts", description="Folder of prompt templates.")
    collection: str = Field(
        "corpus", pattern=COLLECTION_NAME,
        description="Name of the default document collection, the one of corpus_dir (3-63 letters, digits, _ or -).",
    )
    collections: dict[str, Path] = Field(
        default_factory=dict,
        description="More named collections, each with its own corpus folder and index: in assistant.toml a "
        "[collections] table (legal = \"/srv/docs/legal\"), or ASSISTANT_COLLECTIONS='{\"legal\": \"/srv/docs/legal\"}'. "
        "Chosen with --collection in the CLI, a menu in the chat window, and `model` in the API.",
    )
    chroma_url: str = Field(
        "", description="A Chroma server to keep the index in (e.g. http://127.0.0.1:8000, started with `chroma run`). "
        "Empty (the default): the embedded store in data_dir.",
    )
    model_url: str = Field(
        "", description="An OpenAI-compatible model server to answer with (e.g. http://gpu-box:8080/v1: llama.cpp's "
        "server, vLLM). Empty (the default): the GGUF model runs in this process. With a URL, `model` names the "
        "server's model (the server's only model when it has one).",
    )
    model_api_key: SecretStr = Field(
        SecretStr(""), description="Key for the model server at model_url, if it wants one (set it as ASSISTANT_MODEL_API_KEY)."
    )
    model: str = Field(
        DEFAULT_MODEL,
        description="Language model: a bundled name (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b), "
        "the name of a .gguf file in models_dir (with or without .gguf), or a path to one. "
        "`assistant models` lists them.",
    )
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context window of the model, in tokens (512 to 131072).")
    n_threads: int = Field(2, ge=1, le=256, description="CPU threads for the model (1 to 256).")
    n_gpu_layers: int = Field(0, ge=-1, le=1000, description="Layers offloaded to a GPU: 0 none, -1 all (needs a GPU build of llama-cpp-python).")
    max_tokens: int = Field(384, ge=16, le=8192, description="Most tokens the model may write per answer (16 to 8192).")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature (0 = deterministic, up to 2).")
    seed: int = Field(42, ge=0, description="Random seed for sampling (a whole number >= 0).")
    embedder: str = Field(
        DEFAULT_EMBEDDER,
        description=f"Sentence-transformers embedder: '{DEFAULT_EMBEDDER}' (bundled) or a path to a local model folder.",
    )
    embed_precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Number format of the embedder's matrix products: 'auto' uses bfloat16 where the CPU has it "
        "(AVX512-BF16 or AMX: about 1.7x faster ingest, vectors within cosine 0.9999), else float32.",
    )
    embed_batch_size: int = Field(32, ge=1, le=1024, description="Chunks embedded per batch (1 to 1024).")
    chunk_size: int = Field(200, ge=32, le=256, description="Chunk size in embedder word pieces (32 to 256; the embedder reads at most 256).")
    chunk_overlap: int = Field(40, ge=0, le=128, description="Overlap between neighbouring chunks, in word pieces (0 to 128, below chunk_size).")
    embed_titles: bool = Field(
        True, description="Embed each chunk with its document title and heading path (changing it needs `ingest --rebuild`)."
    )
    top_k: int = Field(
        2, ge=1, le=50, description="Passages given to the model per question (1 to 50). Each passage costs the "
        "model about 2 s of reading on 2 CPU cores: 2 halve the wait of 4, and with a second look (second_look_k) "
        "answered 48 of 72 questions of three question sets, against 49 with 4 (BENCHMARKS.md). Raise it for "
        "questions that need several documents.",
    )
    second_look_k: int = Field(
        4, ge=0, le=50, description="When the model says the documents don't say from the top_k passages, ask it "
        "once more with this many (the first passages stay cached, so only the new ones are read); 0 or at most "
        "top_k: never. Its words are held back meanwhile, so an answer that is then found streams as usual.",
    )
    retrieval: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="Retrieval mode: 'hybrid' (dense + BM25 fused), 'dense' or 'lexical'."
    )
    candidates: int = Field(60, ge=1, le=1000, description="Candidates taken from each retriever before fusion (1 to 1000). 60 "
                            "with max_per_source 4 was chosen on MultiHop-RAG's dev split (BENCHMARKS.md).")
    rrf_k: int = Field(60, ge=1, le=1000, description="Reciprocal-rank-fusion constant: higher flattens rank differences (1 to 1000).")
    dense_weight: float = Field(1.0, ge=0.0, le=10.0, description="Weight of the dense ranking in fusion (0 to 10).")
    lexical_weight: float = Field(
        5.0, ge=0.0, le=10.0, description="Weight of the BM25 ranking in fusion (0 to 10). 5 was chosen on "
        "MultiHop-RAG's dev split: Hits@10 0.834 at 1, 0.855 at 3, 0.865 at 5, 0.873 at 10, 0.868 BM25 alone; "
        "at 5 the dense ranking still decides between passages BM25 scores alike (BENCHMARKS.md).",
    )
    dedupe: bool = Field(True, description="Drop passages that mostly overlap a better-ranked passage of the same document.")
    max_per_source: int = Field(4, ge=0, le=50, description="Most passages per document before other documents get a turn "
                                "(0 = no limit). 4 puts more of a question's documents in the first 10 (BENCHMARKS.md).")
    reranker: str = Field(
        "", description="A sentence-transformers CrossEncoder to rerank the fused candidates: a folder name in "
        "models_dir or a path to one. Empty (the default): no reranking; none is bundled.",
    )
    rerank_candidates: int = Field(20, ge=1, le=200, description="Fused candidates the reranker scores (1 to 200).")
    min_score: float = Field(
        0.34, ge=-1.0, le=1.0,
        description="Abstain without asking the model when the best passage's cosine similarity is below this "
        "(-1 to 1). 0.34 is the highest value that abstains on no answerable dev question: 0 of 1,679 on "
        "MultiHop-RAG dev, 0 of 13 on seeds-dev, 0 of 14 on the handbook set; it catches 7% of the MultiHop "
        "dev null queries (BENCHMARKS.md). Scores depend on the corpus: recalibrate on your own questions.",
    )
    unknown_names: bool = Field(
        True,
        description="Abstain without asking the model when the question names something no indexed document "
        "mentions: a capitalized word that does not begin a sentence (acronyms aside), found neither in the BM25 "
        "index's words (titles and headers included) nor in the stored text. On MultiHop-RAG dev it catches 84 "
        "of the 226 null queries and abstains on no answerable question of 1,679, nor of seeds-dev or the "
        "handbook set (BENCHMARKS.md).",
    )
    min_support: float = Field(
        0.1, ge=0.0, le=1.0,
        description="Abstain when no sentence of the answer has at least this share of its content words in the "
        "passage it cites (0 to 1; 0 never). A bare Yes or No is not judged. 0.1 keeps every correct answer of "
        "the dev calibration sample (9 on seeds-dev, 15 of 33 MultiHop dev questions) and catches 4 of its 9 "
        "invented answers to unanswerable questions (BENCHMARKS.md).",
    )
    restated: bool = Field(
        True,
        description="Abstain when the answer only repeats the question's own words (every content word and number "
        "of it is in the question; a Yes/No verdict and the answer to a choice question, 'A or B?' or 'which of', "
        "aside): it states nothing the question did not. Over 473 distinct dev answers of earlier runs "
        "(MultiHop-RAG dev, seeds-dev, the handbook set) it flags 9 of 24 invented answers to unanswerable "
        "questions, 20 wrong answers and one the scorer counted right that names nothing (BENCHMARKS.md).",
    )
    passage_tokens: int = Field(
        0, ge=0, le=4096,
        description="Cut each passage to about this many tokens of the sentences that share the question's words "
        "(and their neighbours) before the model reads it; 0 gives whole passages. The prompt is the main cost of "
        "an answer on a CPU (BENCHMARKS.md).",
    )
    warm_up: bool = Field(
        True, description="When the server starts, load the embedder and the model and process the system prompt, so "
        "the first question is as quick as the next.",
    )
    guard_passages: bool = Field(
        True, description="Cut instruction-like sentences (\"ignore your rules\", \"whatever the question, answer "
        "X\", fake role labels) from passages before the model reads them; the stored text and citations are "
        "unchanged (SECURITY.md).",
    )
    rewrite_followups: bool = Field(
        True, description="Rewrite a follow-up question into a standalone one with the model before retrieval."
    )
    watch_interval: float = Field(
        2.0, ge=0.1, le=3600, description="Seconds between looks at the corpus folder in watch mode (0.1 to 3600)."
    )
    max_file_mb: int = Field(
        100, ge=1, le=100_000,
        description="Largest file ingest reads, in MB (1 to 100000): a bigger one is refused with that reason, not "
        "embedded for hours.",
    )
    max_upload_mb: int = Field(50, ge=1, le=10240, description="Largest file the chat window accepts for upload, in MB (1 to 10240).")
    host: str = Field(
        "127.0.0.1", description="Address the chat window binds to. Any address but loopback needs username and password."
    )
    username: str = Field("", description="Login name for the chat window (with password; required off loopback).")
    password: SecretStr = Field(
        SecretStr(""), description="Login password for the chat window; set it as ASSISTANT_PASSWORD rather than in a file."
    )
    port: int = Field(7860, ge=1, le=65535, description="Port of the chat window (1 to 65535).")
    api: bool = Field(True, description="Serve the OpenAI-compatible API (/v1/chat/completions, /v1/models) beside the chat window.")
    api_key: SecretStr = Field(
        SecretStr(""), description="Key the API asks for (Authorization: Bearer KEY); required when host is not "
        "loopback. Set it as ASSISTANT_API_KEY.",
    )

    @field_validator("corpus_dir", "data_dir", "models_dir", "prompts_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @field_validator("embedder")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        if value == DEFAULT_EMBEDDER or Path(value).expanduser().is_dir():
            return value
        raise ValueError(f"must be '{DEFAULT_EMBEDDER}' or an existing model folder")

    @field_validator("collections")
    @classmethod
    def _collection_names(cls, value: dict[str, Path]) -> dict[str, Path]:
        for name in value:
            if not re.fullmatch(COLLECTION_NAME, name):
                raise ValueError(f"collection name {name!r}: use 3-63 letters, digits, _ or -")
        return {name: folder.expanduser().resolve() for name, folder in value.items()}

    @field_validator("chroma_url", "model_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if value and not re.match(r"^https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// address, e.g. http://127.0.0.1:8000")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Settings":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be below chunk_size")
        if self.collection in self.collections:
            raise ValueError(f"collections: {self.collection!r} is already the default collection (of corpus_dir)")
        return self

    def collection_folders(self) -> dict[str, Path]:
        """Every named collection and its corpus folder, the default first."""
        return {self.collection: self.corpus_dir, **self.collections}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_path = Path(os.environ.get("ASSISTANT_CONFIG", "assistant.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_path))


def describe_fields() -> dict[str, str]:
    """Field name -> description, for `--help` texts and the README."""
    return {name: f.description or "" for name, f in Settings.model_fields.items()}


def settings_table() -> str:
    """The README's settings table (`python -m assistant.config` prints it)."""
    rows = ["| setting | default | meaning |", "|---|---|---|"]
    for name, f in Settings.model_fields.items():
        default = f.get_default(call_default_factory=True)
        if isinstance(default, Path) and default.is_relative_to(ROOT):
            default = default.relative_to(ROOT).as_posix()
        rows.append(f"| `{name}` | `{default}` | {f.description} |")
    return "\n".join(rows)


def load_settings(**overrides: Any) -> Settings:
    """Build the settings; overrides whose value is None are ignored."""
    given = {k: v for k, v in overrides.items() if v is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None
    except (OSError, ValueError) as exc:  # unreadable or malformed assistant.toml
        raise ConfigError(f"could not read the settings file: {exc}") from None


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        described = Settings.model_fields.get(field)
        hint = f" ({described.description})" if described and described.description else ""
        value = err.get("input")
        shown = f" = {value!r}" if value is not None and not isinstance(value, dict) else ""
        if err["type"] == "extra_forbidden":
            hint = f" (known settings: {', '.join(Settings.model_fields)})"
            lines.append(f"unknown setting '{field}'{hint}")
            continue
        lines.append(f"setting '{field}'{shown}: {err['msg']}{hint}")
    return "bad settings:\n  " + "\n  ".join(lines)


if __name__ == "__main__":
    print(settings_table())
