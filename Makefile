# Consensus Lab: `make serve` and `make test` are the whole set-up on a fresh machine.
SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: serve build test check-format lint unit e2e bench size mutants tools browser-tools clean

## Install what is missing, build the release bundle and serve it on http://127.0.0.1:8080
serve: tools
	trunk serve --release --no-autoreload --address 127.0.0.1 --port 8080

## The release bundle in dist/: a static site that works from any sub-path, with the guide in
## dist/book/ (a Trunk hook: scripts/build-book.sh)
build: tools
	trunk build --release

## Everything CI runs
test: tools browser-tools check-format lint unit build e2e

tools:
	@scripts/install-tools.sh build

browser-tools:
	@scripts/install-tools.sh browser

check-format:
	cargo fmt --all --check

lint:
	cargo clippy --workspace --all-targets -- -D warnings

# Release mode: the property tests run thousands of seeds with faults, ~20x faster optimised.
unit:
	cargo test --workspace --release

e2e:
	cd tests/e2e && node --test --test-concurrency=1 *.test.mjs

## Figures for the speed and size targets (never asserted). The linearizability checker is timed
## beside Porcupine on Porcupine's test_data, if LAB_LIN_DATA names it or it is in
## ../shared/porcupine-test-data (crates/engine/tests/data/lin/README.md).
bench: tools browser-tools build
	cargo run --profile bench -p lab-engine --bin lab -- bench
	scripts/stateright-paxos.sh
	cd tests/e2e && node bench.mjs

## The bundle's sizes only, raw and gzip: the page's own (what loads at start) and the worker's
size: build
	node tests/e2e/sizes.mjs

## Plant small bugs in the protocols and invariants, one at a time, and count per file those the
## fast tests catch (cargo-mutants, installed if missing; about an hour and a half on two cores).
## `make mutants FILES="raft/ paxos/acceptor"` narrows to the files whose path contains a word.
mutants:
	scripts/mutants.sh $(FILES)

clean:
	cargo clean
	rm -rf dist tests/e2e/node_modules
