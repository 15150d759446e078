//! The text report for people: a table per target, at most
//! [`TEXT_WIDTH`] columns, with feed and cluster text escaped ([`clean`])
//! and long cells cut ([`cell`]).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use super::{Report, TEXT_WIDTH, words};
use crate::check::component::CoreComponent;
use crate::check::{CheckResult, FixState, Remediation, Scope, Target, UnknownReason, Verdict};

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
        (_, Some(v)) => v.to_string(),
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
        Scope::Core(cs) if cs.len() == CoreComponent::ALL.len() => {
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
                cell(r.id.as_str(), MAX[0]),
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
        | None => words::reason(r),
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
    let mut out = heading(report);
    out.push_str(&affected(report, all));
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
    out.push_str(&unassessed(report));
    if !all {
        out.push_str(&ignored(report));
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

/// The feed and the targets, then a blank line.
fn heading(report: &Report) -> String {
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
    out
}

/// The affected results (every result with `all`), one table per target,
/// component and version, in order of each group's first (most severe)
/// row; or the line that says there is none.
fn affected(report: &Report, all: bool) -> String {
    let shown: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| all || (r.verdict == Verdict::Affected && r.ignored.is_none()))
        .collect();
    let mut out = String::new();
    if shown.is_empty() {
        out.push_str("No affected component found.\n");
    }
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
    out
}

/// What could not be assessed: each headline once, in order of first
/// appearance, with its ids once; empty when everything was assessed.
fn unassessed(report: &Report) -> String {
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
            unknown[i].1.push(r.id.as_str());
        }
    }
    if unknown.is_empty() {
        return String::new();
    }
    let mut all_ids: Vec<&str> = unknown
        .iter()
        .flat_map(|(_, ids)| ids.iter().copied())
        .collect();
    all_ids.sort_unstable();
    all_ids.dedup();
    let mut out = format!("Could not assess ({} CVEs):\n", all_ids.len());
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
    out
}

/// The ignored results and why; empty when none was ignored.
fn ignored(report: &Report) -> String {
    let ignored: Vec<&CheckResult> = report
        .results
        .iter()
        .filter(|r| r.ignored.is_some())
        .collect();
    if ignored.is_empty() {
        return String::new();
    }
    let mut out = "Ignored:\n".to_string();
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
    out
}
