#!/usr/bin/env bash
# Run every test of cvefeed: install the external validators and servers the
# tests use, start the servers, run `cargo test`, then the format validators.
# Safe to run again: installs are skipped when already present.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/setup.sh

# Servers the Rust tests talk to (S3-compatible store, ...). Each script in
# services.d starts one, exports the variables the tests read, and appends
# its cleanup to the services_cleanup function.
cleanups=()
services_cleanup() { for c in "${cleanups[@]}"; do eval "$c" || true; done; }
trap services_cleanup EXIT
for s in scripts/services.d/*.sh; do
  [ -e "$s" ] || continue
  # shellcheck source=/dev/null
  source "$s"
done

echo "== cargo test"
cargo test --all-targets --locked

echo "== format validators"
export CVEFEED_BIN="$root/target/debug/cvefeed"
failed=0
for c in scripts/checks/*.sh; do
  [ -e "$c" ] || continue
  echo "-- $c"
  if bash "$c"; then echo "ok: $c"; else echo "FAILED: $c"; failed=$((failed + 1)); fi
done
if [ "$failed" -ne 0 ]; then
  echo "$failed validator check(s) failed"
  exit 1
fi
echo "all checks passed"
