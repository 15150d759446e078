#!/usr/bin/env bash
# Signed publications, checked with the tools consumers already have:
# `cvefeed keygen` writes a key pair, `cvefeed refresh --signing-key` signs
# manifest.json, and openssl verifies manifest.json.sig the way
# docs/signing.md ("Verifying") tells users to. cosign verify-blob runs too
# where cosign is installed; it is not part of the check (Debian has no
# package), and the output says when it did not run. A changed manifest
# fails both openssl and `cvefeed verify`; a signature made by openssl over
# the same bytes passes `cvefeed verify` (the format is the standard one).
# Where the shared real data exists, a publication of the real issues is
# signed and verified too, and openssl's output printed.
# shellcheck source=scripts/lib/check.sh
source "$(dirname "$0")/../lib/check.sh"
shared=${CVEFEED_SHARED:-$root/../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail=0
failed() { echo "FAIL: $*"; fail=1; }

openssl_verify() { # PUB DIR
  openssl dgst -sha256 -verify "$1" -signature <(base64 -d "$2/manifest.json.sig") "$2/manifest.json"
}

sign_and_check() { # NAME ISSUES.json
  local name=$1 issues=$2 out=$work/$1
  "$bin" refresh --from-file "$issues" --out "$out" --signing-key "$work/keys/cvefeed.key" \
    --publish-public-key >"$work/$name.log" 2>&1 || { cat "$work/$name.log"; failed "$name: refresh"; return; }
  echo "- $name: openssl dgst -sha256 -verify cvefeed.pub -signature <(base64 -d manifest.json.sig) manifest.json"
  openssl_verify "$work/keys/cvefeed.pub" "$out" || failed "$name: openssl does not verify the signature"
  cmp -s "$out/cvefeed.pub" "$work/keys/cvefeed.pub" || failed "$name: the published cvefeed.pub is not the key's"
  if command -v cosign >/dev/null; then
    echo "- $name: cosign verify-blob"
    cosign verify-blob --key "$work/keys/cvefeed.pub" --signature "$out/manifest.json.sig" \
      "$out/manifest.json" || failed "$name: cosign does not verify the signature"
  fi
  echo "- $name: cvefeed verify"
  "$bin" verify --key "$work/keys/cvefeed.pub" "$out" || failed "$name: cvefeed verify"
}

echo "- cvefeed keygen"
"$bin" keygen --out "$work/keys"
[ "$(stat -c %a "$work/keys/cvefeed.key")" = 600 ] || failed "the private key is not mode 600"
openssl pkey -in "$work/keys/cvefeed.key" -noout -text 2>/dev/null | grep -q 'NIST CURVE: P-256' ||
  failed "openssl does not read the private key as a P-256 key"

sign_and_check example examples/issues.json
out=$work/example
if ! command -v cosign >/dev/null; then
  echo "- cosign is not installed (no Debian package): cosign verify-blob did not run; openssl is the check"
fi

echo "- a signature openssl makes over the same bytes passes cvefeed verify"
cp -r "$out" "$work/by-openssl"
openssl dgst -sha256 -sign "$work/keys/cvefeed.key" "$out/manifest.json" | base64 -w0 >"$work/by-openssl/manifest.json.sig"
"$bin" verify --key "$work/keys/cvefeed.pub" "$work/by-openssl" >/dev/null ||
  failed "cvefeed verify rejects a signature made by openssl"

echo "- a changed manifest fails openssl and cvefeed verify (exit 1)"
cp -r "$out" "$work/tampered"
sed -i 's/"updated_at": "/"updated_at": " /' "$work/tampered/manifest.json"
if openssl_verify "$work/keys/cvefeed.pub" "$work/tampered" >/dev/null 2>&1; then
  failed "openssl verifies a changed manifest"
fi
set +e
"$bin" verify --attempts 1 --key "$work/keys/cvefeed.pub" "$work/tampered" >"$work/tampered.txt"
status=$?
set -e
[ "$status" -eq 1 ] || failed "cvefeed verify exits $status on a changed manifest, expected 1"
grep -q '^FAIL manifest.json: ' "$work/tampered.txt" || failed "cvefeed verify does not name manifest.json"

real=$shared/data/real/github_issues.json
if optional_input signature "$real" "a signed publication of the real issues"; then
  sign_and_check real "$real"
fi

if [ "$fail" -ne 0 ]; then
  exit 1
fi
echo "signature: all checks passed"
