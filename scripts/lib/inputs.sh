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
  not_run "$name" "$what" "no $path; set CVEFEED_SHARED to the shared/ folder"
  return 1
}

# Under CI=true: print "FAILED: …" and exit 1. Elsewhere: print "SKIPPED: …"
# and record it in $CVEFEED_SKIPPED for the summary of scripts/test.sh.
not_run() { # name, what would be checked, why it is not
  local name=$1 what=$2 why=$3
  # CI as the Rust tests read it: set, and not empty, false or 0.
  if [ -n "${CI:-}" ] && [ "$CI" != false ] && [ "$CI" != 0 ]; then
    echo "$name: FAILED: cannot check $what: $why (CI=$CI: a check that does not run is a failure)"
    exit 1
  fi
  echo "$name: SKIPPED: $what ($why)"
  if [ -n "${CVEFEED_SKIPPED:-}" ]; then echo "$name: $what ($why)" >>"$CVEFEED_SKIPPED"; fi
}

# A check whose tools cannot run on this machine (a missing program, no root
# for chroot, a sandbox that forbids what it needs). Call
# `cannot_run NAME WHAT WHY`; it never returns:
# - under CI=true: prints "FAILED: …" and exits 1, since CI must run it;
# - elsewhere: prints "SKIPPED: …", records it in $CVEFEED_SKIPPED and exits 0,
#   so the run's summary says what did not run. Never a silent pass.
cannot_run() { # name, what would be checked, why it cannot run here
  not_run "$1" "$2" "$3"
  exit 0
}
