#!/usr/bin/env python3
"""What a signature adds to a publish: `cvefeed refresh` with and without
`--signing-key`, on the real issues of the shared data and on 10,000
synthetic issues (those of bench/refresh_bench.py), read with --from-file.

For each data set and each of two publishes it reports the median wall time
unsigned and signed and their ratio (signed / unsigned):
- first: everything is rendered and written into an empty directory;
- edit: one issue's body changes, so one OSV record, the archive, the
  feeds, the page, the change log and the manifest are written: the
  smallest publish, where the signature's share is largest.
Rounds alternate which of the two runs first; the baseline (unsigned) is
measured in the same rounds, on the same machine, against the same files.

Usage: bench/sign_bench.py [--bin target/release/cvefeed] [--repeat 5]
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


def refresh(binary, issues, out, key):
    args = [binary, "refresh", "--from-file", issues, "--out", out, "--allow-shrink"]
    if key:
        args += ["--signing-key", key]
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, env={**os.environ, "RUST_LOG": "error"})
    wall = time.monotonic() - start
    if proc.returncode != 0:
        sys.exit(f"refresh failed: {proc.stderr.decode()}")
    return wall


def edited(issues, path):
    """The issues with the first body changed, written to `path`."""
    copy = json.loads(json.dumps(issues))
    copy[0]["body"] = (copy[0].get("body") or "") + "\n\nEdited for the benchmark."
    with open(path, "w") as f:
        json.dump(copy, f)


def measure(binary, key, issues, work, repeat):
    """Median (first, edit) wall times, unsigned and signed."""
    data = json.load(open(issues))
    edit_file = os.path.join(work, "edited.json")
    edited(data, edit_file)
    times = {(phase, signed): [] for phase in ("first", "edit") for signed in (False, True)}
    for r in range(repeat):
        order = (False, True) if r % 2 == 0 else (True, False)
        for signed in order:
            out = os.path.join(work, f"out-{int(signed)}")
            shutil.rmtree(out, ignore_errors=True)
            k = key if signed else None
            times[("first", signed)].append(refresh(binary, issues, out, k))
            times[("edit", signed)].append(refresh(binary, edit_file, out, k))
    return {k: median(v) for k, v in times.items()}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default="target/release/cvefeed")
    ap.add_argument("--repeat", type=int, default=5)
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
        print(f"{'data':<12} {'publish':<6} {'unsigned':>10} {'signed':>10} {'ratio':>7} {'added':>9}")
        for name, issues in sets:
            t = measure(binary, key, issues, work, args.repeat)
            for phase in ("first", "edit"):
                u, s = t[(phase, False)], t[(phase, True)]
                print(f"{name:<12} {phase:<6} {u:>9.3f}s {s:>9.3f}s {s / u:>7.3f} {1000 * (s - u):>+7.1f}ms")
        print(f"medians of {args.repeat} rounds; ratio = signed / unsigned")


if __name__ == "__main__":
    main()
