"""Readers take an RSS description and an Atom text of type html as HTML.
Read feed.xml, atom.xml and changes.xml of one publication with feedparser,
as a reader would, and check that every text that came from an issue shows
as the text the issue has (index.json says what that is): no element in it
but the `<pre>` around an Atom body and the `<br>` between change-log lines.

usage: astext.py DIR
Exits non-zero, saying what failed, on any problem."""
import json
import re
import sys
from html.parser import HTMLParser

import feedparser

from verdict import finish

out = sys.argv[1]
failures = []


class Reader(HTMLParser):
    """What a browser would show of an HTML fragment, and its elements."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    handle_startendtag = handle_starttag

    def handle_data(self, data):
        self.text.append(data)


def shown(fragment):
    """(text a reader shows, elements in it) of an HTML fragment."""
    r = Reader()
    r.feed(fragment)
    r.close()
    return "".join(r.text), r.tags


# What XML 1.0 cannot carry, C1 controls and noncharacters become U+FFFD
# in HTML text (render::html_safe); an XML parser reads a line break of
# any kind as "\n".
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ud800-\udfff]")


def as_published(text):
    text = FORBIDDEN.sub("\ufffd", text)
    text = "".join("\ufffd" if ord(c) & 0xFFFE == 0xFFFE else c for c in text)
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def check_text(where, html, want, allowed=()):
    text, tags = shown(html)
    extra = [t for t in tags if t not in allowed]
    if extra:
        failures.append(f"{where}: the reader sees elements {extra} in {html[:120]!r}")
    if want is not None and text.strip() != want:
        failures.append(f"{where}: the reader sees {text.strip()[:120]!r}, the issue says {want[:120]!r}")


with open(f"{out}/index.json", encoding="utf-8") as f:
    items = json.load(f)["items"]

rss = feedparser.parse(f"{out}/feed.xml")
atom = feedparser.parse(f"{out}/atom.xml")
for name, d in (("feed.xml", rss), ("atom.xml", atom)):
    if d.bozo or len(d.entries) != len(items):
        failures.append(f"{name}: bozo={d.bozo}, {len(d.entries)} entries for {len(items)} items")
for e, item in zip(rss.entries, items):
    summary = as_published(item.get("summary", ""))
    check_text(f"feed.xml {item['id']} description", e.get("summary", ""), summary)
for e, item in zip(atom.entries, items):
    summary = as_published(item.get("summary", ""))
    title = f"{item['id']}: {summary}" if summary else item["id"]
    check_text(f"atom.xml {item['id']} title", e.get("title", ""), title)
    check_text(f"atom.xml {item['id']} summary", e.get("summary", ""), summary)
    content = e.get("content", [{}])[0]
    check_text(f"atom.xml {item['id']} content", content.get("value", ""),
               as_published(item.get("content_text", "")), allowed=("pre",))

changes = feedparser.parse(f"{out}/changes.xml")
if changes.bozo:
    failures.append(f"changes.xml: bozo={changes.bozo} {changes.get('bozo_exception')!r}")
for e in changes.entries:
    check_text(f"changes.xml {e.get('id')} title", e.get("title", ""), None)
    for c in e.get("content", []):
        check_text(f"changes.xml {e.get('id')} content", c.get("value", ""), None, allowed=("br",))

finish(failures, "issue text as text", out,
       f"astext: {out}: every issue text in feed.xml, atom.xml and changes.xml reads back as text "
       f"({len(items)} items, {len(changes.entries)} change entries)")
