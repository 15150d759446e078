"""Check what Hugo built from kubernetes.io-shaped templates against the
feed it read: the table has one row per item, in order, each with its status
class (`cve-status-<status>`, a status cvefeed publishes), its id, summary
and issue number; the caption has the feed's date; the RSS has each item
with its status as a category in kubernetes.io's scheme; the JSON is the
feed.

usage: check.py SITE_DIR FEED_JSON
Exits non-zero, saying what failed, on any problem."""
import json
import re
import sys
from datetime import datetime
from html.parser import HTMLParser

import feedparser

site, feed_path = sys.argv[1], sys.argv[2]
STATUSES = {"open", "unknown", "fixed", "unfixed", "rejected"}
SCHEME = "https://k8s.io/2024-06-27/cve-item-status"
failures = []


class Table(HTMLParser):
    """Caption text and, per body row, its class and its cells' text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.caption, self.rows = None, []
        self.where = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "caption":
            self.caption, self.where = "", "caption"
        elif tag == "tr" and self.where == "tbody":
            self.rows.append({"class": a.get("class"), "cells": []})
        elif tag == "td" and self.rows and self.where == "tbody":
            self.rows[-1]["cells"].append("")
        elif tag == "tbody":
            self.where = "tbody"

    def handle_endtag(self, tag):
        if tag in ("caption", "tbody"):
            self.where = None

    def handle_data(self, data):
        if self.where == "caption":
            self.caption += data
        elif self.where == "tbody" and self.rows and self.rows[-1]["cells"]:
            self.rows[-1]["cells"][-1] += data


with open(feed_path, encoding="utf-8") as f:
    feed = json.load(f)
items = feed["items"]

with open(f"{site}/official-cve-feed/index.html", encoding="utf-8") as f:
    table = Table()
    table.feed(f.read())
if len(table.rows) != len(items):
    failures.append(f"the table has {len(table.rows)} rows for {len(items)} items")
for n, (row, item) in enumerate(zip(table.rows, items)):
    status = (row["class"] or "").removeprefix("cve-status-")
    where = f"row {n + 1} ({item['id']})"
    if status not in STATUSES:
        failures.append(f"{where}: class {row['class']!r} names no status")
    elif status != item["_kubernetes_io"]["status"]:
        failures.append(f"{where}: class {row['class']!r}, the feed says {item['_kubernetes_io']['status']}")
    cells = [c.strip() for c in row["cells"]]
    if len(cells) != 3:
        failures.append(f"{where}: {len(cells)} cells")
        continue
    want_summary = item.get("summary", "").replace("\r\n", "\n").strip()
    if cells[0] != item["id"] or not cells[0]:
        failures.append(f"{where}: id cell {cells[0]!r}")
    if cells[1] != want_summary or not cells[1]:
        failures.append(f"{where}: summary cell {cells[1][:80]!r}, the feed says {want_summary[:80]!r}")
    if cells[2] != f"#{item['_kubernetes_io']['issue_number']}":
        failures.append(f"{where}: issue cell {cells[2]!r}")
updated = datetime.fromisoformat(feed["_kubernetes_io"]["updated_at"].replace("Z", "+00:00"))
day = f"{updated.day} {updated:%B %Y}"
if not table.caption or not re.search(r"\d{4}", table.caption) or day not in table.caption:
    failures.append(f"the caption {table.caption!r} does not carry the feed's date {day}")

rss = feedparser.parse(f"{site}/official-cve-feed/index.xml")
if len(rss.entries) != len(items):
    failures.append(f"the RSS has {len(rss.entries)} items for {len(items)}")
for e, item in zip(rss.entries, items):
    cats = [(t.get("term"), t.get("scheme")) for t in e.get("tags", [])]
    if cats != [(item["_kubernetes_io"]["status"], SCHEME)]:
        failures.append(f"RSS {item['id']}: categories {cats}")
    if e.get("title") != item["id"]:
        failures.append(f"RSS {item['id']}: title {e.get('title')!r}")

with open(f"{site}/official-cve-feed/index.json", encoding="utf-8") as f:
    if json.load(f) != feed:
        failures.append("the JSON Hugo wrote is not the feed it read")

if failures:
    print(f"hugo: {len(failures)} problems in what kubernetes.io's templates built from {feed_path}")
    for line in failures[:40]:
        print("  -", line)
    sys.exit(1)
print(f"hugo: {len(items)} rows with status class, id, summary and issue number; caption dated {day}; RSS and JSON agree")
