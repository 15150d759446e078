# shellcheck shell=bash
# The static hosting example deploy/nginx.conf, run by scripts/checks/nginx.sh:
# Debian's nginx (gzip_static is built in) and the brotli_static module; the
# .br siblings it serves are written by `cvefeed refresh --precompress`.
need_apt nginx libnginx-mod-http-brotli-static curl
