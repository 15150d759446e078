//! Output of `cvefeed check`: a text table for people, JSON for scripts and
//! SARIF 2.1.0 for code-scanning dashboards, and the exit status a report
//! calls for.
//!
//! Pure functions of a [`Report`]; they never decide verdicts (that is
//! [`super::assess`]) and never print: [`render`] says what goes to
//! stdout and what to stderr.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_sarif::sarif;

use super::{CheckResult, Target, Verdict};
use cvefeed_model::advisory::vuln::Rating;

/// Everything a check found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The feed(s) read, in words.
    pub feed: String,
    /// How many CVEs the feed(s) hold.
    pub cves: usize,
    /// What was checked.
    pub targets: Vec<Target>,
    /// One result per CVE and target, in [`super::assess`] order.
    pub results: Vec<CheckResult>,
    /// Problems that did not stop the check.
    pub warnings: Vec<String>,
    /// The `--fail-on` threshold ([`super::fails`]).
    pub fail_on: Option<Rating>,
}

/// An output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A table for people; warnings are part of it.
    Text,
    /// JSON for scripts; warnings also go to stderr.
    Json,
    /// SARIF 2.1.0; warnings also go to stderr.
    Sarif,
}

/// What to print for a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Output {
    /// The document, for stdout.
    pub stdout: String,
    /// Lines for stderr (`warning: ...`), so that a machine-readable
    /// stdout is the document alone while people still see the warnings.
    pub stderr: Vec<String>,
}

/// Render `report` in `format`; `all` lists every result, not only the
/// affected and unknown ones (text and SARIF).
pub fn render(report: &Report, format: Format, all: bool) -> Output {
    let warnings = || {
        report
            .warnings
            .iter()
            .map(|w| format!("warning: {w}"))
            .collect()
    };
    match format {
        Format::Text => Output {
            stdout: text(report, all),
            stderr: Vec::new(),
        },
        Format::Json => Output {
            stdout: json(report),
            stderr: warnings(),
        },
        Format::Sarif => Output {
            stdout: sarif(report, all),
            stderr: warnings(),
        },
    }
}

/// CVE counts by their worst verdict over all targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// CVEs checked.
    pub cves: usize,
    /// Affecting at least one target.
    pub affected: usize,
    /// Not affecting any, and unknown for at least one.
    pub unknown: usize,
    /// Affecting none.
    pub not_affected: usize,
}

impl Report {
    /// Whether an affected result is rated at or above the threshold
    /// (unrated ones count at every threshold).
    pub fn fails(&self) -> bool {
        super::fails(&self.results, self.fail_on)
    }

    /// The exit status the report calls for: 1 when it [`fails`](Report::fails),
    /// else 0. (2, an error, is the caller's.)
    pub fn exit_status(&self) -> u8 {
        u8::from(self.fails())
    }

    /// Counts per CVE: a CVE counts once, by its worst verdict.
    pub fn summary(&self) -> Summary {
        let mut worst: BTreeMap<&str, Verdict> = BTreeMap::new();
        for r in &self.results {
            worst
                .entry(&r.id)
                .and_modify(|v| *v = (*v).min(r.verdict))
                .or_insert(r.verdict);
        }
        let count = |want: Verdict| worst.values().filter(|v| **v == want).count();
        Summary {
            cves: self.cves,
            affected: count(Verdict::Affected),
            unknown: count(Verdict::Unknown),
            not_affected: count(Verdict::NotAffected),
        }
    }

    /// The one summary line.
    pub fn summary_line(&self) -> String {
        let s = self.summary();
        let mut line = format!(
            "{} affected, {} not affected, {} unknown: {} CVEs checked against {} target(s)",
            s.affected,
            s.not_affected,
            s.unknown,
            s.cves,
            self.targets.len()
        );
        if self
            .results
            .iter()
            .any(|r| r.vendor_build && r.verdict == Verdict::Affected)
        {
            line.push_str(
                "; vendor builds were compared as upstream: the vendor may have backported fixes",
            );
        }
        line
    }
}

fn severity_cell(r: &CheckResult) -> String {
    match (r.severity, r.score) {
        (Some(rating), Some(score)) => format!("{rating} {score:.1}"),
        (Some(rating), None) => rating.to_string(),
        (None, _) => "unrated".to_string(),
    }
}

fn status_cell(r: &CheckResult) -> String {
    if r.vendor_build && r.verdict != Verdict::NotAffected {
        format!("{} (vendor build)", r.verdict.as_str())
    } else {
        r.verdict.as_str().to_string()
    }
}

/// The text report: targets, a table of affected results (every result
/// with `all`), the CVEs that could not be assessed and why, warnings, and
/// one summary line.
pub fn text(report: &Report, all: bool) -> String {
    let mut out = format!("feed: {}\n", report.feed);
    for t in &report.targets {
        out.push_str(&format!(
            "target: {} {} ({}; from {})\n",
            t.name,
            t.version,
            t.scope.names().join(", "),
            t.origin
        ));
    }
    out.push('\n');
    let rows: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| all || r.verdict == Verdict::Affected)
        .collect();
    if rows.is_empty() {
        out.push_str("No affected component found.\n");
    } else {
        let header = [
            "CVE",
            "SEVERITY",
            "COMPONENT",
            "INSTALLED",
            "FIXED IN",
            "STATUS",
            "LINK",
        ]
        .map(String::from);
        let cells: Vec<[String; 7]> = rows
            .iter()
            .map(|r| {
                [
                    r.id.clone(),
                    severity_cell(r),
                    r.component.clone(),
                    r.installed.clone(),
                    r.fixed_in.clone().unwrap_or_else(|| "-".into()),
                    status_cell(r),
                    r.url.clone(),
                ]
            })
            .collect();
        let mut widths = header.clone().map(|h| h.chars().count());
        for row in &cells {
            for (w, c) in widths.iter_mut().zip(row) {
                *w = (*w).max(c.chars().count());
            }
        }
        for row in std::iter::once(&header).chain(&cells) {
            let line: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(c, w)| format!("{c:<w$}"))
                .collect();
            out.push_str(line.join("  ").trim_end());
            out.push('\n');
        }
    }
    if !all {
        let mut unknown: Vec<(&str, &str)> = report
            .results
            .iter()
            .filter(|r| r.verdict == Verdict::Unknown)
            .map(|r| (r.id.as_str(), r.reason.as_str()))
            .collect();
        unknown.dedup();
        if !unknown.is_empty() {
            out.push_str("\nCould not assess:\n");
            for (id, reason) in unknown {
                out.push_str(&format!("  {id}: {reason}\n"));
            }
        }
    }
    if !report.warnings.is_empty() {
        out.push('\n');
        for w in &report.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
    }
    out.push_str(&format!("\n{}\n", report.summary_line()));
    out
}

#[derive(Serialize)]
struct JsonTarget<'a> {
    name: &'a str,
    components: Vec<String>,
    version: &'a str,
    upstream: String,
    vendor_build: bool,
    origin: &'a str,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    feed: &'a str,
    targets: Vec<JsonTarget<'a>>,
    summary: Summary,
    results: &'a [CheckResult],
    warnings: &'a [String],
}

/// The JSON report: `{"feed", "targets", "summary", "results", "warnings"}`.
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
                upstream: t.version.upstream().to_string(),
                vendor_build: t.version.is_vendor_build(),
                origin: &t.origin,
            })
            .collect(),
        summary: report.summary(),
        results: &report.results,
        warnings: &report.warnings,
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("report values always serialize");
    s.push('\n');
    s
}

/// The SARIF level of an affected result: critical and high are errors,
/// medium and unrated are warnings, low and none are notes.
pub fn sarif_level(severity: Option<Rating>) -> sarif::ResultLevel {
    match severity {
        Some(Rating::Critical | Rating::High) => sarif::ResultLevel::Error,
        Some(Rating::Medium) | None => sarif::ResultLevel::Warning,
        Some(Rating::Low | Rating::None) => sarif::ResultLevel::Note,
    }
}

/// The SARIF 2.1.0 log: one rule per CVE that has a result, one result per
/// affected (`kind: fail`) or unknown (`kind: review`) CVE and target; with
/// `all`, not-affected ones too (`kind: pass`).
pub fn sarif(report: &Report, all: bool) -> String {
    let shown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| all || r.verdict != Verdict::NotAffected)
        .collect();
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    let mut rules = Vec::new();
    for r in &shown {
        if rule_index.contains_key(r.id.as_str()) {
            continue;
        }
        rule_index.insert(&r.id, rules.len());
        let mut props = BTreeMap::new();
        if let Some(score) = r.score {
            props.insert(
                "security-severity".to_string(),
                serde_json::Value::String(format!("{score:.1}")),
            );
        }
        let description = if r.summary.is_empty() {
            &r.id
        } else {
            &r.summary
        };
        rules.push(
            sarif::ReportingDescriptor::builder()
                .id(r.id.clone())
                .short_description(
                    sarif::MultiformatMessageString::builder()
                        .text(description.clone())
                        .build(),
                )
                .help_uri(r.url.clone())
                .properties(
                    sarif::PropertyBag::builder()
                        .tags(vec!["security".to_string(), "kubernetes".to_string()])
                        .additional_properties(props)
                        .build(),
                )
                .build(),
        );
    }
    let results: Vec<sarif::Result> = shown
        .iter()
        .map(|r| {
            let (kind, level) = match r.verdict {
                Verdict::Affected => (sarif::ResultKind::Fail, sarif_level(r.severity)),
                Verdict::Unknown => (sarif::ResultKind::Review, sarif::ResultLevel::None),
                Verdict::NotAffected => (sarif::ResultKind::Pass, sarif::ResultLevel::None),
            };
            let mut text = format!(
                "{} {} {} {}: {}",
                r.component,
                r.installed,
                match r.verdict {
                    Verdict::Affected => "is affected by",
                    Verdict::Unknown => "could not be assessed for",
                    Verdict::NotAffected => "is not affected by",
                },
                r.id,
                r.reason
            );
            if let Some(fixed) = &r.fixed_in {
                text.push_str(&format!(". Fixed in {fixed}"));
            }
            let artifact = format!("kubernetes/{}@{}", r.target.replace(' ', "-"), r.installed);
            let location = sarif::Location::builder()
                .physical_location(
                    sarif::PhysicalLocation::builder()
                        .artifact_location(
                            sarif::ArtifactLocation::builder()
                                .uri(artifact.clone())
                                .build(),
                        )
                        .build(),
                )
                .logical_locations(vec![
                    sarif::LogicalLocation::builder()
                        .name(r.component.clone())
                        .fully_qualified_name(artifact.clone())
                        .kind("module")
                        .build(),
                ])
                .build();
            sarif::Result::builder()
                .rule_id(r.id.clone())
                .rule_index(rule_index[r.id.as_str()] as i64)
                .kind(kind)
                .level(level)
                .message(sarif::Message::builder().text(text).build())
                .locations(vec![location])
                .partial_fingerprints(BTreeMap::from([(
                    "cvefeed/v1".to_string(),
                    format!("{}/{artifact}", r.id),
                )]))
                .build()
        })
        .collect();
    let notifications: Vec<sarif::Notification> = report
        .warnings
        .iter()
        .map(|w| {
            sarif::Notification::builder()
                .level(serde_json::json!("warning"))
                .message(sarif::Message::builder().text(w.clone()).build())
                .build()
        })
        .collect();
    let mut invocation = sarif::Invocation::builder()
        .execution_successful(true)
        .build();
    if !notifications.is_empty() {
        invocation.tool_execution_notifications = Some(notifications);
    }
    let run = sarif::Run::builder()
        .tool(
            sarif::Tool::builder()
                .driver(
                    sarif::ToolComponent::builder()
                        .name("cvefeed")
                        .version(env!("CARGO_PKG_VERSION"))
                        .information_uri("https://kubernetes.io/docs/reference/issues-security/official-cve-feed/")
                        .rules(rules)
                        .build(),
                )
                .build(),
        )
        .results(results)
        .invocations(vec![invocation])
        .build();
    let log = sarif::Sarif::builder()
        .schema(sarif::SCHEMA_URL)
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build();
    let mut s = serde_json::to_string_pretty(&log).expect("SARIF values always serialize");
    s.push('\n');
    s
}
