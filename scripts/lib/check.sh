# shellcheck shell=bash
# The common start of a validator script in scripts/checks: strict mode, the
# repository root as working directory ($root), the binary under test ($bin,
# from CVEFEED_BIN) and the skip rules of scripts/lib/inputs.sh.
# Source it first: source "$(dirname "$0")/../lib/check.sh"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
root=$PWD
# Read by the scripts that source this file.
# shellcheck disable=SC2034
bin=${CVEFEED_BIN:-$root/target/debug/cvefeed}
# shellcheck source=scripts/lib/inputs.sh
source scripts/lib/inputs.sh
# free_port, for checks that start a server of their own.
# shellcheck source=scripts/lib/service.sh
source scripts/lib/service.sh
