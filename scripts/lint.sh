#!/usr/bin/env bash
# Formatting and clippy, warnings as errors: the server side (every target, tests included)
# and the front end as the browser gets it (wasm32, `hydrate`).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wardpay-target}"

echo "==> cargo fmt --check"
cargo fmt --all --check

echo "==> clippy: server side"
cargo clippy -p app -p bankfeed -p vietqr -p migrations -p server --all-targets -- -D warnings

echo "==> clippy: front end"
if [ "$(cat .wasm-fallback 2>/dev/null || echo 0)" = 1 ]; then
  # Without rustup's wasm32 standard library the front end is checked for the host: the
  # same code, as far as the lints go.
  cargo clippy -p frontend -p frontend-kiosk --lib -- -D warnings
else
  cargo clippy -p frontend -p frontend-kiosk --lib --target wasm32-unknown-unknown -- -D warnings
fi
