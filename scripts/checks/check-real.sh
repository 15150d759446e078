#!/usr/bin/env bash
# `cvefeed check` on the real issues of shared/: publish them, check four
# Kubernetes versions and a fake cluster on loopback (scripts/checks/check/
# fake_cluster.py: /version, nodes, and pods running ingress-nginx v1.11.4),
# and hold the output to the issue's promises: no line wider than 100
# columns, the remediation of 1.30.0 equal to the feed's fixed versions, the
# ingress-nginx CVEs that cover 1.11.4 affected. Prints the figures (counts,
# remediation lines, unknown reasons) for the record. The real data is never
# copied into the project: without it this check is skipped (fails under
# CI=true).
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
shared=${CVEFEED_SHARED:-$root/../shared}
issues=$shared/data/real/github_issues.json
optional_input check-real "$issues" "cvefeed check on the real issues" || exit 0
work=$(mktemp -d)
server=
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
export CVEFEED_CACHE_DIR=$work/cache

"$bin" refresh --from-file "$issues" --out "$work/pub" >/dev/null 2>&1
status=0
fail() { echo "check-real: FAILED: $*"; status=1; }

for v in 1.24.0 1.27.1 1.30.0 1.32.2; do
  rc=0
  "$bin" check --feed "$work/pub" --version "$v" >"$work/$v.txt" || rc=$?
  "$bin" check --feed "$work/pub" --version "$v" --format json >"$work/$v.json" || true
  [ "$rc" -le 1 ] || fail "check --version $v exited $rc"
  wide=$(awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }' "$work/$v.txt")
  [ "$wide" -le 100 ] || fail "check --version $v printed a line of $wide columns"
  echo "== $v (exit $rc, widest line $wide)"
  python3 - "$work/$v.json" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
s = doc["summary"]
print(f"  affected {s['affected']}, unknown {s['unknown']}, not affected {s['not_affected']}")
for m in doc["remediation"]:
    print(f"  remediation: {m['component']} {m['installed']}: upgrade_to={m['upgrade_to']} "
          f"fixes={len(m['fixes'])} unfixed={m['unfixed']} not_stated={m['fix_not_stated']}")
reasons = {}
for r in doc["results"]:
    if r["verdict"] == "unknown":
        key = r["unknown_reason"]
        if key == "component_not_found":
            key += ": " + r["reason"].split(",")[0].removeprefix("concerns ")
        reasons.setdefault(key, set()).add(r["id"])
for k, ids in sorted(reasons.items()):
    print(f"  unknown: {k}: {len(ids)}")
PY
  sed -n '/^Remediation:/,/^$/p' "$work/$v.txt" | sed 's/^/  | /'
done

# 1.30.0: the remediation must agree with the feed's own fixed versions.
python3 - "$work/1.30.0.json" "$work/pub/index.json" <<'PY' || status=1
import json, sys
report, feed = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
def key(v): return tuple(int(x) for x in v.split("-")[0].split("."))
for m in report["remediation"]:
    wanted = []
    for item in feed["items"]:
        if item["id"] not in m["fixes"]:
            continue
        fixes = [a["fixed"] for a in item["_kubernetes_io"]["affected"]
                 if a.get("fixed") and a["fixed"].startswith("1.30.")]
        if not fixes:
            print(f"check-real: FAILED: {item['id']} has no 1.30 fix in the feed"); sys.exit(1)
        wanted.append(min(fixes, key=key))
    if wanted and m["upgrade_to"] != max(wanted, key=key):
        print(f"check-real: FAILED: {m['component']}: upgrade_to {m['upgrade_to']}, the feed says {max(wanted, key=key)}")
        sys.exit(1)
print("  remediation of 1.30.0 matches the feed's fixed versions")
PY

# A cluster: /version, nodes and pods on loopback.
for mode in pods forbid-pods; do
  python3 scripts/checks/check/fake_cluster.py "$mode" >"$work/port" &
  server=$!
  for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
  port=$(cat "$work/port")
  cat >"$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters: [{name: fake, cluster: {server: "http://127.0.0.1:$port"}}]
users: [{name: check, user: {token: not-a-secret}}]
contexts: [{name: fake, context: {cluster: fake, user: check}}]
current-context: fake
KC
  rc=0
  "$bin" check --feed "$work/pub" --kubeconfig "$work/kubeconfig" --format json >"$work/cluster.json" 2>"$work/cluster.err" || rc=$?
  "$bin" check --feed "$work/pub" --kubeconfig "$work/kubeconfig" >"$work/cluster.txt" 2>&1 || true
  kill "$server"; wait "$server" 2>/dev/null || true; server=
  echo "== fake cluster ($mode, exit $rc)"
  python3 - "$work/cluster.json" "$mode" <<'PY' || status=1
import json, sys
doc, mode = json.load(open(sys.argv[1])), sys.argv[2]
ingress = sorted({r["id"] for r in doc["results"]
                  if r["component"] == "ingress-nginx" and r["verdict"] == "affected"})
print("  targets:", ", ".join(f"{t['name']} {t['version']}" for t in doc["targets"]))
print(f"  ingress-nginx affected ({len(ingress)}):", ", ".join(ingress))
for m in doc["remediation"]:
    print(f"  remediation: {m['component']} {m['installed']}: upgrade_to={m['upgrade_to']} fixes={len(m['fixes'])}")
for w in doc["warnings"]:
    print("  warning:", w)
if mode == "pods" and "CVE-2025-1974" not in ingress:
    print("check-real: FAILED: CVE-2025-1974 is not affected for ingress-nginx 1.11.4"); sys.exit(1)
if mode == "forbid-pods" and not any("cannot list pods" in w for w in doc["warnings"]):
    print("check-real: FAILED: no warning for the forbidden pod list"); sys.exit(1)
PY
  [ "$rc" -eq 1 ] || fail "check on the fake cluster ($mode) exited $rc"
done
[ "$status" -eq 0 ] && echo "check-real: ok"
exit $status
