#!/usr/bin/env bash
# The front end's download budget: what a browser fetches for its first page, gzipped as the
# server sends it (the build's `.gz` copies, gzip -9), per bundle: the wasm and the script
# that loads it. Fails when a
# bundle grows past its budget, so that growth is a decision, not an accident.
#
#   scripts/wasm-budget.sh [SITE]     (default: $CARGO_TARGET_DIR/site, the release build)
#
# The budgets and how they were measured are in docs/benchmarks.md ("Front-end size").
set -euo pipefail

SITE=${1:-${CARGO_TARGET_DIR:-$HOME/.cache/wardpay-target}/site}
PKG="$SITE/pkg"

# bundle name, budget in bytes (gzipped wasm + script), who loads it
BUDGETS=(
  "wardpay-kiosk 250000 the citizen's kiosk (/kiosk/<counter>)"
  "wardpay 1620000 every staff screen, the receipt and /verify"
)

# The build's gzipped copy when there is one, else gzip -9 of the file.
gz() { if [ -f "$1.gz" ]; then stat -c %s "$1.gz"; else gzip -9 -n -c "$1" | wc -c; fi; }

failed=0
for line in "${BUDGETS[@]}"; do
  read -r name budget who <<<"$line"
  wasm="$PKG/${name}_bg.wasm"
  js="$PKG/$name.js"
  if [ ! -f "$wasm" ] || [ ! -f "$js" ]; then
    echo "wasm-budget: $name is not built in $PKG (run scripts/build.sh --site)" >&2
    failed=1
    continue
  fi
  size=$(( $(gz "$wasm") + $(gz "$js") ))
  raw=$(( $(stat -c %s "$wasm") + $(stat -c %s "$js") ))
  verdict=ok
  if [ "$size" -gt "$budget" ]; then verdict="OVER BUDGET"; failed=1; fi
  printf 'wasm-budget: %-14s %8d B gzipped (%8d B raw), budget %8d B: %s (%s)\n' "$name" "$size" "$raw" "$budget" "$verdict" "$who"
done
exit "$failed"
