# Two commands do everything on a fresh machine (Python 3.11 with venv):
#   make run    set up, build the catalog, index and models, then chat in the terminal
#   make test   set up, then run every test (the slow ones read ../shared/data)
VENV ?= .venv
PY := $(VENV)/bin/python
PLAYGENIE_DATA ?= $(abspath ../shared/data/spotify_songs.csv)
export PLAYGENIE_DATA

# llama.cpp is compiled for instruction sets every x86-64 machine of this kind runs (AVX2, FMA, F16C),
# never for the build machine's own ("native" once picked AVX-512/AMX that another machine could not run).
LLAMA_CPP_VERSION := 0.3.36
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_CPU_ALL_VARIANTS=OFF -DGGML_BACKEND_DL=OFF \
	-DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON \
	-DGGML_AVX512=OFF -DGGML_AVX_VNNI=OFF -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
	-DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_TESTS=OFF
# The wheel is kept per version and flags, so a rebuild happens only when either changes.
LLAMA_WHEELS := $(HOME)/.cache/playgenie/wheels/llama-cpp-$(LLAMA_CPP_VERSION)-$(shell echo '$(LLAMA_CMAKE_ARGS)' | sha1sum | cut -c1-12)

# torch's own index for its CPU-only wheel (the Dockerfile sets it); empty: pip's default index.
TORCH_INDEX_URL ?=
TORCH_INDEX := $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),)

.PHONY: setup setup-test run test lint serve browser

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: a looser requirement would pull a CUDA build of several GB.
	$(PY) -m pip install --quiet torch==2.13.0 $(TORCH_INDEX)
	$(PY) -m pip install --quiet -e .
	touch $@

$(LLAMA_WHEELS)/.built:
	# the [llm] extra's llama-cpp-python, compiled once (several minutes) with portable flags.
	mkdir -p $(LLAMA_WHEELS)
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" FORCE_CMAKE=1 $(PY) -m pip wheel --quiet --no-deps --no-cache-dir \
		--wheel-dir $(LLAMA_WHEELS) 'llama-cpp-python==$(LLAMA_CPP_VERSION)'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed $(LLAMA_WHEELS)/.built
	$(PY) -m pip install --quiet --find-links $(LLAMA_WHEELS) 'llama-cpp-python[server]==$(LLAMA_CPP_VERSION)'
	$(PY) -m pip install --quiet --find-links $(LLAMA_WHEELS) -e '.[test,llm]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/playgenie build
	$(VENV)/bin/playgenie chat

serve: setup
	$(VENV)/bin/playgenie build
	$(VENV)/bin/playgenie serve --host $(or $(HOST),127.0.0.1) --port $(or $(PORT),8080)

# The web page's test drives Debian's chromium (Playwright cannot download its own browser here), with
# fonts for its text and emoji; skipped where chromium is already installed.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
browser:
	@[ -x /usr/bin/chromium ] || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y -qq chromium fonts-liberation fonts-noto-color-emoji; }

# The layout is ruff format's, and ruff check finds no error, unused name, function past complexity 15 or line past 120.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: $(VENV)/.installed-test browser lint
	$(VENV)/bin/pytest -m "" -q
