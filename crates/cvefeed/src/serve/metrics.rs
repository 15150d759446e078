//! Prometheus metrics of `serve`: refresh runs, GitHub traffic, the
//! published set, HTTP requests and webhook deliveries.
//!
//! This module owns metric names and label sets (all bounded: routes are
//! templates, never raw paths). It records what callers report and encodes
//! the registry; it does no I/O itself.

use std::sync::atomic::AtomicU64;

use chrono::{DateTime, Utc};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::publish::{Outcome, RefreshError, Summary};
use cvefeed_model::cve5::Field;

/// What became of a webhook delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOutcome {
    /// A relevant event: a refresh was scheduled.
    Triggered,
    /// Authentic, but not about the watched label or repositories.
    Ignored,
    /// A `X-GitHub-Delivery` already seen.
    Duplicate,
    /// GitHub's `ping`.
    Ping,
    /// No `X-Hub-Signature-256`.
    MissingSignature,
    /// A signature that does not match.
    BadSignature,
    /// A body over the limit.
    TooLarge,
    /// Refused unread: too many deliveries in flight, or their bodies
    /// fill the memory budget.
    Overloaded,
    /// An authentic body already delivered within the replay window.
    Replayed,
    /// An authentic body that is not the expected JSON.
    BadPayload,
    /// No secret is configured.
    Disabled,
}

/// How a reload of the published set ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// A new set was swapped in.
    Loaded,
    /// The manifest had not changed.
    Unchanged,
    /// Nothing is published yet.
    Empty,
    /// The store could not be read or the set was torn; the old set stays.
    Failed,
}

impl DeliveryOutcome {
    /// The metric label (and log) value.
    pub fn label(self) -> &'static str {
        match self {
            DeliveryOutcome::Triggered => "triggered",
            DeliveryOutcome::Ignored => "ignored",
            DeliveryOutcome::Duplicate => "duplicate",
            DeliveryOutcome::Ping => "ping",
            DeliveryOutcome::MissingSignature => "missing_signature",
            DeliveryOutcome::BadSignature => "bad_signature",
            DeliveryOutcome::TooLarge => "too_large",
            DeliveryOutcome::Overloaded => "overloaded",
            DeliveryOutcome::Replayed => "replayed",
            DeliveryOutcome::BadPayload => "bad_payload",
            DeliveryOutcome::Disabled => "disabled",
        }
    }
}

impl ReloadOutcome {
    fn label(self) -> &'static str {
        match self {
            ReloadOutcome::Loaded => "loaded",
            ReloadOutcome::Unchanged => "unchanged",
            ReloadOutcome::Empty => "empty",
            ReloadOutcome::Failed => "failed",
        }
    }
}

/// The empty label set: a family of this holds one series, or none yet.
type NoLabels = [(&'static str, &'static str); 0];

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct RunLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct StatusLabels {
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct HttpLabels {
    route: &'static str,
    status: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct DeliveryLabels {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct ReloadLabels {
    outcome: &'static str,
}

/// All metrics of one `serve` process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    refresh_runs: Family<RunLabels, Counter>,
    refresh_duration: Histogram,
    github_requests: Family<StatusLabels, Counter>,
    github_not_modified: Counter,
    /// Absent until GitHub has answered with the header: a series keyed by
    /// the empty label set, created on the first value.
    rate_limit_remaining: Family<NoLabels, Gauge>,
    items: Gauge,
    last_success: Gauge<f64, AtomicU64>,
    last_success_age: Gauge<f64, AtomicU64>,
    http_requests: Family<HttpLabels, Counter>,
    webhook_deliveries: Family<DeliveryLabels, Counter>,
    reloads: Family<ReloadLabels, Counter>,
    record_failures: Counter,
    audit_findings: Family<FieldLabels, Gauge>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct FieldLabels {
    field: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every metric registered under `cvefeed_`.
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("cvefeed");
        let m = Metrics {
            refresh_runs: Family::default(),
            refresh_duration: Histogram::new(exponential_buckets(0.05, 2.0, 12)),
            github_requests: Family::default(),
            github_not_modified: Counter::default(),
            rate_limit_remaining: Family::default(),
            items: Gauge::default(),
            last_success: Gauge::default(),
            last_success_age: Gauge::default(),
            http_requests: Family::default(),
            webhook_deliveries: Family::default(),
            reloads: Family::default(),
            record_failures: Counter::default(),
            audit_findings: Family::default(),
            registry: Registry::default(),
        };
        registry.register(
            "refresh_runs",
            "Refresh runs by outcome",
            m.refresh_runs.clone(),
        );
        registry.register(
            "refresh_duration_seconds",
            "Duration of refresh runs",
            m.refresh_duration.clone(),
        );
        registry.register(
            "github_requests",
            "GitHub API responses by HTTP status",
            m.github_requests.clone(),
        );
        registry.register(
            "github_not_modified",
            "GitHub API requests answered 304 (free of rate limit)",
            m.github_not_modified.clone(),
        );
        registry.register(
            "github_rate_limit_remaining",
            "Last X-RateLimit-Remaining seen from GitHub (absent until GitHub has answered)",
            m.rate_limit_remaining.clone(),
        );
        registry.register(
            "feed_items",
            "Items in the feed being served",
            m.items.clone(),
        );
        registry.register(
            "last_success_timestamp_seconds",
            "Unix time of the last successful refresh (own or from status.json)",
            m.last_success.clone(),
        );
        registry.register(
            "last_success_age_seconds",
            "Seconds since the last successful refresh (or since the start, before one)",
            m.last_success_age.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests by route template and status",
            m.http_requests.clone(),
        );
        registry.register(
            "webhook_deliveries",
            "GitHub webhook deliveries by outcome",
            m.webhook_deliveries.clone(),
        );
        registry.register(
            "feed_reloads",
            "Reloads of the published set from the store, by outcome",
            m.reloads.clone(),
        );
        registry.register(
            "cve_record_failures",
            "CVE records that could not be fetched or read in this process's refreshes",
            m.record_failures.clone(),
        );
        registry.register(
            "audit_findings",
            "Findings of the served audit.json (issue and CVE record disagree), by field",
            m.audit_findings.clone(),
        );
        Metrics { registry, ..m }
    }

    /// Record one refresh run.
    pub fn refresh(&self, result: &Result<Summary, RefreshError>, seconds: f64) {
        self.refresh_duration.observe(seconds);
        let outcome = match result {
            Ok(s) => s.outcome,
            Err(_) => Outcome::Failed,
        };
        self.refresh_runs
            .get_or_create(&RunLabels {
                outcome: outcome.as_str(),
            })
            .inc();
        if let Ok(s) = result {
            for (status, n) in &s.github_statuses {
                self.github_requests
                    .get_or_create(&StatusLabels { status: *status })
                    .inc_by(u64::from(*n));
            }
            self.github_not_modified.inc_by(u64::from(s.not_modified));
            self.record_failures
                .inc_by(s.cve_records.failures.len() as u64);
            if let Some(r) = s.rate_limit_remaining {
                self.rate_limit_remaining
                    .get_or_create(&[])
                    .set(i64::try_from(r).unwrap_or(i64::MAX));
            }
        }
    }

    /// Record the served set's audit findings, per field.
    pub fn set_audit(&self, counts: &std::collections::BTreeMap<Field, usize>) {
        for field in Field::ALL {
            let n = counts.get(&field).copied().unwrap_or(0);
            self.audit_findings
                .get_or_create(&FieldLabels {
                    field: field.as_str(),
                })
                .set(i64::try_from(n).unwrap_or(i64::MAX));
        }
    }

    /// Record the served set's item count.
    pub fn set_items(&self, items: usize) {
        self.items.set(i64::try_from(items).unwrap_or(i64::MAX));
    }

    /// Record one HTTP request.
    pub fn http(&self, route: &'static str, status: u16) {
        self.http_requests
            .get_or_create(&HttpLabels { route, status })
            .inc();
    }

    /// Record one webhook delivery.
    pub fn delivery(&self, outcome: DeliveryOutcome) {
        self.webhook_deliveries
            .get_or_create(&DeliveryLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// Record one reload.
    pub fn reload(&self, outcome: ReloadOutcome) {
        self.reloads
            .get_or_create(&ReloadLabels {
                outcome: outcome.label(),
            })
            .inc();
    }

    /// The registry in the OpenMetrics text format, with the last-success
    /// gauges computed for `now`. Before any success, the age counts from
    /// `started` (the process start), so a staleness alert still fires.
    pub fn encode(
        &self,
        last_success: Option<DateTime<Utc>>,
        started: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> String {
        if let Some(t) = last_success {
            self.last_success.set(t.timestamp_millis() as f64 / 1000.0);
        }
        let since = last_success.unwrap_or(started);
        self.last_success_age
            .set((now - since).num_milliseconds().max(0) as f64 / 1000.0);
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)
            .expect("writing to a String");
        out
    }
}

/// Content type of [`Metrics::encode`].
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";
/// Content type of [`to_prometheus_text`].
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// OpenMetrics text to the classic Prometheus text format (0.0.4), for
/// scrapers and tools that do not ask for OpenMetrics (`promtool`, `curl`):
/// counter families are named with their `_total` suffix, `# UNIT` lines
/// and the `# EOF` marker are dropped.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    let counters: std::collections::HashSet<&str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE ")?.strip_suffix(" counter"))
        .collect();
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        let renamed = ["# HELP ", "# TYPE "].iter().find_map(|prefix| {
            let rest = line.strip_prefix(prefix)?;
            let (name, tail) = rest.split_once(' ')?;
            counters
                .contains(name)
                .then(|| format!("{prefix}{name}_total {tail}"))
        });
        match renamed {
            Some(l) => out.push_str(&l),
            None => out.push_str(line),
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_text_names_counters_with_total() {
        let om = "# HELP a_runs Runs.\n# TYPE a_runs counter\na_runs_total{x=\"1\"} 2\n\
                  # HELP a_items Items.\n# TYPE a_items gauge\na_items 3\n# EOF\n";
        assert_eq!(
            to_prometheus_text(om),
            "# HELP a_runs_total Runs.\n# TYPE a_runs_total counter\na_runs_total{x=\"1\"} 2\n\
             # HELP a_items Items.\n# TYPE a_items gauge\na_items 3\n"
        );
    }

    #[test]
    fn encodes_recorded_values() {
        let m = Metrics::new();
        m.http("/index.json", 304);
        m.delivery(DeliveryOutcome::BadSignature);
        m.set_items(7);
        let now = Utc::now();
        let text = m.encode(None, now - chrono::TimeDelta::seconds(90), now);
        assert!(
            text.contains("cvefeed_http_requests_total{route=\"/index.json\",status=\"304\"} 1")
        );
        assert!(text.contains("cvefeed_webhook_deliveries_total{outcome=\"bad_signature\"} 1"));
        assert!(text.contains("cvefeed_feed_items 7"));
        assert!(
            text.contains("cvefeed_last_success_age_seconds 90.0"),
            "{text}"
        );
        assert!(
            text.contains("cvefeed_last_success_timestamp_seconds 0.0"),
            "{text}"
        );
    }

    fn summary(rate_limit_remaining: Option<u64>) -> Summary {
        Summary {
            outcome: Outcome::Unchanged,
            items: 0,
            location: "./public".into(),
            changes: Default::default(),
            requests: 1,
            not_modified: 1,
            github_statuses: Default::default(),
            rate_limit_remaining,
            unparsed: vec![],
            cve_records: crate::publish::RecordStats::default(),
            written: vec![],
            updated_at: Utc::now(),
            hooks: vec![],
        }
    }

    #[test]
    fn the_rate_limit_is_absent_until_github_has_answered() {
        let m = Metrics::new();
        let now = Utc::now();
        // Before any run, and after a run GitHub did not answer (offline).
        m.refresh(&Ok(summary(None)), 0.1);
        let text = m.encode(None, now, now);
        assert!(text.contains("cvefeed_refresh_runs_total"), "{text}");
        assert!(
            !text.contains("cvefeed_github_rate_limit_remaining"),
            "{text}"
        );
        m.refresh(&Ok(summary(Some(4987))), 0.1);
        let text = m.encode(None, now, now);
        assert!(
            text.lines()
                .any(|l| l == "cvefeed_github_rate_limit_remaining 4987"),
            "{text}"
        );
        // A later run without the header keeps the last value seen.
        m.refresh(&Ok(summary(None)), 0.1);
        assert!(
            m.encode(None, now, now)
                .contains("cvefeed_github_rate_limit_remaining 4987\n")
        );
    }
}
