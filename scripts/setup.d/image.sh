# shellcheck shell=bash
# The container image (scripts/image.sh, scripts/checks/image.sh): buildah
# builds it from the Containerfile, skopeo exports it to an OCI layout, umoci
# unpacks it to check its root file system. ca-certificates gives the CA
# bundle copied into the image.
need_apt buildah skopeo umoci ca-certificates openssl binutils
