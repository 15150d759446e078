# shellcheck shell=bash
# Start Azurite's blob service on loopback for the Azure store tests
# (in memory, telemetry off), create the test container, and export
# AZURITE_BLOB_STORAGE_URL (read by object_store's emulator mode) and
# CVEFEED_TEST_AZURE_CONTAINER. Sourced by scripts/test.sh.
# shellcheck source=scripts/lib/service.sh
source scripts/lib/service.sh
az_port=$(free_port)
mkdir -p test-artifacts
.tools/npm/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$az_port" \
  --inMemoryPersistence --disableTelemetry --skipApiVersionCheck --loose \
  >test-artifacts/azurite.log 2>&1 &
az_pid=$!
cleanups+=("kill $az_pid")
# Any HTTP answer (400 without a signature) means it listens.
wait_service azure "http://127.0.0.1:$az_port/" "$az_pid" test-artifacts/azurite.log
python3 scripts/lib/azurite_container.py "http://127.0.0.1:$az_port" cvefeed-test >/dev/null
export AZURITE_BLOB_STORAGE_URL="http://127.0.0.1:$az_port"
export CVEFEED_TEST_AZURE_CONTAINER=cvefeed-test
echo "azure: Azurite at $AZURITE_BLOB_STORAGE_URL, container $CVEFEED_TEST_AZURE_CONTAINER (pid $az_pid)"
