#!/usr/bin/env bash
# deploy/nginx.conf, run for real: Debian's nginx, unprivileged, on loopback,
# with a temporary prefix, over a directory published by
# `$CVEFEED_BIN refresh --precompress --from-file examples/issues.json`. Only the `listen`
# and `root` lines of the file are changed. Checks with curl, as for serve:
# - every object in manifest.json is answered with the content type the
#   manifest records, and its exact bytes;
# - Cache-Control from the map (no-cache for manifest.json and status.json);
# - gzip for every text object: its .gz sibling as written by --precompress
#   (gzip_static) where the manifest lists one, on the fly otherwise
#   (manifest.json, status.json); none for the zip; the .br siblings
#   (brotli_static), also right after each other object on one connection
#   (what a worker served before must not matter);
# - ETag, and 304 for If-None-Match and If-Modified-Since;
# - CORS on the JSON and OSV routes only, and the preflight;
# - no directory listing, and the refresher's dot files never served.
# All of it twice: over the directory as refresh writes it, and over the same
# files laid out as kubelet's AtomicWriter lays out a ConfigMap volume (every
# top-level entry a symbolic link into `..data`, itself a link to the
# generation directory `..2026_12_01_...` beside them), built here by hand.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
name=nginx
nginx=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$nginx" ] || cannot_run $name "deploy/nginx.conf" "nginx is not installed (bash scripts/setup.sh installs it)"
[ -e /usr/lib/nginx/modules/ngx_http_brotli_static_module.so ] ||
  cannot_run $name "deploy/nginx.conf" "the brotli_static module is not installed (libnginx-mod-http-brotli-static)"
for t in curl gzip python3; do
  command -v "$t" >/dev/null || cannot_run $name "deploy/nginx.conf" "$t is not installed"
done

tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin" refresh --precompress --from-file examples/issues.json --out "$tmp/public" >/dev/null 2>"$tmp/refresh.err" || {
  echo "$name: refresh failed:"; cat "$tmp/refresh.err"; exit 1
}
pub=$tmp/public
# The siblings the manifest lists, as "object<TAB>coding<TAB>sibling" lines.
python3 - "$pub/manifest.json" >"$tmp/siblings.tsv" <<'PY'
import json, sys
for name, entry in json.load(open(sys.argv[1]))["objects"].items():
    for coding, sibling in entry.get("encodings", {}).items():
        print(f"{name}\t{coding}\t{sibling['name']}")
PY
[ -s "$tmp/siblings.tsv" ] || { echo "$name: refresh --precompress listed no encodings in manifest.json"; exit 1; }
# Every published object and its content type, as "object<TAB>type" lines.
python3 -c '
import json, sys
m = json.load(open(sys.argv[1]))
for name, o in sorted(m["objects"].items()):
    print(name, o["content_type"], sep="\t")
print("manifest.json", "application/json", sep="\t")
print("status.json", "application/json", sep="\t")
' "$pub/manifest.json" >"$tmp/objects.tsv"
osv_one=$(find "$pub/osv/" -maxdepth 1 -name 'CVE-*.json' -printf '%f\n' | sort | head -n 1)

# The same files in the AtomicWriter layout: the generation directory holds
# the published entries, `..data` links to it, and each top-level entry links
# through `..data` (relative links, as kubelet writes them). The refresher's
# own dot files stay where they are.
atomic=$tmp/atomic
gen=..2026_12_01_00_00_00.000000001
mkdir -p "$atomic/$gen"
entries=0
for entry in "$pub"/*; do
  # -L: the refresher may have laid $pub out this way already (its entries
  # are then links into its own generation): copy what they point to.
  cp -aL "$entry" "$atomic/$gen/"
  ln -s "..data/${entry##*/}" "$atomic/${entry##*/}"
  entries=$((entries + 1))
done
ln -s "$gen" "$atomic/..data"
{ [ -L "$atomic/index.json" ] && [ -L "$atomic/osv" ] && [ -L "$atomic/..data" ] && [ -d "$atomic/osv/" ] &&
  [ "$(readlink "$atomic/index.json")" = ..data/index.json ] && cmp -s "$atomic/index.json" "$pub/index.json"; } ||
  { echo "$name: the AtomicWriter layout was not built:"; ls -la "$atomic"; exit 1; }
[ -z "$(find "$atomic" -mindepth 1 -maxdepth 1 ! -name '.*' ! -type l)" ] ||
  { echo "$name: the AtomicWriter layout has top-level entries that are not links:"; ls -la "$atomic"; exit 1; }
# nginx workers run as the invoking user (root here drops to nobody when it
# can): make the tree readable to them.
chmod -R a+rX "$tmp"

fail=0 failed=()
bad() { echo "$name: $label: $*"; fail=1; }
# header NAME FILE: the value of a response header (last one), without CR.
header() { sed -n "s/^$1: *//Ip" "$2" | tr -d '\r' | tail -n 1; }
get() { # get PATH OUT HEADERS [curl args...]
  local path=$1 out=$2 head=$3; shift 3
  [ "$out" = /dev/null ] || rm -f "$out"   # curl writes no file for an empty body
  curl -sS -o "$out" -D "$head" -w '%{http_code}' "$@" "$base$path"
}

# check_served LABEL DIR: deploy/nginx.conf with its root at DIR, every check.
check_served() {
  label=$1
  local dir=$2 prefix=$tmp/prefix-$1 port conf n code got cc want_cc cors obj ctype coding sibling token nsib
  local prev i nafter nmissed status enc before etag lm osv_etag path
  fail=0
  mkdir -p "$prefix/tmp"
  port=$(free_port)
  conf=$prefix/nginx.conf
  sed -e "s|^\( *\)listen 8080;|\1listen 127.0.0.1:$port;|" -e "s|^\( *\)root public;|\1root $dir;|" \
    deploy/nginx.conf >"$conf"
  [ "$(diff deploy/nginx.conf "$conf" | grep -c '^>')" -eq 2 ] || {
    echo "$name: expected to change exactly the listen and root lines of deploy/nginx.conf:"; diff deploy/nginx.conf "$conf"; exit 1
  }
  chmod -R a+rX "$prefix"
  "$nginx" -t -q -p "$prefix" -c "$conf" 2>"$tmp/nginx-t.err" || { echo "$name: nginx -t:"; cat "$tmp/nginx-t.err"; exit 1; }
  "$nginx" -p "$prefix" -c "$conf" 2>"$prefix/nginx.err" &
  pid=$!
  base=http://127.0.0.1:$port
  for _ in $(seq 1 100); do curl -sS -o /dev/null "$base/" 2>/dev/null && break; sleep 0.1; done
  curl -sS -o /dev/null "$base/" || { echo "$name: nginx did not start:"; cat "$prefix/nginx.err"; exit 1; }
  echo "== $label: $dir"

  # Every published object: status, content type, bytes, Cache-Control, CORS.
  n=0
  while IFS=$'\t' read -r obj ctype; do
    n=$((n + 1))
    code=$(get "/$obj" "$tmp/body" "$tmp/head")
    [ "$code" = 200 ] || { bad "/$obj answered $code"; continue; }
    got=$(header content-type "$tmp/head")
    [ "$got" = "$ctype" ] || bad "/$obj: content type '$got', manifest says '$ctype'"
    cmp -s "$tmp/body" "$pub/$obj" || bad "/$obj: body differs from the published file"
    cc=$(header cache-control "$tmp/head")
    case $obj in
      manifest.json | status.json) want_cc="no-cache" ;;
      *) want_cc="public, max-age=300" ;;
    esac
    [ "$cc" = "$want_cc" ] || bad "/$obj: Cache-Control '$cc', want '$want_cc'"
    cors=$(header access-control-allow-origin "$tmp/head")
    case $obj in
      *.json | osv/*) [ "$cors" = "*" ] || bad "/$obj: no Access-Control-Allow-Origin: *"
        [ "$(header access-control-expose-headers "$tmp/head")" = "ETag, Last-Modified" ] || bad "/$obj: no Access-Control-Expose-Headers" ;;
      *) [ -z "$cors" ] || bad "/$obj: CORS header on a non-JSON route" ;;
    esac
    [ -n "$(header etag "$tmp/head")" ] || bad "/$obj: no ETag"
  done <"$tmp/objects.tsv"
  echo "content types, bytes, Cache-Control and CORS of $n objects match manifest.json"
  code=$(get / "$tmp/body" "$tmp/head")
  { [ "$code" = 200 ] && [ "$(header content-type "$tmp/head")" = "text/html; charset=utf-8" ] && cmp -s "$tmp/body" "$pub/index.html"; } ||
    bad "/ is not index.html as text/html; charset=utf-8 ($code)"

  # gzip: every text object, on the fly or from its .gz; never the zip.
  for obj in index.json feed.xml atom.xml index.html manifest.json status.json "osv/$osv_one"; do
    code=$(get "/$obj" "$tmp/body.gz" "$tmp/head" -H 'Accept-Encoding: gzip')
    { [ "$code" = 200 ] && [ "$(header content-encoding "$tmp/head")" = gzip ]; } || { bad "/$obj: not gzipped ($code)"; continue; }
    gunzip -c <"$tmp/body.gz" | cmp -s - "$pub/$obj" || bad "/$obj: gzip body does not decompress to the object"
    [ "$(header vary "$tmp/head")" = "Accept-Encoding" ] || bad "/$obj: no Vary: Accept-Encoding"
  done
  # Every sibling the manifest lists is what nginx sends for its coding, byte
  # for byte (nginx's own gzip, at level 1, would give other bytes than the
  # level 9 of --precompress), with the object's content type.
  nsib=0
  while IFS=$'\t' read -r obj coding sibling; do
    token=$coding
    code=$(get "/$obj" "$tmp/body.enc" "$tmp/head" -H "Accept-Encoding: $token")
    { [ "$code" = 200 ] && [ "$(header content-encoding "$tmp/head")" = "$token" ] && cmp -s "$tmp/body.enc" "$pub/$sibling"; } ||
      { bad "/$obj ($token): $sibling was not sent ($code)"; continue; }
    ctype=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["objects"][sys.argv[2]]["content_type"])' "$pub/manifest.json" "$obj")
    [ "$(header content-type "$tmp/head")" = "$ctype" ] || bad "/$obj ($token): sent as $(header content-type "$tmp/head"), not $ctype"
    nsib=$((nsib + 1))
  done <"$tmp/siblings.tsv"
  grep -q "^index.json	gzip	index.json.gz$" "$tmp/siblings.tsv" || bad "manifest.json lists no index.json.gz"
  grep -q "^index.json	br	index.json.br$" "$tmp/siblings.tsv" || bad "manifest.json lists no index.json.br"
  get /osv/all.zip "$tmp/body" "$tmp/head" -H 'Accept-Encoding: gzip' >/dev/null
  [ -z "$(header content-encoding "$tmp/head")" ] || bad "/osv/all.zip was compressed again"
  echo "gzip: 7 text objects; $nsib precompressed siblings (gzip_static, brotli_static) sent byte for byte; zip sent as is"
  # Each sibling again, right after each published object on the same
  # connection (one worker, one request after the other): what the worker
  # served before must not change what it sends (brotli_static's path to the
  # .br ran into stale bytes of the worker's memory with disable_symlinks on).
  nafter=0 nmissed=0
  while IFS=$'\t' read -r obj coding sibling; do
    local args=()
    i=0
    while IFS=$'\t' read -r prev _; do
      args+=(--next -o /dev/null "$base/$prev"
        --next -H "Accept-Encoding: $coding" -o "$tmp/after.$i" -w "$i|%{http_code}|%header{content-encoding}|$prev\n" "$base/$obj")
      i=$((i + 1))
    done <"$tmp/objects.tsv"
    curl -sS "${args[@]:1}" >"$tmp/after.txt"
    [ "$(grep -c . "$tmp/after.txt")" -eq "$i" ] || bad "/$obj ($coding): $(grep -c . "$tmp/after.txt") of $i answers after another object"
    while IFS='|' read -r i status enc before; do
      nafter=$((nafter + 1))
      { [ "$status" = 200 ] && [ "$enc" = "$coding" ] && cmp -s "$tmp/after.$i" "$pub/$sibling"; } && continue
      bad "/$obj ($coding) right after /$before on the same connection: $sibling was not sent ($status, Content-Encoding '$enc')"
      nmissed=$((nmissed + 1))
    done <"$tmp/after.txt"
  done <"$tmp/siblings.tsv"
  echo "siblings right after each object on one connection: $((nafter - nmissed)) of $nafter sent byte for byte"

  # ETag and 304, plain and compressed; If-Modified-Since.
  for enc in identity gzip br; do
    get /index.json /dev/null "$tmp/head" -H "Accept-Encoding: $enc" >/dev/null
    etag=$(header etag "$tmp/head")
    lm=$(header last-modified "$tmp/head")
    [ -n "$etag" ] || { bad "/index.json ($enc): no ETag"; continue; }
    code=$(get /index.json "$tmp/body" "$tmp/head" -H "Accept-Encoding: $enc" -H "If-None-Match: $etag")
    [ "$code" = 304 ] || bad "/index.json ($enc): If-None-Match $etag gave $code"
    [ ! -s "$tmp/body" ] || bad "/index.json ($enc): a 304 with a body"
    code=$(get /index.json /dev/null "$tmp/head" -H "Accept-Encoding: $enc" -H 'If-None-Match: "other"')
    [ "$code" = 200 ] || bad "/index.json ($enc): a foreign ETag gave $code"
    code=$(get /index.json /dev/null "$tmp/head" -H "Accept-Encoding: $enc" -H "If-Modified-Since: $lm")
    [ "$code" = 304 ] || bad "/index.json ($enc): If-Modified-Since gave $code"
    echo "etag ($enc): $etag; If-None-Match and If-Modified-Since give 304"
  done
  osv_etag=$(curl -sS -D - -o /dev/null "$base/osv/$osv_one" | sed -n 's/^etag: *//Ip' | tr -d '\r')
  code=$(get "/osv/$osv_one" /dev/null "$tmp/head" -H "If-None-Match: $osv_etag")
  [ "$code" = 304 ] || bad "/osv/$osv_one: If-None-Match gave $code"
  [ "$(header access-control-allow-origin "$tmp/head")" = "*" ] || bad "/osv/$osv_one: the 304 has no CORS header"

  # CORS preflight on the JSON and OSV routes; not elsewhere.
  for obj in index.json "osv/$osv_one" osv/all.zip manifest.json; do
    code=$(get "/$obj" /dev/null "$tmp/head" -X OPTIONS -H 'Origin: https://example.org' \
      -H 'Access-Control-Request-Method: GET' -H 'Access-Control-Request-Headers: if-none-match')
    [ "$code" = 204 ] || { bad "/$obj: preflight gave $code"; continue; }
    [ "$(header access-control-allow-origin "$tmp/head")" = "*" ] || bad "/$obj: preflight without Allow-Origin"
    header access-control-allow-methods "$tmp/head" | grep -q GET || bad "/$obj: preflight without Allow-Methods GET"
    header access-control-allow-headers "$tmp/head" | grep -qi if-none-match || bad "/$obj: preflight does not allow If-None-Match"
  done
  code=$(get /index.html /dev/null "$tmp/head" -X OPTIONS -H 'Origin: https://example.org')
  { [ "$code" != 204 ] && [ -z "$(header access-control-allow-origin "$tmp/head")" ]; } || bad "/index.html: a preflight was answered ($code)"
  echo "CORS: Allow-Origin * on JSON and OSV (200 and 304), preflight 204 on 4 routes, none on the page"

  # No directory listing; the refresher's files (and, in the AtomicWriter
  # layout, `..data` and the generation directories) stay private; unknown
  # paths 404.
  for path in /osv/ /osv; do
    code=$(get "$path" "$tmp/body" "$tmp/head" -L)
    case $code in 403 | 404) ;; *) bad "$path answered $code" ;; esac
    ! grep -q "$osv_one" "$tmp/body" || bad "$path lists the directory"
  done
  [ -e "$dir/.cvefeed.lock" ] || : >"$dir/.cvefeed.lock"
  mkdir -p "$dir/.cache" && echo '{}' >"$dir/.cache/github-pages.json" && chmod -R a+rX "$dir/.cache"
  local private=(/.cvefeed.lock /.cache/github-pages.json /.cache/)
  if [ -L "$dir/..data" ]; then
    private+=(/..data/index.json /..data/ "/$(readlink "$dir/..data")/index.json" "/$(readlink "$dir/..data")/osv/$osv_one")
  fi
  for path in "${private[@]}" /nope.json /osv/CVE-0000-0000.json; do
    code=$(get "$path" /dev/null "$tmp/head")
    [ "$code" = 404 ] || bad "$path answered $code, want 404"
  done
  echo "no listing: /osv/ answered $(get /osv/ /dev/null "$tmp/head"); ${#private[@]} private paths (${private[*]}) and unknown paths 404"

  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  if [ "$fail" -ne 0 ]; then
    echo "$name: $label: nginx error log:"; cat "$prefix/nginx.err"; failed+=("$label")
  fi
}

check_served published "$pub"
echo "AtomicWriter layout: $entries top-level links through ..data -> $gen"
check_served atomicwriter "$atomic"
[ "${#failed[@]}" -eq 0 ] || { echo "$name: failed over: ${failed[*]}"; exit 1; }
echo "nginx ok: $("$nginx" -v 2>&1 | sed 's/^nginx version: //') with deploy/nginx.conf, over the published directory and over its AtomicWriter layout"
