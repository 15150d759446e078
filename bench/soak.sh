#!/usr/bin/env bash
# Soak benchmark of `cvefeed serve` (release build) on loopback: wrk with
# 1000 connections on /index.json for several minutes, while signed webhook
# deliveries arrive every second and the refreshes they trigger publish new
# generations (the issues file changes every few deliveries), plus the
# scheduled refreshes. Reports the server's RSS over time and wrk's
# latency percentiles, each against a baseline measured in the same run:
# the same wrk load on the idle server (no webhooks, no refreshes).
#
# Bounded: the baseline lasts ${BASELINE:-20s}, the soak ${DURATION:-240s};
# deliveries stop with the soak. Loopback only. Needs wrk (Debian: apt-get
# install wrk), curl and python3.
#   CONNS=1000 THREADS=2 DURATION=240s BASELINE=20s bash bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/.."
duration=${DURATION:-240s} baseline=${BASELINE:-20s} conns=${CONNS:-1000} threads=${THREADS:-2}
for t in wrk curl python3; do
  command -v "$t" >/dev/null || { echo "missing $t (apt-get install wrk curl)"; exit 1; }
done
seconds() { python3 -c 'import sys,re; m=re.fullmatch(r"(\d+)(s|m)?", sys.argv[1]); print(int(m[1])*(60 if m[2]=="m" else 1))' "$1"; }
soak_s=$(seconds "$duration")
# 1000 connections on each side, and then some.
ulimit -n 65536 2>/dev/null || ulimit -n 8192

profile=${PROFILE:-release} # PROFILE=debug only to try the script itself
[ "$profile" = release ] && cargo build --release --quiet -p cvefeed
bin=$PWD/target/$profile/cvefeed

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

secret=soak-benchmark-secret
# 300 issues of our own, in GitHub's shape; version N of the file changes
# the body of issue N % 300.
write_issues() {
  python3 - "$tmp/issues.json" "$1" <<'PY'
import json, sys
path, version = sys.argv[1], int(sys.argv[2])
issues = []
for i in range(300):
    body = f"Soak fixture advisory {i}.\n\nAffected Versions:\n- kubelet v1.30.0 - v1.30.2\n\nFixed Versions:\n- kubelet v1.30.3\n"
    if i == version % 300 and version > 0:
        body += f"\nUpdate {version}.\n"
    issues.append({
        "number": 60000 + i, "title": f"CVE-2031-{6000 + i}: soak fixture {i}", "body": body,
        "html_url": f"https://github.com/kubernetes/kubernetes/issues/{60000 + i}",
        "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
        "state": "closed", "state_reason": "completed", "created_at": "2031-05-01T00:00:00Z",
        "labels": [{"name": "official-cve-feed"}],
    })
tmp = path + ".tmp"
json.dump(issues, open(tmp, "w"))
import os; os.replace(tmp, path)
PY
}
write_issues 0
"$bin" refresh --from-file "$tmp/issues.json" --out "$tmp/public" >/dev/null

CVEFEED_WEBHOOK_SECRET=$secret RUST_LOG=warn "$bin" serve --listen 127.0.0.1:0 \
  --out "$tmp/public" --from-file "$tmp/issues.json" --refresh-interval 30s \
  --reload-interval 10s --webhook-debounce 1s --webhook-max-delay 3s \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
pid=$!
pids+=("$pid")
# shellcheck source=scripts/lib/serve.sh
source scripts/lib/serve.sh
addr=$(listen_address "$tmp/serve.out") || { echo "serve did not start"; cat "$tmp/serve.err"; exit 1; }
base="http://$addr"
wait_for_200 "$base/index.json" || { echo "serve did not become ready"; exit 1; }
rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$pid/status"; }
metric() { curl -s "$base/metrics" | awk -v s="$1" '$1 == s {print $2}' | head -1; }

# Baseline: the same load on the idle server (the first refresh is done).
sleep 2
echo "baseline: wrk -c$conns -t$threads -d$baseline on the idle server"
rss_idle_before=$(rss_kb)
wrk -c"$conns" -t"$threads" -d"$baseline" --latency -H 'Accept-Encoding: gzip' \
  "$base/index.json" >"$tmp/wrk-baseline.txt"
rss_idle_after=$(rss_kb)

# The soak: RSS sampled every 5 s; a signed delivery every second, the
# issues file changing every third one.
echo "soak: wrk -c$conns -t$threads -d$duration with webhooks and refreshes"
start=$(date +%s)
(
  while :; do
    now=$(date +%s); t=$((now - start))
    [ "$t" -gt "$soak_s" ] && break
    echo "$t $(rss_kb)"
    sleep 5
  done
) >"$tmp/rss.txt" &
pids+=("$!")
python3 - "$base" "$secret" "$soak_s" "$tmp/issues.json" "$tmp/hooks.txt" <<'PY' &
import hashlib, hmac, json, subprocess, sys, time, urllib.request, os
base, secret, seconds, issues, log = sys.argv[1], sys.argv[2].encode(), int(sys.argv[3]), sys.argv[4], sys.argv[5]
end = time.time() + seconds
n = 0
codes = {}
while time.time() < end:
    n += 1
    if n % 3 == 0:
        # A new version of the issues: the next refresh publishes.
        data = json.load(open(issues))
        data[n % 300]["body"] += f"\nSoak update {n}.\n"
        json.dump(data, open(issues + ".tmp", "w")); os.replace(issues + ".tmp", issues)
    body = json.dumps({"action": "edited", "issue": {"number": 60000 + n % 300, "updated_at": n,
                       "labels": [{"name": "official-cve-feed"}]},
                       "repository": {"full_name": "kubernetes/kubernetes"}}).encode()
    sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    req = urllib.request.Request(base + "/hooks/github", data=body, method="POST", headers={
        "X-GitHub-Event": "issues", "X-GitHub-Delivery": f"soak-{n}", "X-Hub-Signature-256": sig,
        "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            code = r.status
    except urllib.error.HTTPError as e:
        code = e.code
    except Exception:
        code = "error"
    codes[code] = codes.get(code, 0) + 1
    time.sleep(1)
open(log, "w").write(json.dumps(codes))
PY
hooks_pid=$!
pids+=("$hooks_pid")
wrk -c"$conns" -t"$threads" -d"$duration" --latency -H 'Accept-Encoding: gzip' \
  "$base/index.json" >"$tmp/wrk-soak.txt"
wait "$hooks_pid" || true
sleep 1
rss_end=$(rss_kb)
published=$(metric 'cvefeed_refresh_runs_total{outcome="published"}')
failed=$(metric 'cvefeed_refresh_runs_total{outcome="failed"}')
loaded=$(metric 'cvefeed_feed_reloads_total{outcome="loaded"}')
torn=$(metric 'cvefeed_feed_reloads_total{outcome="failed"}')

python3 - "$tmp" "$rss_idle_before" "$rss_idle_after" "$rss_end" "${published:-0}" "${failed:-0}" "${loaded:-0}" "${torn:-0}" <<'PY'
import json, re, sys
tmp, idle0, idle1, end, published, failed, loaded, torn = sys.argv[1:9]
def wrk(path):
    text = open(path).read()
    pct = {m[0]: m[1] for m in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M)}
    rps = re.search(r"Requests/sec:\s+(\S+)", text)[1]
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    reqs = re.search(r"(\d+) requests in", text)[1]
    return pct, float(rps), int(non2xx[1]) if non2xx else 0, errors[1] if errors else "none", int(reqs)
def ms(v):
    n, unit = float(re.match(r"[\d.]+", v)[0]), re.sub(r"[\d.]", "", v)
    return n * {"us": 0.001, "ms": 1, "s": 1000}[unit]
b, s = wrk(f"{tmp}/wrk-baseline.txt"), wrk(f"{tmp}/wrk-soak.txt")
mib = lambda kb: int(kb) / 1024
print(f"\n== baseline (idle server): {b[4]} requests, {b[1]:.0f} req/s, p50 {b[0]['50']}, p99 {b[0]['99']}, non-2xx {b[2]}, socket errors: {b[3]}")
print(f"   RSS {mib(idle0):.1f} MiB -> {mib(idle1):.1f} MiB")
print(f"== soak: {s[4]} requests, {s[1]:.0f} req/s ({s[1]/b[1]:.2f}x baseline), p50 {s[0]['50']}, "
      f"p99 {s[0]['99']} ({ms(s[0]['99'])/ms(b[0]['99']):.2f}x baseline), non-2xx {s[2]}, socket errors: {s[3]}")
print(f"   refreshes published {published}, failed {failed}; reloads loaded {loaded}, refused (torn) {torn}; "
      f"webhook answers {open(tmp + '/hooks.txt').read()}")
print("   RSS over time (s, MiB):")
rows = [l.split() for l in open(f"{tmp}/rss.txt") if l.strip()]
print("   " + "  ".join(f"{t}:{mib(kb):.1f}" for t, kb in rows))
peak = max(int(kb) for _, kb in rows)
print(f"   peak {mib(peak):.1f} MiB ({peak/int(idle1):.2f}x the idle RSS after the baseline), at the end {mib(end):.1f} MiB")
PY
