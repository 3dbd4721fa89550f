#!/usr/bin/env bash
# Builds WardPay: the server with cargo, the front end with cargo for wasm32 then
# wasm-bindgen (and wasm-opt in release), and the stylesheet. Nothing reruns that has no new
# input, and the site folder a running server serves is only touched where a file changed
# (each file replaced by a rename, never half-written).
#
#   scripts/build.sh            release: optimised wasm and server (`make build`, for a
#                               deployment)
#   scripts/build.sh --demo     release site and a debug server (`make run`): the debug
#                               server is the one the tests build and run, and compiling it
#                               from nothing takes a third of the release server's time
#   scripts/build.sh --dev      debug wasm and server, for the dev loop (`make dev`)
#   scripts/build.sh --site     release site only (wasm, script, stylesheet): `make test`
#                               serves it from the debug server its own test build made
#
# Output: $CARGO_TARGET_DIR/{release,debug}/wardpay and the site at $CARGO_TARGET_DIR/site
# (release) or $CARGO_TARGET_DIR/site-dev (dev).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/wardpay-target}"

MODE=release
SERVER=1
SERVER_PROFILE=release
case "${1:-}" in
  ""|--release) ;;
  --demo) SERVER_PROFILE=debug ;;
  --dev) MODE=dev; SERVER_PROFILE=debug ;;
  --site) SERVER=0 ;;
  *) echo "usage: scripts/build.sh [--release|--demo|--dev|--site]" >&2; exit 2 ;;
esac

if [ "$MODE" = release ]; then
  WASM_PROFILE=wasm-release; SITE="$CARGO_TARGET_DIR/site"
else
  WASM_PROFILE=dev; SITE="$CARGO_TARGET_DIR/site-dev"
fi
if [ "$SERVER_PROFILE" = release ]; then SERVER_PROFILE_ARGS=(--release); else SERVER_PROFILE_ARGS=(); fi
WASM_DIR_PROFILE=$([ "$WASM_PROFILE" = dev ] && echo debug || echo "$WASM_PROFILE")
PKG="$SITE/pkg"
STAMP="$SITE/.wasm-input.sha256"
mkdir -p "$PKG"

# Each step says when it started (seconds since the build began), so a slow step shows.
log() { printf '==> %s  [%ss]\n' "$*" "$SECONDS"; }

# 1–2. The front end's two bundles: the whole app (`wardpay`, crate `frontend`) and the kiosk's
#      own (`wardpay-kiosk`, crate `frontend-kiosk`: only the kiosk page). Each is
#      built for wasm32, then wasm-bindgen (and wasm-opt) run only when its wasm changed.
#      When rustup could not fetch the wasm32 standard library, setup installed Debian's web
#      toolchain, which builds std itself.
trap 'rm -rf "$SITE"/.build.*' EXIT
build_bundle() {
  local name=$1 crate=$2
  local WASM_IN="$CARGO_TARGET_DIR/wasm32-unknown-unknown/$WASM_DIR_PROFILE/${crate//-/_}.wasm"
  log "front end: $name (wasm32, $WASM_PROFILE)"
  if [ "$(cat .wasm-fallback 2>/dev/null || echo 0)" = 1 ]; then
    PATH=/usr/bin:/bin:$HOME/.cargo/bin RUSTC_BOOTSTRAP=1 \
      cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$WASM_PROFILE" \
      -Zbuild-std=std,panic_abort
  else
    cargo build -p "$crate" --lib --target wasm32-unknown-unknown --profile "$WASM_PROFILE"
  fi
  local stamp="$SITE/.wasm-input-$name.sha256"
  local sum
  sum=$( { sha256sum "$WASM_IN" | cut -d' ' -f1; echo "$MODE"; wasm-bindgen --version; } | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null || true)" != "$sum" ] || [ ! -f "$PKG/$name.js.gz" ] || [ ! -f "$PKG/${name}_bg.wasm.gz" ]; then
    log "$name: wasm-bindgen$([ "$MODE" = release ] && echo ' + wasm-opt')"
    local tmp
    tmp=$(mktemp -d "$SITE/.build.XXXXXX")
    # The server's hydration script loads /pkg/<name>.js and /pkg/<name>_bg.wasm.
    wasm-bindgen --target web --no-typescript --out-name "$name" --out-dir "$tmp" "$WASM_IN"
    if [ "$MODE" = release ]; then
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        "$tmp/${name}_bg.wasm" -o "$tmp/${name}_bg.opt.wasm"
      mv "$tmp/${name}_bg.opt.wasm" "$tmp/${name}_bg.wasm"
    fi
    # Gzipped copies, served to browsers that accept them (nothing is compressed per request).
    gzip -9 -n -k "$tmp/${name}_bg.wasm" "$tmp/$name.js"
    # The wasm first, then the script that loads it: a page loaded in between gets the old
    # script with the new wasm at worst for one request, never a truncated file.
    mv "$tmp/${name}_bg.wasm.gz" "$PKG/${name}_bg.wasm.gz"
    mv "$tmp/${name}_bg.wasm" "$PKG/${name}_bg.wasm"
    mv "$tmp/$name.js.gz" "$PKG/$name.js.gz"
    mv "$tmp/$name.js" "$PKG/$name.js"
    # Both bundles come from one crate graph: the same snippets, under the path their scripts import.
    if [ -d "$tmp/snippets" ]; then rm -rf "$PKG/snippets"; mv "$tmp/snippets" "$PKG/snippets"; fi
    rm -rf "$tmp"
    echo "$sum" > "$stamp"
  fi
}
build_bundle wardpay frontend
build_bundle wardpay-kiosk frontend-kiosk
rm -f "$SITE/.wasm-input.sha256"

# 3. The stylesheet (plain CSS, copied when it differs).
if ! cmp -s style/main.css "$PKG/wardpay.css" || [ ! -f "$PKG/wardpay.css.gz" ]; then
  gzip -9 -n -c style/main.css > "$PKG/.wardpay.css.gz.new" && mv "$PKG/.wardpay.css.gz.new" "$PKG/wardpay.css.gz"
  cp style/main.css "$PKG/.wardpay.css.new" && mv "$PKG/.wardpay.css.new" "$PKG/wardpay.css"
fi

# 4. The server. It must not see the front end's `hydrate` feature: its own invocation.
if [ "$SERVER" = 1 ]; then
  log "server ($SERVER_PROFILE)"
  cargo build -p server --bin wardpay "${SERVER_PROFILE_ARGS[@]}"
fi
