//! Output of `cvefeed check`: a text report for people (at most 100
//! columns), JSON for scripts and SARIF 2.1.0 for code-scanning
//! dashboards, and the exit status a report calls for.
//!
//! Pure functions of a [`Report`]; they never decide verdicts (that is
//! [`super::assess()`]) and never print: [`render`] says what goes to
//! stdout and what to stderr. Text from a feed or a cluster is never
//! trusted with the terminal: control and bidirectional-override
//! characters are escaped ([`clean`]) and long cells are cut.
//!
//! - [`text`]: the table for people, and escaping terminal text.
//! - [`json`]: the JSON document for scripts.
//! - [`sarif`]: SARIF 2.1.0 for code-scanning dashboards.
//! - [`words`]: the English the formats share, written from the model's
//!   enums.

mod json;
mod sarif;
mod text;
pub mod words;

pub use json::json;
pub use sarif::{sarif, sarif_level};
pub use text::{cell, clean, text};

use std::collections::BTreeMap;

use serde::Serialize;

use super::{CheckResult, Remediation, Target, Verdict};
use cvefeed_model::advisory::vuln::Rating;

/// The widest line of the text report.
pub const TEXT_WIDTH: usize = 100;

/// Everything a check found.
#[derive(Debug, Clone)]
pub struct Report {
    /// The feed(s) read, in words.
    pub feed: String,
    /// How many CVEs the feed(s) hold.
    pub cves: usize,
    /// What was checked.
    pub targets: Vec<Target>,
    /// One result per CVE and target, in [`super::assess()`] order.
    pub results: Vec<CheckResult>,
    /// What to upgrade to ([`super::remediate()`]).
    pub remediation: Vec<Remediation>,
    /// Problems that did not stop the check.
    pub warnings: Vec<String>,
    /// Targets whose Kubernetes minor line is past its end of life,
    /// whatever the CVEs say.
    pub end_of_life: Vec<EndOfLife>,
    /// `--fail-on-end-of-life`: an end-of-life target fails the check.
    pub fail_on_end_of_life: bool,
    /// The `--fail-on` threshold ([`super::fails`]).
    pub fail_on: Option<Rating>,
    /// `--fail-on-unknown`.
    pub fail_on_unknown: bool,
}

/// A target whose Kubernetes minor line gets no more patch releases: no
/// fix of a later CVE will reach it ([`cvefeed_model::releases`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EndOfLife {
    /// The target.
    pub target: String,
    /// The installed version, as reported.
    pub installed: String,
    /// Its minor line (`1.27`).
    pub minor: String,
    /// The last day of its support, when the table knows it (lines
    /// before 1.10 are older than the table).
    pub ended: Option<chrono::NaiveDate>,
    /// The oldest minor line supported today.
    pub oldest_supported: Option<String>,
}

impl EndOfLife {
    /// The line a person reads.
    pub fn line(&self) -> String {
        let ended = self
            .ended
            .map_or("long ago".to_string(), |d| format!("on {d}"));
        let to = self.oldest_supported.as_ref().map_or(String::new(), |m| {
            format!("; upgrade to a supported minor ({m} or later)")
        });
        format!(
            "{} {}: Kubernetes {} reached its end of life {ended} and gets no more fixes{to}",
            self.target, self.installed, self.minor
        )
    }
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
            .map(|w| format!("warning: {}", clean(w)))
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

/// CVE counts by their worst verdict over all targets, ignored results
/// apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Summary {
    /// CVEs checked.
    pub cves: usize,
    /// Affecting at least one target (not counting ignored results).
    pub affected: usize,
    /// Not affecting any, and unknown for at least one.
    pub unknown: usize,
    /// Affecting none.
    pub not_affected: usize,
    /// Whose only affected or unknown results are ignored.
    pub ignored: usize,
}

impl Report {
    /// Whether the report calls for exit status 1 ([`super::fails`]).
    pub fn fails(&self) -> bool {
        super::fails(&self.results, self.fail_on, self.fail_on_unknown)
            || (self.fail_on_end_of_life && !self.end_of_life.is_empty())
    }

    /// The exit status the report calls for: 1 when it [`fails`](Report::fails),
    /// else 0. (2, an error, is the caller's.)
    pub fn exit_status(&self) -> u8 {
        u8::from(self.fails())
    }

    /// Counts per CVE: a CVE counts once, by its worst verdict among the
    /// results that are not ignored.
    pub fn summary(&self) -> Summary {
        // Per CVE: its worst verdict among results not ignored, and whether
        // any of its results is ignored.
        let mut worst: BTreeMap<&str, (Option<Verdict>, bool)> = BTreeMap::new();
        for r in &self.results {
            let (slot, ignored) = worst.entry(r.id.as_str()).or_insert((None, false));
            if r.ignored.is_some() {
                *ignored = true;
            } else {
                *slot = Some(slot.map_or(r.verdict, |v| v.min(r.verdict)));
            }
        }
        let mut summary = Summary {
            cves: self.cves,
            ..Summary::default()
        };
        for (verdict, ignored) in worst.into_values() {
            match (verdict, ignored) {
                (None | Some(Verdict::NotAffected), true) => summary.ignored += 1,
                (Some(Verdict::Affected), _) => summary.affected += 1,
                (Some(Verdict::Unknown), _) => summary.unknown += 1,
                (Some(Verdict::NotAffected), false) => summary.not_affected += 1,
                (None, false) => {}
            }
        }
        summary
    }

    /// The one summary line.
    pub fn summary_line(&self) -> String {
        let s = self.summary();
        let mut line = format!(
            "{} affected, {} not affected, {} unknown, {} ignored: {} CVEs checked against {} target(s)",
            s.affected,
            s.not_affected,
            s.unknown,
            s.ignored,
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
