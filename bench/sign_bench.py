#!/usr/bin/env python3
"""What a signature adds to a publish: `cvefeed refresh` with and without
`--signing-key`, on the real issues of the shared data and on 10,000
synthetic issues (those of bench/refresh_bench.py), read with --from-file.

For each data set and each of two publishes it reports the median wall time
unsigned and signed and their ratio (signed / unsigned):
- first: everything is rendered and written into an empty directory;
- edit: one issue's body changes (and changes back, in turn), so one OSV
  record, the archive, the feeds, the page, the change log and the manifest
  are written: the smallest publish, where the signature's share is largest.
Each round publishes into a fresh directory unsigned and signed, back to
back, alternating which goes first, then makes --edits edits with each; the
ratio is taken per round (paired, which cancels the drift of a shared
machine) and its median reported with the median times. The baseline
(unsigned) is measured in the same rounds, on the same files.

On a shared machine a whole publish varies by more than a signature costs;
`cargo bench -p cvefeed-model --bench sign` times the signature's own work
(one signature and one verification of a manifest of each size) without
that noise.

Usage: bench/sign_bench.py [--bin target/release/cvefeed] [--repeat 7] [--edits 3]
                           [--real PATH] [--sizes 10000] [--tmp DIR]
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from refresh_bench import median, synthetic_issue  # noqa: E402


def refresh(binary, issues, repo, out, key):
    """Wall time of one refresh, and the items it published."""
    args = [binary, "refresh", "--json", "--from-file", issues, "--repo", repo, "--out", out,
            "--allow-shrink"]
    if key:
        args += ["--signing-key", key]
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, env={**os.environ, "RUST_LOG": "error"})
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"refresh failed: {proc.stderr.decode()}")
    summary = json.loads(proc.stdout)
    if summary["outcome"] != "published":
        sys.exit(f"refresh of {issues} did not publish: {summary}")
    return wall, summary["items"]


def edited(issues, path):
    """The issues with the first body changed, written to `path`."""
    copy = json.loads(json.dumps(issues))
    copy[0]["body"] = (copy[0].get("body") or "") + "\n\nEdited for the benchmark."
    with open(path, "w") as f:
        json.dump(copy, f)


def measure(binary, key, issues, work, repeat, edits):
    """Per phase: median unsigned and signed times and the median of the
    per-round ratios; and the item count."""
    data = json.load(open(issues))
    repo = data[0]["repository_url"].split("/repos/", 1)[1]
    edit_file = os.path.join(work, "edited.json")
    edited(data, edit_file)
    times = {(phase, signed): [] for phase in ("first", "edit") for signed in (False, True)}
    ratios = {"first": [], "edit": []}
    items = set()
    for r in range(repeat):
        order = (False, True) if r % 2 == 0 else (True, False)
        round_times = {}
        for signed in order:
            out = os.path.join(work, f"out-{int(signed)}")
            shutil.rmtree(out, ignore_errors=True)
            k = key if signed else None
            wall, n = refresh(binary, issues, repo, out, k)
            round_times[("first", signed)] = [wall]
            items.add(n)
            round_times[("edit", signed)] = []
            for e in range(edits):
                source = edit_file if e % 2 == 0 else issues
                wall, n = refresh(binary, source, repo, out, k)
                round_times[("edit", signed)].append(wall)
        for (phase, signed), walls in round_times.items():
            times[(phase, signed)].extend(walls)
        for phase in ratios:
            ratios[phase].append(
                median(round_times[(phase, True)]) / median(round_times[(phase, False)]))
    if len(items) != 1:
        sys.exit(f"{issues}: runs published different item counts {items}")
    return {
        phase: (median(times[(phase, False)]), median(times[(phase, True)]), median(ratios[phase]))
        for phase in ratios
    }, items.pop()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/cvefeed")
    ap.add_argument("--repeat", type=int, default=7, help="rounds")
    ap.add_argument("--edits", type=int, default=3, help="edit publishes per round and variant")
    shared = os.environ.get("CVEFEED_SHARED", os.path.join(os.getcwd(), "..", "shared"))
    ap.add_argument("--real", default=os.path.join(shared, "data", "real", "github_issues.json"))
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--tmp", default=None, help="directory to publish into (default: the system temp dir)")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    with tempfile.TemporaryDirectory(dir=args.tmp) as work:
        subprocess.run([binary, "keygen", "--out", os.path.join(work, "keys")], check=True,
                       capture_output=True)
        key = os.path.join(work, "keys", "cvefeed.key")
        sets = []
        if os.path.exists(args.real):
            sets.append(("real data", os.path.abspath(args.real)))
        else:
            print(f"real data: SKIPPED (no {args.real}; set CVEFEED_SHARED or --real)")
        for size in [int(s) for s in args.sizes.split(",") if s]:
            path = os.path.join(work, f"synthetic-{size}.json")
            with open(path, "w") as f:
                json.dump([synthetic_issue(n) for n in range(1, size + 1)], f)
            sets.append((f"{size} items", path))
        print(f"{'data':<12} {'items':>6} {'publish':<7} {'unsigned':>9} {'signed':>9} {'ratio':>7} {'added':>9}")
        for name, issues in sets:
            t, n = measure(binary, key, issues, work, args.repeat, args.edits)
            for phase in ("first", "edit"):
                u, s, ratio = t[phase]
                print(f"{name:<12} {n:>6} {phase:<7} {u:>8.3f}s {s:>8.3f}s {ratio:>7.3f} {1000 * (s - u):>+7.1f}ms")
        print(f"medians of {args.repeat} rounds ({args.edits} edits each); "
              "ratio = median over rounds of signed / unsigned")


if __name__ == "__main__":
    main()
