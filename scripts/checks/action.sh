#!/usr/bin/env bash
# The GitHub Action (action.yml) and the Pages workflow example
# (examples/github-pages.yml):
#   1. check-jsonschema against its vendored schemas: vendor.github-actions,
#      vendor.github-workflows and custom.github-workflows-require-timeout;
#      a broken action and a broken workflow must be rejected (the validator
#      is not a no-op);
#   2. every run: script is shellchecked, and takes its inputs through env:
#      (no ${{ }} pasted into a script);
#   3. the scripts are run here with $CVEFEED_BIN, as the runner would run them:
#      - the action's check step, with a published example feed: SARIF with
#        results, exit-code/report outputs, 0/1 by fail-on; no input → error;
#      - the workflow's refresh step against a fake GitHub API on loopback,
#        then its "download from the live site" step against the published
#        site served on loopback, then refresh again: unchanged, so the state
#        carried through the live site keeps the dates; the site step leaves
#        no hidden files.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
name=action
cj=$root/.tools/venv/bin/check-jsonschema
py=$root/.tools/venv/bin/python
[ -x "$cj" ] || cannot_run $name "action.yml and examples/github-pages.yml" "check-jsonschema is not installed (bash scripts/setup.sh)"
command -v shellcheck >/dev/null || cannot_run $name "the run: scripts" "shellcheck is not installed (Debian shellcheck)"

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

echo "== schemas"
"$cj" --builtin-schema vendor.github-actions action.yml
"$cj" --builtin-schema vendor.github-workflows examples/github-pages.yml
"$cj" --builtin-schema custom.github-workflows-require-timeout examples/github-pages.yml
# A composite step with run: but no shell, and a job with no runs-on: both invalid.
sed 's/^      shell: bash$//' action.yml >"$tmp/broken-action.yml"
sed 's/^    runs-on: ubuntu-latest$//' examples/github-pages.yml >"$tmp/broken-workflow.yml"
if "$cj" --builtin-schema vendor.github-actions "$tmp/broken-action.yml" >/dev/null 2>&1; then
  echo "$name: a composite action whose run steps have no shell was accepted"; exit 1
fi
if "$cj" --builtin-schema vendor.github-workflows "$tmp/broken-workflow.yml" >/dev/null 2>&1; then
  echo "$name: a workflow job without runs-on was accepted"; exit 1
fi
echo "the schemas reject an action step without shell and a job without runs-on"

echo "== run: scripts"
# Each run: block to $tmp/scripts/<file>-<n>-<step>.sh, with its step's env.
"$py" - "$tmp/scripts" action.yml examples/github-pages.yml <<'PY'
import os, re, sys, yaml
out = sys.argv[1]
os.makedirs(out)
bad = []
for path in sys.argv[2:]:
    doc = yaml.safe_load(open(path))
    steps = doc["runs"]["steps"] if "runs" in doc else [s for j in doc["jobs"].values() for s in j["steps"]]
    for i, step in enumerate(steps):
        if "run" not in step:
            continue
        if "${{" in step["run"]:
            bad.append(f"{path}: step {step.get('name', i)} pastes ${{{{ }}}} into its script")
        slug = re.sub(r"[^a-z0-9]+", "-", step.get("name", str(i)).lower()).strip("-")
        base = os.path.basename(path).split(".")[0]
        with open(os.path.join(out, f"{base}-{i}-{slug}.sh"), "w") as f:
            f.write("#!/usr/bin/env bash\n")
            for k in list(doc.get("env", {})) + list(step.get("env", {})):
                f.write(f": \"${{{k}?}}\"\n")  # declared by the step's or the workflow's env:
            f.write(step["run"])
if bad:
    sys.exit("\n".join(bad))
PY
for s in "$tmp"/scripts/*.sh; do
  if ! shellcheck -s bash "$s"; then
    echo "$name: shellcheck failed for $(basename "$s")"; exit 1
  fi
done
echo "shellcheck: $(find "$tmp/scripts" -name '*.sh' | wc -l) run: scripts clean, none pastes \${{ }}"

script() { local f; f=$(compgen -G "$tmp/scripts/$1.sh" | head -n 1); [ -n "$f" ] || { echo "$name: no run: script $1" >&2; exit 1; }; echo "$f"; }

echo "== the action's check step, run"
"$bin" refresh --from-file examples/issues.json --out "$tmp/feed" >/dev/null 2>&1
check_step=$(script action-*-cvefeed-check)
run_check() { # fail-on version kubeconfig -> sets status, output file in $tmp/out
  : >"$tmp/gh_output"
  status=0
  (cd "$tmp" && env CVEFEED="$bin" GITHUB_OUTPUT="$tmp/gh_output" INPUT_VERSION="$2" INPUT_KUBECONFIG="$3" \
    INPUT_CONTEXT="" INPUT_FEED="$tmp/feed" INPUT_FAIL_ON="$1" INPUT_FORMAT=sarif INPUT_OUTPUT=report.sarif \
    bash "$check_step" >"$tmp/step.out" 2>&1) || status=$?
}
run_check any "1.20.0 ingress-nginx=1.0.0" ""
if [ "$status" -ne 0 ]; then echo "$name: the check step failed (exit $status):"; cat "$tmp/step.out"; exit 1; fi
grep -qx 'exit-code=1' "$tmp/gh_output" || { echo "$name: exit-code output:"; cat "$tmp/gh_output"; exit 1; }
grep -qx 'report=report.sarif' "$tmp/gh_output" || { echo "$name: no report output"; exit 1; }
grep -q '^::warning title=cvefeed::' "$tmp/step.out" || { echo "$name: no warning annotation for an affected target"; exit 1; }
"$py" - "$tmp/report.sarif" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
assert s["version"] == "2.1.0", s.get("version")
results = s["runs"][0]["results"]
fails = [r for r in results if r.get("kind") == "fail"]
assert fails, "no affected result in the SARIF report"
print(f"check step (version 1.20.0, fail-on any): exit-code=1, SARIF 2.1.0 with {len(results)} results, "
      f"{len(fails)} affected: {', '.join(sorted({r['ruleId'] for r in fails}))}")
PY
run_check critical "1.20.0" ""
grep -qx 'exit-code=0' "$tmp/gh_output" || { echo "$name: fail-on critical should give exit-code 0:"; cat "$tmp/gh_output" "$tmp/step.out"; exit 1; }
echo "check step (fail-on critical): exit-code=0"
run_check any "" ""
[ "$status" -eq 2 ] && grep -q '^::error title=cvefeed::give the input version or kubeconfig' "$tmp/step.out" ||
  { echo "$name: no version and no kubeconfig should fail with an error annotation (exit $status)"; cat "$tmp/step.out"; exit 1; }
echo "check step (no version, no kubeconfig): exit 2 with an error annotation"

echo "== the Pages workflow's steps, run"
# A fake GitHub API: the example issues, with an ETag.
cat >"$tmp/fake_github.py" <<'PY'
import http.server, sys
body = open(sys.argv[2], "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if not self.path.startswith("/repos/kubernetes/kubernetes/issues"):
            self.send_response(404); self.end_headers(); return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304); self.send_header("ETag", '"v1"'); self.end_headers(); return
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
s = http.server.HTTPServer(("127.0.0.1", 0), H)
print(s.server_address[1], flush=True)
s.serve_forever()
PY
python3 "$tmp/fake_github.py" 0 examples/issues.json >"$tmp/gh.port" &
pids+=($!)
for _ in $(seq 1 50); do [ -s "$tmp/gh.port" ] && break; sleep 0.1; done
mkdir -p "$tmp/home/.cvefeed/bin" "$tmp/run1" "$tmp/run2"
ln -s "$bin" "$tmp/home/.cvefeed/bin/cvefeed"
refresh_step=$(script github-pages-*-refresh)
download_step=$(script github-pages-*-or-download-it-from-the-live-site)
site_step=$(script github-pages-*-prepare-the-site)
wf_env=(HOME="$tmp/home" CVEFEED_REF=unused FEED_REPOS=kubernetes/kubernetes LABEL=official-cve-feed GITHUB_TOKEN=
  CVEFEED_GITHUB_API_URL="http://127.0.0.1:$(cat "$tmp/gh.port")")
(cd "$tmp/run1" && env "${wf_env[@]}" GITHUB_OUTPUT="$tmp/run1/out" BASE_URL="http://127.0.0.1:1/site" bash "$refresh_step" >"$tmp/run1/log" 2>&1) ||
  { echo "$name: the refresh step failed:"; cat "$tmp/run1/log"; exit 1; }
grep -qx 'outcome=published' "$tmp/run1/out" || { echo "$name: first refresh:"; cat "$tmp/run1/out" "$tmp/run1/log"; exit 1; }
(cd "$tmp/run1" && env "${wf_env[@]}" bash "$site_step")
hidden=$(cd "$tmp/run1/site" && find . -name '.*' ! -name .)
[ -z "$hidden" ] || { echo "$name: the site holds hidden files: $hidden"; exit 1; }
[ -f "$tmp/run1/site/index.json" ] && [ -f "$tmp/run1/site/manifest.json" ] || { echo "$name: the site lacks the feed"; exit 1; }
echo "refresh step against a fake GitHub: $(grep -E "^(published|unchanged)" "$tmp/run1/log"); site without hidden files: $(find "$tmp/run1/site" -type f | wc -l) files"
# The live site, served; a fresh runner with no cache downloads it, refreshes: unchanged.
python3 -m http.server --bind 127.0.0.1 --directory "$tmp/run1/site" 0 >"$tmp/site.log" 2>&1 &
pids+=($!)
site_port=""
for _ in $(seq 1 50); do
  site_port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$tmp/site.log" | head -n 1)
  [ -n "$site_port" ] && break; sleep 0.1
done
[ -n "$site_port" ] || { echo "$name: the site server did not start"; cat "$tmp/site.log"; exit 1; }
(cd "$tmp/run2" && env "${wf_env[@]}" BASE_URL="http://127.0.0.1:$site_port" bash "$download_step" >"$tmp/run2/dl.log" 2>&1) ||
  { echo "$name: the download step failed:"; cat "$tmp/run2/dl.log"; exit 1; }
(cd "$tmp/run2" && env "${wf_env[@]}" GITHUB_OUTPUT="$tmp/run2/out" BASE_URL="http://127.0.0.1:1/site" bash "$refresh_step" >"$tmp/run2/log" 2>&1) ||
  { echo "$name: the second refresh failed:"; cat "$tmp/run2/log"; exit 1; }
grep -qx 'outcome=unchanged' "$tmp/run2/out" || { echo "$name: after downloading the live site, the refresh was not unchanged:"; cat "$tmp/run2/out" "$tmp/run2/log"; exit 1; }
cmp -s "$tmp/run1/public/index.json" "$tmp/run2/public/index.json" || { echo "$name: index.json changed across runners"; exit 1; }
echo "download step + refresh on a fresh runner: $(grep -E "^(published|unchanged)" "$tmp/run2/log"); index.json byte-identical"
echo "action ok"
