#!/usr/bin/env bash
# Benchmark: publish 10,000 synthetic items to the loopback S3 server, then
# change one item and publish again, then run once more unchanged. Prints
# objects written (from the run summary's `written` list) and wall times,
# and the times as ratios of the first run, measured in the same run.
#
#   bash bench/publish-s3.sh            # starts moto itself if needed
#   ITEMS=2000 bash bench/publish-s3.sh
#   CVEFEED_BIN=target/release/cvefeed bash bench/publish-s3.sh
set -euo pipefail
cd "$(dirname "$0")/.."
items=${ITEMS:-10000}
bin=${CVEFEED_BIN:-}
if [ -z "$bin" ]; then
  if [ -x target/release/cvefeed ]; then bin=target/release/cvefeed; else
    cargo build --quiet; bin=target/debug/cvefeed; fi
fi
echo "binary: $bin"

cleanups=()
trap 'for c in "${cleanups[@]}"; do eval "$c" || true; done' EXIT
if [ -z "${CVEFEED_TEST_S3_ENDPOINT:-}" ]; then
  bash scripts/setup.sh
  # shellcheck source=/dev/null
  source scripts/services.d/s3.sh
fi
endpoint=$CVEFEED_TEST_S3_ENDPOINT
bucket="cvefeed-bench-$$"
curl -fsS -X PUT "$endpoint/$bucket" -o /dev/null

work=$(mktemp -d)
cleanups+=("rm -rf $work")
gen() { # $1 = file, $2 = marker for item 1
  python3 - "$1" "$items" "$2" <<'PY'
import json, sys
path, n, marker = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = []
for i in range(1, n + 1):
    out.append({
        "number": 100000 + i,
        "title": f"CVE-2031-{10000 + i}: synthetic flaw {i}" + (f" {marker}" if i == 1 else ""),
        "body": f"Synthetic advisory {i} for the benchmark.\n",
        "html_url": f"https://github.com/kubernetes/kubernetes/issues/{100000 + i}",
        "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
        "state": "closed", "state_reason": "completed",
        "created_at": f"2031-{1 + i % 12:02d}-{1 + i % 28:02d}T00:00:00Z",
        "labels": [{"name": "official-cve-feed"}],
    })
json.dump(out, open(path, "w"))
PY
}

run() { # $1 = label; prints "label seconds written"
  local start end
  start=$(date +%s.%N)
  "$bin" refresh --json --from-file "$work/issues.json" --out "s3://$bucket/bench" \
    --out-option "aws_endpoint=$endpoint" --out-option aws_allow_http=true \
    --out-option aws_access_key_id=bench --out-option aws_secret_access_key=bench \
    --out-option aws_region=us-east-1 >"$work/$1.json" 2>"$work/$1.log"
  end=$(date +%s.%N)
  python3 - "$1" "$start" "$end" "$work/$1.json" <<'PY'
import json, sys
label, start, end, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
s = json.load(open(path))
print(f"{label} {end - start:.3f} {len(s['written'])} {s['outcome']} {','.join(s['written'][:12])}")
PY
}

gen "$work/issues.json" ""
first=$(run first)
gen "$work/issues.json" "(updated)"
one=$(run one-change)
same=$(run unchanged)

python3 - "$items" "$first" "$one" "$same" <<'PY'
import sys
items = sys.argv[1]
rows = [r.split(" ", 4) for r in sys.argv[2:]]
base = float(rows[0][1])
print(f"publish of {items} items to S3 (moto on loopback)")
print(f"{'run':<12} {'outcome':<10} {'objects written':>15} {'time / first run':>17}")
for label, secs, written, outcome, names in rows:
    print(f"{label:<12} {outcome:<10} {written:>15} {float(secs) / base:>17.3f}")
print(f"first run wall time: {base:.2f}s (absolute, for scale only)")
for label, secs, written, outcome, names in rows[1:]:
    print(f"{label} wrote: {names}")
PY
