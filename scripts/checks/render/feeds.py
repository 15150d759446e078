"""Read feed.xml and atom.xml of one publication with feedparser, as a real
feed reader would, and compare them with index.json of the same run.

usage: feeds.py DIR EXPECTED_ITEMS
Exits non-zero, saying what failed, on any problem."""
import json
import sys
from urllib.parse import unquote

import feedparser

from verdict import finish

out, expected = sys.argv[1], int(sys.argv[2])
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


with open(f"{out}/index.json", encoding="utf-8") as f:
    items = json.load(f)["items"]
check(len(items) == expected, f"index.json has {len(items)} items, expected {expected}")
ids = [i["id"] for i in items]

for name, version in (("feed.xml", "rss20"), ("atom.xml", "atom10")):
    d = feedparser.parse(f"{out}/{name}")
    check(d.bozo == 0, f"{name}: bozo={d.bozo} {d.get('bozo_exception')!r}")
    check(d.version == version, f"{name}: version {d.version!r}, expected {version}")
    check(len(d.entries) == expected, f"{name}: {len(d.entries)} entries, expected {expected}")
    got = [e.id for e in d.entries]
    want = [f"https://www.cve.org/cverecord?id={i}" for i in ids]
    check(got == want, f"{name}: entry ids {got} differ from index.json order {want}")
    for e, item in zip(d.entries, items):
        status = item["_kubernetes_io"]["status"]
        terms = [t.term for t in e.get("tags", [])]
        check(status in terms, f"{name} {e.id}: status {status} not among categories {terms}")
        if item["url"].startswith(("https://", "http://")):
            # The feeds carry the URL normalised (percent-encoded), index.json as written.
            check(unquote(e.get("link", "")) == unquote(item["url"]),
                  f"{name} {e.id}: link {e.get('link')!r} != {item['url']!r}")
        check(e.get("published_parsed") is not None, f"{name} {e.id}: no published date")
    self_links = [l.href for l in d.feed.get("links", []) if l.get("rel") == "self"]
    check(len(self_links) == 1 and self_links[0].endswith(name), f"{name}: self links {self_links}")

finish(failures, "feedparser", out, f"feedparser: {out}: feed.xml and atom.xml read cleanly, {expected} entries each")
