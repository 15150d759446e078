#!/usr/bin/env bash
# Run every test of cvefeed: install the external validators and servers the
# tests use, check style (rustfmt, clippy, rustdoc), start the servers, run
# `cargo test` (including the tests marked as needing a server), then the
# format validators. Safe to run again: installs are skipped when present.
# Under CI=true an input that is missing (the shared schemas and real data)
# fails the run; elsewhere it is reported as skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

bash scripts/setup.sh

echo "== style: cargo fmt --check, clippy, rustdoc"
cargo fmt --all --check
cargo clippy --workspace --all-targets --all-features --locked -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --locked --quiet

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
# Tests marked #[ignore = "needs the S3 test server"] run too: the server
# was started above.
cargo test --workspace --all-targets --locked -- --include-ignored

echo "== format validators"
export CVEFEED_BIN="$root/target/debug/cvefeed"
CVEFEED_SKIPPED=$(mktemp)
export CVEFEED_SKIPPED
# A check that exits 0 after recording a skipped part in $CVEFEED_SKIPPED
# did not run in full: it counts as skipped, never as passed.
passed=0 failed=0 skipped=0
for c in scripts/checks/*.sh; do
  [ -e "$c" ] || continue
  echo "-- $c"
  parts=$(wc -l <"$CVEFEED_SKIPPED")
  if ! bash "$c"; then
    echo "FAILED: $c"; failed=$((failed + 1))
  elif [ "$(wc -l <"$CVEFEED_SKIPPED")" -ne "$parts" ]; then
    echo "SKIPPED (in whole or in part): $c"; skipped=$((skipped + 1))
  else
    echo "ok: $c"; passed=$((passed + 1))
  fi
done
if [ -s "$CVEFEED_SKIPPED" ]; then
  echo "== skipped (their inputs or tools are missing here; these parts did not run):"
  sed 's/^/  /' "$CVEFEED_SKIPPED"
fi
rm -f "$CVEFEED_SKIPPED"
echo "validators: $passed passed, $failed failed, $skipped skipped"
if [ "$failed" -ne 0 ]; then
  exit 1
fi
if [ "$skipped" -ne 0 ]; then
  echo "no check failed, but $skipped were skipped in whole or in part: not every check ran"
else
  echo "all checks passed"
fi
