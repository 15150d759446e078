#!/usr/bin/env bash
# The container image, built and run here:
#   1. scripts/image.sh builds it (release binary, staged root file system,
#      buildah bud --isolation chroot) into a private vfs containers-storage;
#   2. skopeo exports it to an OCI layout; the image config must run as
#      65532:65532 with ENTRYPOINT ["/cvefeed"] and carry the OCI labels;
#   3. umoci unpacks it; the root file system must hold only the binary, the
#      loader and libraries, the CA bundle and passwd/group: no shell, no
#      package manager, nothing else;
#   4. in a chroot of that root file system, as user 65532 and with only the
#      image's environment: `cvefeed --version`; `cvefeed refresh --from-file`
#      on examples/issues.json (the same items as $CVEFEED_BIN publishes);
#      `cvefeed serve` answering /readyz and /index.json; and `cvefeed check`
#      fetching a feed over HTTPS from a loopback server whose certificate a
#      test CA signed: refused with the image's CA bundle as built, accepted
#      once the test CA is appended to the bundle at the image's path, which
#      shows that TLS reads the bundle the image ships.
# Prints the image size and layers.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
# shellcheck source=scripts/lib/serve.sh
source scripts/lib/serve.sh
name=image
host_bin=$bin

missing=()
for t in buildah skopeo umoci chroot openssl python3 curl ldd readelf; do
  command -v "$t" >/dev/null || missing+=("$t")
done
[ "${#missing[@]}" -eq 0 ] || cannot_run $name "the container image" "missing ${missing[*]} (bash scripts/setup.sh installs them)"
[ "$(id -u)" -eq 0 ] || cannot_run $name "the container image" "chroot and buildah's chroot isolation need root"
[ -x "$host_bin" ] || { echo "$name: no $host_bin (set CVEFEED_BIN)"; exit 1; }

tmp=$(mktemp -d)
storage=(--storage-driver vfs --root "$tmp/storage" --runroot "$tmp/run")
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  buildah "${storage[@]}" rmi -a -f >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Can buildah work in this sandbox at all? (A failure later is the image's.)
if ! probe=$(buildah "${storage[@]}" from --name probe scratch 2>&1); then
  cannot_run $name "the container image" "buildah cannot create a container here: $(tail -n 1 <<<"$probe")"
fi
buildah "${storage[@]}" rm probe >/dev/null

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
revision=check-$(git rev-parse --short HEAD 2>/dev/null || echo none)
image=localhost/cvefeed:check
echo "$name: building the image (cargo build --release, then buildah bud)"
IMAGE=$image VERSION=$version REVISION=$revision BUILDAH_ROOT=$tmp/storage BUILDAH_RUNROOT=$tmp/run \
  bash scripts/image.sh >"$tmp/image.out" 2>"$tmp/image.err" || {
  echo "$name: scripts/image.sh failed:"; tail -n 40 "$tmp/image.err"; exit 1
}
[ "$(tail -n 1 "$tmp/image.out")" = "$image" ] || { echo "$name: image.sh did not print $image"; cat "$tmp/image.out"; exit 1; }

skopeo copy --quiet "containers-storage:[vfs@$tmp/storage+$tmp/run]$image" "oci:$tmp/oci:cvefeed" >/dev/null
umoci unpack --image "$tmp/oci:cvefeed" "$tmp/bundle" >/dev/null
rootfs=$tmp/bundle/rootfs

# The OCI image config and the runtime config umoci derived from it.
python3 - "$tmp/oci" "$tmp/bundle/config.json" "$version" "$revision" <<'PY'
import json, sys, os
oci, runtime_config, version, revision = sys.argv[1:]
blob = lambda d: os.path.join(oci, "blobs", *d.split(":"))
index = json.load(open(os.path.join(oci, "index.json")))
manifest = json.load(open(blob(index["manifests"][0]["digest"])))
config = json.load(open(blob(manifest["config"]["digest"])))
c = config["config"]
errors = []
if c.get("User") != "65532:65532":
    errors.append(f"User is {c.get('User')!r}, want '65532:65532'")
if c.get("Entrypoint") != ["/cvefeed"]:
    errors.append(f"Entrypoint is {c.get('Entrypoint')!r}")
labels = c.get("Labels") or {}
want = {
    "org.opencontainers.image.version": version,
    "org.opencontainers.image.revision": revision,
    "org.opencontainers.image.licenses": "Apache-2.0",
}
for k, v in want.items():
    if labels.get(k) != v:
        errors.append(f"label {k} is {labels.get(k)!r}, want {v!r}")
if not labels.get("org.opencontainers.image.source", "").startswith("https://"):
    errors.append(f"label org.opencontainers.image.source is {labels.get('org.opencontainers.image.source')!r}")
env = dict(e.split("=", 1) for e in c.get("Env", []))
if env.get("SSL_CERT_FILE") != "/etc/ssl/certs/ca-certificates.crt":
    errors.append(f"SSL_CERT_FILE is {env.get('SSL_CERT_FILE')!r}")
user = json.load(open(runtime_config))["process"]["user"]
if (user.get("uid"), user.get("gid")) != (65532, 65532):
    errors.append(f"the runtime user is {user}, want uid/gid 65532")
layers = manifest["layers"]
if len(layers) != 2:
    errors.append(f"{len(layers)} layers, want 2 (runtime, binary)")
print(f"image config: user {c.get('User')}, entrypoint {c.get('Entrypoint')}, cmd {c.get('Cmd')}")
for k, v in sorted(labels.items()):
    print(f"label {k}={v}")
total = 0
for i, l in enumerate(layers, 1):
    total += l["size"]
    print(f"layer {i}: {l['size'] / 1e6:.1f} MB compressed, {l['mediaType'].rsplit('.', 1)[-1]}, {l['digest'][:19]}")
print(f"image: {len(layers)} layers, {total / 1e6:.1f} MB compressed (+ {manifest['config']['size']} B config)")
if errors:
    print("\n".join("image config: " + e for e in errors))
    sys.exit(1)
PY
echo "unpacked root file system: $(du -sb "$rootfs" | awk '{ printf "%.1f MB", $1 / 1e6 }'), $(find "$rootfs" -type f | wc -l) files"

# Nothing but the binary, the loader and libraries, the CA bundle and passwd/group.
fail=0
while IFS= read -r f; do
  rel=${f#"$rootfs"}
  case $rel in
    /cvefeed | /etc/passwd | /etc/group | /etc/ssl/certs/ca-certificates.crt) ;;
    /lib/* | /lib64/* | /usr/lib/* | /usr/lib64/*)
      case ${rel##*/} in *.so | *.so.*) ;; *) echo "$name: unexpected file $rel"; fail=1 ;; esac ;;
    *) echo "$name: unexpected file $rel"; fail=1 ;;
  esac
done < <(find "$rootfs" -type f)
if [ -n "$(find "$rootfs" ! -type f ! -type d)" ]; then
  echo "$name: links or special files in the root file system:"; find "$rootfs" ! -type f ! -type d; fail=1
fi
for prog in sh bash dash ash zsh ksh mksh csh tcsh fish busybox toybox env \
  apt apt-get dpkg rpm yum dnf microdnf apk pip pip3 python3 perl; do
  hits=$(find "$rootfs" -name "$prog")
  [ -z "$hits" ] || { echo "$name: the image holds $prog: $hits"; fail=1; }
done
for d in bin sbin usr/bin usr/sbin usr/local/bin; do
  [ ! -e "$rootfs/$d" ] || { echo "$name: the image has /$d"; fail=1; }
done
grep -q '^nonroot:x:65532:65532:' "$rootfs/etc/passwd" || { echo "$name: no user 65532 in /etc/passwd"; fail=1; }
grep -q '^nonroot:x:65532:' "$rootfs/etc/group" || { echo "$name: no group 65532 in /etc/group"; fail=1; }
ca=$rootfs/etc/ssl/certs/ca-certificates.crt
certs=$(grep -c 'BEGIN CERTIFICATE' "$ca" 2>/dev/null || echo 0)
[ "$certs" -ge 100 ] || { echo "$name: the CA bundle holds $certs certificates"; fail=1; }
cmp -s "$ca" /etc/ssl/certs/ca-certificates.crt || { echo "$name: the CA bundle differs from the build host's"; fail=1; }
[ "$fail" -eq 0 ] || exit 1
echo "root file system: no shell, no package manager, only the binary, $(find "$rootfs" -name '*.so*' -type f | wc -l) shared objects, $certs CA certificates and passwd/group"

# Run as the image would: user 65532, the image's environment only.
mapfile -t image_env < <(python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["process"]["env"]))' "$tmp/bundle/config.json")
run() { env -i "${image_env[@]}" chroot --userspec=65532:65532 "$rootfs" "$@"; }

out=$(run /cvefeed --version)
echo "chroot: /cvefeed --version: $out"
[ "$out" = "cvefeed $version" ] || { echo "$name: expected 'cvefeed $version'"; exit 1; }

mkdir -p "$rootfs/work"
cp examples/issues.json "$rootfs/work/issues.json"
chown -R 65532:65532 "$rootfs/work"
run /cvefeed refresh --from-file /work/issues.json --out /work/public >"$tmp/refresh.out" 2>"$tmp/refresh.err" || {
  echo "$name: refresh in the chroot failed:"; cat "$tmp/refresh.err"; exit 1
}
echo "chroot: /cvefeed refresh --from-file /work/issues.json --out /work/public:"
sed 's/^/  /' "$tmp/refresh.out"
"$host_bin" refresh --from-file examples/issues.json --out "$tmp/host-public" >/dev/null 2>&1
python3 - "$rootfs/work/public" "$tmp/host-public" <<'PY'
import json, os, sys
image, host = sys.argv[1:]
feed = json.load(open(os.path.join(image, "index.json")))
want = json.load(open(os.path.join(host, "index.json")))
ids = [i["id"] for i in feed["items"]]
if not ids or ids != [i["id"] for i in want["items"]]:
    sys.exit(f"image: the image published {ids}, the tested binary {[i['id'] for i in want['items']]}")
manifest = json.load(open(os.path.join(image, "manifest.json")))
for name in manifest["objects"]:
    if not os.path.isfile(os.path.join(image, name)):
        sys.exit(f"image: manifest.json lists {name}, which was not written")
osv = [n for n in os.listdir(os.path.join(image, "osv")) if n.endswith(".json")]
if len(osv) != len(ids):
    sys.exit(f"image: {len(osv)} OSV records for {len(ids)} items")
status = json.load(open(os.path.join(image, "status.json")))
print(f"chroot: index.json is valid JSON with {len(ids)} items ({', '.join(ids)}), "
      f"{len(manifest['objects'])} objects in the manifest, status {status.get('last_outcome')}")
PY


# serve, from the chroot, on loopback.
# Not through run(): a function in the background would leave the server behind when killed.
env -i "${image_env[@]}" chroot --userspec=65532:65532 "$rootfs" /cvefeed serve --listen 127.0.0.1:0 --out /work/public --refresh-interval 0 --reload-interval 0 \
  >"$tmp/serve.out" 2>"$tmp/serve.err" &
pids+=($!)
if ! addr=$(listen_address "$tmp/serve.out") || ! wait_for_200 "http://$addr/readyz"; then
  echo "$name: serve in the chroot is not ready:"; cat "$tmp/serve.err"; exit 1
fi
ready=$(curl -fsS "http://$addr/readyz")
ctype=$(curl -fsS -o /dev/null -w '%{content_type}' "http://$addr/index.json")
[ "$ctype" = application/feed+json ] || { echo "$name: serve answered /index.json as $ctype"; exit 1; }
echo "chroot: serve: /readyz: $ready; /index.json: $ctype"

# TLS with the image's CA bundle: a loopback HTTPS server, certificate by a test CA.
mkdir -p "$tmp/tls"
(
  cd "$tmp/tls"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
    -subj '/CN=cvefeed image check CA' -keyout ca.key -out ca.crt \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj '/CN=127.0.0.1' \
    -keyout server.key -out server.csr 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >ext.cnf
  openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
    -extfile ext.cnf -out server.crt 2>/dev/null
)
port=$(free_port)
python3 - "$port" "$tmp/tls" "$tmp/host-public" >"$tmp/https.log" 2>&1 <<'PY' &
import http.server, ssl, sys, functools
port, tls, docroot = sys.argv[1:]
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(f"{tls}/server.crt", f"{tls}/server.key")
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=docroot)
httpd = http.server.HTTPServer(("127.0.0.1", int(port)), handler)
httpd.socket = ctx.wrap_socket(httpd.socket, server_side=True)
httpd.serve_forever()
PY
pids+=($!)
for _ in $(seq 1 50); do
  curl -fsS --cacert "$tmp/tls/ca.crt" -o /dev/null "https://127.0.0.1:$port/index.json" 2>/dev/null && break
  sleep 0.1
done
feed_url=https://127.0.0.1:$port/index.json
check=(/cvefeed check --feed "$feed_url" --version 1.20.0 --format json --cache-dir /work/cache)
set +e
run "${check[@]}" >"$tmp/check1.out" 2>"$tmp/check1.err"
status1=$?
cat "$ca" "$tmp/tls/ca.crt" >"$tmp/bundle.crt" && cp "$tmp/bundle.crt" "$ca"
run "${check[@]}" >"$tmp/check2.out" 2>"$tmp/check2.err"
status2=$?
set -e
if [ "$status1" -ne 2 ] || ! grep -qiE 'certificate|issuer' "$tmp/check1.err"; then
  echo "$name: check over HTTPS with an unknown CA should fail with a certificate error (exit $status1):"
  cat "$tmp/check1.err"; exit 1
fi
echo "chroot: check --feed $feed_url, test CA not in the bundle: exit 2, $(grep -oiE '[^:]*(certificate|issuer)[^:]*' "$tmp/check1.err" | head -n 1 | sed 's/^ *//')"
case $status2 in
  0 | 1) ;;
  *) echo "$name: check with the test CA appended to the image's bundle failed (exit $status2):"; cat "$tmp/check2.err"; exit 1 ;;
esac
python3 - "$tmp/check2.out" "$status2" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
results = report["results"]
if not results:
    sys.exit("image: check read no results from the HTTPS feed")
print(f"chroot: check --feed (test CA appended to /etc/ssl/certs/ca-certificates.crt): exit {sys.argv[2]}, "
      f"{len(results)} results, summary {json.dumps(report['summary'], separators=(',', ':'))}")
PY
echo "image ok: $image"
