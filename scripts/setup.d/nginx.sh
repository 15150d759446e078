# shellcheck shell=bash
# The static hosting example deploy/nginx.conf, run by scripts/checks/nginx.sh:
# Debian's nginx (gzip_static is built in), the brotli_static module, and the
# brotli command that makes the .br sibling the check serves.
need_apt nginx libnginx-mod-http-brotli-static brotli curl
