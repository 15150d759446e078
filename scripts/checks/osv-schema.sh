#!/usr/bin/env bash
# Validate every published OSV record against the official OSV JSON schema,
# for records made from the body fixtures and, when present, from the real
# issues in shared/. The schema lives in ${CVEFEED_SHARED:-../shared} (never
# copied into the project); without it the check is skipped with a notice,
# or fails under CI=true.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
shared=${CVEFEED_SHARED:-$root/../shared}
schema=$shared/data/schemas/osv-schema.json
optional_input osv-schema "$schema" "OSV records against the official OSV schema" || exit 0
validator=$root/.tools/venv/bin/check-jsonschema
[ -x "$validator" ] || { echo "osv-schema: $validator missing (run scripts/setup.sh)"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# An issues file made from the body fixtures: one closed issue per fixture,
# plus one issue announcing two CVEs.
python3 - "$root/crates/cvefeed-model/tests/fixtures/bodies" "$work/fixtures.json" <<'PY'
import json, os, sys
src, out = sys.argv[1], sys.argv[2]
issues = []
for n, name in enumerate(sorted(f for f in os.listdir(src) if f.endswith(".md"))):
    with open(os.path.join(src, name), newline="") as f:
        body = f.read()
    title = f"CVE-2031-{3000 + n}: fixture {name}"
    if n == 0:
        title = f"CVE-2031-2999, CVE-2031-{3000 + n}: fixture {name}"
    issues.append({
        "number": 9000 + n, "title": title, "body": body,
        "html_url": f"https://github.com/kubernetes/kubernetes/issues/{9000 + n}",
        "state": "closed", "state_reason": "completed",
        "created_at": f"2031-04-{1 + n % 28:02d}T10:00:00Z",
        "labels": [{"name": "official-cve-feed"}],
    })
json.dump(issues, open(out, "w"))
PY

failed=0
validate() { # name issues-file
  local out=$work/$1
  "$bin" refresh --from-file "$2" --out "$out" >/dev/null
  mapfile -t records < <(find "$out/osv/" -name 'CVE-*.json' | sort)
  if [ "${#records[@]}" -eq 0 ]; then
    echo "osv-schema: $1: no OSV records were published"; failed=1; return
  fi
  if "$validator" --schemafile "$schema" "${records[@]}"; then
    echo "osv-schema: $1: ${#records[@]} records valid"
  else
    echo "osv-schema: $1: records failed the OSV schema"; failed=1
  fi
  local in_zip
  in_zip=$(python3 -c 'import sys, zipfile; print(len(zipfile.ZipFile(sys.argv[1]).namelist()))' "$out/osv/all.zip")
  if [ "$in_zip" != "${#records[@]}" ]; then
    echo "osv-schema: $1: all.zip holds $in_zip records, expected ${#records[@]}"; failed=1
  fi
}
validate fixtures "$work/fixtures.json"
real=$shared/data/real/github_issues.json
if optional_input osv-schema "$real" "the OSV records of the real issues"; then
  validate real "$real"
fi
exit "$failed"
