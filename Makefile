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
# (seconds, offline); pytest's summary stays the last line of the output.
test: $(STAMP)
	$(BIN)/retest eval evals/suites/starter_v2.yaml --baseline evals/baseline_v2.json
	$(BIN)/pytest -q

# Gates: formatting, lint and types on the code (CI runs this before `make test`).
check: $(STAMP)
	$(BIN)/ruff format --check agent tests evals
	$(BIN)/ruff check agent tests evals
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python evals/bench.py

clean:
	rm -rf $(VENV) .retest
