"""The one typed settings tree, read from `assistant.toml` and `ASSISTANT_*` env vars.

Sections follow the architecture: `paths`, `store`, `model`, `embedding`,
`ingest`, `retrieval`, `answer`, `server`, `client`. In `assistant.toml` each is a table
(`[retrieval]` then `top_k = 4`); in the environment a setting is
`ASSISTANT_SECTION__FIELD` (`ASSISTANT_RETRIEVAL__TOP_K=4`); in code,
`load_settings(retrieval__top_k=4)` and `settings.retrieval.top_k`.

Precedence (highest first): explicit overrides (the command line), then
environment variables, then `assistant.toml` (in the current folder, or the
file named by `ASSISTANT_CONFIG`), then the defaults below. Nothing is read at
import time: entry points call `load_settings()`.

The flat names of the first release (`top_k = 4`, `ASSISTANT_TOP_K`) still work
for one release, with a warning that names the new one (`LEGACY`).

A bad value raises `ConfigError` naming the setting and what it accepts:

    >>> load_settings(retrieval__top_k=0)
    Traceback (most recent call last):
    ...
    assistant.errors.ConfigError: bad settings:
      setting 'retrieval.top_k' = 0: Input should be greater than or equal to 1 (Passages the model reads per question, 1 to 50: ...)
"""

from __future__ import annotations

import json
import os
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from assistant.errors import ConfigError

# The project folder (the checkout), where the bundled corpus, models and prompts live.
ROOT = Path(__file__).resolve().parent.parent
DEFAULT_EMBEDDER = "all-MiniLM-L6-v2"
DEFAULT_MODEL = "qwen2.5-coder-1.5b"
COLLECTION_NAME = r"^[a-zA-Z0-9][a-zA-Z0-9_-]{1,60}[a-zA-Z0-9]$"
ENV_PREFIX = "ASSISTANT_"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True)


class Paths(_Section):
    """Where documents, the index, models and prompts live."""

    corpus_dir: Path = Field(ROOT / "corpus", description="Folder of documents of the default collection.")
    data_dir: Path = Field(ROOT / "data", description="Folder of the index (Chroma store, BM25 index, manifest, logs). "
                           "Delete it, or run `ingest --rebuild`, to index everything again.")
    models_dir: Path = Field(ROOT / "models", description="Folder of GGUF model files; drop your own here.")
    prompts_dir: Path = Field(ROOT / "prompts", description="Folder of prompt templates; edit a copy to change the wording.")

    @field_validator("corpus_dir", "data_dir", "models_dir", "prompts_dir")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.expanduser().resolve()


class Store(_Section):
    """The collections and where their index is kept."""

    collection: str = Field(
        "corpus", pattern=COLLECTION_NAME,
        description="Name of the default collection, the one of paths.corpus_dir (3-63 letters, digits, _ or -).",
    )
    collections: dict[str, Path] = Field(
        default_factory=dict,
        description="More named collections, each with its own folder and index: a [store.collections] table in "
        "assistant.toml (legal = \"/srv/docs/legal\"). Chosen with --collection in the CLI, a menu in the chat "
        "window, and `model` in the API.",
    )
    chroma_url: str = Field(
        "", description="A Chroma server to keep the index in (http://HOST:PORT, started with `chroma run`), for "
        "several machines sharing one index. Empty: the embedded store in paths.data_dir.",
    )

    @field_validator("collections")
    @classmethod
    def _collection_names(cls, value: dict[str, Path]) -> dict[str, Path]:
        for name in value:
            if not re.fullmatch(COLLECTION_NAME, name):
                raise ValueError(f"collection name {name!r}: use 3-63 letters, digits, _ or -")
        return {name: folder.expanduser().resolve() for name, folder in value.items()}

    @field_validator("chroma_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http(value)

    @model_validator(mode="after")
    def _default_not_repeated(self) -> "Store":
        if self.collection in self.collections:
            raise ValueError(f"collections: {self.collection!r} is already the default collection (of corpus_dir)")
        return self


class Model(_Section):
    """The language model that writes the answers."""

    name: str = Field(
        DEFAULT_MODEL, description="A bundled model (qwen2.5-coder-1.5b, qwen2.5-coder-0.5b), the name of a .gguf "
        "file in paths.models_dir, or a path to one; with model.url, the server's model name. "
        "`assistant models` lists them.",
    )
    url: str = Field(
        "", description="An OpenAI-compatible model server to answer with (http://gpu-box:8080/v1: llama.cpp's "
        "server, vLLM). Empty: the GGUF model runs in this process.",
    )
    api_key: SecretStr = Field(SecretStr(""), description="Key for the server at model.url, if it wants one; "
                               "set it as ASSISTANT_MODEL__API_KEY rather than in a file.")
    n_ctx: int = Field(4096, ge=512, le=131072, description="Context window in tokens (512 to 131072): the prompt, "
                       "its passages and the answer must fit. More costs memory, not speed.")
    n_threads: int = Field(2, ge=1, le=256, description="CPU threads for the model and the embedder (1 to 256): "
                           "the number of physical cores, less one if other work shares the machine.")
    n_gpu_layers: int = Field(0, ge=-1, le=1000, description="Layers offloaded to a GPU: 0 none, -1 all (needs a "
                              "CUDA build of llama-cpp-python; see docs/deployment.md).")
    max_tokens: int = Field(384, ge=1, le=8192, description="Most tokens the model may write per answer (1 to 8192); "
                            "an API request may ask for fewer, never more.")
    temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature: 0 gives the same answer "
                               "to the same question every time; up to 2.")
    seed: int = Field(42, ge=0, description="Random seed for sampling (a whole number >= 0).")
    warm_up: bool = Field(True, description="At server start, load the embedder and the model and read the system "
                          "prompt, so the first question is as quick as the next.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http(value)


class Embedding(_Section):
    """The sentence-transformers model that turns chunks and questions into vectors."""

    name: str = Field(DEFAULT_EMBEDDER, description=f"'{DEFAULT_EMBEDDER}' (bundled) or a path to a local "
                      "sentence-transformers folder. Changing it needs `ingest --rebuild`.")
    precision: Literal["auto", "float32", "bfloat16"] = Field(
        "auto", description="Number format of the embedder's matrix products: 'auto' uses bfloat16 where the CPU "
        "has it (AVX512-BF16 or AMX; faster, vectors nearly equal), else float32.",
    )
    batch_size: int = Field(32, ge=1, le=1024, description="Chunks embedded per batch (1 to 1024); larger uses more "
                            "memory for little gain on a CPU.")

    @field_validator("name")
    @classmethod
    def _known_embedder(cls, value: str) -> str:
        if value == DEFAULT_EMBEDDER or Path(value).expanduser().is_dir():
            return value
        raise ValueError(f"must be '{DEFAULT_EMBEDDER}' or an existing model folder")


class Ingest(_Section):
    """How documents become chunks."""

    chunk_size: int = Field(200, ge=32, le=256, description="Chunk size in embedder word pieces (32 to 256; the "
                            "embedder reads at most 256). Smaller chunks are more precise, larger keep more context.")
    chunk_overlap: int = Field(40, ge=0, le=128, description="Word pieces neighbouring chunks share (0 to 128, "
                               "below chunk_size), so a sentence cut at a boundary is whole in one of them.")
    embed_titles: bool = Field(True, description="Embed each chunk with its document title and heading path, which "
                               "helps questions that name the document (changing it needs `ingest --rebuild`).")
    max_file_mb: int = Field(100, ge=1, le=100_000, description="Largest file ingest reads, in MB (1 to 100000); "
                             "a bigger one is refused and listed with that reason.")
    watch_interval: float = Field(2.0, ge=0.1, le=3600, description="Seconds between looks at the corpus folder in "
                                  "watch mode (0.1 to 3600).")
    max_chars: int = Field(10_000_000, ge=1000, le=10**9, description="Most characters of text one file may hold "
                           "(for a PDF: bytes of its page content streams); over it the file is refused. 10 million "
                           "is about 5,000 pages of prose and takes hours to embed on 2 cores.")
    max_pages: int = Field(2_000, ge=1, le=10**6, description="Most pages, slides, chapters or mail messages one "
                           "file may have (1 to 1000000); a longer file is refused and listed with that reason.")
    max_elements: int = Field(200_000, ge=1000, le=10**8, description="Most XML elements in a DOCX (all its parts) "
                              "or objects in a PDF; a 100-page report has some 50,000, and python-docx reads about "
                              "15,000 a second on 2 busy cores. Counted before anything is built.")
    max_html_elements: int = Field(20_000, ge=100, le=10**7, description="Most tags in an HTML page; main-text "
                                   "extraction reads about 2,000-4,000 a second on 2 busy cores (a long manual page "
                                   "has 4,000).")
    max_seconds: float = Field(60.0, ge=1, le=86_400, description="Most seconds reading one file may take, checked "
                               "between pages, blocks and elements; a slower file is refused. Raise it for very "
                               "long PDFs on a slow machine.")
    ocr: Literal["auto", "tesseract", "rapidocr", "off"] = Field(
        "auto", description="How images and PDF pages without text are read: 'tesseract' (Debian's tesseract-ocr and "
        "tesseract-ocr-eng; faster and more exact on printed pages), 'rapidocr' (installed with the assistant, no "
        "system package), 'auto' (tesseract when installed, else rapidocr) or 'off' (such pages are not indexed).")
    ocr_seconds: float = Field(30.0, ge=1, le=3600, description="Most seconds OCR may spend on one page or image "
                               "(1 to 3600); a file with a slower page is refused and listed with that reason.")
    max_rows: int = Field(200_000, ge=1, le=10_000_000, description="Most table rows one spreadsheet or CSV file may "
                          "have, all sheets together (1 to 10000000); more is refused and listed with that reason.")
    max_unzipped_mb: int = Field(200, ge=1, le=100_000, description="Most MB a DOCX, PPTX, XLSX, ODS, ODT or EPUB may "
                                 "unpack to (1 to 100000); more is refused as a zip bomb.")

    @model_validator(mode="after")
    def _overlap_below_size(self) -> "Ingest":
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError("chunk_overlap must be below chunk_size")
        return self


class Retrieval(_Section):
    """How a question's passages are chosen (retrieve.py)."""

    mode: Literal["hybrid", "dense", "lexical"] = Field(
        "hybrid", description="'hybrid' fuses the embedding search and BM25 (best in general), 'dense' or "
        "'lexical' use one alone.",
    )
    top_k: int = Field(4, ge=1, le=50, description="Passages the model reads per question, 1 to 50: the best "
                       "answer.read_whole of them whole, the rest cut to their sentences that bear on the question. "
                       "More finds more of the evidence; each whole passage costs about 2 s of reading on 2 CPU cores.")
    candidates: int = Field(60, ge=1, le=1000, description="Candidates taken from each search before fusion "
                            "(1 to 1000); more finds rarer passages, at a little more time.")
    lexical_weight: float = Field(5.0, ge=0.0, le=10.0, description="Weight of the BM25 ranking against the "
                                  "embedding ranking's 1 in fusion (0 to 10). Raise it for text full of exact "
                                  "terms (names, codes), lower it for paraphrased questions.")
    dedupe: bool = Field(True, description="Drop passages that mostly overlap a better-ranked passage of the same "
                         "document.")
    max_per_source: int = Field(4, ge=0, le=50, description="Most passages per document before other documents "
                                "get a turn (0 = no limit): lower spreads the passages over more documents.")
    reranker: str = Field("", description="A sentence-transformers CrossEncoder folder (in paths.models_dir, or a "
                          "path) to reorder the fused candidates. Empty: no reranking; none is bundled.")
    rerank_candidates: int = Field(20, ge=1, le=200, description="Fused candidates the reranker scores (1 to 200).")


class Answer(_Section):
    """When the model is asked, and when its answer is withheld (answer.py, citations.py, names.py)."""

    read_whole: int = Field(2, ge=0, le=50, description="Of the retrieval.top_k passages, how many the model reads "
                            "whole; the others are cut to the sentences that share the question's words, with their "
                            "neighbours (about 300 characters each). Raise it when answers need whole sections, at "
                            "about 2 s a passage on 2 CPU cores.")
    second_look_k: int = Field(6, ge=0, le=50, description="When the model says the documents don't say from the "
                               "top_k passages, ask once more with this many (the first stay cached, so only the "
                               "new ones are read); 0 or at most retrieval.top_k: never.")
    min_score: float = Field(0.34, ge=-1.0, le=1.0, description="Abstain without asking the model when the best "
                             "passage's cosine similarity is below this (-1 to 1). Higher abstains more often; "
                             "choose it on your own questions with `assistant eval`.")
    unknown_names: bool = Field(True, description="Abstain without asking the model when the question names "
                                "something no indexed document mentions: a capitalized word (acronyms aside) or a technical term "
                                "(an option, a path, a dotted setting, an identifier such as work_mem).")
    min_support: float = Field(0.1, ge=0.0, le=1.0, description="Abstain when no sentence of the answer has at "
                               "least this share of its content words in the passage it cites (0 to 1; 0 never). "
                               "Higher withholds more invented answers and more right ones.")
    subject: bool = Field(True, description="Withhold an answer whose sentences cite only documents that have a "
                          "title of their own and never mention any of the names and technical terms the question "
                          "uses: it is about something else (a PostgreSQL limit answered from the SQLite manual). "
                          "A document titled only by its file name (a CSV, a sheet) is never counted. Needs the "
                          "lexical index.")
    restated: bool = Field(True, description="Abstain when the answer only repeats the question's own words "
                           "(a Yes/No verdict and the answer to a choice question aside): it states nothing new.")
    guard_passages: bool = Field(True, description="Cut instruction-like sentences (\"ignore your rules\") from "
                                 "passages before the model reads them; the stored text and citations are "
                                 "unchanged (SECURITY.md).")
    rewrite_followups: bool = Field(True, description="Rewrite a follow-up question into a standalone one with "
                                    "the model before retrieval, so 'Who built it?' finds its subject.")


class Server(_Section):
    """The chat window and the OpenAI-compatible API (serve.py)."""

    host: str = Field("127.0.0.1", description="Address to bind. Any address but loopback needs user accounts "
                      "(`assistant users add`), or server.username and server.password (and server.api_key for "
                      "the API).")
    port: int = Field(7860, ge=1, le=65535, description="Port of the chat window and the API (1 to 65535).")
    username: str = Field("", description="Login name for the chat window (with password; required off loopback) "
                          "when there are no user accounts; with accounts each user logs in with their own.")
    password: SecretStr = Field(SecretStr(""), description="Login password for the chat window; set it as "
                                "ASSISTANT_SERVER__PASSWORD rather than in a file.")
    api: bool = Field(True, description="Serve the OpenAI-compatible API (/v1/chat/completions, /v1/models) beside "
                      "the chat window.")
    api_key: SecretStr = Field(SecretStr(""), description="Key the API asks for (Authorization: Bearer KEY); "
                               "required off loopback without user accounts (with them, each user has a key). Set "
                               "it as ASSISTANT_SERVER__API_KEY.")
    max_upload_mb: int = Field(50, ge=1, le=10240, description="Largest file the chat window accepts for upload, "
                               "in MB (1 to 10240).")
    max_question_chars: int = Field(8000, ge=100, le=1_000_000, description="Longest question (and, in the API, "
                                    "longest message) accepted, in characters; longer ones are refused with a "
                                    "message. Keep it well inside model.n_ctx (about 4 characters a token).")
    audit: bool = Field(True, description="With user accounts (`assistant users add`), write one JSON line per "
                        "question answered (user, collection, question, citations, timings) to "
                        "paths.data_dir/audit/YYYY-MM-DD.jsonl, readable by the server's account only (SECURITY.md).")
    audit_days: int = Field(90, ge=1, le=36_500, description="Days of audit files kept (1 to 36500): older ones are "
                            "deleted when a new day's file is started.")
    max_failed_logins: int = Field(5, ge=1, le=1000, description="With user accounts: failed logins or API keys "
                                   "from one address (or for one user name) within server.failed_login_minutes "
                                   "before it is refused for a while (1 to 1000).")
    failed_login_minutes: float = Field(5.0, ge=0.1, le=1440, description="The window of "
                                        "server.max_failed_logins, and how long a refused address or name waits, in "
                                        "minutes (0.1 to 1440).")


class Client(_Section):
    """How `assistant ask` and `assistant chat` use a running `assistant serve` (client.py)."""

    use_server: Literal["auto", "always", "never"] = Field(
        "auto", description="'auto' answers through the server at client.server_url when one answers there (the "
        "model stays loaded, so the first token comes sooner), else in this process; 'always' fails when none "
        "answers (a machine that should not load the model); 'never' always answers in this process.",
    )
    server_url: str = Field(
        "", description="The address of `assistant serve` (http://HOST:PORT, without /v1; https behind a proxy). "
        "Empty: this machine's server, http://127.0.0.1:server.port (or server.host, when it names one address).",
    )
    api_key: SecretStr = Field(
        SecretStr(""), description="Your API key for a server with user accounts (`assistant users add` prints it) "
        "or a server.api_key. Empty: server.api_key, if set. Set it as ASSISTANT_CLIENT__API_KEY rather than in a "
        "file.",
    )

    @field_validator("server_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        return _http(value)


SECTIONS: dict[str, type[_Section]] = {
    "paths": Paths, "store": Store, "model": Model, "embedding": Embedding, "ingest": Ingest,
    "retrieval": Retrieval, "answer": Answer, "server": Server, "client": Client,
}

# The flat names of the first release -> section.field; read for one release, with a warning.
LEGACY: dict[str, str] = {
    **{f: f"paths.{f}" for f in ("corpus_dir", "data_dir", "models_dir", "prompts_dir")},
    **{f: f"store.{f}" for f in ("collection", "collections", "chroma_url")},
    "model": "model.name", "model_url": "model.url", "model_api_key": "model.api_key",
    **{f: f"model.{f}" for f in ("n_ctx", "n_threads", "n_gpu_layers", "max_tokens", "temperature", "seed", "warm_up")},
    "embedder": "embedding.name", "embed_precision": "embedding.precision", "embed_batch_size": "embedding.batch_size",
    **{f: f"ingest.{f}" for f in ("chunk_size", "chunk_overlap", "embed_titles", "max_file_mb", "watch_interval")},
    "retrieval": "retrieval.mode",
    **{f: f"retrieval.{f}" for f in ("top_k", "candidates", "lexical_weight", "dedupe", "max_per_source", "reranker",
                                     "rerank_candidates")},
    **{f: f"answer.{f}" for f in ("second_look_k", "min_score", "unknown_names", "min_support", "restated",
                                  "guard_passages", "rewrite_followups")},
    **{f: f"server.{f}" for f in ("host", "port", "username", "password", "api", "api_key", "max_upload_mb")},
}


class DeprecatedSetting(FutureWarning):
    """A setting given by its flat name of the first release."""


class Settings(BaseSettings):
    """Every knob of the assistant, in sections. Each field's description is its documentation."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=True)

    paths: Paths = Field(default_factory=Paths, description=Paths.__doc__)
    store: Store = Field(default_factory=Store, description=Store.__doc__)
    model: Model = Field(default_factory=Model, description=Model.__doc__)
    embedding: Embedding = Field(default_factory=Embedding, description=Embedding.__doc__)
    ingest: Ingest = Field(default_factory=Ingest, description=Ingest.__doc__)
    retrieval: Retrieval = Field(default_factory=Retrieval, description=Retrieval.__doc__)
    answer: Answer = Field(default_factory=Answer, description=Answer.__doc__)
    server: Server = Field(default_factory=Server, description=Server.__doc__)
    client: Client = Field(default_factory=Client, description=Client.__doc__)

    def collection_folders(self) -> dict[str, Path]:
        """Every named collection and its corpus folder, the default first."""
        return {self.store.collection: self.paths.corpus_dir, **self.store.collections}

    def updated(self, **changes: Any) -> "Settings":
        """A copy with `section__field=value` changes, checked like any setting."""
        return load_settings(_base=self, **changes)

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, _EnvSource(settings_cls), _TomlSource(settings_cls))


def _http(value: str) -> str:
    if value and not re.match(r"^https?://[^/\s]+", value):
        raise ValueError("must be an http:// or https:// address, e.g. http://127.0.0.1:8000")
    return value.rstrip("/")


def _nest(flat: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    """{'section__field' or a legacy flat name: value} -> {section: {field: value}}; legacy names warn."""
    tree: dict[str, dict[str, Any]] = {}
    for key, value in flat.items():
        if "__" in key:
            section, field = key.split("__", 1)
        elif key in LEGACY:
            section, field = LEGACY[key].split(".")
            new = (f"{ENV_PREFIX}{section}__{field}".upper() if where == "environment"
                   else f"[{section}] {field}" if where == "assistant.toml" else f"{section}.{field}")
            warnings.warn(f"setting '{key}' ({where}) is now '{section}.{field}': write it as {new}; the old name "
                          "stops working in the next release", DeprecatedSetting, stacklevel=4)
        else:
            section, field = key, None
        if field is None:
            tree[section] = value  # a whole section, or an unknown name that validation reports
        else:
            tree.setdefault(section, {})[field] = value
    return tree


class _EnvSource(PydanticBaseSettingsSource):
    """ASSISTANT_SECTION__FIELD (and, for one release, ASSISTANT_FLAT_NAME) environment variables."""

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        flat = {}
        for name, value in os.environ.items():
            if not name.startswith(ENV_PREFIX) or name == f"{ENV_PREFIX}CONFIG":
                continue
            key = name[len(ENV_PREFIX):].lower()
            if "__" in key and key.split("__", 1)[0] in SECTIONS or key in LEGACY:
                flat[key] = value
        tree = _nest(flat, "environment")
        if isinstance(tree.get("store", {}).get("collections"), str):  # a JSON object in one variable
            try:
                tree["store"]["collections"] = json.loads(tree["store"]["collections"])
            except ValueError as exc:
                raise ConfigError(f"ASSISTANT_STORE__COLLECTIONS: not a JSON object ({exc})") from None
        return tree


class _TomlSource(PydanticBaseSettingsSource):
    """assistant.toml (or the file named by ASSISTANT_CONFIG): tables of sections; flat names for one release."""

    def get_field_value(self, field, field_name):  # pragma: no cover - __call__ does the work
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = Path(os.environ.get(f"{ENV_PREFIX}CONFIG", "assistant.toml"))
        if not path.is_file():
            return {}
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"could not read the settings file {path}: {exc}") from None
        flat = {k: v for k, v in data.items() if not (k in SECTIONS and isinstance(v, dict))}
        tree = _nest(flat, "assistant.toml")
        for section, values in data.items():
            if section in SECTIONS and isinstance(values, dict):
                tree.setdefault(section, {}).update(values)
        return tree


def describe_fields() -> dict[str, str]:
    """'section.field' -> description, for `--help` texts and docs/settings.md."""
    return {f"{section}.{name}": f.description or "" for section, model in SECTIONS.items()
            for name, f in model.model_fields.items()}


def settings_reference() -> str:
    """docs/settings.md: every section and setting with its default (`python -m assistant.config`)."""
    lines = ["# Settings", "", "<!-- generated by `python -m assistant.config > docs/settings.md`; a test fails "
             "when it drifts -->", "",
             "Set them in `assistant.toml` (one table per section), or in the environment as "
             "`ASSISTANT_SECTION__FIELD`, or per command where the CLI has a flag. For example:", "",
             "```toml", "[retrieval]", "top_k = 4", "", "[server]", "port = 8000", "```", "",
             "is the same as `ASSISTANT_RETRIEVAL__TOP_K=4 ASSISTANT_SERVER__PORT=8000`. The flat names of the first "
             "release (`top_k = 4`, `ASSISTANT_TOP_K`) still work for this release, with a warning naming the new "
             "one.", ""]
    for section, model in SECTIONS.items():
        lines += [f"## `[{section}]`", "", model.__doc__ or "", "", "| setting | default | what it does |", "|---|---|---|"]
        for name, f in model.model_fields.items():
            default = f.get_default(call_default_factory=True)
            if isinstance(default, Path) and default.is_relative_to(ROOT):
                default = default.relative_to(ROOT).as_posix()
            shown = "" if isinstance(default, SecretStr) else default
            lines.append(f"| `{name}` | `{shown}` | {f.description} |")
        lines.append("")
    return "\n".join(lines)


def load_settings(_base: Settings | None = None, **overrides: Any) -> Settings:
    """Build the settings; overrides are `section__field=value` and those whose value is None are ignored.

    With `_base`, the overrides apply to that settings object instead of the files and environment."""
    given = _nest({k: v for k, v in overrides.items() if v is not None}, "code")
    try:
        if _base is not None:
            merged = _base.model_dump()
            for section, values in given.items():
                merged.setdefault(section, {}).update(values) if isinstance(values, dict) else merged.update(
                    {section: values})
            return Settings.model_validate(merged)
        return Settings(**given)
    except ValidationError as exc:
        raise ConfigError(_explain(exc)) from None


def _explain(exc: ValidationError) -> str:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        field = ".".join(loc) or "settings"
        described = describe_fields().get(".".join(loc[:2]))
        hint = f" ({described})" if described else ""
        value = err.get("input")
        shown = f" = {value!r}" if value is not None and not isinstance(value, dict) else ""
        if err["type"] == "extra_forbidden":
            known = ", ".join(SECTIONS[loc[0]].model_fields) if len(loc) == 2 and loc[0] in SECTIONS else ", ".join(SECTIONS)
            lines.append(f"unknown setting '{field}' (known here: {known})")
            continue
        lines.append(f"setting '{field}'{shown}: {err['msg']}{hint}")
    return "bad settings:\n  " + "\n  ".join(lines)


if __name__ == "__main__":
    print(settings_reference())
