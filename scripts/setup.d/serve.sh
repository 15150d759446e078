# cvefeed serve: promtool (Debian package prometheus) validates /metrics in
# scripts/checks/metrics.sh.
need_apt prometheus
