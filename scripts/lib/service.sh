# shellcheck shell=bash
# Helpers for the scripts in scripts/services.d, which start one test server
# each on loopback. Source it, then:
#   port=$(free_port)
#   wait_service NAME URL PID LOG [CURL_OPTS]   # up to 20 s; exits 1 with the log
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_service() { # name, url, pid, log, curl options (-f: 2xx only)
  local name=$1 url=$2 pid=$3 log=$4 opts=${5:-}
  for _ in $(seq 1 100); do
    # shellcheck disable=SC2086 # the options are words
    curl -sS --max-time 2 $opts -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "$name: the server did not answer at $url; see $log" >&2
  cat "$log" >&2 || true
  exit 1
}
