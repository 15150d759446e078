#!/usr/bin/env python3
"""Benchmark: `cvefeed check` reading large feeds.

Writes synthetic feeds of 10,000 and 80,000 items (each with an affected
kubelet range) and times `cvefeed check --feed FILE --version 1.28.1` on each,
`--repeat` rounds, median wall time and peak memory. The figure that matters
is the ratio of the large feed's time to the small one's, measured in the
same run: about 8 (items grow 8x) means linear work; the quadratic merge of
feed entries that issue 16 reported gave 40x and more.

Usage: python3 bench/check_bench.py [--bin target/release/cvefeed] [--repeat 3]
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time


def feed(n):
    items = [{
        "id": f"CVE-2031-{10000 + i}", "url": f"https://example.test/{i}", "summary": "s",
        "content_text": "",
        "_kubernetes_io": {"status": "fixed", "severity": "HIGH", "cvss_score": 8.0,
                           "affected": [{"component": "kubelet", "package": "k8s.io/kubelet",
                                         "introduced": "1.28.0", "fixed": "1.28.5"}]},
    } for i in range(n)]
    return {"version": "https://jsonfeed.org/version/1.1", "title": "bench", "items": items}


def run(binary, path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.run([binary, "check", "--feed", path, "--version", "1.28.1",
                           "--format", "json"], stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, env={**os.environ, "CVEFEED_CACHE_DIR": os.devnull})
    elapsed = time.monotonic() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"check failed ({proc.returncode}): {proc.stderr.decode()[:500]}")
    return elapsed, max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/cvefeed")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        times = {}
        for n in (10_000, 80_000):
            path = os.path.join(tmp, f"feed-{n}.json")
            with open(path, "w") as f:
                json.dump(feed(n), f)
            rounds = [run(args.bin, path) for _ in range(args.repeat)]
            times[n] = statistics.median(t for t, _ in rounds)
            print(f"{n:>7} items: {times[n]:.2f} s (median of {args.repeat}), "
                  f"peak RSS so far {max(m for _, m in rounds) // 1024} MB")
        print(f"ratio 80,000 / 10,000 items: {times[80_000] / times[10_000]:.1f} (linear: about 8)")


if __name__ == "__main__":
    main()
