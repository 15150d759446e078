#!/usr/bin/env python3
"""Memory and CPU of `cvefeed serve` (release build), the figures behind the
resource requests and limits of deploy/base/deployment.yaml.

For each input (the real issues of ${CVEFEED_SHARED:-../shared}/data/real/
when present, and N synthetic issues), in a fresh directory:
  1. `cvefeed refresh --from-file` under /usr/bin/time: peak RSS of a publish;
  2. `cvefeed serve --from-file` on an empty directory, so that it publishes at
     start (the first run of a new pod), loads the set, compresses it (gzip
     and brotli), then refreshes every 2 s (unchanged runs) while requests
     fetch every object plain, gzip and brotli, with and without ETags.
     VmRSS is sampled every 50 ms; the peak (VmHWM), the settled RSS and
     the CPU time are reported.
Bounded: a fixed number of request rounds on loopback; the server is stopped.
Usage: python3 bench/serve_memory.py [--synthetic 3000,10000] [--rounds 20]
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from refresh_bench import synthetic_issue  # noqa: E402


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM"):
                fields[k] = int(v.split()[0]) / 1024  # MiB
    return fields


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / ticks


def measure_refresh(binary, issues, out, repo):
    r = subprocess.run(["/usr/bin/time", "-v", binary, "refresh", "--from-file", issues, "--out", out,
                        "--repo", repo],
                       capture_output=True, text=True, check=True)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr).group(1)) / 1024
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", r.stderr).group(1)
    return rss, wall


def fetch(url, headers):
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as res:
            res.read()
            return res.headers.get("ETag")
    except urllib.error.HTTPError as e:
        if e.code != 304:
            raise
        return None


def measure_serve(binary, issues, out, repo, rounds):
    proc = subprocess.Popen(
        [binary, "serve", "--listen", "127.0.0.1:0", "--out", out, "--from-file", issues, "--repo", repo,
         "--refresh-interval", "2s", "--max-staleness", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    samples = []
    stop = threading.Event()

    def sampler():
        while not stop.is_set():
            try:
                samples.append(proc_status(proc.pid)["VmRSS"])
            except (FileNotFoundError, KeyError):
                return
            time.sleep(0.05)

    t = threading.Thread(target=sampler)
    t.start()
    try:
        line = proc.stdout.readline()
        addr = line.strip().removeprefix("listening on http://")
        base = f"http://{addr}"
        t0 = time.monotonic()
        while True:
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2).read()
                break
            except Exception:
                if time.monotonic() - t0 > 120:
                    raise RuntimeError("serve never became ready")
                time.sleep(0.1)
        ready_s = time.monotonic() - t0
        manifest = json.load(open(os.path.join(out, "manifest.json")))
        names = sorted(manifest["objects"])
        requests = 0
        for _ in range(rounds):
            for name in names:
                for enc in ("identity", "gzip", "br"):
                    etag = fetch(f"{base}/{name}", {"Accept-Encoding": enc})
                    fetch(f"{base}/{name}", {"Accept-Encoding": enc, "If-None-Match": etag or '"x"'})
                    requests += 2
        time.sleep(3)  # at least one more scheduled (unchanged) refresh
        settled = proc_status(proc.pid)
        cpu = cpu_seconds(proc.pid)
    finally:
        stop.set()
        proc.terminate()
        proc.wait(timeout=30)
        t.join()
    return {"objects": len(names), "requests": requests, "ready_s": ready_s,
            "peak_mib": settled["VmHWM"], "settled_mib": settled["VmRSS"], "cpu_s": cpu,
            "max_sampled_mib": max(samples) if samples else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--synthetic", default="3000,10000")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target/release/cvefeed"))
    args = ap.parse_args()
    tmp = tempfile.mkdtemp()
    inputs = []
    real = os.path.join(os.environ.get("CVEFEED_SHARED", os.path.join(ROOT, "..", "shared")),
                        "data/real/github_issues.json")
    if os.path.exists(real):
        inputs.append(("real data", real, "kubernetes/kubernetes"))
    for n in [int(x) for x in args.synthetic.split(",") if x]:
        path = os.path.join(tmp, f"synthetic-{n}.json")
        with open(path, "w") as f:
            json.dump([synthetic_issue(i) for i in range(1, n + 1)], f)
        inputs.append((f"{n} synthetic", path, "bench/bench"))
    try:
        print(f"{'input':<16} {'items':>6} {'refresh peak':>13} {'serve peak':>11} {'settled':>8} "
              f"{'ready':>7} {'cpu':>7} {'requests':>9}")
        for label, issues, repo in inputs:
            out1 = os.path.join(tmp, "refresh-out")
            out2 = os.path.join(tmp, "serve-out")
            for d in (out1, out2):
                shutil.rmtree(d, ignore_errors=True)
            rss, _wall = measure_refresh(args.binary, issues, out1, repo)
            items = len(json.load(open(os.path.join(out1, "index.json")))["items"])
            s = measure_serve(args.binary, issues, out2, repo, args.rounds if items < 1000 else 1)
            print(f"{label:<16} {items:>6} {rss:>10.1f} MiB {s['peak_mib']:>7.1f} MiB "
                  f"{s['settled_mib']:>4.1f} MiB {s['ready_s']:>6.2f}s {s['cpu_s']:>6.2f}s {s['requests']:>9}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
