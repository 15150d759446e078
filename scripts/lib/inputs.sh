# shellcheck shell=bash
# Optional inputs of the validator scripts (the shared schemas and real data
# beside the project). Source it, then call `optional_input NAME PATH WHAT`
# before using PATH:
# - present: returns 0;
# - absent under CI=true: prints "FAILED: missing …" and exits 1, because a
#   check that could not run has not passed;
# - absent elsewhere: prints "SKIPPED: …", records it in $CVEFEED_SKIPPED
#   (a file scripts/test.sh reads to say what was skipped) and returns 1.
optional_input() { # name, path, what would be checked with it
  local name=$1 path=$2 what=$3
  [ -e "$path" ] && return 0
  if [ "${CI:-}" = true ]; then
    echo "$name: FAILED: missing $path, needed to check $what (CI=true: a missing input is a failure; set CVEFEED_SHARED to the shared/ folder)"
    exit 1
  fi
  echo "$name: SKIPPED: $what (no $path; set CVEFEED_SHARED to the shared/ folder)"
  [ -n "${CVEFEED_SKIPPED:-}" ] && echo "$name: $what" >>"$CVEFEED_SKIPPED"
  return 1
}

# A check whose tools cannot run on this machine (a missing program, no root
# for chroot, a sandbox that forbids what it needs). Call
# `cannot_run NAME WHAT WHY`; it never returns:
# - under CI=true: prints "FAILED: …" and exits 1, since CI must run it;
# - elsewhere: prints "SKIPPED: …", records it in $CVEFEED_SKIPPED and exits 0,
#   so the run's summary says what did not run. Never a silent pass.
cannot_run() { # name, what would be checked, why it cannot run here
  local name=$1 what=$2 why=$3
  if [ "${CI:-}" = true ]; then
    echo "$name: FAILED: cannot check $what: $why (CI=true: a check that cannot run is a failure)"
    exit 1
  fi
  echo "$name: SKIPPED: $what ($why)"
  [ -n "${CVEFEED_SKIPPED:-}" ] && echo "$name: $what ($why)" >>"$CVEFEED_SKIPPED"
  exit 0
}
