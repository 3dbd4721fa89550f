#!/usr/bin/env bash
# Idempotent set-up for building, running and testing WardPay on Debian 12 (x86_64, root).
# Installs only what is missing; when everything is present it only checks versions (seconds).
# Network: only the package registries (crates, npm, Debian) are reachable, so every tool
# comes from one of them. The project builds itself (scripts/build.sh): no cargo-leptos.
set -euo pipefail

BINARYEN_NPM_VERSION=132.0.0    # wasm-opt; Debian's binaryen 108 breaks hydration
APT_PACKAGES=(chromium build-essential pkg-config libxml2-utils poppler-utils)
FALLBACK_APT_PACKAGES=(rustc-web cargo-web rust-web-src lld-22)

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export PATH="$HOME/.cargo/bin:$PATH"
log() { printf '==> %s\n' "$*"; }
have_deb() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

command -v rustup >/dev/null || { echo "setup: rustup (stable toolchain) is required" >&2; exit 1; }
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ] || ! command -v npm >/dev/null; then
  echo "setup: Node.js >= 20 with npm is required (found ${node_major})" >&2; exit 1
fi

# 1. Debian packages: the browser for end-to-end tests, a C compiler for bundled SQLite.
missing=()
for p in "${APT_PACKAGES[@]}"; do have_deb "$p" || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then log "apt-get install ${missing[*]}"; apt_install "${missing[@]}"; fi
if have_deb binaryen; then
  log "removing Debian binaryen (its wasm-opt 108 produces a wasm that fails to hydrate)"
  DEBIAN_FRONTEND=noninteractive apt-get remove -y -qq binaryen >/dev/null
fi

# 1b. rustfmt and clippy for `make lint` (part of rustup's default profile; added if missing).
for c in rustfmt clippy; do
  rustup component list --installed | grep -q "^$c" || { log "rustup component add $c"; rustup component add "$c"; }
done

# 2. The wasm32 standard library, or Debian's web toolchain when rustup cannot fetch it.
WASM_FALLBACK=0
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "rustup target add wasm32-unknown-unknown"
  if ! rustup target add wasm32-unknown-unknown; then
    log "rustup could not fetch rust-std; installing Debian's web toolchain (build-std fallback)"
    fb=()
    for p in "${FALLBACK_APT_PACKAGES[@]}"; do have_deb "$p" || fb+=("$p"); done
    if [ "${#fb[@]}" -gt 0 ]; then apt_install "${fb[@]}"; fi
    WASM_FALLBACK=1
  fi
fi
echo "$WASM_FALLBACK" > "$ROOT/.wasm-fallback"

# 3. wasm-bindgen CLI equal to the wasm-bindgen crate in Cargo.lock (it rejects other versions).
WB_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' "$ROOT/Cargo.lock")
[ -n "$WB_VERSION" ] || { echo "setup: wasm-bindgen not found in Cargo.lock" >&2; exit 1; }
if [ "$(wasm-bindgen --version 2>/dev/null || true)" != "wasm-bindgen $WB_VERSION" ]; then
  log "cargo install wasm-bindgen-cli $WB_VERSION (about 2-4 min, once)"
  # --locked can fail when its lockfile names a crate version the registry lacks; retry unlocked.
  cargo install wasm-bindgen-cli --version "$WB_VERSION" --locked --force ||
    cargo install wasm-bindgen-cli --version "$WB_VERSION" --force
fi

# 4. wasm-opt for release builds: binaryen's Node build from npm.
if [ "$(wasm-opt --version 2>/dev/null || true)" != "wasm-opt version ${BINARYEN_NPM_VERSION%%.*} (version_${BINARYEN_NPM_VERSION%%.*})" ]; then
  log "npm install -g binaryen@$BINARYEN_NPM_VERSION"
  npm install -g --no-fund --no-audit "binaryen@$BINARYEN_NPM_VERSION" >/dev/null
fi

# 5. Playwright from the lockfile; it never downloads a browser (tests use Debian's chromium).
cd "$ROOT/end2end"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "npm ci in end2end/"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-fund --no-audit >/dev/null
fi
