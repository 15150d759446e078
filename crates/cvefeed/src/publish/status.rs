//! Step 5: the status document. Every run, whatever its outcome, ends by
//! rewriting `status.json`: when it ran, how it ended, the last success and
//! the error if it failed. A failed run carries the previous run's counts
//! over, so the document keeps describing what is published.
//!
//! This step owns `status.json`; it is the only object a failed or
//! unchanged run writes (besides the GitHub page cache), and no other step
//! writes it.

use chrono::{DateTime, Utc};

use super::{RefreshError, Summary, to_json};
use crate::error::Chain;
use crate::store::{PutMode, Store, StoreError};
use cvefeed_model::manifest::{Outcome, STATUS, StatusDoc};
use cvefeed_model::render::content_type;

/// The published `status.json`, if there is a readable one.
pub(super) async fn read(store: &dyn Store) -> Option<StatusDoc> {
    match store.get(STATUS).await {
        Ok(Some(f)) => serde_json::from_slice(&f.bytes)
            .inspect_err(|e| tracing::warn!(error = %e, "ignoring an unreadable {STATUS}"))
            .ok(),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %Chain(&e), "cannot read {STATUS}");
            None
        }
    }
}

/// Record how the run ended at `now`.
pub(super) async fn write(
    store: &dyn Store,
    previous: Option<&StatusDoc>,
    result: &Result<Summary, RefreshError>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let status = document(previous, result, now);
    store
        .put(
            STATUS,
            to_json(&status),
            content_type::JSON,
            PutMode::Overwrite,
        )
        .await
}

fn document(
    previous: Option<&StatusDoc>,
    result: &Result<Summary, RefreshError>,
    now: DateTime<Utc>,
) -> StatusDoc {
    match result {
        Ok(summary) => StatusDoc {
            last_check: now,
            last_success: Some(now),
            last_outcome: summary.outcome,
            last_error: None,
            item_count: summary.items,
            unparsed_issues: summary.unparsed.len(),
            unparsed: summary.unparsed.clone(),
            cve_record_failures: summary.cve_records.failures.len(),
            cve_record_failed: summary.cve_records.failures.clone(),
            audit_findings: summary.cve_records.findings,
        },
        Err(e) => StatusDoc {
            last_check: now,
            last_success: previous.and_then(|p| p.last_success),
            last_outcome: Outcome::Failed,
            last_error: Some(Chain(e).to_string()),
            item_count: previous.map_or(0, |p| p.item_count),
            unparsed_issues: previous.map_or(0, |p| p.unparsed_issues),
            unparsed: previous.map(|p| p.unparsed.clone()).unwrap_or_default(),
            cve_record_failures: previous.map_or(0, |p| p.cve_record_failures),
            cve_record_failed: previous
                .map(|p| p.cve_record_failed.clone())
                .unwrap_or_default(),
            audit_findings: previous.map_or(0, |p| p.audit_findings),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_keep_their_names_in_status_json() {
        for (outcome, name) in [
            (Outcome::Published, "published"),
            (Outcome::Unchanged, "unchanged"),
            (Outcome::Failed, "failed"),
        ] {
            assert_eq!(
                serde_json::to_value(outcome).unwrap(),
                serde_json::json!(name)
            );
            assert_eq!(outcome.as_str(), name);
            assert_eq!(
                serde_json::from_value::<Outcome>(serde_json::json!(name)).unwrap(),
                outcome
            );
        }
    }

    #[test]
    fn a_failure_keeps_the_previous_counts_and_records_the_whole_chain() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let previous = StatusDoc {
            last_check: at("2031-01-01T00:00:00Z"),
            last_success: Some(at("2031-01-01T00:00:00Z")),
            last_outcome: Outcome::Published,
            last_error: None,
            item_count: 7,
            unparsed_issues: 1,
            unparsed: Vec::new(),
            cve_record_failures: 2,
            cve_record_failed: vec![
                "CVE-2031-0001".parse().unwrap(),
                "CVE-2031-0002".parse().unwrap(),
            ],
            audit_findings: 3,
        };
        let error = RefreshError::ReadFile {
            path: "issues.json".into(),
            source: std::io::Error::other("gone"),
        };
        let doc = document(Some(&previous), &Err(error), at("2031-01-02T00:00:00Z"));
        assert_eq!(doc.last_outcome, Outcome::Failed);
        assert_eq!(doc.last_success, previous.last_success);
        assert_eq!((doc.item_count, doc.unparsed_issues), (7, 1));
        assert_eq!((doc.cve_record_failures, doc.audit_findings), (2, 3));
        assert_eq!(doc.cve_record_failed, previous.cve_record_failed);
        assert_eq!(
            doc.last_error.as_deref(),
            Some("cannot read issues from issues.json: gone")
        );
    }
}
