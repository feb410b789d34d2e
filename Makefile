# Every target creates the virtual environment on first use, so a fresh
# machine with only python3 needs nothing else.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test check bench clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/retest run examples/bargaining-power.txt --replay cassettes/demo/bargaining-power.yaml --report

# The eval suite replays every starter case against the committed baseline
# (seconds, offline), then the real-local recordings with structural gates only
# (a weak real model's answers: no baseline), then the citation-sources suite (Semantic Scholar, Crossref, OpenAlex
# against its own baseline); pytest's summary stays the last line of the output.
test: $(STAMP)
	$(BIN)/retest eval evals/suites/starter_v3.yaml --baseline evals/baseline_v3.json
	$(BIN)/retest eval evals/suites/real-local_v1.yaml
	$(BIN)/retest eval evals/suites/sources_v1.yaml --baseline evals/baseline_sources_v1.json
	$(BIN)/retest eval evals/suites/anchors_v1.yaml --baseline evals/baseline_anchors_v1.json
	$(BIN)/pytest -q

# Gates: formatting, lint and types on the code (CI runs this before `make test`).
check: $(STAMP)
	$(BIN)/ruff format --check agent tests evals
	$(BIN)/ruff check agent tests evals
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python evals/bench.py
	$(BIN)/python -m evals.cache_share
	$(BIN)/python -m evals.price_per_line
	$(BIN)/python -m evals.planning_compare

# Removes what the build made; never a state directory (runs and reviews live in $RETEST_HOME or the per-user one).
clean:
	rm -rf $(VENV) test-artefacts

# Records runs against a real model offline: SmolLM2-135M-Instruct on llama.cpp's llama-server
# (built once into ~/.cache/retest/local-model), the arXiv stand-in over the real slice;
# cassettes in cassettes/real-local/. Not part of `make test`; the first run builds for ~15 minutes.
.PHONY: local-model
local-model: $(STAMP)
	scripts/local_model/record.sh
