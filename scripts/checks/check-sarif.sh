#!/usr/bin/env bash
# Validate `cvefeed check --format sarif` with Microsoft's SARIF multitool
# (JSON schema of SARIF 2.1.0 plus its rule checks). Fails on any
# error-level finding. First proves that the validator rejects a broken log.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
tool=.tools/npm/node_modules/.bin/sarif-multitool
[ -x "$tool" ] || { echo "missing $tool: run scripts/setup.sh"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

errors_in() { # log of the validator -> number of error-level results
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sum(1 for r in d["runs"][0].get("results") or [] if r.get("level") == "error"))' "$1"
}

# A hand-made feed: one affected CVE, one without ranges, one not affecting.
cat > "$work/index.json" <<'JSON'
{"version": "https://jsonfeed.org/version/1.1", "title": "check-sarif", "items": [
 {"id": "CVE-2031-9001", "url": "https://example.test/1", "summary": "made-up kubelet problem", "content_text": "",
  "_kubernetes_io": {"severity": "HIGH", "cvss_score": 8.1,
   "affected": [{"component": "kubelet", "package": "k8s.io/kubelet", "introduced": "1.29.0", "fixed": "1.29.4"}]}},
 {"id": "CVE-2031-9002", "url": "https://example.test/2", "summary": "no ranges", "content_text": "", "_kubernetes_io": {"affected": []}},
 {"id": "CVE-2031-9003", "url": "https://example.test/3", "summary": "old", "content_text": "",
  "_kubernetes_io": {"severity": "LOW", "affected": [{"component": "kube-apiserver", "fixed": "1.20.0"}]}}
]}
JSON

# The validator must reject a broken log.
echo '{"version": "9.9.9", "runs": [{"tool": {}}]}' > "$work/broken.sarif"
"$tool" validate "$work/broken.sarif" --output "$work/broken.log" >/dev/null 2>&1 || true
if [ ! -s "$work/broken.log" ] || [ "$(errors_in "$work/broken.log")" -eq 0 ]; then
  echo "FAIL: the SARIF validator did not reject a broken log"
  exit 1
fi

status=0
for all in "" "--all"; do
  out="$work/check$all.sarif"
  rc=0
  "$bin" check --feed "$work/index.json" --version v1.29.1-eks-abc --format sarif $all > "$out" || rc=$?
  if [ "$rc" -ne 1 ]; then echo "FAIL: expected exit 1 (affected), got $rc"; status=1; fi
  "$tool" validate "$out" --output "$out.log" >/dev/null 2>&1 || true
  n=$(errors_in "$out.log")
  if [ "$n" -ne 0 ]; then
    echo "FAIL: $n SARIF error(s) in check output $all:"
    python3 -c 'import json,sys; [print(" ", r["ruleId"], r["message"].get("text") or r["message"].get("arguments")) for r in json.load(open(sys.argv[1]))["runs"][0]["results"] if r.get("level") == "error"]' "$out.log"
    status=1
  else
    echo "ok: check --format sarif $all is valid SARIF 2.1.0"
  fi
done
exit $status
