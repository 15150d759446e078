# cvefeed serve: promtool (Debian package prometheus) validates /metrics in
# scripts/checks/metrics.sh.
need_apt prometheus
# scripts/checks/metrics.sh talks to the server with curl.
need_apt curl
