# shellcheck shell=bash
# Start moto's S3-compatible server on loopback for the store tests and the
# S3 benchmark; export CVEFEED_TEST_S3_ENDPOINT. Sourced by scripts/test.sh.
s3_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p test-artifacts
.tools/venv/bin/moto_server -H 127.0.0.1 -p "$s3_port" >test-artifacts/moto.log 2>&1 &
s3_pid=$!
cleanups+=("kill $s3_pid")
s3_up=0
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$s3_port/" 2>/dev/null; then s3_up=1; break; fi
  if ! kill -0 "$s3_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if [ "$s3_up" -ne 1 ]; then
  echo "s3: moto_server did not answer on 127.0.0.1:$s3_port; see test-artifacts/moto.log" >&2
  cat test-artifacts/moto.log >&2 || true
  exit 1
fi
export CVEFEED_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
echo "s3: moto_server at $CVEFEED_TEST_S3_ENDPOINT (pid $s3_pid)"
