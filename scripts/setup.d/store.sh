# shellcheck shell=bash
# S3-compatible server for the store tests (started by services.d/s3.sh).
need_pip 'moto[server]'
# services.d/s3.sh polls the server with curl.
need_apt curl
