#!/usr/bin/env python3
"""What the Kubernetes manifests of deploy/ promise, checked on the objects
`kubectl kustomize` built (files named base.yaml, pvc.yaml, bucket.yaml and
check.yaml in BUILT_DIR), and run where it can be run:

- security: every pod meets the restricted Pod Security profile (non-root,
  user 65532, read-only root file system, no privilege escalation, every
  capability dropped, RuntimeDefault seccomp), with requests and limits;
- PVC mode: one replica, Recreate, the PVC mounted; bucket mode: several
  replicas, no volume, a PodDisruptionBudget selecting the pods, a bucket
  --out, the cloud identity annotations on the ServiceAccount;
- one image reference everywhere, set by kustomize `images:`;
- the NetworkPolicy: ingress to the HTTP port, egress to DNS and HTTPS only
  (and, in bucket mode, the GKE metadata server);
- the check RBAC: exactly get /version, list nodes, list pods;
- the Deployment's command line, run for real with $CVEFEED_BIN (its args,
  its ConfigMap as the environment, $(VAR) expanded as the kubelet does,
  offline with --from-file): each probe path answers 200 once the feed is
  published, and /metrics has the metric the PrometheusRule alerts on;
- the in-cluster kubeconfig of deploy/check, given to `cvefeed check`
  against a fake API server over TLS that demands the token from tokenFile
  and lists nodes and pods as the API server does (paged by limit and
  continue): check must ask for /version, the nodes and the pods, and report
  the ingress-nginx add-on that one running Pod's image shows.

Usage: verify.py BUILT_DIR CVEFEED_BIN EXAMPLE_ISSUES
"""
import http.server
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from jsonhttp import JsonHandler  # noqa: E402

built_dir, cvefeed_bin, example_issues = sys.argv[1:4]
errors = []
IMAGE = "registry.example/cvefeed:0.1.0"


def err(msg):
    errors.append(msg)
    print(f"manifests: {msg}")


def load(name):
    with open(os.path.join(built_dir, f"{name}.yaml")) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def one(objs, kind, name=None):
    found = [o for o in objs if o["kind"] == kind and (name is None or o["metadata"]["name"] == name)]
    if len(found) != 1:
        raise SystemExit(f"manifests: expected one {kind} {name or ''}, found {len(found)}")
    return found[0]


def pod_spec(obj):
    if obj["kind"] == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def check_restricted(where, obj):
    """The restricted Pod Security profile, plus our own rules."""
    spec = pod_spec(obj)
    psc = spec.get("securityContext", {})
    if psc.get("runAsNonRoot") is not True:
        err(f"{where}: pod runAsNonRoot is not true")
    if psc.get("runAsUser") != 65532:
        err(f"{where}: pod runAsUser is {psc.get('runAsUser')}, want 65532")
    for c in spec.get("initContainers", []) + spec["containers"]:
        sc = c.get("securityContext", {})
        cw = f"{where} container {c['name']}"
        if sc.get("allowPrivilegeEscalation") is not False:
            err(f"{cw}: allowPrivilegeEscalation is not false")
        if sc.get("readOnlyRootFilesystem") is not True:
            err(f"{cw}: readOnlyRootFilesystem is not true")
        if sc.get("capabilities", {}).get("drop") != ["ALL"]:
            err(f"{cw}: capabilities.drop is not [ALL]")
        if sc.get("capabilities", {}).get("add"):
            err(f"{cw}: adds capabilities")
        if sc.get("privileged"):
            err(f"{cw}: privileged")
        seccomp = sc.get("seccompProfile", psc.get("seccompProfile", {})).get("type")
        if seccomp != "RuntimeDefault":
            err(f"{cw}: seccompProfile is {seccomp}")
        if sc.get("runAsUser", psc.get("runAsUser")) in (0, None):
            err(f"{cw}: may run as root")
        res = c.get("resources", {})
        for k in ("cpu", "memory"):
            if k not in res.get("requests", {}) or k not in res.get("limits", {}):
                err(f"{cw}: no {k} request and limit")
        if c.get("image") != IMAGE:
            err(f"{cw}: image is {c.get('image')}, want {IMAGE} from kustomize images:")
    for v in spec.get("volumes", []):
        if "hostPath" in v:
            err(f"{where}: hostPath volume {v['name']}")
    if spec.get("hostNetwork") or spec.get("hostPID") or spec.get("hostIPC"):
        err(f"{where}: shares a host namespace")


def env_of(objs, container):
    """The container's environment from its ConfigMap (envFrom) and literal env."""
    env = {}
    for ef in container.get("envFrom", []):
        if "configMapRef" in ef:
            cm = one(objs, "ConfigMap", ef["configMapRef"]["name"])
            env.update(cm["data"])
    for e in container.get("env", []):
        if "value" in e:
            env[e["name"]] = e["value"]
    return env


def expand(arg, env):
    """$(VAR) as the kubelet expands it in args."""
    return re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", lambda m: env.get(m.group(1), m.group(0)), arg)


# ---------------------------------------------------------------- PVC mode
base = load("base")
pvc_mode = load("pvc")
for name, objs in (("base", base), ("overlays/pvc", pvc_mode)):
    dep = one(objs, "Deployment", "cvefeed")
    check_restricted(f"{name} Deployment", dep)
    if dep["spec"]["replicas"] != 1 or dep["spec"]["strategy"]["type"] != "Recreate":
        err(f"{name}: PVC mode must be replicas 1 with strategy Recreate")
    vols = {v["name"]: v for v in pod_spec(dep)["volumes"]}
    claim = vols.get("public", {}).get("persistentVolumeClaim", {}).get("claimName")
    pvc = one(objs, "PersistentVolumeClaim")
    if claim != pvc["metadata"]["name"]:
        err(f"{name}: the Deployment does not mount the PVC")
    if pvc["spec"]["accessModes"] != ["ReadWriteOnce"]:
        err(f"{name}: the PVC is not ReadWriteOnce")
    c = pod_spec(dep)["containers"][0]
    env = env_of(objs, c)
    mounts = [m["mountPath"] for m in c["volumeMounts"]]
    if not any(env.get("CVEFEED_OUT", "").startswith(m + "/") for m in mounts):
        err(f"{name}: CVEFEED_OUT {env.get('CVEFEED_OUT')} is not on a mounted volume")
    if c["readinessProbe"]["httpGet"]["path"] != "/readyz":
        err(f"{name}: readiness must be /readyz (a stale feed is still served), not the strict form")
    if any(a.startswith("--max-staleness") for a in c["args"]):
        err(f"{name}: --max-staleness is not needed: /readyz does not look at staleness")
    if not any(a.startswith("--refresh-interval=") for a in c["args"]):
        err(f"{name}: no --refresh-interval")
    if pod_spec(dep).get("automountServiceAccountToken") is not False:
        err(f"{name}: serve needs no API token, yet one is mounted")
    ns = one(objs, "Namespace")
    if ns["metadata"]["labels"].get("pod-security.kubernetes.io/enforce") != "restricted":
        err(f"{name}: the namespace does not enforce the restricted profile")
    for o in objs:
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != "cvefeed":
            err(f"{name}: {o['kind']} {o['metadata']['name']} is not in the cvefeed namespace")
    svc = one(objs, "Service")
    labels = dep["spec"]["template"]["metadata"]["labels"]
    if any(labels.get(k) != v for k, v in svc["spec"]["selector"].items()):
        err(f"{name}: the Service does not select the pods")
    netpol = one(objs, "NetworkPolicy")
    ingress_ports = [p["port"] for r in netpol["spec"]["ingress"] for p in r.get("ports", [])]
    if ingress_ports != ["http"]:
        err(f"{name}: NetworkPolicy ingress ports {ingress_ports}, want [http]")
    egress_ports = sorted({(p["port"], p["protocol"]) for r in netpol["spec"]["egress"] for p in r["ports"]})
    if egress_ports != [(53, "TCP"), (53, "UDP"), (443, "TCP")]:
        err(f"{name}: NetworkPolicy egress {egress_ports}, want DNS and HTTPS only")
    if sorted(netpol["spec"]["policyTypes"]) != ["Egress", "Ingress"]:
        err(f"{name}: NetworkPolicy policyTypes {netpol['spec']['policyTypes']}")
    # The secrets come from secretGenerator (hashed names), referenced by the pod.
    secrets = {o["metadata"]["name"] for o in objs if o["kind"] == "Secret"}
    refs = {v["secret"]["secretName"] for v in pod_spec(dep)["volumes"] if "secret" in v}
    refs |= {e["valueFrom"]["secretKeyRef"]["name"] for e in c.get("env", []) if "secretKeyRef" in e.get("valueFrom", {})}
    if not refs or not refs <= secrets or not all(re.search(r"-[a-z0-9]{10}$", s) for s in refs):
        err(f"{name}: the pod's secret references {refs} are not the generated Secrets {secrets}")

pvc_kinds = sorted(o["kind"] for o in pvc_mode)
for kind in ("Ingress", "PrometheusRule", "ServiceMonitor"):
    if kind not in pvc_kinds:
        err(f"overlays/pvc: no {kind}")
ing = one(pvc_mode, "Ingress")
if not ing["spec"].get("tls"):
    err("the Ingress has no TLS")
paths = {p["path"] for r in ing["spec"]["rules"] for p in r["http"]["paths"]}
for p in ("/", "/index.json", "/hooks/github", "/osv"):
    if p not in paths:
        err(f"the Ingress does not route {p}")
for p in ("/metrics", "/readyz", "/healthz"):
    if p in paths:
        err(f"the Ingress exposes {p}")

# ------------------------------------------------------------- bucket mode
bucket = load("bucket")
dep = one(bucket, "Deployment", "cvefeed")
check_restricted("overlays/bucket Deployment", dep)
if dep["spec"]["replicas"] < 2 or dep["spec"]["strategy"]["type"] != "RollingUpdate":
    err("overlays/bucket: want several replicas with RollingUpdate")
if [o for o in bucket if o["kind"] == "PersistentVolumeClaim"]:
    err("overlays/bucket: a PVC is left")
spec = pod_spec(dep)
if any("persistentVolumeClaim" in v for v in spec.get("volumes", [])) or any(
        m["mountPath"] == "/var/lib/cvefeed" for m in spec["containers"][0]["volumeMounts"]):
    err("overlays/bucket: the pods still mount the volume")
out = env_of(bucket, spec["containers"][0]).get("CVEFEED_OUT", "")
if not re.match(r"^(s3|gs|az)://", out):
    err(f"overlays/bucket: CVEFEED_OUT {out!r} is not a bucket")
pdb = one(bucket, "PodDisruptionBudget")
pod_labels = dep["spec"]["template"]["metadata"]["labels"]
if any(pod_labels.get(k) != v for k, v in pdb["spec"]["selector"]["matchLabels"].items()):
    err("overlays/bucket: the PodDisruptionBudget does not select the pods")
if pdb["spec"].get("maxUnavailable", 0) >= dep["spec"]["replicas"]:
    err("overlays/bucket: the PodDisruptionBudget allows every replica down")
sa = one(bucket, "ServiceAccount", "cvefeed")
ann = sa["metadata"].get("annotations", {})
for k in ("eks.amazonaws.com/role-arn", "iam.gke.io/gcp-service-account"):
    if k not in ann:
        err(f"overlays/bucket: no {k} annotation on the ServiceAccount")

# ------------------------------------------------------------------- check
check = load("check")
cron = one(check, "CronJob", "cvefeed-check")
check_restricted("check CronJob", cron)
role = one(check, "ClusterRole", "cvefeed-check")
rules = sorted(
    (tuple(r.get("nonResourceURLs", [])), tuple(r.get("apiGroups", [])), tuple(r.get("resources", [])), tuple(r["verbs"]))
    for r in role["rules"])
want_rules = sorted([(("/version",), (), (), ("get",)), ((), ("",), ("nodes",), ("list",)), ((), ("",), ("pods",), ("list",))])
if rules != want_rules:
    err(f"check: ClusterRole rules {rules}, want {want_rules}")
binding = one(check, "ClusterRoleBinding", "cvefeed-check")
cspec = pod_spec(cron)
if binding["subjects"] != [{"kind": "ServiceAccount", "name": cspec["serviceAccountName"], "namespace": "cvefeed"}] \
        or binding["roleRef"]["name"] != role["metadata"]["name"]:
    err("check: the ClusterRoleBinding does not bind the CronJob's ServiceAccount to the ClusterRole")
cargs = cspec["containers"][0]["args"]
kc_arg = next((a.split("=", 1)[1] for a in cargs if a.startswith("--kubeconfig=")), None)
kc_cm = None
for v in cspec["volumes"]:
    if "configMap" in v:
        mount = next(m for m in cspec["containers"][0]["volumeMounts"] if m["name"] == v["name"])
        cm = one(check, "ConfigMap", v["configMap"]["name"])
        for key, text in cm["data"].items():
            if os.path.join(mount["mountPath"], key) == kc_arg:
                kc_cm = text
if kc_cm is None:
    err(f"check: --kubeconfig={kc_arg} is not a mounted ConfigMap key")
if cspec.get("automountServiceAccountToken") is not True:
    err("check: the CronJob needs its ServiceAccount token mounted")

if errors:
    sys.exit(1)
print("structure: PVC mode (1 replica, Recreate, PVC), bucket mode (3 replicas, no volume, PDB, "
      "identity annotations), restricted security contexts with requests and limits, one image, "
      "NetworkPolicy to DNS and HTTPS only, check RBAC limited to get /version, list nodes, list pods")


# ------------------------------------------------- the Deployment, run here
def wait_listening(proc, stdout_path, deadline=60):
    t0 = time.monotonic()
    while time.monotonic() - t0 < deadline:
        if proc.poll() is not None:
            return None
        with open(stdout_path) as f:
            m = re.search(r"^listening on http://(\S+)$", f.read(), re.M)
        if m:
            return m.group(1)
        time.sleep(0.1)
    return None


def get(url, headers=None):
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


with tempfile.TemporaryDirectory() as tmp:
    dep = one(base, "Deployment", "cvefeed")
    c = pod_spec(dep)["containers"][0]
    env = env_of(base, c)
    env["CVEFEED_OUT"] = os.path.join(tmp, "public")  # the volume
    secret_file = os.path.join(tmp, "webhook-secret")
    with open(secret_file, "w") as f:
        f.write("manifest-check-secret\n")
    args = []
    for a in c["args"]:
        a = expand(a, env)
        if "$(" in a:
            err(f"Deployment: {a} names a variable the container does not have")
        if a.startswith("--listen="):
            a = "--listen=127.0.0.1:0"
        if a.startswith("--webhook-secret-file="):
            a = "--webhook-secret-file=" + secret_file
        args.append(a)
    args += ["--from-file", example_issues]  # offline: the only change to the command line
    run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **{k: v for k, v in env.items()}}
    stdout_path = os.path.join(tmp, "stdout")
    with open(stdout_path, "w") as out, open(os.path.join(tmp, "stderr"), "w") as errf:
        proc = subprocess.Popen([cvefeed_bin] + args, stdout=out, stderr=errf, env=run_env)
    try:
        addr = wait_listening(proc, stdout_path)
        if addr is None:
            sys.exit("manifests: the Deployment's command line did not start:\n"
                     + open(os.path.join(tmp, "stderr")).read())
        base_url = f"http://{addr}"
        t0 = time.monotonic()
        while get(base_url + "/readyz")[0] != 200 and time.monotonic() - t0 < 60:
            time.sleep(0.2)
        port_names = {p["name"]: p["containerPort"] for p in c["ports"]}
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            h = c[probe]["httpGet"]
            if h["port"] not in port_names and h["port"] not in port_names.values():
                err(f"{probe}: port {h['port']} is not a container port")
            status, body = get(base_url + h["path"])
            if status != 200:
                err(f"{probe} {h['path']} answered {status}: {body.strip()}")
            else:
                print(f"run: {probe} GET {h['path']}: 200 {body.strip()}")
        if port_names.get("http") != int(addr.rsplit(":", 1)[1]) and port_names.get("http") != 8080:
            err("the http container port is not the --listen port")
        status, feed = get(base_url + "/index.json")
        items = len(json.loads(feed)["items"]) if status == 200 else 0
        status, metrics = get(base_url + "/metrics")
        if not re.search(r"^cvefeed_last_success_age_seconds ", metrics, re.M):
            err("/metrics has no cvefeed_last_success_age_seconds (the PrometheusRule alerts on it)")
        status, page = get(base_url + "/")
        with open(os.path.join(env["CVEFEED_OUT"], "index.json")) as f:
            feed_url = json.load(f).get("feed_url", "")
        if not feed_url.startswith(env["CVEFEED_BASE_URL"]):
            err(f"feed_url {feed_url} does not start with CVEFEED_BASE_URL {env['CVEFEED_BASE_URL']}")
        print(f"run: the Deployment's args and ConfigMap, offline: {items} items served, "
              f"feed_url {feed_url}, /metrics has cvefeed_last_success_age_seconds")
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=40)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
        if code != 0:
            err(f"serve exited {code} on SIGTERM, want 0 within terminationGracePeriodSeconds")

    # ------------------------------------- the in-cluster kubeconfig, used
    if kc_cm is not None:
        tls = os.path.join(tmp, "tls")
        os.makedirs(tls)
        sh = lambda *a: subprocess.run(a, cwd=tls, check=True, capture_output=True)  # noqa: E731
        sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-days", "2", "-subj", "/CN=fake cluster CA", "-keyout", "ca.key", "-out", "ca.crt",
           "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign")
        sh("openssl", "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
           "-subj", "/CN=kube-apiserver", "-keyout", "server.key", "-out", "server.csr")
        with open(os.path.join(tls, "ext.cnf"), "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n")
        sh("openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
           "-CAcreateserial", "-days", "2", "-extfile", "ext.cnf", "-out", "server.crt")
        token = "manifest-check-token-" + os.urandom(8).hex()
        with open(os.path.join(tls, "token"), "w") as f:
            f.write(token)
        seen = []  # the path and query of every request, and the status answered
        # The cluster the fake API server holds. Pods as the API server lists
        # them (no kind or apiVersion on the items): an ingress-nginx
        # controller of a Deployment (the add-on the check must find from
        # its image), an application that is no component, and a finished
        # Job's Pod, whose image is not running and must not be reported.
        node_info = {"kubeletVersion": "v1.29.3", "kubeProxyVersion": "v1.29.3"}
        nodes = [{"metadata": {"name": "node-1"}, "status": {"nodeInfo": node_info}}]
        addon_image = "registry.k8s.io/ingress-nginx/controller:v1.11.4"
        finished_image = "registry.k8s.io/ingress-nginx/controller:v1.9.0"

        def pod(namespace, name, image, phase="Running", owner=None):
            meta = {"name": name, "namespace": namespace, "uid": os.urandom(8).hex(), "resourceVersion": "4242"}
            if owner:
                meta["ownerReferences"] = [{"apiVersion": "apps/v1" if owner[0] != "Job" else "batch/v1",
                                            "kind": owner[0], "name": owner[1], "uid": os.urandom(8).hex(),
                                            "controller": True, "blockOwnerDeletion": True}]
            return {"metadata": meta,
                    "spec": {"nodeName": "node-1", "containers": [{"name": name.split("-")[0], "image": image}]},
                    "status": {"phase": phase}}

        pods = [
            pod("ingress-nginx", "ingress-nginx-controller-5d88495688-x7k2p", addon_image,
                owner=("ReplicaSet", "ingress-nginx-controller-5d88495688")),
            pod("web", "shop-7c9f8d6b5-q4r8t", "docker.io/library/nginx:1.27.0",
                owner=("ReplicaSet", "shop-7c9f8d6b5")),
            pod("ingress-nginx", "old-upgrade-h2m9v", finished_image, phase="Succeeded",
                owner=("Job", "old-upgrade")),
        ]

        def status(code, reason, message):
            return code, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                          "message": message, "reason": reason, "code": code}

        def listing(kind, items, query):
            """A list as the API server answers it: at most `limit` items (0
            or none: all), and a continue token while more are left."""
            q = urllib.parse.parse_qs(query, keep_blank_values=True)
            try:
                limit = int(q.get("limit", ["0"])[-1] or "0")
                if limit < 0:
                    raise ValueError
            except ValueError:
                return status(400, "BadRequest", f"invalid limit {q['limit'][-1]!r}")
            start = 0
            if q.get("continue", [""])[-1]:
                key = q["continue"][-1]
                m = re.fullmatch(kind + r":(\d+)", key)
                if not m or int(m.group(1)) > len(items):
                    return status(400, "BadRequest", f"continue key is not valid: {key!r}")
                start = int(m.group(1))
            end = len(items) if limit == 0 else min(len(items), start + limit)
            meta = {"resourceVersion": "4242"}
            if end < len(items):
                meta["continue"] = f"{kind}:{end}"
                meta["remainingItemCount"] = len(items) - end
            return 200, {"kind": kind, "apiVersion": "v1", "metadata": meta, "items": items[start:end]}

        class FakeApi(JsonHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                if self.headers.get("Authorization") != f"Bearer {token}":
                    code, body = status(401, "Unauthorized", "Unauthorized")
                elif url.path == "/version":
                    code, body = 200, {"major": "1", "minor": "29", "gitVersion": "v1.29.3", "platform": "linux/amd64"}
                elif url.path == "/api/v1/nodes":
                    code, body = listing("NodeList", nodes, url.query)
                elif url.path == "/api/v1/pods":
                    code, body = listing("PodList", pods, url.query)
                else:
                    code, body = status(404, "NotFound", "the server could not find the requested resource")
                seen.append((self.path, code))
                self.send_json(code, body)

        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeApi)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(os.path.join(tls, "server.crt"), os.path.join(tls, "server.key"))
        httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        api = f"https://127.0.0.1:{httpd.server_address[1]}"
        # The fake pages as the API server does: limit=1 walks every pod,
        # one a page, through the continue tokens.
        client_tls = ssl.create_default_context(cafile=os.path.join(tls, "ca.crt"))
        walked, query = [], "limit=1"
        for _ in range(len(pods) + 1):
            req = urllib.request.Request(f"{api}/api/v1/pods?{query}", headers={"Authorization": f"Bearer {token}"})
            try:
                with urllib.request.urlopen(req, context=client_tls, timeout=5) as resp:
                    page = json.load(resp)
            except urllib.error.HTTPError as e:
                walked.append(f"HTTP {e.code}: {e.read().decode()}")
                break
            walked.append([p["metadata"]["name"] for p in page["items"]])
            if not page["metadata"].get("continue"):
                break
            query = urllib.parse.urlencode({"limit": 1, "continue": page["metadata"]["continue"]})
        if walked != [[p["metadata"]["name"]] for p in pods]:
            err(f"the fake API server does not page pods by limit and continue: {walked}")
        seen.clear()
        # The kubeconfig as deployed, with only the in-cluster locations moved
        # here: the Service address and the files Kubernetes mounts.
        kc = kc_cm.replace("https://kubernetes.default.svc", api)
        kc = kc.replace("/var/run/secrets/kubernetes.io/serviceaccount/", tls + "/")
        kc_path = os.path.join(tmp, "kubeconfig")
        with open(kc_path, "w") as f:
            f.write(kc)
        if "tokenFile:" not in kc or tls + "/ca.crt" not in kc:
            err("check: the kubeconfig names neither the token file nor the CA")
        check_args = [a for a in cargs if not a.startswith(("--kubeconfig=", "--feed=", "--cache-dir="))]
        r = subprocess.run([cvefeed_bin] + check_args + [
            "--kubeconfig", kc_path, "--feed", os.path.join(tmp, "public"), "--cache-dir", os.path.join(tmp, "cache")],
            capture_output=True, text=True, timeout=120)
        httpd.shutdown()
        if r.returncode not in (0, 1):
            err(f"check with the in-cluster kubeconfig exited {r.returncode}: {r.stderr.strip()}")
        else:
            report = json.loads(r.stdout)
            targets = json.dumps(report.get("targets"))
            if "1.29.3" not in targets:
                err(f"check did not read the fake cluster's versions: {targets}")
            asked = {urllib.parse.urlsplit(p).path for p, _ in seen}
            for path in ("/version", "/api/v1/nodes", "/api/v1/pods"):
                if path not in asked:
                    err(f"check did not ask for {path}: {seen}")
            refused = [(p, code) for p, code in seen if code != 200]
            if refused:
                err(f"the fake API server refused requests of check: {refused}")
            for p, _ in seen:
                url = urllib.parse.urlsplit(p)
                if url.path in ("/api/v1/nodes", "/api/v1/pods") and "limit" not in urllib.parse.parse_qs(url.query):
                    err(f"check listed {url.path} without a limit (unpaged): {p}")
            addons = [t for t in report.get("targets", []) if t.get("name") == "ingress-nginx"]
            if [(t.get("version"), t.get("origin")) for t in addons] != [
                    ("v1.11.4", "images of ingress-nginx/ingress-nginx-controller")]:
                err(f"check did not report the ingress-nginx add-on of the fake cluster's pods "
                    f"(v1.11.4, images of ingress-nginx/ingress-nginx-controller), only {addons}; targets {targets}")
            if "v1.9.0" in targets:
                err(f"check reported the image of a finished Pod ({finished_image}): {targets}")
            pod_warnings = [w for w in report.get("warnings", []) if "pods" in w]
            if pod_warnings:
                err(f"check could not read the pods: {pod_warnings}")
            addon = ", ".join(f"{t['name']} {t['version']} ({t['origin']})" for t in addons)
            print(f"run: check {' '.join(check_args[1:])} with deploy/check's kubeconfig (tokenFile, "
                  f"certificate-authority) against a fake API server over TLS: exit {r.returncode}, "
                  f"requests {sorted(set(p for p, _ in seen))}, add-on from the pods: {addon}, "
                  f"{report['summary']}")

if errors:
    sys.exit(1)
