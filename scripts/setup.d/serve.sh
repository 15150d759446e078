# cvefeed serve: promtool (Debian package prometheus) validates /metrics in
# scripts/checks/metrics.sh.
need_apt prometheus
# scripts/checks/metrics.sh talks to the server with curl.
need_apt curl
# The SIGTERM test (crates/cvefeed/tests/serve/shutdown.rs) runs kill(1),
# which Debian ships in procps (priority important: not in every image).
need_apt procps
