"""How the render checks end: with the failures listed and exit status 1,
or with one line saying what passed."""
import sys


def finish(failures, check, path, passed):
    """Print FAILURES under "CHECK check failed for PATH" and exit 1; with
    none, print PASSED."""
    if failures:
        print(check, "check failed for", path)
        for f in failures:
            print("  -", f)
        sys.exit(1)
    print(passed)
