#!/usr/bin/env bash
# Validate feed.xml, atom.xml and index.html as `cvefeed refresh` publishes
# them, from the fixtures under crates/cvefeed-model/tests/fixtures/render (a plain one and a
# hostile one), with real consumers and validators:
#   feedparser (bozo 0, entry count, ids and order equal to index.json; every
#   issue text in feed.xml, atom.xml and changes.xml shows as text: astext.py),
#   jing with our RELAX NG grammar for Atom (crates/cvefeed-model/tests/schemas/atom.rnc),
#   the Nu HTML checker (no errors), and headless Chromium (every row is in
#   the DOM, data stays text, the page script ran), plus screenshots in
#   test-artifacts/render/ (desktop and phone width).
# Set RENDER_CHECK_DIR=DIR to validate an existing publication instead
# (e.g. one refreshed from real data); RENDER_CHECK_ITEMS is its item count.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
py=$root/.tools/venv/bin/python
vnu=$root/.tools/npm/node_modules/vnu-jar/build/dist/vnu.jar
art=$root/test-artifacts/render
mkdir -p "$art"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }

publish() { # ISSUES.json OUTDIR
  if ! "$bin" refresh --from-file "$1" --out "$2" >"$work/refresh.log" 2>&1; then
    cat "$work/refresh.log"
    echo "FAIL: cvefeed refresh --from-file $1"
    exit 1
  fi
  for f in feed.xml atom.xml index.html index.json; do
    [ -s "$2/$f" ] || failed "$1: $f was not published"
  done
  for f in feed.xml atom.xml index.html; do
    grep -q "\"$f\"" "$2/manifest.json" || failed "$1: $f is not in manifest.json"
  done
}

chrome() { # ARGS... (headless, offline, throwaway profile)
  local profile
  profile=$(mktemp -d -p "$work")
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" "$@" 2>>"$work/chromium.log"
}

validate() { # DIR ITEMS NAME [TEXT THAT MUST SHOW AS TEXT...]
  local dir=$1 items=$2 name=$3
  shift 3
  echo "- $name: feedparser"
  "$py" scripts/checks/render/feeds.py "$dir" "$items" || failed "$name: feedparser"
  echo "- $name: issue text reads back as text (feedparser)"
  "$py" scripts/checks/render/astext.py "$dir" || failed "$name: a reader sees issue text as markup"
  echo "- $name: jing atom.xml"
  jing -c crates/cvefeed-model/tests/schemas/atom.rnc "$dir/atom.xml" || failed "$name: atom.xml is not valid Atom"
  echo "- $name: Nu HTML checker"
  # vnu cannot check CSP hashes and warns about every inline style/script;
  # Chromium below enforces the policy and reports any violation.
  java -jar "$vnu" --format text --filterpattern '.*Content Security Policy.*' "$dir/index.html" ||
    failed "$name: index.html has HTML errors"
  echo "- $name: Chromium DOM"
  : >"$work/chromium.log"
  chrome --enable-logging=stderr --v=0 --dump-dom "file://$dir/index.html" >"$art/$name.dom.html" ||
    failed "$name: chromium --dump-dom"
  if grep -E 'CONSOLE.*(Content Security Policy|Uncaught|Error)' "$work/chromium.log"; then
    failed "$name: the page broke its Content-Security-Policy or threw a script error"
  fi
  "$py" scripts/checks/render/dom.py "$art/$name.dom.html" "$items" "$@" || failed "$name: DOM"
  chrome --screenshot="$art/$name-desktop.png" --window-size=1280,1000 --hide-scrollbars \
    "file://$dir/index.html" >/dev/null || failed "$name: desktop screenshot"
  chrome --screenshot="$art/$name-phone.png" --window-size=390,1200 --hide-scrollbars \
    "file://$dir/index.html" >/dev/null || failed "$name: phone screenshot"
  [ -s "$art/$name-desktop.png" ] && [ -s "$art/$name-phone.png" ] || failed "$name: no screenshots"
}

if [ -n "${RENDER_CHECK_DIR:-}" ]; then
  validate "$(cd "$RENDER_CHECK_DIR" && pwd)" "${RENDER_CHECK_ITEMS:?}" "${RENDER_CHECK_NAME:-given}"
else
  publish crates/cvefeed-model/tests/fixtures/render/issues.json "$work/plain"
  validate "$work/plain" 5 plain "Scheduler plugin skips quota check"
  publish crates/cvefeed-model/tests/fixtures/render/hostile.json "$work/hostile"
  validate "$work/hostile" 4 hostile \
    "<script>alert('title')</script>" "<img src=x onerror=alert(4)>" "onmouseover=\"alert(5)"

  # The grammar must reject what RFC 4287 forbids, or the check above proves
  # nothing: an entry without <updated>, and a feed without <id>.
  "$py" - "$work/plain/atom.xml" "$work" <<'PY'
import re, sys
src = open(sys.argv[1], encoding="utf-8").read()
no_updated = re.sub(r"(<entry>.*?)<updated>[^<]*</updated>", r"\1", src, count=1, flags=re.S)
no_id = re.sub(r"<id>[^<]*</id>", "", src, count=1)
assert no_updated != src and no_id != src
open(sys.argv[2] + "/bad-entry.xml", "w", encoding="utf-8").write(no_updated)
open(sys.argv[2] + "/bad-feed.xml", "w", encoding="utf-8").write(no_id)
PY
  for bad in bad-entry bad-feed; do
    if jing -c crates/cvefeed-model/tests/schemas/atom.rnc "$work/$bad.xml" >/dev/null 2>&1; then
      failed "the Atom grammar accepted $bad.xml"
    fi
  done
fi

if [ "$fail" -ne 0 ]; then
  [ -s "$work/chromium.log" ] && tail -n 20 "$work/chromium.log"
  exit 1
fi
echo "render checks passed; DOM dumps and screenshots in $art"
