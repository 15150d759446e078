# shellcheck shell=bash
# Start moto's S3-compatible server on loopback for the store tests and the
# S3 benchmark; export CVEFEED_TEST_S3_ENDPOINT. Sourced by scripts/test.sh.
# shellcheck source=scripts/lib/service.sh
source scripts/lib/service.sh
s3_port=$(free_port)
mkdir -p test-artifacts
.tools/venv/bin/moto_server -H 127.0.0.1 -p "$s3_port" >test-artifacts/moto.log 2>&1 &
s3_pid=$!
cleanups+=("kill $s3_pid")
wait_service s3 "http://127.0.0.1:$s3_port/" "$s3_pid" test-artifacts/moto.log -f
export CVEFEED_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
echo "s3: moto_server at $CVEFEED_TEST_S3_ENDPOINT (pid $s3_pid)"
