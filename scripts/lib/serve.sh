# shellcheck shell=bash
# Helpers for scripts that start `cvefeed serve` in the background with its
# stdout in a file. Source it, then:
#   addr=$(listen_address FILE) || exit 1   # waits up to 10 s for "listening on http://ADDR"
#   wait_for_200 URL                        # waits up to 10 s for a 200
listen_address() {
  local file=$1 addr=""
  for _ in $(seq 1 100); do
    addr=$(sed -n 's|^listening on http://||p' "$file")
    [ -n "$addr" ] && { echo "$addr"; return 0; }
    sleep 0.1
  done
  return 1
}

wait_for_200() {
  for _ in $(seq 1 100); do
    [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  return 1
}
