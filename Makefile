# Two commands do everything on a fresh machine (Python 3.11 with venv):
#   make run    set up, build the catalog, index and models, then chat in the terminal
#   make test   set up, then run every test (the slow ones read ../shared/data)
VENV ?= .venv
PY := $(VENV)/bin/python
PLAYGENIE_DATA ?= $(abspath ../shared/data/spotify_songs.csv)
export PLAYGENIE_DATA

.PHONY: setup setup-test run test

$(VENV)/.installed: pyproject.toml
	python3.11 -m venv $(VENV) 2>/dev/null || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# torch first, pinned: a looser requirement would pull a CUDA build of several GB.
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	# the [llm] extra compiles llama-cpp-python once (several minutes); pip caches the wheel.
	$(PY) -m pip install --quiet -e '.[test,llm]'
	touch $@

setup: $(VENV)/.installed

run: setup
	$(VENV)/bin/playgenie build
	$(VENV)/bin/playgenie chat

test: $(VENV)/.installed-test
	$(VENV)/bin/pytest -m "" -q
