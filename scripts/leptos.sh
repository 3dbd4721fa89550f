#!/usr/bin/env bash
# Runs cargo-leptos, with Debian's build-std toolchain when setup had to fall back to it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wardpay-target}"
# cargo-leptos looks for the server binary under a target path relative to the workspace,
# which goes wrong with a target directory outside the clone; tell it where the binary is.
export LEPTOS_BIN_TARGET_DIR="$CARGO_TARGET_DIR"
if [ "$(cat .wasm-fallback 2>/dev/null || echo 0)" = 1 ]; then
  PATH=/usr/bin:/bin:$HOME/.cargo/bin RUSTC_BOOTSTRAP=1 \
    exec cargo-leptos "$@" --lib-cargo-args=-Zbuild-std=std,panic_abort
fi
exec cargo-leptos "$@"
