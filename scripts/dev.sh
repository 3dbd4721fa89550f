#!/usr/bin/env bash
# The dev loop: debug build, serve the demo ward, and on every change under app/, server/,
# frontend/, migrations/, bankfeed/, vietqr/ or style/ rebuild and restart. Polls file
# times once a second (no watcher to install).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wardpay-target}"
export LEPTOS_SITE_ROOT="$CARGO_TARGET_DIR/site-dev"
export DATABASE_URL="${DATABASE_URL:-sqlite://data/wardpay.sqlite}"
SOURCES=(app server frontend migrations bankfeed vietqr style Cargo.toml)
fingerprint() { find "${SOURCES[@]}" -type f \( -name '*.rs' -o -name '*.css' -o -name '*.toml' -o -name '*.json' \) -printf '%T@ %p\n' 2>/dev/null | sort | sha256sum; }
pid=""
stop() { if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; fi; }
trap 'stop; exit 0' INT TERM
while true; do
  seen=$(fingerprint)
  if bash scripts/build.sh --dev; then
    stop
    "$CARGO_TARGET_DIR/debug/wardpay" --demo &
    pid=$!
  else
    echo "==> build failed; waiting for the next change" >&2
  fi
  while [ "$(fingerprint)" = "$seen" ]; do sleep 1; done
  echo "==> change seen; rebuilding"
done
