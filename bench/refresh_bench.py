#!/usr/bin/env python3
"""Benchmark `cvefeed refresh` against a local fake GitHub.

Serves N synthetic labelled issues (100 per page, Link pagination, a strong
ETag per page that answers 304 to If-None-Match) from this process on
loopback, runs the release binary, and reports for each size: wall time,
peak memory (max RSS of the child), requests made and how many were 304s,
for a first refresh and for an unchanged one. The baseline, measured in the
same rounds, is fetching the same pages with a plain HTTP client (urllib)
and writing the same number of files of the same total size (create,
write, rename, then one sync): the I/O floor any refresher pays. Each size
runs --repeat rounds, alternating which of the two writes first; the
medians are reported, peak memory is the largest seen.

Usage: bench/refresh_bench.py [--bin target/release/cvefeed] [--sizes 80,10000] [--repeat 3] [--tmp DIR]
"""
import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PER_PAGE = 100


def synthetic_issue(n):
    day = 1 + n % 28
    body = (
        f"CVSS Rating: [CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N]"
        f"(https://www.first.org/cvss/calculator/3.1#CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:N/A:N)\n\n"
        f"Synthetic advisory number {n} for the benchmark.\n\n"
        f"#### Affected Versions\n\n- kube-apiserver v1.30.0 - v1.30.{n % 9}\n\n"
        f"#### Fixed Versions\n\n- kube-apiserver v1.30.{n % 9 + 1}\n" + "Padding text. " * 40
    )
    return {
        "url": f"https://api.github.com/repos/bench/bench/issues/{n}",
        "repository_url": "https://api.github.com/repos/bench/bench",
        "html_url": f"https://github.com/bench/bench/issues/{n}",
        "id": n, "number": n,
        "title": f"CVE-2040-{10000 + n}: synthetic advisory {n}",
        "user": {"login": "bench", "id": 1},
        "labels": [{"id": 1, "name": "official-cve-feed", "color": "ededed"}],
        "state": "closed", "state_reason": "completed", "locked": False, "comments": 0,
        "created_at": f"2040-{1 + n % 12:02d}-{day:02d}T00:00:{n % 60:02d}Z",
        "updated_at": "2040-12-31T00:00:00Z", "closed_at": "2040-12-31T00:00:00Z",
        "body": body,
    }


class FakeGithub:
    def __init__(self, count):
        issues = [synthetic_issue(n) for n in range(1, count + 1)]
        self.pages = [json.dumps(issues[i:i + PER_PAGE]).encode() for i in range(0, max(count, 1), PER_PAGE)]
        self.etags = ['"%s"' % hashlib.sha256(p).hexdigest()[:32] for p in self.pages]
        self.requests = 0
        self.not_modified = 0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                url = urlparse(self.path)
                page = int(parse_qs(url.query).get("page", ["1"])[0])
                with fake.lock:
                    fake.requests += 1
                if not url.path.endswith("/issues") or page > len(fake.pages):
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                etag = fake.etags[page - 1]
                if self.headers.get("If-None-Match") == etag:
                    with fake.lock:
                        fake.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = fake.pages[page - 1]
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("ETag", etag)
                self.send_header("X-RateLimit-Remaining", "4999")
                if page < len(fake.pages):
                    host = self.headers.get("Host")
                    nxt = f"http://{host}/repos/bench/bench/issues?labels=official-cve-feed&state=all&per_page=100&page={page + 1}"
                    self.send_header("Link", f'<{nxt}>; rel="next"')
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset_counts(self):
        with self.lock:
            self.requests = 0
            self.not_modified = 0


def run_refresh(binary, api, out):
    start = time.monotonic()
    proc = subprocess.Popen(
        # The fake serves GitHub only: no CVE records (their fetch is not measured here).
        [binary, "refresh", "--github-api-url", api, "--repo", "bench/bench", "--out", out, "--json",
         "--no-cve-records"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "RUST_LOG": "error"},
    )
    stdout = proc.stdout.read()
    stderr = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - start
    if status != 0:
        sys.exit(f"refresh failed: {stderr.decode()}")
    summary = json.loads(stdout)
    return wall, usage.ru_maxrss / 1024.0, summary


def baseline_fetch(fake):
    start = time.monotonic()
    url = f"{fake.url}/repos/bench/bench/issues?labels=official-cve-feed&state=all&per_page=100"
    while url:
        with urllib.request.urlopen(url) as r:
            r.read()
            link = r.headers.get("Link") or ""
        url = link.split(">")[0].lstrip("<") if 'rel="next"' in link else None
    return time.monotonic() - start


def baseline_files(out_dir, count, total_bytes):
    """Write `count` files of the published total size with a plain
    create-write-rename each: the file-system floor of a first publish."""
    size = max(total_bytes // max(count, 1), 1)
    payload = b"x" * size
    start = time.monotonic()
    os.makedirs(out_dir, exist_ok=True)
    for i in range(count):
        tmp = os.path.join(out_dir, f".tmp-{i}")
        with open(tmp, "wb") as f:
            f.write(payload)
        os.rename(tmp, os.path.join(out_dir, f"f{i}.json"))
    os.sync()
    return time.monotonic() - start


def tree_size(root):
    files, total = 0, 0
    for d, _, names in os.walk(root):
        for n in names:
            files += 1
            total += os.path.getsize(os.path.join(d, n))
    return files, total


def median(values):
    values = sorted(values)
    return values[len(values) // 2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/cvefeed")
    ap.add_argument("--sizes", default="80,10000")
    ap.add_argument("--repeat", type=int, default=3, help="rounds per size; medians are reported")
    ap.add_argument("--tmp", default=None, help="directory to publish into (default: the system temp dir)")
    args = ap.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        fake = FakeGithub(size)
        base = min(baseline_fetch(fake) for _ in range(3))
        keep = []  # every directory lives to the end of the size: deleting
        # thousands of files slows the next creations on some file systems,
        # and that must not fall on one side only.
        firsts, agains, floors = [], [], []
        files = total = None
        for round_ in range(args.repeat):
            out = tempfile.TemporaryDirectory(dir=args.tmp)
            floor_dir = tempfile.TemporaryDirectory(dir=args.tmp)
            keep += [out, floor_dir]
            # Alternate which goes first, so that neither always follows
            # the other's writeback.
            floor_first = round_ % 2 == 1 and files is not None
            if floor_first:
                floors.append(baseline_files(floor_dir.name, files, total))
            fake.reset_counts()
            wall, rss, summary = run_refresh(args.bin, fake.url, out.name)
            firsts.append((wall, rss, fake.requests, fake.not_modified, summary["outcome"], summary["items"]))
            fake.reset_counts()
            wall2, rss2, summary2 = run_refresh(args.bin, fake.url, out.name)
            agains.append((wall2, rss2, fake.requests, fake.not_modified, summary2["outcome"], summary2["items"]))
            files, total = tree_size(out.name)
            if not floor_first:
                floors.append(baseline_files(floor_dir.name, files, total))
        for d in keep:
            d.cleanup()
        fake.server.shutdown()
        rows.append((size, base, median(floors), files, total, firsts, agains))
    print(f"medians of {args.repeat} rounds; floor = plain HTTP fetch of the same pages + plain write of the same files, measured in the same rounds")
    print(f"{'issues':>7} {'run':>10} {'wall s':>8} {'(min)':>7} {'peak MB':>8} {'requests':>8} {'304s':>5} {'outcome':>10} {'items':>6} {'/ floor':>8}")
    for size, base, fs, files, total, firsts, agains in rows:
        floor = base + fs
        for name, runs in (("first", firsts), ("unchanged", agains)):
            wall = median([r[0] for r in runs])
            low = min(r[0] for r in runs)
            rss = max(r[1] for r in runs)
            _, _, req, nm, outcome, items = runs[-1]
            print(f"{size:>7} {name:>10} {wall:>8.3f} {low:>7.3f} {rss:>8.1f} {req:>8} {nm:>5} {outcome:>10} {items:>6} {wall / floor:>7.2f}x")
        print(f"{size:>7} {'floor':>10} {floor:>8.3f}   = fetch {base:.3f} s + write of {files} files, {total / 1e6:.1f} MB: {fs:.3f} s")


if __name__ == "__main__":
    main()
