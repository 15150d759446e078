//! Output of `cvefeed check`: a text report for people (at most 100
//! columns), JSON for scripts and SARIF 2.1.0 for code-scanning
//! dashboards, and the exit status a report calls for.
//!
//! Pure functions of a [`Report`]; they never decide verdicts (that is
//! [`super::assess`]) and never print: [`render`] says what goes to
//! stdout and what to stderr. Text from a feed or a cluster is never
//! trusted with the terminal: control and bidirectional-override
//! characters are escaped ([`clean`]) and long cells are cut.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;
use serde_sarif::sarif;

use super::{CheckResult, FixState, Installed, Remediation, Scope, Target, UnknownReason, Verdict};
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
    /// One result per CVE and target, in [`super::assess`] order.
    pub results: Vec<CheckResult>,
    /// What to upgrade to ([`super::remediate`]).
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
            let (slot, ignored) = worst.entry(&r.id).or_insert((None, false));
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

/// `s` with every control character (but none of the line breaks the
/// caller adds) and every bidirectional override escaped as `\u{..}`, so
/// that text from a feed cannot move the cursor, recolour the terminal or
/// reorder what is shown.
pub fn clean(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(bad) {
        return Cow::Borrowed(s);
    }
    Cow::Owned(
        s.chars()
            .map(|c| {
                if bad(c) {
                    format!("\\u{{{:x}}}", c as u32)
                } else {
                    c.to_string()
                }
            })
            .collect(),
    )
}

/// A table cell: [`clean`]ed and cut to `max` characters (the last one an
/// ellipsis).
pub fn cell(s: &str, max: usize) -> String {
    let s = clean(s);
    if s.chars().count() <= max {
        return s.into_owned();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Words of `text` (cleaned) in lines of at most [`TEXT_WIDTH`] columns,
/// the first starting with `first`, the others with `rest`; a word longer
/// than a line is cut.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let text = clean(text);
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        let room = TEXT_WIDTH - rest.len().max(first.len());
        let word = cell(word, room);
        if !empty && line.chars().count() + 1 + word.chars().count() > TEXT_WIDTH {
            out.push_str(line.trim_end());
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(&word);
        empty = false;
    }
    out.push_str(line.trim_end());
    out.push('\n');
    out
}

fn severity_cell(r: &CheckResult) -> String {
    match (r.severity, r.score) {
        (Some(rating), Some(score)) => format!("{rating} {score:.1}"),
        (Some(rating), None) => rating.to_string(),
        (None, _) => "unrated".to_string(),
    }
}

/// What FIXED IN says: the version, or which of the two kinds of "no
/// version" it is.
fn fixed_cell(r: &CheckResult) -> String {
    match (r.fix, &r.fixed_in) {
        (_, Some(v)) => v.clone(),
        (Some(FixState::NoFix), None) => "no fix".to_string(),
        (Some(FixState::NotStated), None) => "not stated".to_string(),
        _ => "-".to_string(),
    }
}

fn status_cell(r: &CheckResult) -> String {
    if r.ignored.is_some() {
        format!("{} (ignored)", r.verdict.as_str())
    } else {
        r.verdict.as_str().replace('_', " ")
    }
}

fn note_cell(r: &CheckResult) -> String {
    if let Some(why) = &r.ignored {
        return why.clone();
    }
    let mut notes = Vec::new();
    if r.vendor_build {
        notes.push("vendor build".to_string());
    }
    match r.fix {
        Some(FixState::NoFix) => notes.push("no fix exists".to_string()),
        Some(FixState::NotStated) => notes.push("fixed version not stated".to_string()),
        _ => {}
    }
    notes.join("; ")
}

fn scope_words(target: &Target) -> String {
    match &target.scope {
        Scope::Core(cs) if cs.len() == super::component::CoreComponent::ALL.len() => {
            "every core component".to_string()
        }
        scope => scope.names().join(", "),
    }
}

/// The rows of one group: results of one target and component.
fn table(rows: &[&CheckResult]) -> String {
    const HEADER: [&str; 5] = ["CVE", "SEVERITY", "FIXED IN", "STATUS", "NOTE"];
    // The widest each column may be; NOTE takes what is left.
    const MAX: [usize; 4] = [19, 13, 20, 21];
    let cells: Vec<[String; 5]> = rows
        .iter()
        .map(|r| {
            [
                cell(&r.id, MAX[0]),
                cell(&severity_cell(r), MAX[1]),
                cell(&fixed_cell(r), MAX[2]),
                cell(&status_cell(r), MAX[3]),
                note_cell(r),
            ]
        })
        .collect();
    let mut widths = HEADER.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row).take(4) {
            *w = (*w).max(c.chars().count());
        }
    }
    let indent = "  ";
    let used = indent.len() + widths[..4].iter().map(|w| w + 2).sum::<usize>();
    let note_width = TEXT_WIDTH.saturating_sub(used).max(4);
    let mut out = String::new();
    let header = HEADER.map(String::from);
    for row in std::iter::once(&header).chain(&cells) {
        let mut line = indent.to_string();
        for (i, c) in row.iter().enumerate() {
            if i < 4 {
                line.push_str(&format!("{c:<w$}  ", w = widths[i]));
            } else {
                line.push_str(&cell(c, note_width));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// The headline of a group of unknown results: the result's own reason
/// when it names a component (so that a hint is said once per
/// component), else the kind's words.
fn unknown_headline(r: &CheckResult) -> String {
    match r.unknown_reason {
        Some(UnknownReason::NoAffectedVersions) => {
            "no affected versions in the feed or in the description".to_string()
        }
        Some(UnknownReason::InvalidRanges) => {
            "the feed's affected ranges cannot be read".to_string()
        }
        Some(UnknownReason::NoVersionsForComponent) => {
            "the advisory names the component but gives no affected versions".to_string()
        }
        Some(UnknownReason::FixedVersionNotStated) => {
            "fixed, but the fixed version is not stated: the issue is closed as fixed and its \
             range is open-ended (see the JSON output for each range)"
                .to_string()
        }
        Some(
            UnknownReason::ComponentNotFound
            | UnknownReason::ImageDigestOnly
            | UnknownReason::ImageTagNotVersion
            | UnknownReason::NotAssessed
            | UnknownReason::SourceSaysUnknown
            | UnknownReason::NotListed
            | UnknownReason::NoFixAfterLastAffected,
        )
        | None => r.reason.clone(),
    }
}

/// Rows are grouped by target, component and installed version.
type GroupKey<'a> = (&'a str, &'a str, &'a str);

/// The text report: targets; the affected results (every result with
/// `all`), grouped by target and component, most severe first; one
/// remediation line per component; what could not be assessed, grouped by
/// reason, each reason said once; ignored results; warnings; and one
/// summary line. No line is wider than [`TEXT_WIDTH`].
pub fn text(report: &Report, all: bool) -> String {
    let mut out = wrap(
        &format!("feed: {} ({} CVEs)", report.feed, report.cves),
        "",
        "  ",
    );
    for t in &report.targets {
        out.push_str(&wrap(
            &format!(
                "target: {} {}: {}; from {}",
                t.name,
                t.version.raw(),
                scope_words(t),
                t.origin
            ),
            "",
            "    ",
        ));
    }
    out.push('\n');
    let shown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| all || (r.verdict == Verdict::Affected && r.ignored.is_none()))
        .collect();
    if shown.is_empty() {
        out.push_str("No affected component found.\n");
    }
    // Groups in order of their first (most severe) row.
    let mut groups: Vec<(GroupKey, Vec<&CheckResult>)> = Vec::new();
    let mut group_of: HashMap<GroupKey, usize> = HashMap::new();
    for r in shown {
        let key = (
            r.target.as_str(),
            r.component.as_str(),
            r.installed.as_str(),
        );
        let i = *group_of.entry(key).or_insert_with(|| {
            groups.push((key, Vec::new()));
            groups.len() - 1
        });
        groups[i].1.push(r);
    }
    for ((target, component, installed), rows) in &groups {
        let heading = if target == component {
            format!("{component} {installed}")
        } else {
            format!("{component} {installed} (target {target})")
        };
        out.push_str(&cell(&heading, TEXT_WIDTH));
        out.push('\n');
        out.push_str(&table(rows));
        out.push('\n');
    }
    if !report.end_of_life.is_empty() {
        out.push_str("End of life:\n");
        for e in &report.end_of_life {
            out.push_str(&wrap(&e.line(), "  ", "    "));
        }
        out.push('\n');
    }
    if !report.remediation.is_empty() {
        out.push_str("Remediation:\n");
        // One line per component and version: a project-wide CVE reaches
        // every target that runs Kubernetes, with the same advice.
        let mut said = HashSet::new();
        for line in report.remediation.iter().map(Remediation::line) {
            if said.insert(line.clone()) {
                out.push_str(&wrap(&line, "  ", "    "));
            }
        }
        out.push('\n');
    }
    // Each headline once, in order of first appearance, with its ids once.
    let mut unknown: Vec<(String, Vec<&str>)> = Vec::new();
    let mut headlines: HashMap<String, usize> = HashMap::new();
    let mut listed: HashSet<(usize, &str)> = HashSet::new();
    for r in report
        .results
        .iter()
        .filter(|r| r.verdict == Verdict::Unknown && r.ignored.is_none())
    {
        let headline = unknown_headline(r);
        let i = *headlines.entry(headline.clone()).or_insert_with(|| {
            unknown.push((headline, Vec::new()));
            unknown.len() - 1
        });
        if listed.insert((i, r.id.as_str())) {
            unknown[i].1.push(&r.id);
        }
    }
    if !unknown.is_empty() {
        let mut all_ids: Vec<&str> = unknown
            .iter()
            .flat_map(|(_, ids)| ids.iter().copied())
            .collect();
        all_ids.sort_unstable();
        all_ids.dedup();
        out.push_str(&format!("Could not assess ({} CVEs):\n", all_ids.len()));
        for (headline, ids) in &unknown {
            let n = ids.len();
            let count = if n == 1 {
                "1 CVE".to_string()
            } else {
                format!("{n} CVEs")
            };
            let verb = if n == 1 { "concerns" } else { "concern" };
            let line = match headline.strip_prefix("concerns ") {
                Some(rest) => format!("{count} {verb} {rest}"),
                None => format!("{count}: {headline}"),
            };
            out.push_str(&wrap(&line, "  ", "    "));
            out.push_str(&wrap(&ids.join(", "), "      ", "      "));
        }
        out.push('\n');
    }
    let ignored: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.ignored.is_some())
        .collect();
    if !ignored.is_empty() && !all {
        out.push_str("Ignored:\n");
        for r in ignored {
            out.push_str(&wrap(
                &format!(
                    "{} {} ({} {}): {}",
                    r.id,
                    r.verdict.as_str(),
                    r.component,
                    r.installed,
                    r.ignored.as_deref().unwrap_or_default()
                ),
                "  ",
                "    ",
            ));
        }
        out.push('\n');
    }
    for w in &report.warnings {
        out.push_str(&wrap(&format!("warning: {w}"), "", "  "));
    }
    if !report.warnings.is_empty() {
        out.push('\n');
    }
    out.push_str(&wrap(&report.summary_line(), "", ""));
    out
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

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
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

/// The synthetic location of a result, `kubernetes/TARGET/COMPONENT@VERSION`:
/// one CVE reported for two components of one target (kube-apiserver and
/// kubelet of `--version 1.29.3`) is two locations, and so two
/// fingerprints, which code scanning keeps apart.
fn artifact(r: &CheckResult) -> String {
    // A name as one path segment: "a, b" is "a+b", and anything but
    // letters, digits and `.`, `_`, `-` is `-`.
    let segment = |s: &str| -> String {
        s.replace(", ", "+")
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || "._-+".contains(c) {
                    c
                } else {
                    '-'
                }
            })
            .collect()
    };
    format!(
        "kubernetes/{}/{}@{}",
        segment(&r.target),
        segment(&r.component),
        r.installed
    )
}

/// The SARIF location of an artifact URI.
fn physical(uri: &str) -> sarif::PhysicalLocation {
    sarif::PhysicalLocation::builder()
        .artifact_location(
            sarif::ArtifactLocation::builder()
                .uri(uri.to_string())
                .build(),
        )
        .build()
}

/// The SARIF rule of an end-of-life target.
const END_OF_LIFE_RULE: &str = "kubernetes-end-of-life";

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
            match (&r.fixed_in, r.fix) {
                (Some(fixed), _) => text.push_str(&format!(". Fixed in {fixed}")),
                (None, Some(fix)) => text.push_str(&format!(". {}", capitalised(fix.words()))),
                (None, None) => {}
            }
            let artifact = artifact(r);
            let location = sarif::Location::builder()
                .physical_location(physical(&artifact))
                .logical_locations(vec![
                    sarif::LogicalLocation::builder()
                        .name(r.component.clone())
                        .fully_qualified_name(artifact.clone())
                        .kind("module")
                        .build(),
                ])
                .build();
            let suppressions: Vec<sarif::Suppression> = r
                .ignored
                .iter()
                .map(|why| {
                    sarif::Suppression::builder()
                        .kind(serde_json::json!("external"))
                        .justification(why.clone())
                        .build()
                })
                .collect();
            // The typed verdict, for dashboards that group or filter by it.
            let mut props = BTreeMap::from([("verdict".to_string(), serde_json::json!(r.verdict))]);
            for (key, value) in [
                ("unknown_reason", serde_json::json!(r.unknown_reason)),
                (
                    "not_affected_reason",
                    serde_json::json!(r.not_affected_reason),
                ),
                ("fix", serde_json::json!(r.fix)),
            ] {
                if !value.is_null() {
                    props.insert(key.to_string(), value);
                }
            }
            if !r.sources_disagree.is_empty() {
                props.insert(
                    "sources_disagree".to_string(),
                    serde_json::json!(r.sources_disagree),
                );
            }
            sarif::Result::builder()
                .properties(
                    sarif::PropertyBag::builder()
                        .additional_properties(props)
                        .build(),
                )
                .suppressions(suppressions)
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
    let mut results = results;
    if !report.end_of_life.is_empty() {
        rules.push(
            sarif::ReportingDescriptor::builder()
                .id(END_OF_LIFE_RULE)
                .short_description(
                    sarif::MultiformatMessageString::builder()
                        .text("The Kubernetes minor release is past its end of life")
                        .build(),
                )
                .help_uri("https://kubernetes.io/releases/")
                .build(),
        );
        for e in &report.end_of_life {
            let artifact = format!("kubernetes/{}@{}", e.target, e.installed);
            results.push(
                sarif::Result::builder()
                    .rule_id(END_OF_LIFE_RULE)
                    .rule_index(rules.len() as i64 - 1)
                    .kind(sarif::ResultKind::Fail)
                    .level(sarif::ResultLevel::Warning)
                    .message(sarif::Message::builder().text(e.line()).build())
                    .locations(vec![
                        sarif::Location::builder()
                            .physical_location(physical(&artifact))
                            .build(),
                    ])
                    .partial_fingerprints(BTreeMap::from([(
                        "cvefeed/v1".to_string(),
                        format!("{END_OF_LIFE_RULE}/{artifact}"),
                    )]))
                    .build(),
            );
        }
    }
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
