//! The JSON report for scripts: the results, remediations, targets,
//! end-of-life findings and warnings of a [`Report`].

use serde::Serialize;

use super::{EndOfLife, Report, Summary};
use crate::check::{CheckResult, Installed, Remediation, UnknownReason};

#[derive(Serialize)]
struct JsonTarget<'a> {
    name: &'a str,
    components: Vec<String>,
    version: &'a str,
    upstream: Option<String>,
    vendor_build: bool,
    unknown_reason: Option<UnknownReason>,
    origin: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    feed: &'a str,
    targets: Vec<JsonTarget<'a>>,
    summary: Summary,
    results: &'a [CheckResult],
    remediation: &'a [Remediation],
    end_of_life: &'a [EndOfLife],
    warnings: &'a [String],
}

/// The JSON report: `{"feed", "targets", "summary", "results",
/// "remediation", "end_of_life", "warnings"}`.
pub fn json(report: &Report) -> String {
    let doc = JsonReport {
        feed: &report.feed,
        targets: report
            .targets
            .iter()
            .map(|t| JsonTarget {
                name: &t.name,
                components: t.scope.names(),
                version: t.version.raw(),
                upstream: t.version.version().map(|v| v.upstream().to_string()),
                vendor_build: t.version.version().is_some_and(|v| v.is_vendor_build()),
                unknown_reason: match &t.version {
                    Installed::Unreadable { why, .. } => Some(*why),
                    Installed::Version(_) => None,
                },
                origin: &t.origin,
            })
            .collect(),
        summary: report.summary(),
        results: &report.results,
        remediation: &report.remediation,
        end_of_life: &report.end_of_life,
        warnings: &report.warnings,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("report values always serialize");
    s.push('\n');
    s
}
