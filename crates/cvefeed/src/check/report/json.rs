//! The JSON report for scripts: the results, remediations, targets,
//! end-of-life findings and warnings of a [`Report`].

use serde::Serialize;

use super::{EndOfLife, Report, Summary, words};
use crate::check::{
    CheckResult, Cleared, FixState, Installed, Remediation, SourceClaim, UnknownReason, Verdict,
};
use cvefeed_model::advisory::vuln::Rating;

/// One result as scripts read it: the model's values, with the reason in
/// words.
#[derive(Serialize)]
struct JsonResult<'a> {
    id: &'a str,
    verdict: Verdict,
    component: &'a str,
    installed: &'a str,
    fixed_in: Option<String>,
    fix: Option<FixState>,
    severity: Option<Rating>,
    score: Option<f64>,
    vendor_build: bool,
    reason: String,
    unknown_reason: Option<UnknownReason>,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_affected_reason: Option<Cleared>,
    #[serde(skip_serializing_if = "<[SourceClaim]>::is_empty")]
    sources_disagree: &'a [SourceClaim],
    ignored: Option<&'a str>,
    target: &'a str,
    summary: &'a str,
    url: &'a str,
}

impl<'a> JsonResult<'a> {
    fn of(r: &'a CheckResult) -> JsonResult<'a> {
        JsonResult {
            id: r.id.as_str(),
            verdict: r.verdict,
            component: &r.component,
            installed: &r.installed,
            fixed_in: r.fixed_in.as_ref().map(ToString::to_string),
            fix: r.fix,
            severity: r.severity,
            score: r.score,
            vendor_build: r.vendor_build,
            reason: words::reason(r),
            unknown_reason: r.unknown_reason,
            not_affected_reason: r.not_affected_reason,
            sources_disagree: &r.sources_disagree,
            ignored: r.ignored.as_deref(),
            target: &r.target,
            summary: &r.summary,
            url: &r.url,
        }
    }
}

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
    results: Vec<JsonResult<'a>>,
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
        results: report.results.iter().map(JsonResult::of).collect(),
        remediation: &report.remediation,
        end_of_life: &report.end_of_life,
        warnings: &report.warnings,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("report values always serialize");
    s.push('\n');
    s
}
