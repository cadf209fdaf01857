# Two commands do all set-up on a fresh machine:
#   make demo   creates .venv, installs the CPU build of torch first, then emwatch, then runs a small real study
#   make test   the same venv plus the test tools, a vLLM (CPU) venv for the HTTP tests and Chromium, then pytest
# Re-running skips whatever is installed already (stamp files in .venv/ record each step).

PYTHON ?= python3
VENV   := .venv
PIP    := $(VENV)/bin/pip
PY     := $(VENV)/bin/python
# The CPU build: a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH  := torch==2.13.0

.PHONY: demo test venv test-deps vllm chromium clean mutate bench

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.torch: | $(VENV)/bin/python
	$(PIP) install -q $(TORCH)
	touch $@

$(VENV)/.demo: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e '.[demo]'
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.torch
	$(PIP) install -q -e '.[test]'
	touch $@

venv: $(VENV)/.demo

# The demo study as one resumable job (studies/demo.yaml, the study packaged in src/emwatch/demo/), with per-stage
# progress and ETA; `emwatch demo` runs the same study through the same job and prints its per-checkpoint table.
demo: $(VENV)/.demo
	$(VENV)/bin/emwatch run studies/demo.yaml $(ARGS)

# The three are independent (pip downloads and unpacks, apt): built side by side, they take about the time of the
# longest (the vLLM venv) instead of the sum.
test-deps:
	$(MAKE) --no-print-directory -j3 $(VENV)/.test vllm chromium

# vLLM's CPU build in a venv of its own (it moves transformers; see scripts/setup_vllm.sh).
vllm:
	bash scripts/setup_vllm.sh

# Headless Chromium for the HTML report tests (Debian's package).
chromium:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

# The layers contract (pyproject [tool.importlinter]) first: a lower layer importing a higher one fails the suite.
test: test-deps
	$(VENV)/bin/lint-imports
	$(PY) -m pytest $(PYTEST_ARGS)

# Plant one bug at a time in the core modules (scoring, number distributions, rates, early stopping, dynamics,
# store keys, the judge stage, the monitor's e-process and cascade) and run their fast unit tests; keeps each
# module's result in tools/mutation/*.json and regenerates docs/mutation.md from them; exits 0 only when no
# survivor is unexplained. MUTATE_ARGS="monitor/_sequential.py -v" runs one module.
mutate: $(VENV)/.test
	$(PY) tools/mutate.py --write $(MUTATE_ARGS)

# Every benchmarks/bench_*.py, each a markdown section of ratios measured side by side, into
# benchmarks/results.md with the machine's CPU flags at the top (about 15 minutes on 2 cores).
bench: $(VENV)/.test
	$(PY) benchmarks/run_all.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .venv-vllm demo_out
