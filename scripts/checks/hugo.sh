#!/usr/bin/env bash
# kubernetes.io's CVE page, built from cvefeed's output end to end: publish
# with the drop-in flags of the upstream job (`--compat-k8s-bucket`: the
# objects official-cve-feed.json and cve-feed-hash at the root of --out),
# serve that with `cvefeed serve`, and build a Hugo site whose templates have
# the shape of kubernetes/website's (scripts/checks/hugo/layouts: the
# shortcode cve-feed.html, _default/cve-feed.json, _default/cve-feed.rss.xml)
# in production mode with every warning an error. check.py then fails if a
# row lacks its status class, id, summary or issue number, or the caption
# its date. For the example issues, the hostile fixture and, where present,
# the real issues; each publication also goes through render/astext.py
# (issue text reads back from feedparser as text). A negative control builds from index.json, which has the
# status only under _kubernetes_io: the check must find rows without status.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
# shellcheck source=scripts/lib/serve.sh
source scripts/lib/serve.sh
hugo=$root/.tools/venv/bin/hugo
py=$root/.tools/venv/bin/python
[ -x "$hugo" ] || cannot_run hugo "kubernetes.io's templates on official-cve-feed.json" "no $hugo: run scripts/setup.sh"
work=$(mktemp -d)
serve_pid=""
cleanup() {
  if [ -n "$serve_pid" ]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
fail=0
shared=${CVEFEED_SHARED:-../shared}

hugo_build() { # FEED_URL OUT_DIR LOG
  HUGO_PARAMS_CVEFEEDBUCKET=$1 "$hugo" --source scripts/checks/hugo --destination "$2" \
    --environment production --panicOnWarning --cacheDir "$work/hugo-cache" --ignoreCache \
    --noBuildLock --quiet >"$3" 2>&1
}

run() { # NAME ISSUES.json
  local name=$1 input=$2 dir=$work/$1
  local bucket=$dir/bucket
  mkdir -p "$dir"
  if ! RUST_LOG=error "$bin" refresh --from-file "$input" --out "$bucket" --compat-k8s-bucket >"$dir/refresh.log" 2>&1; then
    cat "$dir/refresh.log"; echo "hugo: FAIL: refresh $input"; fail=1; return
  fi
  # The same publication as a feed reader takes it: every issue text in
  # feed.xml, atom.xml and changes.xml shows as text (render/astext.py).
  "$py" scripts/checks/render/astext.py "$bucket" || { echo "hugo: FAIL: $name: issue text is markup to a reader"; fail=1; }
  # The upstream names, and the hash object as the upstream job wrote it.
  if [ "$(cat "$bucket/cve-feed-hash")" != "$(sha256sum "$bucket/official-cve-feed.json" | cut -d' ' -f1)" ]; then
    echo "hugo: FAIL: $name: cve-feed-hash is not the sha256 of official-cve-feed.json"; fail=1
  fi
  "$bin" serve --listen 127.0.0.1:0 --out "$bucket" --from-file "$input" \
    --refresh-interval 0 --reload-interval 0 >"$dir/serve.out" 2>"$dir/serve.err" &
  serve_pid=$!
  local addr
  if ! addr=$(listen_address "$dir/serve.out") || ! wait_for_200 "http://$addr/official-cve-feed.json"; then
    cat "$dir/serve.err"; echo "hugo: FAIL: $name: cvefeed serve does not serve official-cve-feed.json"; fail=1
    kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""
    return
  fi
  if hugo_build "http://$addr/official-cve-feed.json" "$dir/site" "$dir/hugo.log"; then
    "$py" scripts/checks/hugo/check.py "$dir/site" "$bucket/official-cve-feed.json" || { echo "hugo: FAIL: $name"; fail=1; }
  else
    cat "$dir/hugo.log"; echo "hugo: FAIL: $name: Hugo refused to build (production, warnings are errors)"; fail=1
  fi
  # Negative control: index.json carries the status only as
  # _kubernetes_io.status, so the templates render rows of class
  # `cve-status-` and the check must say so.
  if [ "$name" = examples ]; then
    if ! hugo_build "http://$addr/index.json" "$dir/control" "$dir/control.log"; then
      cat "$dir/control.log"; echo "hugo: FAIL: the templates did not build from index.json"; fail=1
    elif "$py" scripts/checks/hugo/check.py "$dir/control" "$bucket/index.json" >"$dir/control.out"; then
      echo "hugo: FAIL: the check passed a table without status classes"; fail=1
    elif ! grep -q "class 'cve-status-' names no status" "$dir/control.out"; then
      cat "$dir/control.out"; echo "hugo: FAIL: the negative control failed for another reason"; fail=1
    else
      echo "hugo: negative control: rows without an item-level status are caught"
    fi
  fi
  kill "$serve_pid"; wait "$serve_pid" 2>/dev/null || true; serve_pid=""
}

run examples examples/issues.json
run hostile crates/cvefeed-model/tests/fixtures/render/hostile.json
if optional_input hugo "$shared/data/real/github_issues.json" "kubernetes.io's templates on the real issues"; then
  run real "$shared/data/real/github_issues.json"
fi
# The issues of 2023, among them CVE-2019-11244, whose summary has
# `<world-accessible dir>` in it.
if optional_input hugo "$shared/data/real/github_issues_2023.json" "kubernetes.io's templates on the real issues of 2023"; then
  run real-2023 "$shared/data/real/github_issues_2023.json"
fi
[ "$fail" -eq 0 ] || exit 1
echo "hugo: kubernetes.io-shaped templates render every item of official-cve-feed.json"
