#!/usr/bin/env bash
# index.json validates as JSON Feed 1.1: against the npm jsonfeed-schema
# (ajv) and, where ../shared exists, against the schema validator.jsonfeed.org
# uses, which rejects unknown keys that do not start with "_". A feed with an
# unknown key must fail, so the validators are shown to be strict.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
ajv=.tools/npm/node_modules/.bin/ajv
npm_schema=.tools/npm/node_modules/jsonfeed-schema/schema-v1.1.json
shared=${CVEFEED_SHARED:-../shared}
strict_schema=$shared/data/schemas/jsonfeed-validator-schema.json
have_strict=0
optional_input jsonfeed "$strict_schema" "feeds against the strict validator.jsonfeed.org schema" && have_strict=1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

validate() { # file, expect (pass|fail)
  local file=$1 expect=$2 ok=1
  "$ajv" validate --spec=draft7 --strict=false -c ajv-formats -s "$npm_schema" -d "$file" >"$work/ajv.log" 2>&1 || ok=0
  if [ "$have_strict" -eq 1 ]; then
    .tools/venv/bin/check-jsonschema --schemafile "$strict_schema" "$file" >"$work/strict.log" 2>&1 || ok=0
  fi
  if { [ "$expect" = pass ] && [ "$ok" -eq 0 ]; } || { [ "$expect" = fail ] && [ "$ok" -eq 1 ] && [ "$have_strict" -eq 1 ]; }; then
    echo "jsonfeed: $file expected to $expect validation"
    cat "$work/ajv.log" "$work/strict.log" 2>/dev/null || true
    exit 1
  fi
}

inputs=(examples/issues.json crates/cvefeed/tests/fixtures/issues/tricky-titles.json)
if optional_input jsonfeed "$shared/data/real/github_issues.json" "the feed of the real issues"; then
  inputs+=("$shared/data/real/github_issues.json")
fi
for input in "${inputs[@]}"; do
  out="$work/$(basename "$input" .json)"
  RUST_LOG=error "$bin" refresh --from-file "$input" --out "$out" >/dev/null
  validate "$out/index.json" pass
  echo "jsonfeed: $input -> valid JSON Feed 1.1 ($(python3 -c 'import json,sys;print(len(json.load(open(sys.argv[1]))["items"]))' "$out/index.json") items)"
done

# Negative control: an unknown non-underscore item key must be rejected.
python3 - "$out/index.json" "$work/bad.json" <<'PY'
import json, sys
feed = json.load(open(sys.argv[1]))
feed["items"][0]["status"] = "fixed"   # the upstream defect
json.dump(feed, open(sys.argv[2], "w"))
PY
validate "$work/bad.json" fail
if [ "$have_strict" -eq 1 ]; then
  echo "jsonfeed: a feed with an unknown item key is rejected"
fi
