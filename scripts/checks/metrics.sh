#!/usr/bin/env bash
# Start `cvefeed serve` on a fixture store (published by the real pipeline
# from a fixture issues file), exercise its routes, and check /metrics with
# `promtool check metrics`; also require every documented metric family.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
# shellcheck source=scripts/lib/serve.sh
source scripts/lib/serve.sh
promtool=$(command -v promtool || echo /usr/bin/promtool)
[ -x "$promtool" ] || { echo "promtool not found (need_apt prometheus)"; exit 1; }

tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

cat > "$tmp/issues.json" <<'JSON'
[
  {"number": 9001, "title": "CVE-2031-9001: Metrics fixture advisory", "body": "A fixture advisory for the metrics check.",
   "html_url": "https://github.com/kubernetes/kubernetes/issues/9001",
   "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
   "state": "closed", "state_reason": "completed", "created_at": "2031-01-02T03:04:05Z",
   "labels": [{"name": "official-cve-feed"}]},
  {"number": 9002, "title": "CVE-2031-9002: Second metrics fixture", "body": "Another fixture advisory.",
   "html_url": "https://github.com/kubernetes/kubernetes/issues/9002",
   "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
   "state": "open", "state_reason": null, "created_at": "2031-02-03T04:05:06Z",
   "labels": [{"name": "official-cve-feed"}]}
]
JSON

CVEFEED_WEBHOOK_SECRET=metrics-check "$bin" serve --listen 127.0.0.1:0 --out "$tmp/public" \
  --from-file "$tmp/issues.json" --refresh-interval 1h >"$tmp/stdout" 2>"$tmp/stderr" &
pid=$!
addr=$(listen_address "$tmp/stdout") || { echo "serve did not start:"; cat "$tmp/stderr"; exit 1; }
base="http://$addr"
wait_for_200 "$base/readyz" || { echo "serve never became ready:"; cat "$tmp/stderr"; exit 1; }

curl -fsS -o /dev/null "$base/index.json"
curl -fsS -o /dev/null -H 'Accept-Encoding: gzip' "$base/index.json"
# Every object the manifest lists (OSV records among them, once rendered).
for name in $(python3 -c 'import json,sys; print(" ".join(json.load(sys.stdin)["objects"]))' <"$tmp/public/manifest.json"); do
  curl -fsS -o /dev/null "$base/$name"
done
curl -sS -o /dev/null "$base/does/not/exist"
curl -sS -o /dev/null -X POST -H 'X-GitHub-Event: ping' -H 'X-Hub-Signature-256: sha256=00' \
  --data '{}' "$base/hooks/github"
curl -fsS -D "$tmp/metrics.head" "$base/metrics" >"$tmp/metrics.txt"
grep -qi '^content-type: text/plain; version=0.0.4' "$tmp/metrics.head" || { echo "classic text format not served by default"; exit 1; }

echo "promtool check metrics:"
if ! "$promtool" check metrics <"$tmp/metrics.txt"; then
  echo "promtool rejected /metrics:"; cat "$tmp/metrics.txt"; exit 1
fi

missing=0
for family in cvefeed_refresh_runs_total cvefeed_refresh_duration_seconds cvefeed_github_not_modified_total \
  cvefeed_feed_items cvefeed_last_success_age_seconds \
  cvefeed_last_success_timestamp_seconds cvefeed_http_requests_total cvefeed_webhook_deliveries_total \
  cvefeed_feed_reloads_total; do
  grep -q "^# TYPE $family " "$tmp/metrics.txt" || { echo "missing metric family $family"; missing=1; }
done
for series in 'cvefeed_refresh_runs_total{outcome="published"} 1' 'cvefeed_feed_items 2' \
  'cvefeed_http_requests_total{route="/index.json",status="200"} 3' \
  'cvefeed_http_requests_total{route="unmatched",status="404"} 1' \
  'cvefeed_webhook_deliveries_total{outcome="bad_signature"} 1'; do
  grep -qF "$series" "$tmp/metrics.txt" || { echo "missing series: $series"; missing=1; }
done
# Offline (--from-file), GitHub never answered: no rate-limit value is made up.
if grep -q 'cvefeed_github_rate_limit_remaining' "$tmp/metrics.txt"; then
  echo "cvefeed_github_rate_limit_remaining is shown before GitHub has answered"; missing=1
fi
if [ "$missing" -ne 0 ]; then cat "$tmp/metrics.txt"; exit 1; fi

# Prometheus asks for OpenMetrics and gets it.
curl -fsS -D "$tmp/om.head" -H 'Accept: application/openmetrics-text; version=1.0.0' "$base/metrics" >"$tmp/om.txt"
grep -qi '^content-type: application/openmetrics-text' "$tmp/om.head" || { echo "no OpenMetrics content type"; cat "$tmp/om.head"; exit 1; }
[ "$(tail -n 1 "$tmp/om.txt")" = "# EOF" ] || { echo "OpenMetrics output does not end with # EOF"; exit 1; }
echo "metrics ok ($(grep -c '^cvefeed_' "$tmp/metrics.txt") samples)"
