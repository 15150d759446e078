#!/usr/bin/env bash
# The change log as published: three refreshes of the example issues (as
# they are, with one body edited and one issue closed, then with one issue
# gone) give changes.json events and a changes.xml Atom feed, which must be
# valid for our RELAX NG grammar of Atom (jing) and read by feedparser as a
# real feed reader would (bozo 0, one entry per event, newest first, the
# events' titles).
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
py=$root/.tools/venv/bin/python
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }

refresh() { # ISSUES.json [FLAGS...]
  local issues=$1
  shift
  "$bin" refresh --from-file "$issues" --out "$work/out" "$@" >"$work/refresh.log" 2>&1 ||
    { cat "$work/refresh.log"; echo "FAIL: refresh $issues"; exit 1; }
}

refresh examples/issues.json
"$py" - "$work" <<'PY'
import json, sys
work = sys.argv[1]
issues = json.load(open("examples/issues.json"))
by_number = {i["number"]: i for i in issues}
by_number[900101]["body"] = (by_number[900101]["body"] or "") + "\n\nEdited after publication."
assert by_number[900103]["state"] == "open"
by_number[900103]["state"], by_number[900103]["state_reason"] = "closed", "completed"
json.dump(issues, open(f"{work}/edited.json", "w"))
json.dump([i for i in issues if i["number"] != 900105], open(f"{work}/shrunk.json", "w"))
PY
refresh "$work/edited.json"
refresh "$work/shrunk.json" --allow-shrink

echo "- jing changes.xml"
jing -c crates/cvefeed-model/tests/schemas/atom.rnc "$work/out/changes.xml" || failed "changes.xml is not valid Atom"
echo "- feedparser changes.xml"
"$py" - "$work/out" <<'PY' || failed "feedparser"
import json, sys
import feedparser
out = sys.argv[1]
events = json.load(open(f"{out}/changes.json"))["events"]
d = feedparser.parse(f"{out}/changes.xml")
problems = []
if d.bozo:
    problems.append(f"bozo={d.bozo} {d.get('bozo_exception')!r}")
if d.version != "atom10":
    problems.append(f"version {d.version!r}")
if len(events) < 3:
    problems.append(f"only {len(events)} events: {events}")
if len(d.entries) != len(events):
    problems.append(f"{len(d.entries)} entries for {len(events)} events")
kinds = {e["kind"] for e in events}
for kind in ("changed", "status_changed", "removed"):
    if kind not in kinds:
        problems.append(f"no {kind} event in {events}")
newest_first = list(reversed(events))
for entry, event in zip(d.entries, newest_first):
    if not entry.title.startswith(event["id"] + ": "):
        problems.append(f"entry {entry.title!r} is not about {event['id']}")
    if entry.get("tags", [{}])[0].get("term") != event["kind"]:
        problems.append(f"entry {entry.title!r}: category is not {event['kind']}")
if len({e.id for e in d.entries}) != len(d.entries):
    problems.append("entry ids are not unique")
for p in problems:
    print("changes.xml:", p)
for e in d.entries:
    print(" ", e.updated, e.title)
sys.exit(1 if problems else 0)
PY
echo "- the page links the change feed"
grep -q '<link rel="alternate" type="application/atom+xml" title="[^"]*: changes (Atom)" href="[^"]*changes.xml">' \
  "$work/out/index.html" || failed "index.html has no discovery tag for changes.xml"

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "changes: all checks passed"
