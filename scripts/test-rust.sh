#!/usr/bin/env bash
# Every Rust test, per package (`cargo test --workspace` would build `app` with both
# `ssr` and `hydrate`). PostgreSQL tests must run: a run where none passed fails.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
export PATH="$HOME/.cargo/bin:$PATH"
export TEST_DATABASE_URL="${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export WARDPAY_REQUIRE_POSTGRES=1

if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "==> starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set -o pipefail
# One invocation, so that every package sees one feature set and dependencies build once
# (`app` gets `ssr` through `server`; `vietqr` gets `cli` the same way).
cargo test -p app -p bankfeed -p vietqr -p migrations -p server 2>&1 | tee -a "$log"
# Test names are `[file::]postgres::what_it_checks` (the server's are one binary, by file).
passed_pg=$(grep -cE '^test ([a-z_]+::)?postgres(_only)?::[a-z0-9_:]+ \.\.\. ok$' "$log" || true)
echo "==> PostgreSQL tests passed: $passed_pg"
if [ "$passed_pg" -eq 0 ]; then
  echo "error: no PostgreSQL test ran" >&2
  exit 1
fi
