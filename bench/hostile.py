#!/usr/bin/env python3
"""Issue 16's attacks, run against a cvefeed binary, with the figures the
issue asks for: each scenario prints what the binary did (exit status,
time, peak memory, requests, files changed, secrets leaked).

Run it on two builds to compare them, e.g. the main branch's and this one:

    python3 bench/hostile.py --bin /tmp/before/cvefeed > before.txt
    python3 bench/hostile.py --bin target/debug/cvefeed > after.txt

Everything is on loopback; every run has a time limit (a binary that loops
or grows is stopped, and that is the figure); memory is the child's peak
RSS as the kernel reports it (wait4).
"""

import argparse
import hashlib
import hmac
import http.server
import json
import os
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time

LABEL = "official-cve-feed"


def issue(n, title, body="Body."):
    return {
        "number": n, "title": title, "body": body,
        "html_url": f"https://github.com/kubernetes/kubernetes/issues/{n}",
        "repository_url": "https://api.github.com/repos/kubernetes/kubernetes",
        "state": "closed", "state_reason": "completed", "created_at": "2031-01-01T00:00:00Z",
        "labels": [{"name": LABEL}],
    }


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True


def serve(handler):
    srv = Server(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, f"http://127.0.0.1:{srv.server_address[1]}"


def answering(answer):
    """A server whose every GET is answered by answer(request) ->
    (status, headers, body); the server and its URL."""
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            status, headers, body = answer(self)
            self.send_response(status)
            for k, v in {**headers, "Content-Length": str(len(body))}.items():
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up: that is what is measured
    return serve(H)


def run(cmd, timeout, env=None, stdout=subprocess.PIPE):
    """Run `cmd`; (exit status or 'killed after Ns', seconds, peak RSS MiB, stdout, stderr).
    The peak is the process's VmHWM, polled every 20 ms (it starts at exec,
    unlike getrusage, which would count the forking Python)."""
    start = time.time()
    p = subprocess.Popen(cmd, stdout=stdout, stderr=subprocess.PIPE, env=env)
    peak = [0]

    def poll():
        while p.poll() is None:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmHWM:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.02)
    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    killed = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
        killed = True
    watcher.join()
    status = f"killed after {timeout}s" if killed else p.returncode
    return status, time.time() - start, peak[0] / 1024, out or b"", err or b""


def refresh(binary, api, out, timeout=20, extra=(), env=None):
    env = dict(os.environ if env is None else env)
    env.pop("GITHUB_TOKEN", None)
    env.setdefault("RUST_LOG", "warn")
    return run([binary, "refresh", "--github-api-url", api, "--out", out,
                "--github-retries", "0", "--github-backoff", "10ms", *extra], timeout, env)


def endless_page(binary):
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            chunk = b" " * 65536
            try:
                while True:
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
    srv, api = serve(H)
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, _, err = refresh(binary, api, f"{d}/out", timeout=6)
    srv.shutdown()
    return {"exit": status, "seconds": round(secs, 1), "peak_rss_mib": round(rss),
            "error": err.decode(errors="replace").strip().splitlines()[-1:]}


def big_page(binary, mib=40):
    body = json.dumps([issue(i, f"CVE-2031-{10000 + i}: padded", "x" * 20000)
                       for i in range(mib * 1024 * 1024 // 20200)]).encode()

    srv, api = answering(lambda req: (200, {}, body))
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, _, err = refresh(binary, api, f"{d}/out", timeout=60)
        published = os.path.exists(f"{d}/out/index.json")
    srv.shutdown()
    return {"page_mib": round(len(body) / 2**20, 1), "exit": status, "published": published,
            "peak_rss_mib": round(rss), "error": err.decode(errors="replace").strip().splitlines()[-1:]}


def link_loop(binary):
    count = [0]

    def answer(req):
        count[0] += 1
        # Always the same page as next: the first page's own URL.
        link = f'<{api}/repos/kubernetes/kubernetes/issues?labels={LABEL}&state=all&per_page=100>; rel="next"'
        return 200, {"Link": link}, json.dumps([issue(1, "CVE-2031-0001: loop")]).encode()
    srv, api = answering(answer)
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, _, err = refresh(binary, api, f"{d}/out", timeout=30)
    srv.shutdown()
    return {"exit": status, "seconds": round(secs, 1), "requests": count[0], "peak_rss_mib": round(rss)}


def retry_after_zero(binary):
    count = [0]

    def answer(req):
        count[0] += 1
        return 429, {"Retry-After": "0"}, b'{"message":"slow down"}'
    srv, api = answering(answer)
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, _, err = refresh(binary, api, f"{d}/out", timeout=30)
    srv.shutdown()
    return {"exit": status, "seconds": round(secs, 1), "requests": count[0]}


def foreign_redirect(binary):
    planted_page = json.dumps([issue(9, "CVE-2031-6666: planted by another host")]).encode()
    other, other_url = answering(lambda req: (200, {}, planted_page))
    srv, api = answering(lambda req: (302, {"Location": other_url + req.path}, b""))
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, _, err = refresh(binary, api, f"{d}/out", timeout=20)
        planted = os.path.exists(f"{d}/out/index.json") and "CVE-2031-6666" in open(f"{d}/out/index.json").read()
    srv.shutdown()
    other.shutdown()
    return {"exit": status, "planted_item_published": planted}


def echoed_secrets(binary):
    def answer(req):
        echo = "".join(f"{k}: {v}\r\n" for k, v in req.headers.items())
        return 400, {}, json.dumps({"message": "echo " + echo + "y" * 5000}).encode()
    srv, api = answering(answer)
    api = api.replace("http://", "http://robot:pa55word@")
    env = dict(os.environ, GITHUB_TOKEN="ghp_s3cr3t_token", RUST_LOG="debug")
    with tempfile.TemporaryDirectory() as d:
        status, secs, rss, out, err = run(
            [binary, "refresh", "--github-api-url", api, "--out", f"{d}/out", "--github-retries", "0"], 20, env)
        status_json = open(f"{d}/out/status.json").read() if os.path.exists(f"{d}/out/status.json") else ""
    srv.shutdown()
    import base64
    secrets = ["pa55word", "ghp_s3cr3t_token", base64.b64encode(b"robot:pa55word").decode()]
    leaks = lambda text: sorted({s for s in secrets if s in text})
    last_error = json.loads(status_json)["last_error"] if status_json else ""
    return {"exit": status, "leaked_in_status_json": leaks(status_json),
            "leaked_in_logs": leaks(err.decode(errors="replace")),
            "last_error_chars": len(last_error or "")}


def many_ids(binary, n=2000):
    title = ", ".join(f"CVE-2031-{10000 + i}" for i in range(n)) + ": hostile"
    with tempfile.TemporaryDirectory() as d:
        json.dump([issue(1, title), issue(2, "CVE-2031-0001: fine")], open(f"{d}/issues.json", "w"))
        status, secs, rss, out, err = run([binary, "refresh", "--from-file", f"{d}/issues.json",
                                           "--out", f"{d}/out"], 120)
        size = os.path.getsize(f"{d}/out/index.json") if os.path.exists(f"{d}/out/index.json") else 0
        items = len(json.load(open(f"{d}/out/index.json"))["items"]) if size else 0
    return {"ids_in_title": n, "exit": status, "seconds": round(secs, 1), "index_json_mib": round(size / 2**20, 1),
            "items": items, "peak_rss_mib": round(rss)}


def broken_pipe(binary):
    with tempfile.TemporaryDirectory() as d:
        json.dump([issue(i, f"CVE-2031-{1000 + i}: x") for i in range(50)], open(f"{d}/issues.json", "w"))
        r, w = os.pipe()
        os.close(r)  # the reader is gone before the summary is printed
        p = subprocess.run([binary, "refresh", "--from-file", f"{d}/issues.json", "--out", f"{d}/out", "--json"],
                           stdout=w, stderr=subprocess.PIPE)
        os.close(w)
    return {"exit": p.returncode, "panicked": b"panicked" in p.stderr}


def secret_flags(binary):
    leaks = []
    for args, env in [
        (["--build-hook-url", "ftp://hooks.example/x?token=S3CR3T"], {}),
        (["--alert-webhook-url", "mailto:S3CR3T@example.com"], {}),
        (["--out-option", "S3CR3Twithoutequals"], {}),
        ([], {"CVEFEED_BUILD_HOOK_URLS": "https://ok.example/a,ftp://x/S3CR3T"}),
    ]:
        p = subprocess.run([binary, "refresh", "--from-file", "x.json", *args],
                           capture_output=True, env=dict(os.environ, **env))
        if b"S3CR3T" in p.stderr:
            leaks.append(args[0] if args else list(env)[0])
    return {"values_echoed": leaks}


def kill_mid_publish(binary, rounds=6):
    """kill -9 a publish of 3,000 changed records at several moments of it."""
    def issues(path, text):
        json.dump([issue(i, f"CVE-2031-{20000 + i}: kill fixture", f"{text} {i}") for i in range(3000)],
                  open(path, "w"))
    def view(out):
        seen = {}
        for root, dirs, files in os.walk(out, followlinks=True):
            rel = os.path.relpath(root, out)
            if rel == ".":
                dirs[:] = [x for x in dirs if not x.startswith(".")]
                files = [f for f in files if not f.startswith(".") and f != "status.json"]
            for f in files:
                seen[os.path.normpath(os.path.join(rel, f))] = hashlib.sha256(open(os.path.join(root, f), "rb").read()).hexdigest()
        return seen
    def published(d, version):
        subprocess.run([binary, "refresh", "--from-file", f"{d}/{version}.json", "--out", f"{d}/out"],
                       capture_output=True, check=True)
    results = []
    with tempfile.TemporaryDirectory() as d:
        issues(f"{d}/v1.json", "first")
        issues(f"{d}/v2.json", "second")
        published(d, "v1")
        start = time.time()
        published(d, "v2")
        whole = time.time() - start
    for k in range(rounds):
        at = whole * (k + 1) / (rounds + 1)
        with tempfile.TemporaryDirectory() as d:
            issues(f"{d}/v1.json", "first")
            issues(f"{d}/v2.json", "second")
            published(d, "v1")
            before = view(f"{d}/out")
            p = subprocess.Popen([binary, "refresh", "--from-file", f"{d}/v2.json", "--out", f"{d}/out"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(at)
            p.send_signal(signal.SIGKILL)
            p.wait()
            after = view(f"{d}/out")
            manifest = json.load(open(f"{d}/out/manifest.json"))
            mismatched = sum(1 for n, e in manifest["objects"].items() if after.get(n) != e["sha256"])
            results.append({"killed_at_s": round(at, 2), "of_s": round(whole, 2),
                            "files_changed": sum(1 for n in before if after.get(n) != before[n]),
                            "files_not_matching_manifest": mismatched})
    return results


def published_and_served(binary, d, secret):
    """Publish one issue into d/out and start `serve` on it with the
    webhook `secret`: the process and its address."""
    json.dump([issue(1, "CVE-2031-0001: webhook fixture")], open(f"{d}/issues.json", "w"))
    subprocess.run([binary, "refresh", "--from-file", f"{d}/issues.json", "--out", f"{d}/out"],
                   capture_output=True, check=True)
    env = dict(os.environ, CVEFEED_WEBHOOK_SECRET=secret, RUST_LOG="warn")
    p = subprocess.Popen([binary, "serve", "--listen", "127.0.0.1:0", "--out", f"{d}/out",
                          "--from-file", f"{d}/issues.json", "--refresh-interval", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    return p, p.stdout.readline().decode().strip().removeprefix("listening on http://")


def webhook_flood(binary, connections=1000):
    """Stalled 1 MiB bodies with a wrong signature; the server's RSS."""
    with tempfile.TemporaryDirectory() as d:
        p, addr = published_and_served(binary, d, "flood")
        host, port = addr.split(":")
        rss = lambda: int(next(l.split()[1] for l in open(f"/proc/{p.pid}/status") if l.startswith("VmRSS"))) // 1024
        time.sleep(1)
        base = rss()
        head = (f"POST /hooks/github HTTP/1.1\r\nHost: x\r\nX-GitHub-Event: issues\r\n"
                f"X-Hub-Signature-256: sha256={'0' * 64}\r\nContent-Length: {1 << 20}\r\n\r\n").encode()
        socks = []
        piece = b" " * 65536
        for _ in range(connections):
            s = socket.create_connection((host, int(port)))
            s.setblocking(False)
            socks.append([s, head + piece * 15 + b" " * (65536 - 1)])
        deadline = time.time() + 30
        while time.time() < deadline and any(buf for _, buf in socks):
            for entry in socks:
                s, buf = entry
                if buf:
                    try:
                        n = s.send(buf[:262144])
                        entry[1] = buf[n:]
                    except (BlockingIOError, InterruptedError):
                        pass
                    except OSError:
                        entry[1] = b""
            time.sleep(0.01)
        time.sleep(1)
        peak = rss()
        t0 = time.time()
        try:
            with socket.create_connection((host, int(port)), timeout=5) as h:
                h.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                healthz = h.recv(64).split(b" ")[1].decode()
        except OSError as e:
            healthz = repr(e)
        healthz_s = round(time.time() - t0, 2)
        for s, _ in socks:
            s.close()
        time.sleep(2)
        after = rss()
        p.terminate()
        p.wait()
    return {"connections": connections, "rss_mib_before": base, "rss_mib_under_attack": peak,
            "rss_mib_after_close": after, "healthz": healthz, "healthz_seconds": healthz_s}


def webhook_replay(binary):
    with tempfile.TemporaryDirectory() as d:
        p, addr = published_and_served(binary, d, "replay")
        body = json.dumps({"action": "labeled", "issue": {"number": 1, "labels": [{"name": LABEL}]},
                           "label": {"name": LABEL}, "repository": {"full_name": "kubernetes/kubernetes"}}).encode()
        sig = "sha256=" + hmac.new(b"replay", body, hashlib.sha256).hexdigest()
        import urllib.request, urllib.error
        codes = []
        for i in range(5):
            req = urllib.request.Request(f"http://{addr}/hooks/github", data=body, method="POST", headers={
                "X-GitHub-Event": "issues", "X-GitHub-Delivery": f"resent-{i}", "X-Hub-Signature-256": sig})
            try:
                codes.append(urllib.request.urlopen(req, timeout=5).status)
            except urllib.error.HTTPError as e:
                codes.append(e.code)
        time.sleep(0.5)
        metrics = urllib.request.urlopen(f"http://{addr}/metrics", timeout=5).read().decode()
        triggered = next((l.split()[-1] for l in metrics.splitlines()
                          if l.startswith('cvefeed_webhook_deliveries_total{outcome="triggered"}')), "0")
        p.terminate()
        p.wait()
    return {"answers_to_5_sends": codes, "triggered": triggered}


SCENARIOS = {
    "1 webhook flood": webhook_flood,
    "2 endless page": endless_page,
    "2 page over the cap": big_page,
    "3 Link loop": link_loop,
    "3 Retry-After: 0": retry_after_zero,
    "4 kill -9 mid-publish": kill_mid_publish,
    "5 many ids in one title": many_ids,
    "9 secret flags echoed": secret_flags,
    "9 echoed credentials": echoed_secrets,
    "11 cross-host redirect": foreign_redirect,
    "12 webhook replay": webhook_replay,
    "13 closed stdout": broken_pipe,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--only", nargs="*", help="scenario number prefixes, e.g. 1 3")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    for name, fn in SCENARIOS.items():
        if args.only and name.split()[0] not in args.only:
            continue
        result = fn(binary)
        print(f"{name}: {json.dumps(result)}", flush=True)


if __name__ == "__main__":
    main()
