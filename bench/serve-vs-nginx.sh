#!/usr/bin/env bash
# Throughput and p99 latency of `cvefeed serve` (release build) against
# nginx serving the same index.json (the real data of shared/), side by
# side in one run, on loopback:
#   - a 200 with gzip (nginx: gzip_static with a pre-compressed .gz),
#   - a 304 (If-None-Match with the ETag each server gave).
# Needs wrk and nginx (Debian: apt-get install wrk nginx-light or nginx).
# Bounded: each measurement is wrk -d${DURATION:-10s} -c${CONNS:-50} -t${THREADS:-2},
# ${ROUNDS:-3} rounds per server and path, alternating; medians are reported.
set -euo pipefail
cd "$(dirname "$0")/.."
shared=${CVEFEED_SHARED:-../shared}
issues="$shared/data/real/github_issues.json"
duration=${DURATION:-10s} conns=${CONNS:-50} threads=${THREADS:-2}
[ -f "$issues" ] || { echo "no $issues (set CVEFEED_SHARED)"; exit 1; }
for t in wrk nginx curl python3; do
  command -v "$t" >/dev/null || { echo "missing $t"; exit 1; }
done

profile=${PROFILE:-release} # PROFILE=debug only to try the script itself
[ "$profile" = release ] && cargo build --release --quiet
bin=$PWD/target/$profile/cvefeed

tmp=$(mktemp -d)
chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

# The same published set for both servers.
"$bin" refresh --from-file "$issues" --out "$tmp/public" >/dev/null
mkdir -p "$tmp/nginx-root"
cp "$tmp/public/index.json" "$tmp/nginx-root/index.json"
gzip -9 -k -n "$tmp/nginx-root/index.json"
chmod -R a+rX "$tmp/nginx-root"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nginx_port=$(free_port)
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $tmp/nginx/body;
  proxy_temp_path $tmp/nginx/proxy;
  fastcgi_temp_path $tmp/nginx/fastcgi;
  uwsgi_temp_path $tmp/nginx/uwsgi;
  scgi_temp_path $tmp/nginx/scgi;
  types { application/feed+json json; }
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    root $tmp/nginx-root;
    gzip_static on;
    etag on;
    location / { add_header Cache-Control "public, max-age=60"; }
  }
}
CONF
nginx -c "$tmp/nginx/nginx.conf" -e "$tmp/nginx/error.log" &
pids+=($!)

"$bin" serve --listen 127.0.0.1:0 --out "$tmp/public" --refresh-interval 0 >"$tmp/serve.out" 2>"$tmp/serve.err" &
pids+=($!)
for _ in $(seq 1 100); do
  cvefeed_addr=$(sed -n 's|^listening on http://||p' "$tmp/serve.out")
  [ -n "$cvefeed_addr" ] && curl -fsS "http://$cvefeed_addr/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done
for _ in $(seq 1 100); do curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/index.json" 2>/dev/null && break; sleep 0.1; done

declare -A url=([cvefeed]="http://$cvefeed_addr/index.json" [nginx]="http://127.0.0.1:$nginx_port/index.json")
declare -A etag
for s in cvefeed nginx; do
  head=$(curl -fsS -D - -o "$tmp/$s.gz" -H 'Accept-Encoding: gzip' "${url[$s]}")
  grep -qi '^content-encoding: gzip' <<<"$head" || { echo "$s did not answer gzip"; exit 1; }
  gunzip -c "$tmp/$s.gz" | cmp - "$tmp/public/index.json" || { echo "$s gzip body differs from index.json"; exit 1; }
  etag[$s]=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' <<<"$head" | tr -d '\r')
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: ${etag[$s]}" "${url[$s]}")
  [ "$code" = 304 ] || { echo "$s answered $code to If-None-Match"; exit 1; }
done
echo "index.json: $(wc -c <"$tmp/public/index.json") bytes; gzip: cvefeed $(wc -c <"$tmp/cvefeed.gz"), nginx $(wc -c <"$tmp/nginx.gz")"

# wrk's p99 in milliseconds.
p99_ms() {
  awk '$1=="99%" { v=$2; u=v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
        if (u=="us") v/=1000; else if (u=="s") v*=1000; printf "%.3f", v }' "$1"
}
rps() { awk '/^Requests\/sec:/ { print $2 }' "$1"; }

# Machines are shared: alternate the servers over ${ROUNDS:-3} rounds and
# keep each one's median, so a burst of other load hits both alike.
rounds=${ROUNDS:-3}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
declare -A r p
for path in 200gzip 304; do
  for s in cvefeed nginx; do : >"$tmp/rps-$s-$path"; : >"$tmp/p99-$s-$path"; done
  for round in $(seq 1 "$rounds"); do
    for s in cvefeed nginx; do
      hdrs=(-H 'Accept-Encoding: gzip')
      [ "$path" = 304 ] && hdrs+=(-H "If-None-Match: ${etag[$s]}")
      [ "$round" = 1 ] && wrk -d1s -c"$conns" -t"$threads" "${hdrs[@]}" "${url[$s]}" >/dev/null # warm-up
      out="$tmp/wrk-$s-$path-$round.txt"
      wrk -d"$duration" -c"$conns" -t"$threads" --latency "${hdrs[@]}" "${url[$s]}" >"$out"
      if grep -q 'Non-2xx or 3xx' "$out"; then
        echo "$s returned errors on $path:"; cat "$out"; exit 1
      fi
      rps "$out" >>"$tmp/rps-$s-$path"
      p99_ms "$out" >>"$tmp/p99-$s-$path"; echo >>"$tmp/p99-$s-$path"
    done
  done
  for s in cvefeed nginx; do
    r[$s-$path]=$(median <"$tmp/rps-$s-$path")
    p[$s-$path]=$(grep . "$tmp/p99-$s-$path" | median)
  done
done

printf '\n%-10s %-8s %12s %10s   (median of %s rounds)\n' path server 'req/s' 'p99 ms' "$rounds"
for path in 200gzip 304; do
  for s in cvefeed nginx; do
    printf '%-10s %-8s %12s %10s\n' "$path" "$s" "${r[$s-$path]}" "${p[$s-$path]}"
  done
done
echo
for path in 200gzip 304; do
  ratio=$(awk -v a="${r[cvefeed-$path]}" -v b="${r[nginx-$path]}" 'BEGIN { printf "%.2f", a / b }')
  verdict=$(awk -v x="$ratio" 'BEGIN { print (x >= 0.8) ? "meets" : "misses" }')
  echo "$path: cvefeed/nginx throughput = $ratio ($verdict the 0.80 target); p99 cvefeed ${p[cvefeed-$path]} ms vs nginx ${p[nginx-$path]} ms"
done
