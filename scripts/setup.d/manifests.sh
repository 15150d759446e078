# shellcheck shell=bash
# The Kubernetes manifests (scripts/checks/manifests.sh): kubernetes-validate
# checks every object against the OpenAPI schema of a Kubernetes release.
# The kustomizations are built with `kubectl kustomize` where kubectl is on
# the machine (it is not in Debian's archive, so it is not installed here).
need_pip kubernetes-validate
