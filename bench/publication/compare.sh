#!/usr/bin/env bash
# Publish the same inputs with two cvefeed binaries and compare every object.
#
#   bench/publication/compare.sh OLD_BIN NEW_BIN [WORK_DIR]
#
# For a change that must not change behaviour (a reshape): each binary runs the
# same refreshes at the same fixed clock (faketime): the real issues twice with
# their CVE records, then each generated input (inputs.py) and its edited twin
# over what is there, signed, precompressed, with the upstream bucket names.
# After each refresh the sha256 of every object is recorded; manifest.json is
# hashed with its render_key removed (a fingerprint of the code, which a reshape
# changes by design), status.json (timings) and manifest.json.sig (a signature
# of those manifest bytes) are left out. Exit 0 when the two records are equal.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
old=$1 new=$2 work=${3:-$(mktemp -d)}
real=${CVEFEED_REAL_DATA:-$root/../shared/data/real}
command -v faketime >/dev/null || { echo "compare: faketime is needed (apt-get install faketime)" >&2; exit 2; }
[ -f "$real/github_issues.json" ] || { echo "compare: no real data at $real" >&2; exit 2; }
mkdir -p "$work/in" "$work/key"
python3 "$here/inputs.py" "$real/github_issues.json" "$work/in"
[ -f "$work/key/cvefeed.key" ] || "$old" keygen --out "$work/key" >/dev/null

snapshot() { # BIN OUT
  local bin=$1 out=$2 step=0
  rm -rf "$out" && mkdir -p "$out/pub"
  : >"$out/SUMS"
  run() { # FAKETIME INPUT [FLAGS]
    local at=$1 input=$2; shift 2
    step=$((step + 1))
    faketime -f "@$at" "$bin" refresh --from-file "$input" --out "$out/pub" \
      --compat-k8s-bucket --precompress --signing-key "$work/key/cvefeed.key" "$@" \
      >"$out/step$step.out" 2>"$out/step$step.err" || echo "step $step exit $?" >>"$out/SUMS"
    (cd "$out/pub" && find -L . -path './..*' -prune -o -type f ! -name status.json \
        ! -name manifest.json.sig ! -name '.cvefeed.lock*' -print | LC_ALL=C sort | while read -r f; do
      if [ "$f" = ./manifest.json ]; then
        printf 'step%s %s %s\n' "$step" "$(python3 -c 'import json,sys,hashlib;m=json.load(open(sys.argv[1]));m.pop("render_key",None);print(hashlib.sha256(json.dumps(m,sort_keys=True).encode()).hexdigest())' "$f")" "$f"
      else
        printf 'step%s %s %s\n' "$step" "$(sha256sum "$f" | cut -d' ' -f1)" "$f"
      fi
    done) >>"$out/SUMS"
  }
  run "2026-11-01 10:00:00" "$real/github_issues.json" --cve-records "$real/cve5"
  run "2026-11-01 12:00:00" "$real/github_issues.json" --cve-records "$real/cve5"
  local h=13
  for g in 1 2 3 4 5; do
    run "2026-11-02 $h:00:00" "$work/in/gen$g.json" --no-cve-records --allow-shrink
    run "2026-11-02 $h:30:00" "$work/in/gen${g}b.json" --no-cve-records --allow-shrink
    h=$((h + 1))
  done
}
snapshot "$old" "$work/old"
snapshot "$new" "$work/new"
echo "compare: $(wc -l <"$work/old/SUMS") object versions recorded in $work/old/SUMS"
if diff -u "$work/old/SUMS" "$work/new/SUMS"; then
  echo "compare: every object is byte-identical"
else
  echo "compare: the publications differ (above)" >&2
  exit 1
fi
