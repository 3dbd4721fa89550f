# The two commands: `make run` and `make test`. Both do all set-up first (scripts/setup.sh).
SHELL := /bin/bash
export CARGO_TARGET_DIR ?= $(HOME)/.cache/wardpay-target
export PATH := $(HOME)/.cargo/bin:$(PATH)
SITE_ROOT := $(CARGO_TARGET_DIR)/site
# `make run` serves the debug server (the one the tests run) with the release front end.
DEMO_BIN := $(CARGO_TARGET_DIR)/debug/wardpay
DATABASE_URL ?= sqlite://data/wardpay.sqlite
WARDPAY_BIND ?= 127.0.0.1:3000
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test

.PHONY: setup build build-dev run dev lint test test-rust test-e2e bench clean

setup:
	@bash scripts/setup.sh

# Release build of the wasm (wasm-opt) and the server, for a deployment
# ($(CARGO_TARGET_DIR)/release/wardpay); reruns nothing without new input.
build: setup
	@bash scripts/build.sh --release

build-dev: setup
	@bash scripts/build.sh --dev

# The demo ward on SQLite: the release front end and the debug server, which builds from
# nothing in a third of the release server's time (see docs/benchmarks.md).
run: setup
	@bash scripts/build.sh --demo
	DATABASE_URL='$(DATABASE_URL)' LEPTOS_SITE_ROOT='$(SITE_ROOT)' WARDPAY_BIND='$(WARDPAY_BIND)' \
	  '$(DEMO_BIN)' --demo

# The dev loop: a debug build served on SQLite, rebuilt and restarted when a source file
# changes (scripts/dev.sh).
dev: setup
	@DATABASE_URL='$(DATABASE_URL)' WARDPAY_BIND='$(WARDPAY_BIND)' bash scripts/dev.sh

# The browser tests run against the debug server the Rust tests' build has just made
# (target/debug/wardpay, the same binary the integration tests start), with the release
# front end: a second, optimised build of the whole server would double a cold run.
test: setup
	@bash scripts/lint.sh
	@bash scripts/build.sh --site
	@bash scripts/wasm-budget.sh '$(SITE_ROOT)'
	@$(MAKE) --no-print-directory test-rust test-e2e

# rustfmt and clippy (warnings are errors), server side and front end.
lint: setup
	@bash scripts/lint.sh

# Unit and integration tests; PostgreSQL tests are required to run (see server/tests/common).
test-rust:
	@bash scripts/test-rust.sh

TEST_BIN := $(CARGO_TARGET_DIR)/debug/wardpay

test-e2e:
	@test -x '$(TEST_BIN)' || { echo "error: $(TEST_BIN) is missing: run make test-rust first" >&2; exit 1; }
	cd end2end && WARDPAY_BIN='$(TEST_BIN)' LEPTOS_SITE_ROOT='$(SITE_ROOT)' npx playwright test

# Figures for docs/benchmarks.md (each prints what it measured; none of them is a test).
bench: setup
	cargo bench -p vietqr --bench codec -- --quick
	cargo run --release -p server --bin wardpay-bench -- push
	cargo run --release -p server --bin wardpay-bench -- intake --postgres-url '$(TEST_DATABASE_URL)'
	cargo run --release -p server --bin wardpay-bench -- recon --postgres-url '$(TEST_DATABASE_URL)'
	cargo run --release -p server --bin wardpay-bench -- cluster --postgres-url '$(TEST_DATABASE_URL)'
	cargo run --release -p server --bin wardpay-bench -- idle

clean:
	rm -rf '$(CARGO_TARGET_DIR)' end2end/test-results
