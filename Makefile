# rsdk — the two set-up commands are `make run` and `make test`; the rest are helpers.
# Builds go to a target directory outside the clone so rebuilds stay incremental.
CARGO_TARGET_DIR ?= $(HOME)/.cache/rsdk/target
export CARGO_TARGET_DIR

.PHONY: run test lint schema bench

## run: the server on the embedded default (GraphQL and GraphiQL at http://127.0.0.1:7878/graphql)
run:
	cargo run --release -p api --bin rsdk -- serve

## test: every check and test (formatting, lints, unit, property, engine and server tests)
test: lint
	cargo test --workspace

lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

## schema: regenerate the committed GraphQL SDL after an API change
schema:
	cargo run -q -p api --bin rsdk -- schema > schema.graphql

## bench: the 10,000-experiment DAG benchmark (prints figures; see bench/RESULTS.md)
bench:
	cargo bench -p graph --bench dag
