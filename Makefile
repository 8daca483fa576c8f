# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint unit integration e2e bench eval clean

run: $(STAMP)
	$(BIN)/billify serve --host $(HOST) --port $(PORT)

# One pytest process per core: the slow tests wait on subprocesses, browsers and emulators.
test: lint
	$(BIN)/pytest --numprocesses auto

lint: $(STAMP)
	$(BIN)/ruff check billify tests bench
	$(BIN)/mypy
	$(MAKE) lint-template

unit: $(STAMP)
	$(BIN)/pytest tests/unit

integration: $(STAMP)
	$(BIN)/pytest tests/integration

e2e: $(STAMP)
	$(BIN)/pytest tests/e2e

bench: $(STAMP)
	$(BIN)/python bench/upload_throughput.py

eval: $(STAMP)
	$(BIN)/python bench/eval_extraction.py

# Every dependency, direct and transitive, at the version and hashes of requirements.lock (so a
# fresh machine installs what CI tested); then Billify itself, without resolving anything more.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Refresh requirements.lock from pyproject.toml's pins (runtime and dev), for Python 3.11 and
# 3.12 (Lambda) alike, with hashes. Run after changing a dependency; commit both files.
.PHONY: lock
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv==0.13.8
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --custom-compile-command "make lock" -o requirements.lock

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache

# The SAM template, offline: cfn-lint, then SAM's own translation and lint. aws-sam-cli pins
# older boto3/pydantic than ours, so it lives in its own venv inside .venv (`make clean` drops it).
.PHONY: lint-template
SAM_VENV := $(VENV)/sam
SAM := $(SAM_VENV)/bin/sam

lint-template: $(STAMP) $(SAM)
	$(BIN)/cfn-lint template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM) validate --template template.yaml
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM) validate --lint --template template.yaml
	# sam build needs only pip (wheels for python3.12 from PyPI); output kept out of the tree.
	SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 $(SAM) build --build-in-source \
		--build-dir $(VENV)/sam-build --template template.yaml

$(SAM):
	$(PYTHON) -m venv $(SAM_VENV)
	$(SAM_VENV)/bin/python -m pip install --quiet aws-sam-cli==1.170.0
