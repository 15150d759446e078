"""Inspect a DOM dumped by headless Chromium (--dump-dom) of index.html.

usage: dom.py DUMP.html EXPECTED_ROWS
Checks, with a real HTML parser, that every row is there, that the page's
own script ran (it adds the status filter), and that nothing from the data
became markup: exactly one script element (ours), no img/svg/iframe/object
elements, no on* event attributes, and only http(s) links besides the
relative links to the published objects (the feeds, the change feed, the audit
and the OSV records)."""
import re
import sys
from html.parser import HTMLParser

from verdict import finish

path, expected = sys.argv[1], int(sys.argv[2])


class Dom(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags = []
        self.rows = 0
        self.handlers = []
        self.hrefs = []
        self.filter = False
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        a = dict(attrs)
        if tag == "tr" and "data-status" in a:
            self.rows += 1
        if tag == "select" and a.get("id") == "status-filter":
            self.filter = True
        for k, v in attrs:
            if k.lower().startswith("on"):
                self.handlers.append((tag, k, v))
            if k in ("href", "src", "action", "formaction") and v is not None:
                self.hrefs.append(v)

    def handle_data(self, data):
        self.text.append(data)


with open(path, encoding="utf-8") as f:
    dom = Dom()
    dom.feed(f.read())

failures = []
if dom.rows != expected:
    failures.append(f"{dom.rows} rows in the table, expected {expected}")
if dom.tags.count("script") != 1:
    failures.append(f"{dom.tags.count('script')} script elements, expected only the page's own")
for bad in ("img", "svg", "iframe", "object", "embed", "b", "textarea"):
    if bad in dom.tags:
        failures.append(f"a <{bad}> element reached the DOM")
if dom.handlers:
    failures.append(f"event handler attributes in the DOM: {dom.handlers}")
published = re.compile(r"^(index\.json|feed\.xml|atom\.xml|changes\.xml|audit\.json|osv/all\.zip|osv/[A-Z]+-[0-9]+-[0-9]+\.json)$")
for h in dom.hrefs:
    if not h.startswith(("https://", "http://")) and not published.match(h):
        failures.append(f"a link that is neither http(s) nor a published object: {h!r}")
if not dom.filter:
    failures.append("the status filter is missing: the page script did not run (CSP hash?)")
text = "".join(dom.text)
for needle in sys.argv[3:]:
    if needle not in text:
        failures.append(f"text {needle!r} not shown as text")

finish(failures, "DOM", path, f"dom: {path}: {dom.rows} rows, one script (ours, it ran), no markup from data")
