# shellcheck shell=bash
# Signed publications (scripts/checks/signature.sh): openssl verifies the
# signature with the published key, as a consumer would.
need_apt openssl
