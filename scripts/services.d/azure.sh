# shellcheck shell=bash
# Start Azurite's blob service on loopback for the Azure store tests
# (in memory, telemetry off), create the test container, and export
# AZURITE_BLOB_STORAGE_URL (read by object_store's emulator mode) and
# CVEFEED_TEST_AZURE_CONTAINER. Sourced by scripts/test.sh.
az_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p test-artifacts
.tools/npm/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$az_port" \
  --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --loose \
  >test-artifacts/azurite.log 2>&1 &
az_pid=$!
cleanups+=("kill $az_pid")
az_up=0
for _ in $(seq 1 100); do
  # Any HTTP answer (400 without a signature) means it listens.
  if curl -sS -o /dev/null "http://127.0.0.1:$az_port/" 2>/dev/null; then az_up=1; break; fi
  if ! kill -0 "$az_pid" 2>/dev/null; then break; fi
  sleep 0.2
done
if [ "$az_up" -ne 1 ]; then
  echo "azure: Azurite did not answer on 127.0.0.1:$az_port; see test-artifacts/azurite.log" >&2
  cat test-artifacts/azurite.log >&2 || true
  exit 1
fi
python3 scripts/lib/azurite_container.py "http://127.0.0.1:$az_port" cvefeed-test >/dev/null
export AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$az_port"
export CVEFEED_TEST_AZURE_CONTAINER=cvefeed-test
echo "azure: Azurite at $AZURITE_BLOB_STORAGE_URL, container $CVEFEED_TEST_AZURE_CONTAINER (pid $az_pid)"
